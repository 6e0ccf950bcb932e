/**
 * The content check before review (发布前内容检查): wrongly written fixed expressions and common typos,
 * sensitive and banned wording, leaders' names with a wrong title, and dead links. The
 * national website inspection vetoes a site for 严重表述错误, so findings marked "serious" must be
 * confirmed by the reviewer before publishing. The lists are maintained in check-lists.ts.
 */
import {
  BANNED_WORDS,
  FIXED_EXPRESSIONS,
  LEADER_TITLES,
  NATIONAL_LEADERS,
  NATIONAL_TITLES,
  REGION_AS_COUNTRY,
  SENSITIVE_WORDS,
} from "./check-lists.ts";
import type { LinkStatus } from "../../platform/http/link-status.ts";

/** A leader the check knows: a name and the titles that are theirs. */
export interface KnownLeader {
  name: string;
  /** As kept in 领导之窗: one may hold several (省委副书记、省长) or a qualified one (省政府秘书长). */
  titles: string[];
  /**
   * Known only from the national list: a wrong local title there is a warning, not a veto (a
   * county's 副县长 may share a national leader's common name); a wrong national one is serious.
   */
  national?: boolean;
}

const NATIONAL = new Set(NATIONAL_TITLES);

/**
 * Whether `given` (a title next to the name in the text) is one of the leader's: equal to one of
 * the titles kept, or that title with an organisation before it (秘书长 for 省政府秘书长) — but never
 * a full title for a deputy's (省长 is not 副省长's).
 */
function holds(leader: KnownLeader, given: string): boolean {
  return leader.titles
    .flatMap((t) => t.split(/[、，,/／\s]+/))
    .some((t) => t === given || (t.endsWith(given) && !t.slice(0, -given.length).endsWith("副")));
}

/** A leader's titles without the short forms of longer ones (总理 of 国务院总理), for messages. */
function fullTitles(leader: KnownLeader): string[] {
  return leader.titles.filter((t) => !leader.titles.some((other) => other !== t && other.includes(t)));
}

export type FindingKind = "expression" | "banned" | "sensitive" | "leader" | "link";

export interface ContentFinding {
  kind: FindingKind;
  /** serious: a 严重表述错误 (veto item) — publishing needs the reviewer's confirmation. */
  severity: "serious" | "warning";
  /** The text found. */
  found: string;
  message: string;
  /** A few characters around the finding, to locate it. */
  context: string;
}

export const FINDING_KINDS: Record<FindingKind, string> = {
  expression: "错别字与固定表述",
  banned: "禁用词",
  sensitive: "敏感词",
  leader: "领导姓名职务",
  link: "链接",
};

/** The visible text of an article body (tags dropped, entities for the usual characters decoded). */
export function plainText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

function around(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 8);
  return text
    .slice(start, index + length + 8)
    .replace(/\s+/g, " ")
    .trim();
}

function* occurrences(text: string, word: string): Generator<number> {
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + word.length)) yield i;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Findings in the words of an article (title and body); links are checked apart (checkLinks).
 * `leaders`: the leaders whose titles are checked (the national ones, with the site's and the
 * province's from 领导之窗: see ContentService.checkWords).
 */
export function checkText(
  title: string,
  bodyHtml: string,
  leaders: KnownLeader[] = NATIONAL_LEADERS.map((l) => ({ ...l, national: true })),
): ContentFinding[] {
  const text = `${title}\n${plainText(bodyHtml)}`;
  const findings: ContentFinding[] = [];
  for (const [wrong, right] of Object.entries(FIXED_EXPRESSIONS))
    for (const i of occurrences(text, wrong))
      findings.push({
        kind: "expression",
        severity: right.serious ? "serious" : "warning",
        found: wrong,
        message: `“${wrong}”应为“${right.correct}”`,
        context: around(text, i, wrong.length),
      });
  for (const word of BANNED_WORDS)
    for (const i of occurrences(text, word))
      findings.push({
        kind: "banned",
        severity: "serious",
        found: word,
        message: `禁用词“${word}”，请删除或改写`,
        context: around(text, i, word.length),
      });
  for (const word of SENSITIVE_WORDS)
    for (const i of occurrences(text, word))
      findings.push({
        kind: "sensitive",
        severity: "warning",
        found: word,
        message: `敏感词“${word}”，请确认表述是否恰当`,
        context: around(text, i, word.length),
      });
  for (const m of text.matchAll(REGION_AS_COUNTRY))
    findings.push({
      kind: "expression",
      severity: "serious",
      found: m[0],
      message: `${m[1]}不能与国家并列，应写作“国家和地区”`,
      context: around(text, m.index ?? 0, m[0].length),
    });
  // A leader's name next to a title that is not theirs (省长张三 / 张三副省长).
  const titles = [...LEADER_TITLES]
    .sort((a, b) => b.length - a.length)
    .map(escape)
    .join("|");
  for (const leader of leaders) {
    const pattern = new RegExp(`(${titles})?${escape(leader.name)}(${titles})?`, "g");
    for (const m of text.matchAll(pattern)) {
      const given = m[2] ?? (m[1] && !m[1].endsWith("同志") ? m[1] : undefined);
      if (!given || holds(leader, given)) continue;
      findings.push({
        kind: "leader",
        severity: leader.national && !NATIONAL.has(given) ? "warning" : "serious",
        found: m[0],
        message: `${leader.name}的职务为“${fullTitles(leader).join("、")}”，不是“${given}”`,
        context: around(text, m.index ?? 0, m[0].length),
      });
    }
  }
  return findings;
}

/** The links of a body: same-site paths ("/…", at most 30) and outside http(s) addresses (at most 10). */
export function bodyLinks(bodyHtml: string): { internal: string[]; external: string[] } {
  const internal = new Set<string>();
  const external = new Set<string>();
  for (const m of bodyHtml.matchAll(/<a\b[^>]*\bhref\s*=\s*"([^"]+)"/gi)) {
    const href = m[1].replace(/&amp;/g, "&").trim();
    if (href.startsWith("/") && !href.startsWith("//")) internal.add(href.split("#")[0] || "/");
    else if (/^https?:\/\//i.test(href)) external.add(href.split("#")[0]);
  }
  return { internal: [...internal].slice(0, 30), external: [...external].slice(0, 10) };
}

/**
 * Dead links: each internal path is asked for on the platform (`status`), each outside address
 * with `probe` (its status, or why it could not be reached), all at once; 4xx/5xx and unreachable
 * addresses are reported.
 */
export async function checkLinks(
  bodyHtml: string,
  status: (path: string) => Promise<number>,
  probe?: (url: string) => Promise<LinkStatus>,
): Promise<ContentFinding[]> {
  const { internal, external } = bodyLinks(bodyHtml);
  const dead = (href: string, why: string): ContentFinding => ({
    kind: "link",
    severity: "warning",
    found: href,
    message: `链接无法打开（${why}）：${href}`,
    context: href,
  });
  const inside = internal.map(async (href) => {
    const code = await status(href).catch(() => 500);
    return code >= 400 ? dead(href, String(code)) : null;
  });
  const outside = probe
    ? external.map(async (href) => {
        const answer = await probe(href).catch(() => ({ error: "无法连接" }));
        if ("error" in answer) return dead(href, answer.error);
        return answer.status >= 400 ? dead(href, String(answer.status)) : null;
      })
    : [];
  return (await Promise.all([...inside, ...outside])).filter((f): f is ContentFinding => f !== null);
}
