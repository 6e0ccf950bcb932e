import type { FastifyRequest } from "fastify";
import { timingSafeEqual } from "node:crypto";
import { Forbidden } from "../http/errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    /**
     * The CSRF token a multipart body must carry in its `_csrf` field. The area guard sets it, because
     * multipart bodies are read by the handler (readForm), after the guard has run.
     */
    csrfPending: string | null;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Compares a submitted token with the session's in constant time; a mismatch is a 403. */
export function verifyCsrf(expected: string, given: string | undefined): void {
  const a = Buffer.from(expected);
  const b = Buffer.from(given ?? "");
  if (a.length === 0 || a.length !== b.length || !timingSafeEqual(a, b))
    throw new Forbidden("页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试", {}, "csrf");
}

/**
 * Checks a state-changing request's token: the `_csrf` field of a parsed form body or the
 * `x-csrf-token` header; a multipart body is checked later, when readForm reads its fields.
 */
export function checkRequestCsrf(request: FastifyRequest, expected: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  const header = request.headers["x-csrf-token"];
  if (typeof header === "string") return verifyCsrf(expected, header);
  if (request.isMultipart()) {
    request.csrfPending = expected;
    return;
  }
  const body = request.body as Record<string, unknown> | undefined;
  verifyCsrf(expected, typeof body?._csrf === "string" ? body._csrf : "");
}
