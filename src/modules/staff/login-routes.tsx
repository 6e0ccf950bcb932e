import QRCode from "qrcode";
import { checkRequestCsrf, preSessionToken, preSessionTokenValid } from "../../platform/auth/csrf.ts";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";

import type { StaffDeps } from "./deps.ts";

import { guardStaffArea, currentStaff, STAFF_COOKIE, STAFF_SESSION_SECONDS } from "./auth.ts";

import type { Session } from "../../platform/auth/session-store.ts";
import { clientIp, sendPage } from "../../web/console.ts";
import { FormBody, formText } from "../../platform/http/form-input.ts";
import { safeNext } from "../../platform/http/safe-redirect.ts";

import { type StaffUser } from "./service.ts";

import { newTotpSecret, totpUri } from "./totp.ts";

import { LoginPage, TotpPage, type TotpEnrolment } from "./views/login.tsx";

const PENDING_SECONDS = 10 * 60;
/** Per client address; generous enough for an office behind one NAT, tight enough to stop guessing. */
export const LOGIN_RATE_LIMIT = { max: 20, timeWindow: "1 minute" };

const loginRoutes: FastifyPluginAsyncTypebox<{ deps: StaffDeps }> = async (app, { deps }) => {
  const staffService = deps.staff;
  const authDeps = { staff: deps.staff, sessions: deps.sessions };

  const cookieOptions = (maxAge?: number) => ({
    signed: true,
    httpOnly: true,
    sameSite: "lax" as const,
    path: "/",
    secure: deps.config.secureCookies,
    ...(maxAge ? { maxAge } : {}),
  });

  /** Pre-login CSRF: a signed cookie whose value the form must echo (no session exists yet). */
  const loginCsrf = (request: FastifyRequest, reply: FastifyReply) =>
    preSessionToken(request, reply, deps.config.secureCookies);

  function readSigned(request: FastifyRequest, name: string): string | null {
    const raw = request.cookies?.[name];
    if (!raw) return null;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid && unsigned.value ? unsigned.value : null;
  }

  async function pendingSession(
    request: FastifyRequest,
  ): Promise<{ token: string; session: Session } | null> {
    const token = readSigned(request, STAFF_COOKIE);
    if (!token) return null;
    const session = await deps.sessions.get(token);
    if (!session || session.kind !== "staff" || !session.data.pendingTotp) return null;
    return { token, session };
  }

  async function startSession(reply: FastifyReply, user: StaffUser, data: Record<string, unknown>) {
    const ttl = data.pendingTotp ? PENDING_SECONDS : STAFF_SESSION_SECONDS;
    const { token } = await deps.sessions.create(user.id, "staff", ttl, data);
    reply.setCookie(STAFF_COOKIE, token, cookieOptions());
  }

  async function dropOldSession(request: FastifyRequest): Promise<void> {
    const old = readSigned(request, STAFF_COOKIE);
    if (old) await deps.sessions.destroy(old);
  }

  app.get(
    "/admin/login",
    {
      schema: {
        hide: true,
        querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) }),
      },
    },
    async (request, reply) => {
      const next = safeNext(request.query.next, "/admin");
      if (await currentStaff(authDeps, request)) return reply.redirect(next, 303);
      return sendPage(reply, <LoginPage csrf={loginCsrf(request, reply)} next={next} username="" />);
    },
  );

  app.post(
    "/admin/login",
    { schema: { hide: true, body: FormBody }, config: { rateLimit: LOGIN_RATE_LIMIT } },
    async (request, reply) => {
      const form = request.body;
      const next = safeNext(formText(form, "next", 500), "/admin");
      const username = formText(form, "username", 64);
      if (!preSessionTokenValid(request)) {
        return sendPage(
          reply,
          <LoginPage
            csrf={loginCsrf(request, reply)}
            next={next}
            username={username}
            error="登录页面已过期，请重新输入后登录"
          />,
          403,
        );
      }
      const result = await staffService.checkPassword(
        username,
        formText(form, "password", 200),
        clientIp(request),
      );
      if (!result.ok) {
        return sendPage(
          reply,
          <LoginPage
            csrf={loginCsrf(request, reply)}
            next={next}
            username={username}
            error={result.message}
          />,
          401,
        );
      }
      const user = result.user;
      await dropOldSession(request);
      if (user.isOperator) {
        await startSession(reply, user, {
          pendingTotp: true,
          next,
          ...(user.totpSecret ? {} : { enrolSecret: newTotpSecret() }),
        });
        return reply.redirect("/admin/login/totp", 303);
      }
      await startSession(reply, user, {});
      await staffService.loginSucceeded(user, clientIp(request), null);
      return reply.redirect(next, 303);
    },
  );

  app.get("/admin/login/totp", { schema: { hide: true } }, async (request, reply) => {
    const pending = await pendingSession(request);
    if (!pending) return reply.redirect("/admin/login", 303);
    const user = await staffService.byId(pending.session.userId);
    if (!user) return reply.redirect("/admin/login", 303);
    return sendPage(
      reply,
      <TotpPage csrf={pending.session.csrf} enrol={await enrolment(user, pending.session)} />,
    );
  });

  app.post(
    "/admin/login/totp",
    { schema: { hide: true, body: FormBody }, config: { rateLimit: LOGIN_RATE_LIMIT } },
    async (request, reply) => {
      const pending = await pendingSession(request);
      if (!pending) return reply.redirect("/admin/login", 303);
      checkRequestCsrf(request, pending.session.csrf);
      const user = await staffService.byId(pending.session.userId);
      if (!user || user.disabled) return reply.redirect("/admin/login", 303);
      const enrol = await enrolment(user, pending.session);
      const secret = enrol?.secret ?? user.totpSecret;
      if (!secret) return reply.redirect("/admin/login", 303);
      const ip = clientIp(request);
      const check = await staffService.checkTotp(user, formText(request.body, "code", 20), secret, ip);
      if (!check.ok) {
        if (staffService.isLocked((await staffService.byId(user.id))!)) {
          await deps.sessions.destroy(pending.token);
          reply.clearCookie(STAFF_COOKIE, { path: "/", sameSite: "lax" });
        }
        return sendPage(
          reply,
          <TotpPage csrf={pending.session.csrf} enrol={enrol} error={check.message} />,
          401,
        );
      }
      await deps.sessions.destroy(pending.token);
      await startSession(reply, user, {});
      await staffService.loginSucceeded(user, ip, enrol ? enrol.secret : null);
      return reply.redirect(safeNext(pending.session.data.next, "/admin"), 303);
    },
  );

  // Signing out is a staff-area action: it needs the session and its CSRF token.
  await app.register(async (area) => {
    guardStaffArea(area, authDeps);
    area.post("/admin/logout", { schema: { hide: true } }, async (request, reply) => {
      const staff = request.staff.staff;
      const token = readSigned(request, STAFF_COOKIE);
      if (token) await deps.sessions.destroy(token);
      reply.clearCookie(STAFF_COOKIE, { path: "/", sameSite: "lax" });
      await deps.audit.record({
        actor: staff.username,
        action: "staff.logout",
        targetType: "staff",
        targetId: staff.id,
      });
      return reply.redirect("/admin/login", 303);
    });
  });
};
export default loginRoutes;

/** The secret being enrolled in this half-finished sign-in, when the operator has none yet. */
async function enrolment(user: StaffUser, session: Session): Promise<TotpEnrolment | null> {
  if (user.totpSecret) return null;
  const secret = typeof session.data.enrolSecret === "string" ? session.data.enrolSecret : null;
  if (!secret) return null;
  const uri = totpUri(user.username, secret);
  // The QR code is drawn on the server (an SVG data URI: no script, allowed by the CSP's img-src).
  const svg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return { secret, uri, qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}` };
}
