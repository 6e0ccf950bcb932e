import type { FastifyInstance, FastifyRequest } from "fastify";
import { Forbidden } from "./errors.ts";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Partner APIs authenticated by an API key in the request, not by cookies: a cross-origin caller
 * gains nothing a browser's cookies would give it, and partners' own pages may call them.
 */
const KEYED_APIS = ["/open311/", "/api/registration/"];

/**
 * Whether the source a browser names (Origin, else Referer) is this host: true, false, or null when
 * it names none. "null" (sandboxed frames, data: pages) and unparsable values are never this host.
 */
function fromThisHost(request: FastifyRequest): boolean | null {
  const origin = request.headers.origin;
  const referer = request.headers.referer;
  const value =
    typeof origin === "string" && origin !== "" ? origin : typeof referer === "string" ? referer : "";
  if (value === "") return null;
  try {
    const source = new URL(value);
    if (source.protocol !== "http:" && source.protocol !== "https:") return false;
    // Compared as the browser sees it: the request's host with the same scheme's default port dropped.
    return source.host === new URL(`${source.protocol}//${request.host}`).host;
  } catch {
    return false;
  }
}

/**
 * Refuses a state-changing request that a browser says comes from another origin (a cross-origin
 * Origin header, or Referer when Origin is absent): 403 with a Chinese page (JSON for APIs). A second
 * wall behind the CSRF tokens and SameSite=Lax cookies. Requests that name no source (API clients,
 * scripts) and the API-key partner APIs (KEYED_APIS) pass.
 */
export function registerSameOriginCheck(app: FastifyInstance): void {
  app.addHook("onRequest", (request, _reply, done) => {
    if (
      !UNSAFE.has(request.method) ||
      KEYED_APIS.some((p) => request.url.startsWith(p)) ||
      fromThisHost(request) !== false
    )
      return done();
    done(
      new Forbidden(
        "请求来源不明（不是从本网站页面提交的），已拒绝。请回到本网站页面重新操作。",
        {},
        "cross_origin",
      ),
    );
  });
}
