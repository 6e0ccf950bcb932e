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
  /** Pages axe-core ran on to the end. */
  pages: number;
  /** What was not checked and why (a page skipped, the browser given up); not part of the score. */
  notes: PageProblem[];
  /** Why nothing could be checked (no Chromium, the browser would not start); null when it ran. */
  notChecked: string | null;
}

export interface BrowserCheckOptions {
  userAgent?: string;
  /** One page: navigation, axe-core and the measurements together. */
  pageTimeoutMs?: number;
  /** Starting Chromium. */
  launchTimeoutMs?: number;
  /** The whole browser step; pages not reached by then are listed as not checked. */
  budgetMs?: number;
  onPage?: (done: number, total: number) => void;
}

const BROWSER_DEFAULTS = { pageTimeoutMs: 30_000, launchTimeoutMs: 30_000, budgetMs: 150_000 };

const require = createRequire(import.meta.url);

class StepTimeout extends Error {}

/** `work` or a StepTimeout after `ms` (the work itself is abandoned: its browser is then closed). */
function bounded<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout(`${what}超过 ${Math.round(ms / 1000)} 秒未完成`)), ms);
  });
  work.catch(() => {}); // a late failure of abandoned work is not an unhandled rejection
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const firstLine = (error: unknown) => ((error as Error)?.message ?? String(error)).split("\n")[0]!;

type AxeWindow = {
  axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; help: string }[] }> };
};

/**
 * axe-core (WCAG 2.1 A/AA) in headless Chromium on a sample of pages, and the elder-mode rules that need
 * a layout (24 px text, 60×60 targets) with the elder cookie set.
 *
 * Every step is bounded and isolated: each page gets its own context and a deadline over navigation,
 * axe-core and the measurements; a page that times out or crashes Chromium becomes a line ("could not be
 * checked", with its address), the browser is closed and started afresh for the next page, and once
 * the step's budget is spent (or Chromium cannot be started again) the remaining pages are listed as not
 * checked. It never throws: without Chromium `notChecked` says why, and the checks are "not checked",
 * never passed.
 */
export async function browserChecks(
  urls: string[],
  chromiumPath: string,
  options: BrowserCheckOptions = {},
): Promise<BrowserFindings> {
  const o = { ...BROWSER_DEFAULTS, ...options };
  const findings: BrowserFindings = { accessibility: [], elder: [], pages: 0, notes: [], notChecked: null };
  try {
    await access(chromiumPath);
  } catch {
    findings.notChecked = `本机没有 Chromium（${chromiumPath}）`;
    return findings;
  }
  const started = Date.now();
  const left = () => o.budgetMs - (Date.now() - started);
  const { chromium } = await import("playwright-core");
  type Browser = Awaited<ReturnType<typeof chromium.launch>>;
  const axePath = require.resolve("axe-core/axe.min.js");

  let browser: Browser | null = null;
  let gaveUp: string | null = null;
  let launches = 0;
  const close = async (b: Browser | null) => {
    // A hung browser is not waited for; playwright kills its process when this process exits.
    if (b) await bounded(5_000, "关闭浏览器", b.close()).catch(() => {});
  };
  /** The running browser, started (again) when needed; null once it cannot be started. */
  const ensureBrowser = async (): Promise<Browser | null> => {
    if (browser?.isConnected()) return browser;
    await close(browser);
    browser = null;
    if (gaveUp) return null;
    if (launches >= 3) {
      gaveUp = "浏览器多次崩溃或超时，其余页面未检查";
      return null;
    }
    launches++;
    try {
      browser = await bounded(
        o.launchTimeoutMs,
        "启动浏览器",
        chromium.launch({
          executablePath: chromiumPath,
          timeout: o.launchTimeoutMs,
          args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
        }),
      );
      return browser;
    } catch (error) {
      gaveUp = `浏览器无法启动：${firstLine(error)}`;
      return null;
    }
  };

  /**
   * One bounded, isolated step on one page: a fresh context, a deadline, the page's crash and the
   * browser's exit ending it at once. False when it failed; the failure is reported by `onFail`.
   */
  const step = async (
    url: string,
    elder: boolean,
    work: (page: import("playwright-core").Page) => Promise<void>,
    onFail: (reason: string) => void,
  ): Promise<boolean> => {
    const remaining = left();
    if (remaining <= 0) {
      gaveUp ??= `浏览器检查已达时间上限（${Math.round(o.budgetMs / 1000)} 秒），其余页面未检查`;
      return false;
    }
    const b = await ensureBrowser();
    if (!b) return false;
    const timeoutMs = Math.min(o.pageTimeoutMs, remaining);
    let context: Awaited<ReturnType<Browser["newContext"]>> | null = null;
    const run = async () => {
      context = await b.newContext({ bypassCSP: true, userAgent: o.userAgent });
      context.setDefaultTimeout(timeoutMs);
      // Only the inspected site's own address is asked: an image, frame or script address of the page
      // that points elsewhere (the platform's own network) never leaves the browser (SSRF).
      const origin = new URL(url).origin;
      await context.route("**/*", (route) =>
        new URL(route.request().url()).origin === origin ? route.continue() : route.abort("blockedbyclient"),
      );
      if (elder) {
        const u = new URL(url);
        await context.addCookies([{ name: "elder", value: "1", domain: u.hostname, path: "/" }]);
      }
      const page = await context.newPage();
      const crashed = new Promise<never>((_, reject) => {
        page.once("crash", () => reject(new Error("页面使浏览器崩溃")));
        b.once("disconnected", () => reject(new Error("浏览器已退出")));
      });
      crashed.catch(() => {});
      await Promise.race([work(page), crashed]);
    };
    try {
      await bounded(timeoutMs, "浏览器检查", run());
      return true;
    } catch (error) {
      onFail(firstLine(error));
      // A page that timed out may still hold the renderer busy (a script loop, axe-core on a huge DOM):
      // the browser is closed and the next page gets a new one.
      await close(b);
      browser = null;
      return false;
    } finally {
      const c = context as { close(): Promise<void> } | null;
      if (c && browser) await bounded(5_000, "关闭页面", c.close()).catch(() => {});
    }
  };

  const notChecked = (url: string, what: string) => {
    if (gaveUp) findings.notes.push({ url, detail: `${what}未检查：${gaveUp}` });
  };

  try {
    for (const [i, url] of urls.entries()) {
      o.onPage?.(i, urls.length);
      const ok = await step(
        url,
        false,
        async (page) => {
          await page.goto(url, { waitUntil: "load" });
          await page.addScriptTag({ path: axePath });
          const violations = await page.evaluate(async () => {
            const r = await (window as unknown as AxeWindow).axe.run({
              runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
            });
            return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help }));
          });
          for (const v of violations)
            findings.accessibility.push({ url, detail: `${v.id}（${v.impact}）：${v.help}` });
          findings.pages++;
        },
        (reason) => findings.accessibility.push({ url, detail: `页面无法在浏览器中检查：${reason}` }),
      );
      if (!ok) notChecked(url, "无障碍");
    }
    // Elder mode on the first page: the elder cookie (as the 长辈版 link sets it), then measure.
    const first = urls[0];
    if (first) {
      const ok = await step(
        first,
        true,
        async (page) => {
          await page.goto(first, { waitUntil: "load" });
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
            findings.elder.push({ url: first, detail: `长辈版正文字号 ${m.size}px，小于24px` });
          if (m.small > 0)
            findings.elder.push({ url: first, detail: `长辈版有 ${m.small} 个链接或按钮小于60×60像素` });
        },
        (reason) => findings.elder.push({ url: first, detail: `长辈版无法检查：${reason}` }),
      );
      if (!ok) notChecked(first, "长辈版");
    }
    o.onPage?.(urls.length, urls.length);
  } finally {
    await close(browser);
  }
  if (launches > 0 && findings.pages === 0 && gaveUp && findings.accessibility.length === 0)
    findings.notChecked = gaveUp;
  return findings;
}
