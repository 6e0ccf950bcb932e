import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { PageCache } from "./page-cache.ts";

/** Cookies that make a page personal: a visitor carrying one is never served from the cache. */
const PERSONAL_COOKIES = /(^|;\s*)(cy_staff|cy_citizen|cy_session)=/;

function cacheKey(request: FastifyRequest): string | null {
  if (request.method !== "GET") return null;
  const url = request.url;
  if (
    !url.startsWith("/sites/") ||
    /\/(search|report-error|elder|interaction|services|assistant)(\/|\?|$)/.test(url)
  )
    return null;
  const cookie = request.headers.cookie ?? "";
  if (PERSONAL_COOKIES.test(cookie)) return null;
  const elder = /(^|;\s*)elder=1/.test(cookie) ? "1" : "0";
  return `${request.host}|${elder}|${url}`;
}

/**
 * Serves public pages from memory when nothing personal is involved. Everything public that changes
 * clears the cache through the invalidation bus, on every instance.
 */
export function registerPageCache(app: FastifyInstance, cache: PageCache): void {
  app.addHook("onRequest", async (request, reply) => {
    const key = cacheKey(request);
    if (!key) return;
    const page = cache.get(key);
    if (!page) return;
    reply.header("x-cache", "hit").header("etag", page.etag);
    if (request.headers["if-none-match"] === page.etag) return reply.status(304).send();
    return reply.status(page.status).type(page.contentType).send(page.body);
  });
  app.addHook("onSend", async (request, reply, payload) => {
    if (reply.statusCode !== 200 || typeof payload !== "string" || reply.getHeader("x-cache") === "hit")
      return payload;
    const key = cacheKey(request);
    const contentType = String(reply.getHeader("content-type") ?? "");
    if (
      !key ||
      !/^(text\/html|application\/(rss|atom)?\+?xml|text\/css)/.test(contentType) ||
      reply.getHeader("set-cookie")
    )
      return payload;
    const etag = `"${createHash("sha1").update(payload).digest("base64url")}"`;
    cache.set(key, { status: 200, contentType, body: payload, etag, storedAt: Date.now() });
    reply.header("x-cache", "miss");
    return payload;
  });
}
