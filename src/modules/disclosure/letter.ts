import { CJK_FONT_STACK } from "../../platform/pdf/chromium-pdf.ts";
import { chinaDate } from "../../platform/time/china-time.ts";
import { DELIVERY_FORMS, OUTCOMES } from "./model.ts";

export interface LetterFacts {
  letterNo: string;
  /** Masked (张*): the letter travels by post and e-mail. */
  applicant: string;
  receivedAt: string;
  queryNo: string;
  description: string;
  outcome: string;
  outcomeReason: string | null;
  text: string;
  documents: { title: string; url: string }[];
  delivery: string;
  issuer: string;
  issuedAt: string;
}

/** The legal basis the letter cites per outcome category (政府信息公开条例, 2019). */
const BASIS: Record<string, string> = {
  granted: "《中华人民共和国政府信息公开条例》第三十六条第（二）项",
  partial: "《中华人民共和国政府信息公开条例》第三十七条",
  refused: "《中华人民共和国政府信息公开条例》第十四条、第十五条、第十六条及第三十六条第（三）项",
  unavailable: "《中华人民共和国政府信息公开条例》第三十条、第三十六条第（四）项及第三十八条",
  not_processed: "《中华人民共和国政府信息公开条例》第三十五条、第三十六条第（六）项及第三十九条",
  other: "《中华人民共和国政府信息公开条例》第三十条、第四十二条",
};

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function cnDate(iso: string): string {
  const [y, m, d] = chinaDate(iso).split("-");
  return `${y}年${Number(m)}月${Number(d)}日`;
}

/**
 * The decision letter (政府信息公开申请答复书) from its template: a self-contained HTML document (no
 * network resources) that the browser shows and headless Chromium prints to PDF with the CJK font.
 */
export function decisionLetterHtml(f: LetterFacts): string {
  const category = OUTCOMES[f.outcome];
  const reason = f.outcomeReason ? category?.reasons[f.outcomeReason] : undefined;
  const paragraphs = f.text
    .split(/\n+/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${esc(p)}</p>`)
    .join("\n");
  const docs = f.documents.length
    ? `<p>您所申请的信息可通过以下途径获取：</p><ol>${f.documents
        .map((d) => `<li>${esc(d.title)}（${esc(d.url)}）</li>`)
        .join("")}</ol>`
    : "";
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${esc(f.letterNo)}</title>
<style>
  @page { size: A4; margin: 25mm 22mm; }
  body { font-family: ${CJK_FONT_STACK}; font-size: 16pt; line-height: 1.8; color: #000; }
  h1 { font-size: 22pt; text-align: center; margin: 0 0 0.3em; letter-spacing: 0.1em; }
  .no { text-align: center; margin: 0 0 1.5em; }
  p { text-indent: 2em; margin: 0.3em 0; }
  p.addressee, p.sign { text-indent: 0; }
  p.sign { text-align: right; margin-top: 2em; }
  .outcome { font-weight: bold; }
  ol { margin: 0.3em 0 0.3em 3em; }
</style>
</head>
<body>
<h1>政府信息公开申请答复书</h1>
<p class="no">${esc(f.letterNo)}</p>
<p class="addressee">${esc(f.applicant)}：</p>
<p>本机关于${cnDate(f.receivedAt)}收到您提出的政府信息公开申请（查询编号：${esc(f.queryNo)}），您申请获取“${esc(f.description)}”。经审查，现答复如下：</p>
<p class="outcome">办理结果：${esc(category?.label ?? f.outcome)}${reason ? `（${esc(reason)}）` : ""}。</p>
${paragraphs}
${docs}
<p>根据${BASIS[f.outcome] ?? "《中华人民共和国政府信息公开条例》"}的规定，特此告知。本答复书以${esc(DELIVERY_FORMS[f.delivery] ?? f.delivery)}方式送达。</p>
<p>如对本答复不服，可以在收到本答复书之日起60日内依法申请行政复议，或者在6个月内依法向人民法院提起行政诉讼。</p>
<p class="sign">${esc(f.issuer)}<br>${cnDate(f.issuedAt)}</p>
</body>
</html>
`;
}
