import { access } from "node:fs/promises";
import { createRequire } from "node:module";
import type { PageProblem } from "./rules.ts";

/** Meta tags every page of a government site carries (政府网站网页设计规范 元数据). */
const SITE_META = ["SiteName", "SiteDomain", "SiteIDCode"];
const COLUMN_META = ["ColumnName", "ColumnType"];
const ARTICLE_META = ["ArticleTitle", "PubDate", "ContentSource"];

function metaNames(html: string): Set<string> {
  const names = new Set<string>();
  for (const m of html.matchAll(/<meta\b[^>]*\bname\s*=\s*["']([^"']+)["'][^>]*>/gi)) {
    if (/\bcontent\s*=\s*["'][^"']*\S[^"']*["']/i.test(m[0])) names.add(m[1]!);
  }
  return names;
}

/** Missing meta tags of one page: site tags everywhere, column tags on channel pages, article tags on articles. */
export function missingMeta(url: string, html: string): string[] {
  const names = metaNames(html);
  const path = new URL(url).pathname;
  const wanted = [...SITE_META];
  if (!/<title>\s*\S/i.test(html)) wanted.push("title");
  if (/\/art\//.test(path)) wanted.push(...ARTICLE_META);
  else if (/\/col\//.test(path)) wanted.push(...COLUMN_META);
  return wanted.filter((n) => (n === "title" ? true : !names.has(n)));
}

/** Elder-mode rules readable in the HTML: every public page offers the 长辈版 entry. */
export function elderProblems(url: string, html: string): string[] {
  const problems: string[] = [];
  if (!/<a\b[^>]*>[^<]*长辈版[^<]*<\/a>/.test(html)) problems.push("页面没有“长辈版”入口");
  if (!/<meta\b[^>]*name=["']viewport["']/i.test(html))
    problems.push("页面没有 viewport 设置，手机上无法适配");
  void url;
  return problems;
}

export function pageProblems(pages: { url: string; html: string | null }[]): {
  meta: PageProblem[];
  elder: PageProblem[];
} {
  const meta: PageProblem[] = [];
  const elder: PageProblem[] = [];
  for (const p of pages) {
    if (!p.html) continue;
    const missing = missingMeta(p.url, p.html);
    if (missing.length) meta.push({ url: p.url, detail: `缺少元数据：${missing.join("、")}` });
    for (const e of elderProblems(p.url, p.html)) elder.push({ url: p.url, detail: e });
  }
  return { meta, elder };
}

export interface BrowserFindings {
  accessibility: PageProblem[];
  elder: PageProblem[];
  pages: number;
}

const require = createRequire(import.meta.url);

/**
 * axe-core (WCAG 2.1 A/AA) in headless Chromium on a sample of pages, and the elder-mode rules that need
 * a layout (24 px text, 60×60 targets) with the elder cookie set. Null when Chromium is not installed:
 * the checks are then "not checked", never passed.
 */
export async function browserChecks(
  urls: string[],
  chromiumPath: string,
  onPage?: (done: number, total: number) => void,
): Promise<BrowserFindings | null> {
  try {
    await access(chromiumPath);
  } catch {
    return null;
  }
  const { chromium } = await import("playwright-core");
  const axePath = require.resolve("axe-core/axe.min.js");
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
  const findings: BrowserFindings = { accessibility: [], elder: [], pages: 0 };
  try {
    const context = await browser.newContext({ bypassCSP: true });
    for (const [i, url] of urls.entries()) {
      onPage?.(i, urls.length);
      const page = await context.newPage();
      try {
        await page.goto(url, { timeout: 20_000, waitUntil: "load" });
        await page.addScriptTag({ path: axePath });
        const violations = await page.evaluate(async () => {
          const axe = (
            window as unknown as {
              axe: {
                run: (o: unknown) => Promise<{ violations: { id: string; impact: string; help: string }[] }>;
              };
            }
          ).axe;
          const r = await axe.run({
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
          });
          return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help }));
        });
        for (const v of violations)
          findings.accessibility.push({ url, detail: `${v.id}（${v.impact}）：${v.help}` });
        findings.pages++;
      } catch (error) {
        findings.accessibility.push({
          url,
          detail: `页面无法在浏览器中检查：${(error as Error).message.split("\n")[0]}`,
        });
      } finally {
        await page.close();
      }
    }
    // Elder mode on the first page: the elder cookie (as the 长辈版 link sets it), then measure.
    if (urls[0]) {
      const u = new URL(urls[0]);
      await context.addCookies([{ name: "elder", value: "1", domain: u.hostname, path: "/" }]);
      const page = await context.newPage();
      try {
        await page.goto(urls[0], { timeout: 20_000, waitUntil: "load" });
        const m = await page.evaluate(() => {
          const main = document.querySelector("main") ?? document.body;
          const size = parseFloat(getComputedStyle(main).fontSize);
          const small = [...main.querySelectorAll("a, button, input, select, textarea")].filter((el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && (r.width < 60 || r.height < 60);
          }).length;
          return { size, small };
        });
        if (m.size < 24)
          findings.elder.push({ url: urls[0], detail: `长辈版正文字号 ${m.size}px，小于24px` });
        if (m.small > 0)
          findings.elder.push({ url: urls[0], detail: `长辈版有 ${m.small} 个链接或按钮小于60×60像素` });
      } catch (error) {
        findings.elder.push({
          url: urls[0],
          detail: `长辈版无法检查：${(error as Error).message.split("\n")[0]}`,
        });
      } finally {
        await page.close();
      }
    }
    onPage?.(urls.length, urls.length);
  } finally {
    await browser.close();
  }
  return findings;
}
