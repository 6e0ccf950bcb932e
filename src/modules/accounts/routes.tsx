import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AccountsDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { DomainError, Invalid, NotFound, httpStatusOf } from "../../platform/http/errors.ts";
import { renderDocument } from "../../web/render.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import { requireCitizen, signIn, signOut } from "./auth.ts";
import { safeNext } from "../../platform/http/safe-redirect.ts";
import type { PendingLogin } from "./identity.ts";
import { AccountPage, LoginPage, RegisterPage, type RegisterValues } from "./views/pages.tsx";

const OIDC_COOKIE = "cy_oidc";
const field = (body: Record<string, unknown>, k: string, max = 200) =>
  typeof body[k] === "string" ? (body[k] as string).slice(0, max) : "";

/** Citizen and enterprise sign-up, sign-in (local password or external OIDC), sign-out, profile. */
export default async function accountRoutes(app: FastifyInstance, { deps }: { deps: AccountsDeps }) {
  const { accounts } = deps;
  const loginLimit = { rateLimit: { max: 20, timeWindow: "1 minute" } };

  async function ctxFor(request: FastifyRequest) {
    const site = await siteOf(deps, (request.params as { code: string }).code);
    return pageContext(deps, site, request);
  }

  app.get("/sites/:code/account/login", { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ctxFor(request);
    const q = request.query as Record<string, unknown>;
    const next = safeNext(q.next, `${ctx.base}/account/`);
    return sendHtml(
      reply,
      renderDocument(
        <LoginPage
          ctx={ctx}
          next={next}
          values={{ loginName: "" }}
          errors={{}}
          message={q.registered ? "注册成功，请登录。" : undefined}
          externalName={accounts.external?.displayName ?? null}
        />,
      ),
    );
  });

  app.post(
    "/sites/:code/account/login",
    { schema: { hide: true }, config: loginLimit },
    async (request, reply) => {
      const ctx = await ctxFor(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next, `${ctx.base}/account/`);
      const loginName = field(body, "loginName", 40);
      try {
        const account = await accounts.authenticate(loginName, field(body, "password", 128));
        await signIn(deps, reply, account);
        return reply.redirect(next, 303);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        reply.status(httpStatusOf(error));
        return sendHtml(
          reply,
          renderDocument(
            <LoginPage
              ctx={ctx}
              next={next}
              values={{ loginName }}
              errors={Object.keys(error.fields).length ? error.fields : { loginName: error.message }}
              externalName={accounts.external?.displayName ?? null}
            />,
          ),
        );
      }
    },
  );

  const emptyRegister: RegisterValues = {
    kind: "person",
    name: "",
    idNumber: "",
    creditCode: "",
    contactName: "",
    phone: "",
    agree: "",
  };

  app.get("/sites/:code/account/register", { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ctxFor(request);
    const next = safeNext((request.query as Record<string, unknown>).next, `${ctx.base}/account/`);
    return sendHtml(
      reply,
      renderDocument(<RegisterPage ctx={ctx} next={next} values={emptyRegister} errors={{}} />),
    );
  });

  app.post(
    "/sites/:code/account/register",
    { schema: { hide: true }, config: loginLimit },
    async (request, reply) => {
      const ctx = await ctxFor(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next, `${ctx.base}/account/`);
      const values: RegisterValues = {
        kind: field(body, "kind", 20),
        name: field(body, "name", 100),
        idNumber: field(body, "idNumber", 30),
        creditCode: field(body, "creditCode", 30),
        contactName: field(body, "contactName", 50),
        phone: field(body, "phone", 20),
        agree: field(body, "agree", 2),
      };
      try {
        const account = await accounts.register({
          ...values,
          password: field(body, "password", 200),
          password2: field(body, "password2", 200),
        });
        await signIn(deps, reply, account);
        return reply.redirect(next, 303);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        reply.status(400);
        return sendHtml(
          reply,
          renderDocument(<RegisterPage ctx={ctx} next={next} values={values} errors={error.fields} />),
        );
      }
    },
  );

  app.post("/sites/:code/account/logout", { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ctxFor(request);
    const citizen = await requireCitizen(deps, request, reply, ctx.site.code);
    if (!citizen) return reply;
    await signOut(deps, request, reply);
    return reply.redirect(`${ctx.base}/`, 303);
  });

  app.get("/sites/:code/account/", { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ctxFor(request);
    const citizen = await requireCitizen(deps, request, reply, ctx.site.code);
    if (!citizen) return reply;
    return sendHtml(
      reply,
      renderDocument(<AccountPage ctx={ctx} account={citizen.account} csrf={citizen.session.csrf} />),
    );
  });

  app.get("/sites/:code/account", { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ctxFor(request);
    return reply.redirect(`${ctx.base}/account/`, 301);
  });

  app.get(
    "/sites/:code/account/oidc/start",
    { schema: { hide: true }, config: loginLimit },
    async (request, reply) => {
      const ctx = await ctxFor(request);
      if (!accounts.external) throw new NotFound("未配置统一身份认证登录");
      const next = safeNext((request.query as Record<string, unknown>).next, `${ctx.base}/account/`);
      const { url, state } = await accounts.external.start();
      reply.setCookie(OIDC_COOKIE, JSON.stringify({ ...state, next }), {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: deps.config.secureCookies,
        signed: true,
        maxAge: 600,
      });
      return reply.redirect(url, 303);
    },
  );

  app.get(
    "/sites/:code/account/oidc/callback",
    { schema: { hide: true }, config: loginLimit },
    async (request, reply) => {
      const ctx = await ctxFor(request);
      if (!accounts.external) throw new NotFound("未配置统一身份认证登录");
      const raw = request.cookies?.[OIDC_COOKIE];
      const unsigned = raw ? request.unsignCookie(raw) : null;
      if (!unsigned?.valid || !unsigned.value) throw new Invalid("登录请求已过期，请重新登录");
      let pending: PendingLogin & { next: string };
      try {
        pending = JSON.parse(unsigned.value) as PendingLogin & { next: string };
      } catch {
        throw new Invalid("登录请求已过期，请重新登录");
      }
      reply.clearCookie(OIDC_COOKIE, { path: "/" });
      let identity;
      try {
        identity = await accounts.external.finish(
          new URL(request.url, `${request.protocol}://${request.host}`),
          pending,
        );
      } catch (error) {
        request.log.warn({ err: error }, "OIDC login failed");
        throw new Invalid("统一身份认证登录失败，请重试");
      }
      const account = await accounts.fromExternal(identity);
      await signIn(deps, reply, account);
      return reply.redirect(safeNext(pending.next, `${ctx.base}/account/`), 303);
    },
  );
}
