import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import type { SessionStore } from "../../platform/auth/session-store.ts";
import type { AccountsService } from "./service.ts";
import type { AccountsDeps } from "./deps.ts";

/** What finding the signed-in citizen needs. */
export interface CitizenAuthDeps {
  sessions: SessionStore;
  accounts: AccountsService;
}
import { checkRequestCsrf } from "../../platform/auth/csrf.ts";
import type { Session } from "../../platform/auth/session-store.ts";
import { Unauthenticated } from "../../platform/http/errors.ts";
import type { Account } from "./service.ts";

export const CITIZEN_COOKIE = "cy_citizen";
export const CITIZEN_SESSION_SECONDS = 2 * 3600;

export interface CitizenContext {
  account: Account;
  session: Session;
}

/** The signed-in citizen or enterprise of this request, or null. */
export async function currentCitizen(
  deps: CitizenAuthDeps,
  request: FastifyRequest,
): Promise<CitizenContext | null> {
  const raw = request.cookies?.[CITIZEN_COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  const session = await deps.sessions.get(unsigned.value);
  if (!session || session.kind !== "citizen") return null;
  const account = await deps.accounts.byId(session.userId);
  return account ? { account, session } : null;
}

/** Starts a session for the account and sets the signed cookie. */
export async function signIn(deps: AccountsDeps, reply: FastifyReply, account: Account): Promise<void> {
  const { token } = await deps.sessions.create(account.id, "citizen", CITIZEN_SESSION_SECONDS);
  reply.setCookie(CITIZEN_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: deps.config.secureCookies,
    signed: true,
    maxAge: CITIZEN_SESSION_SECONDS,
  });
}

export async function signOut(
  deps: AccountsDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const raw = request.cookies?.[CITIZEN_COOKIE];
  const unsigned = raw ? request.unsignCookie(raw) : null;
  if (unsigned?.valid && unsigned.value) await deps.sessions.destroy(unsigned.value);
  reply.clearCookie(CITIZEN_COOKIE, { path: "/", sameSite: "lax" });
}

/**
 * Requires a signed-in citizen (pages redirect to the login form of the site; APIs answer 401) and,
 * for state-changing requests, the session's CSRF token (`_csrf` field or `x-csrf-token` header).
 */
export async function requireCitizen(
  deps: CitizenAuthDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  siteCode = "www",
): Promise<CitizenContext | null> {
  const ctx = await currentCitizen(deps, request);
  if (!ctx) {
    if (request.url.startsWith("/api/")) throw new Unauthenticated("请先登录");
    const next = request.method === "GET" ? request.url : `/sites/${encodeURIComponent(siteCode)}/services/`;
    const site = encodeURIComponent(siteCode);
    await reply.redirect(`/sites/${site}/account/login?next=${encodeURIComponent(next)}`, 303);
    return null;
  }
  checkRequestCsrf(request, ctx.session.csrf);
  return ctx;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in citizen or enterprise; set by citizenOnly's preHandler on the routes that use it. */
    citizen: CitizenContext;
  }
}

/**
 * A route-level preHandler for the citizen area: resolves the signed-in citizen once (pages go to
 * the site's login form, APIs answer 401), checks CSRF on state changes and sets `request.citizen`.
 * Use as `{ preHandler: citizenOnly(deps) }`; the site comes from the route's `:site` (or `:code`) parameter.
 */
export function citizenOnly(deps: CitizenAuthDeps): preHandlerAsyncHookHandler {
  return async function citizenGuard(request, reply) {
    reply.header("cache-control", "no-store");
    const params = request.params as { site?: unknown; code?: unknown } | undefined;
    const site = params?.site ?? params?.code;
    const ctx = await requireCitizen(deps, request, reply, typeof site === "string" ? site : "www");
    if (!ctx) return reply;
    request.citizen = ctx;
  };
}
