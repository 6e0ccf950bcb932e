import type { FastifyReply, FastifyRequest } from "fastify";
import { randomBytes, timingSafeEqual } from "node:crypto";
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

/** Whether a submitted token is the session's, compared in constant time. */
export function csrfMatches(expected: string, given: string | undefined): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given ?? "");
  return a.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}

/** Compares a submitted token with the session's (csrfMatches); a mismatch is a 403. */
export function verifyCsrf(expected: string, given: string | undefined): void {
  if (!csrfMatches(expected, given))
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

/**
 * Forms shown before there is a session (sign-in, registration) use a signed double-submit token:
 * a random value in a signed, HttpOnly, SameSite=Lax cookie that the form echoes in `_csrf`. A
 * foreign page can post the form but can neither read nor set the cookie, so it cannot sign a
 * visitor into the attacker's account (login CSRF).
 */
export const PRE_SESSION_COOKIE = "cy_login";
const PRE_SESSION_SECONDS = 3600;

/** The pre-session token for a form: the cookie's when it has a valid one, else a new one (cookie set). */
export function preSessionToken(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = readPreSessionToken(request);
  if (existing) return existing;
  const token = randomBytes(24).toString("base64url");
  reply.setCookie(PRE_SESSION_COOKIE, token, {
    signed: true,
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure,
    maxAge: PRE_SESSION_SECONDS,
  });
  return token;
}

function readPreSessionToken(request: FastifyRequest): string | null {
  const raw = request.cookies?.[PRE_SESSION_COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : null;
}

/** Whether the posted `_csrf` field (or `x-csrf-token` header) matches the pre-session cookie. */
export function preSessionTokenValid(request: FastifyRequest): boolean {
  const expected = readPreSessionToken(request);
  if (!expected) return false;
  const header = request.headers["x-csrf-token"];
  const body = request.body as Record<string, unknown> | undefined;
  const given = typeof header === "string" ? header : typeof body?._csrf === "string" ? body._csrf : "";
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
