import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Who is looking at a public page: the signed-in citizen's masked name and the session's CSRF token
 * (for the header's 退出 form), or null when nobody is signed in. Set once per request by the app's
 * viewer hook, and only when the request carries a session cookie: anonymous requests (and the page
 * cache, which serves them before any hook) never pay for a session lookup.
 */
export interface Viewer {
  maskedName: string;
  csrf: string;
}

declare module "fastify" {
  interface FastifyRequest {
    viewer?: Viewer | null;
  }
}

/** Adds a token to the Vary header without losing what is already there. */
export function addVary(reply: FastifyReply, token: string): void {
  const current = String(reply.getHeader("vary") ?? "");
  const tokens = current
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  if (tokens.includes("*") || tokens.some((t) => t.toLowerCase() === token.toLowerCase())) return;
  reply.header("vary", [...tokens, token].join(", "));
}

/**
 * Pages that show a signed-in person's name must never be stored by a shared cache, and a cached
 * anonymous copy must not be reused for a request with cookies: HTML answers vary on Cookie, and a
 * signed-in viewer's are private.
 */
export function protectViewerPage(request: FastifyRequest, reply: FastifyReply): void {
  if (!String(reply.getHeader("content-type") ?? "").startsWith("text/html")) return;
  addVary(reply, "Cookie");
  if (request.viewer) reply.header("cache-control", "private, no-store");
}
