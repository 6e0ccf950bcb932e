/**
 * A bounded link checker for one site: every request has a timeout (headers and body), bodies are read
 * up to a byte limit, redirects are followed by hand up to a limit (loops named), each host is asked at
 * most once per politeness delay, and crawl traps (infinite calendars, query-string loops, repeated path
 * segments) are cut off by counting URL shapes. Pages in scope (the site's own prefix) are parsed for
 * links; everything else is only checked. The whole crawl has a page budget and a time budget.
 * Links to other hosts go through the platform's LinkChecker, which never asks an address of this
 * machine or of a private network: a page's links must not reach the platform's own network (SSRF).
 */
import { LinkChecker } from "../../platform/http/link-status.ts";

export interface CrawlOptions {
  /** The site's home page; pages under its directory are in scope. */
  start: string;
  maxPages?: number;
  /** Bytes read per page; the rest is cut off (the part read is still parsed). */
  maxBytes?: number;
  /** Per request, headers and body together. */
  timeoutMs?: number;
  redirectLimit?: number;
  /** Minimum gap between two requests to the same host. */
  hostDelayMs?: number;
  /** URLs of one shape (digits replaced) checked at most; beyond this it is a trap. */
  maxShapeVariants?: number;
  /** Query-string variants of one path at most. */
  maxQueryVariants?: number;
  maxDepth?: number;
  /** External links checked at most (the rest are listed as not checked). */
  maxExternal?: number;
  /** The whole crawl stops after this. */
  budgetMs?: number;
  concurrency?: number;
  userAgent?: string;
  /**
   * Checks links to other hosts (default: public addresses only, within timeoutMs); tests pass one
   * that may ask loopback servers.
   */
  outsideLinks?: LinkChecker;
  /** Extra request headers for in-scope pages (e.g. a cookie). */
  headers?: Record<string, string>;
  onProgress?: (done: number, total: number, url: string) => void;
}

export interface CrawledPage {
  url: string;
  status: number;
  contentType: string;
  bytes: number;
  truncated: boolean;
  /** The HTML read (up to maxBytes), for the page checks; not kept for non-HTML. */
  html: string | null;
  depth: number;
}

export interface BrokenLink {
  url: string;
  from: string;
  internal: boolean;
  status: number | null;
  reason: string;
}

export interface CrawlNote {
  kind: "trap" | "too-large" | "non-html" | "limit" | "skipped";
  url: string;
  detail: string;
}

export interface CrawlReport {
  start: string;
  pages: CrawledPage[];
  broken: BrokenLink[];
  notes: CrawlNote[];
  checkedLinks: number;
  stoppedBy: string | null;
  elapsedMs: number;
}

interface Fetched {
  status: number | null;
  finalUrl: string;
  contentType: string;
  body: string | null;
  bytes: number;
  truncated: boolean;
  error: string | null;
  /** A page of the site that redirected off it (checked as an outside link, not crawled). */
  offSite?: boolean;
  /** …and the outside address was not checked: the crawl's outside links were used up (maxExternal). */
  notChecked?: boolean;
}

/**
 * How the inspector names itself in every request it makes (crawler, probes, the browser checks): a
 * robot by its name ("Bot", "crawler"), so the platform's own page-view counting (the analytics robot
 * filter) and the sites' logs leave its visits out.
 */
export const INSPECTOR_USER_AGENT =
  "Mozilla/5.0 (compatible; ChuyunInspectorBot/1.0; site inspection crawler)";

const DEFAULTS = {
  maxPages: 60,
  maxBytes: 1_500_000,
  timeoutMs: 15_000,
  redirectLimit: 5,
  hostDelayMs: 250,
  maxShapeVariants: 12,
  maxQueryVariants: 8,
  maxDepth: 5,
  maxExternal: 60,
  budgetMs: 180_000,
  concurrency: 2,
  userAgent: INSPECTOR_USER_AGENT,
};

/** A URL with digit runs replaced: /calendar/2026/12?d=3 and /calendar/2031/07?d=9 have one shape. */
export function urlShape(url: URL): string {
  return `${url.host}${url.pathname}?${[...url.searchParams.keys()].sort().join("&")}`.replace(/\d+/g, "0");
}

/** A path whose segments repeat (/a/b/a/b/a/b) is a relative-link loop. */
function repeatsSegments(path: string): boolean {
  const parts = path.split("/").filter(Boolean);
  if (parts.length > 12) return true;
  const counts = new Map<string, number>();
  for (const p of parts) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts.values()].some((n) => n >= 3);
}

const LINK = /<(a|img|link|iframe)\b[^>]*?\s(href|src)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi;

/** Links of a page (anchors, images, stylesheets, frames), resolved and without fragments. */
export function extractLinks(html: string, base: string): string[] {
  const out = new Set<string>();
  let baseUrl = base;
  const b = /<base\s[^>]*href\s*=\s*["']([^"']+)["']/i.exec(html);
  if (b) baseUrl = new URL(decodeEntities(b[1]!), base).toString();
  for (const m of html.matchAll(LINK)) {
    const raw = decodeEntities((m[4] ?? m[5] ?? m[6] ?? "").trim());
    if (!raw || raw.startsWith("#") || /^(mailto|tel|javascript|data|sms):/i.test(raw)) continue;
    try {
      const u = new URL(raw, baseUrl);
      if (u.protocol !== "http:" && u.protocol !== "https:") continue;
      u.hash = "";
      out.add(u.toString());
    } catch {
      // an unparseable href is not a link
    }
  }
  return [...out];
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function crawlSite(options: CrawlOptions): Promise<CrawlReport> {
  const o = { ...DEFAULTS, ...options };
  const started = Date.now();
  const startUrl = new URL(o.start);
  const scopePrefix = startUrl.pathname.endsWith("/")
    ? startUrl.pathname
    : startUrl.pathname.replace(/[^/]*$/, "");
  const inScope = (u: URL) => u.origin === startUrl.origin && u.pathname.startsWith(scopePrefix);

  const pages: CrawledPage[] = [];
  const broken: BrokenLink[] = [];
  const notes: CrawlNote[] = [];
  const checked = new Map<string, Promise<Fetched>>();
  const seenPages = new Set<string>();
  const shapes = new Map<string, number>();
  const queries = new Map<string, number>();
  const trapNoted = new Set<string>();
  const nextSlot = new Map<string, number>();
  let externals = 0;
  let stoppedBy: string | null = null;
  const queue: { url: string; from: string; depth: number }[] = [
    { url: startUrl.toString(), from: "", depth: 0 },
  ];

  const overBudget = () => Date.now() - started > o.budgetMs;
  const outsideLinks = o.outsideLinks ?? new LinkChecker({ timeoutMs: o.timeoutMs, userAgent: o.userAgent });

  /** Waits for the host's politeness slot. */
  const polite = async (host: string) => {
    const now = Date.now();
    const slot = Math.max(now, nextSlot.get(host) ?? 0);
    nextSlot.set(host, slot + o.hostDelayMs);
    if (slot > now) await sleep(slot - now);
  };

  /** One GET with a timeout over headers and body, following redirects by hand. */
  const fetchBounded = async (
    url: string,
    wantBody: boolean,
    headers: Record<string, string>,
  ): Promise<Fetched> => {
    let current = url;
    const visited = new Set<string>();
    for (let hop = 0; ; hop++) {
      if (visited.has(current))
        return fail(url, current, `重定向循环（${[...visited].length} 次后回到 ${current}）`);
      visited.add(current);
      if (hop > o.redirectLimit) return fail(url, current, `重定向超过 ${o.redirectLimit} 次`);
      await polite(new URL(current).host);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), o.timeoutMs);
      try {
        const res = await fetch(current, {
          redirect: "manual",
          signal: controller.signal,
          headers: { "user-agent": o.userAgent, accept: "text/html,*/*;q=0.5", ...headers },
        });
        const location = res.headers.get("location");
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel().catch(() => {});
          const target = new URL(location, current);
          // A redirect off the site (an article that forwards to its outside address) is checked like
          // any outside link: never followed onto this machine or a private network.
          // The home page itself may move to another address (http → https, a canonical host): followed.
          if (target.origin !== startUrl.origin && url !== startUrl.toString()) {
            const outside = target.toString();
            if (!takeOutside(outside))
              return { ...fail(url, outside, ""), error: null, offSite: true, notChecked: true };
            return { ...(await checkOutside(outside)), finalUrl: outside, offSite: true };
          }
          current = target.toString();
          continue;
        }
        const contentType = (res.headers.get("content-type") ?? "").toLowerCase();
        const html = contentType.includes("text/html") || contentType.includes("application/xhtml");
        if (!wantBody || !html || !res.body) {
          await res.body?.cancel().catch(() => {});
          return {
            status: res.status,
            finalUrl: current,
            contentType,
            body: null,
            bytes: 0,
            truncated: false,
            error: null,
          };
        }
        const reader = res.body.getReader();
        const chunks: Uint8Array[] = [];
        let bytes = 0;
        let truncated = false;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          bytes += value.byteLength;
          chunks.push(value);
          if (bytes >= o.maxBytes) {
            truncated = true;
            await reader.cancel().catch(() => {});
            break;
          }
        }
        const body = Buffer.concat(chunks).subarray(0, o.maxBytes).toString("utf8");
        return { status: res.status, finalUrl: current, contentType, body, bytes, truncated, error: null };
      } catch (error) {
        const reason = controller.signal.aborted
          ? `${o.timeoutMs / 1000} 秒内无响应`
          : `无法连接（${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}）`;
        return fail(url, current, reason);
      } finally {
        clearTimeout(timer);
      }
    }
  };
  const fail = (url: string, finalUrl: string, error: string): Fetched => ({
    status: null,
    finalUrl,
    contentType: "",
    body: null,
    bytes: 0,
    truncated: false,
    error,
  });

  /** Whether a URL in scope may be crawled (not a trap, within the limits); notes why not. */
  const admissible = (u: URL, depth: number): boolean => {
    const trap = (key: string, detail: string) => {
      if (!trapNoted.has(key)) {
        trapNoted.add(key);
        notes.push({ kind: "trap", url: u.toString(), detail });
      }
      return false;
    };
    if (u.toString().length > 2000) return trap(`long:${u.pathname}`, "地址过长，疑似抓取陷阱，已跳过");
    if (repeatsSegments(u.pathname))
      return trap(`rep:${urlShape(u)}`, "路径片段重复，疑似相对链接循环，已跳过");
    if (depth > o.maxDepth) return false;
    const shape = urlShape(u);
    const n = (shapes.get(shape) ?? 0) + 1;
    if (n > o.maxShapeVariants)
      return trap(
        `shape:${shape}`,
        `同一形式的地址超过 ${o.maxShapeVariants} 个（如无限日历、无限翻页），其余已跳过`,
      );
    if (u.search) {
      const path = `${u.origin}${u.pathname}`;
      const q = (queries.get(path) ?? 0) + 1;
      if (q > o.maxQueryVariants)
        return trap(
          `query:${path}`,
          `同一页面的查询参数组合超过 ${o.maxQueryVariants} 种（查询串循环），其余已跳过`,
        );
      queries.set(path, q);
    }
    shapes.set(shape, n);
    return true;
  };

  /** A link to another host, asked politely, never on a private network (see LinkChecker). */
  const checkOutside = async (url: string): Promise<Fetched> => {
    const answer = await outsideLinks.status(url, (next) => polite(next.host));
    if ("error" in answer) return fail(url, url, answer.error);
    return { ...fail(url, url, ""), status: answer.status, error: null };
  };

  /**
   * Whether one more outside address may be asked (links and off-site redirects share maxExternal);
   * the first one over the limit leaves a note.
   */
  function takeOutside(url: string): boolean {
    externals++;
    if (externals === o.maxExternal + 1)
      notes.push({ kind: "limit", url, detail: `外部链接超过 ${o.maxExternal} 个，其余未检查` });
    return externals <= o.maxExternal;
  }

  /** Checks a link once (cached); records it as broken when it fails. */
  const checkLink = async (url: string, from: string, internal: boolean) => {
    let p = checked.get(url);
    if (!p) {
      if (!internal && !takeOutside(url)) return;
      p = internal ? fetchBounded(url, false, {}) : checkOutside(url);
      checked.set(url, p);
    }
    const r = await p;
    if (r.error || (r.status !== null && r.status >= 400))
      broken.push({
        url,
        from,
        internal,
        status: r.status,
        reason: r.error ?? `HTTP ${r.status}`,
      });
  };

  let active = 0;
  const crawlOne = async (item: { url: string; from: string; depth: number }) => {
    const r = await fetchBounded(item.url, true, o.headers ?? {});
    checked.set(item.url, Promise.resolve(r));
    if (r.notChecked) {
      notes.push({ kind: "skipped", url: item.url, detail: "页面转到站外地址（外部链接已达上限，未检查）" });
      return;
    }
    if (r.error || r.status === null || r.status >= 400) {
      broken.push({
        url: item.url,
        from: item.from || item.url,
        internal: true,
        status: r.status,
        reason: r.error ?? `HTTP ${r.status}`,
      });
      return;
    }
    if (r.offSite) {
      notes.push({ kind: "skipped", url: item.url, detail: "页面转到站外地址，已按外部链接检查可用性" });
      return;
    }
    if (r.body === null) {
      if (item.depth === 0 || !r.contentType.startsWith("image/"))
        notes.push({
          kind: "non-html",
          url: item.url,
          detail: `非网页内容（${r.contentType || "未知类型"}），只检查可用性`,
        });
      return;
    }
    if (r.truncated)
      notes.push({
        kind: "too-large",
        url: item.url,
        detail: `页面超过 ${o.maxBytes} 字节，只读取了前 ${o.maxBytes} 字节`,
      });
    pages.push({
      url: item.url,
      status: r.status,
      contentType: r.contentType,
      bytes: r.bytes,
      truncated: r.truncated,
      html: r.body,
      depth: item.depth,
    });
    const links = extractLinks(r.body, r.finalUrl);
    const checks: Promise<void>[] = [];
    for (const link of links) {
      const u = new URL(link);
      if (inScope(u)) {
        if (seenPages.has(link)) continue;
        if (!admissible(u, item.depth + 1)) continue;
        seenPages.add(link);
        queue.push({ url: link, from: item.url, depth: item.depth + 1 });
      } else checks.push(checkLink(link, item.url, u.origin === startUrl.origin));
    }
    await Promise.all(checks);
  };

  seenPages.add(startUrl.toString());
  shapes.set(urlShape(startUrl), 1);
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (active < o.concurrency && queue.length > 0) {
        if (pages.length + active >= o.maxPages) {
          stoppedBy ??= `已达页面上限（${o.maxPages} 页）`;
          queue.length = 0;
          break;
        }
        if (overBudget()) {
          stoppedBy ??= `已达时间上限（${Math.round(o.budgetMs / 1000)} 秒）`;
          queue.length = 0;
          break;
        }
        const item = queue.shift()!;
        active++;
        o.onProgress?.(pages.length, pages.length + active + queue.length, item.url);
        void crawlOne(item)
          .catch((error: unknown) =>
            notes.push({ kind: "skipped", url: item.url, detail: `检查出错：${(error as Error).message}` }),
          )
          .finally(() => {
            active--;
            o.onProgress?.(pages.length, pages.length + active + queue.length, item.url);
            pump();
          });
      }
      if (active === 0 && queue.length === 0) resolve();
    };
    pump();
  });
  if (stoppedBy) notes.push({ kind: "limit", url: o.start, detail: stoppedBy });
  return {
    start: o.start,
    pages,
    broken,
    notes,
    checkedLinks: checked.size,
    stoppedBy,
    elapsedMs: Date.now() - started,
  };
}
