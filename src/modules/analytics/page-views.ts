import type { IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";
import type { AnalyticsService } from "./service.ts";

const SITE_PAGE = /^\/sites\/([a-z0-9-]{1,40})(\/[^?#]*)?$/i;
const ELDER_ON = /(?:^|;\s*)elder=1[cx]{0,2}(?:;|$)/;

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/**
 * Counts a public page view: `path` is the address inside the platform (/sites/CODE/…), so pages of
 * a department host (rst.example.gov.cn/x → /sites/rst/x) count for their site.
 */
export function countPageView(
  analytics: AnalyticsService,
  req: IncomingMessage,
  path: string,
  ip: string,
): void {
  const match = SITE_PAGE.exec(path.split("?")[0]);
  if (!match) return;
  analytics.record({
    siteCode: match[1].toLowerCase(),
    path: match[0].slice(0, 300),
    ip,
    userAgent: header(req, "user-agent").slice(0, 300),
    referer: header(req, "referer"),
    host: header(req, "host"),
    elder: ELDER_ON.test(header(req, "cookie")),
  });
}

/** Counts every successful HTML page under /sites/ that Fastify answers (the fast path counts its own). */
export function registerPageViewCounting(app: FastifyInstance, analytics: AnalyticsService): void {
  app.addHook("onResponse", async (request, reply) => {
    if (request.method !== "GET" || reply.statusCode !== 200) return;
    if (!String(reply.getHeader("content-type") ?? "").startsWith("text/html")) return;
    countPageView(analytics, request.raw, request.url, request.ip);
  });
}
