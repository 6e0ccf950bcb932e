import type { IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";
import type { AnalyticsService } from "./service.ts";

const SITE_PAGE = /^\/sites\/([a-z0-9-]{1,40})(\/[^?#]*)?$/i;
const ELDER_ON = /(?:^|;\s*)elder=1[cx]{0,2}(?:;|$)/;

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/** Paths already checked against SITE_PAGE (the same few thousand pages are read over and over). */
const checked = new Map<string, string | null>();

/** The path (≤ 300 characters) a view of `path` (no query) counts for, or null if it is not a site page. */
function sitePage(path: string): string | null {
  let page = checked.get(path);
  if (page === undefined) {
    const match = SITE_PAGE.exec(path);
    page = match ? match[0].slice(0, 300) : null;
    if (checked.size >= 10_000) checked.clear();
    checked.set(path, page);
  }
  return page;
}

/**
 * Counts a public page view: `path` is the address inside the platform (/sites/CODE/…), so pages of
 * a department host (rst.example.gov.cn/x → /sites/rst/x) count for their site. On the path of every
 * cached page: it allocates nothing per view for a page and visitor already seen (see HitBuffer).
 */
export function countPageView(
  analytics: AnalyticsService,
  req: IncomingMessage,
  path: string,
  ip: string,
): void {
  const query = path.indexOf("?");
  const page = sitePage(query < 0 ? path : path.slice(0, query));
  if (page === null) return;
  // A page the browser fetched ahead in case it is opened (Sec-Purpose / Purpose: prefetch) is not a view.
  const purpose = req.headers["sec-purpose"] ?? req.headers.purpose;
  if (purpose !== undefined && String(purpose).includes("prefetch")) return;
  // Results pages carry their term, for refinements and exits from results (only these pages parse).
  const term =
    query >= 0 && page.endsWith("/search")
      ? (new URLSearchParams(path.slice(query + 1)).get("q") ?? "").trim().toLowerCase().slice(0, 100)
      : undefined;
  const headers = req.headers;
  const agent = headers["user-agent"] ?? "";
  const cookie = headers.cookie;
  analytics.hit(
    page,
    ip,
    agent.length > 300 ? agent.slice(0, 300) : agent,
    headers.referer ?? "",
    headers.host ?? "",
    cookie !== undefined && ELDER_ON.test(cookie),
    term,
  );
}

/** Counts every successful HTML page under /sites/ that Fastify answers (the fast path counts its own). */
export function registerPageViewCounting(app: FastifyInstance, analytics: AnalyticsService): void {
  // Counting writes in the background: a failing write (its figures kept for the next) goes to the log.
  analytics.onWriteError((error) =>
    app.log.error({ err: error }, "analytics: writing the counted views failed"),
  );
  app.addHook("onResponse", (request, reply, done) => {
    if (
      request.method === "GET" &&
      reply.statusCode === 200 &&
      String(reply.getHeader("content-type") ?? "").startsWith("text/html")
    )
      countPageView(analytics, request.raw, request.url, request.ip);
    done();
  });
}

/** What the engagement beacon posts (see client/beacon.ts). */
export interface BeaconInput {
  /** The site code the page belongs to (the page says it), for pages of a department host. */
  site: string;
  /** location.pathname: /sites/CODE/… or, on a department host, the path on that host. */
  path: string;
  seconds: number;
  scroll: number;
}

/** Longest time on one page a beacon may report (a tab left open all day is not reading). */
export const MAX_BEACON_SECONDS = 1800;

/**
 * Counts an engagement beacon. It is checked like a page view (robots, caps) and counts only for a
 * page the same visitor was counted viewing, so forged posts cannot add beyond the per-visitor limits.
 */
export function countBeacon(
  analytics: AnalyticsService,
  req: IncomingMessage,
  ip: string,
  input: BeaconInput,
): boolean {
  const site = input.site.toLowerCase();
  const raw = input.path.startsWith("/sites/") ? input.path : `/sites/${site}${input.path}`;
  const match = SITE_PAGE.exec(raw);
  if (!match || match[1].toLowerCase() !== site) return false;
  const clamp = (n: number, max: number) =>
    Number.isFinite(n) ? Math.min(max, Math.max(0, Math.round(n))) : 0;
  analytics.record({
    siteCode: site,
    path: match[0].slice(0, 300),
    ip,
    userAgent: header(req, "user-agent").slice(0, 300),
    elder: false,
    beacon: { seconds: clamp(input.seconds, MAX_BEACON_SECONDS), scroll: clamp(input.scroll, 100) },
  });
  return true;
}
