import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type, type Static } from "typebox";
import type { AccountsDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { Invalid, NotFound } from "../../platform/http/errors.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import type { PageContext } from "../../web/layout.tsx";
import { renderDocument } from "../../web/render.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import { citizenOnly, signIn, signOut } from "./auth.ts";
import { safeNext } from "../../platform/http/safe-redirect.ts";
import { preSessionToken, preSessionTokenValid } from "../../platform/auth/csrf.ts";
import type { PendingLogin } from "./identity.ts";
import type { Account } from "./service.ts";
import { AccountPage, LoginPage, RegisterPage, type RegisterValues } from "./views/pages.tsx";

const OIDC_COOKIE = "cy_oidc";

/** The site's code; `:site`, as citizenOnly reads it for the site's login form. */
const SiteParams = Type.Object({ site: Type.String({ maxLength: 40 }) });
/** Where to go after signing in; a bad value falls back to the account page (safeNext). */
const NextQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) });
/**
 * An urlencoded form as it arrives: each field a string, or a list when repeated. Missing and extra
 * fields still reach the handler, which shows the form again with messages.
 */
const FormBody = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));
const field = (body: Static<typeof FormBody>, k: string, max = 200) => {
  const value = body[k];
  return typeof value === "string" ? value.slice(0, max) : "";
};

/** Citizen and enterprise sign-up, sign-in (local password or external OIDC), sign-out, profile. */
const accountRoutes: FastifyPluginAsyncTypebox<{ deps: AccountsDeps }> = async (app, { deps }) => {
  const { accounts } = deps;
  const loginLimit = { rateLimit: { max: 20, timeWindow: "1 minute" } };

  async function ctxFor(request: FastifyRequest, code: string) {
    return pageContext(deps, await siteOf(deps, code), request);
  }

  /** The page context and where to go after signing in: `next` when safe, else the account page. */
  async function ctxAndNext(request: FastifyRequest, code: string, next: unknown) {
    const ctx = await ctxFor(request, code);
    return { ctx, next: safeNext(next, `${ctx.base}/account/`) };
  }

  /** The sign-in form, empty or shown again with the messages and the login name kept. */
  function showLogin(
    reply: FastifyReply,
    page: {
      ctx: PageContext;
      next: string;
      loginName: string;
      errors: Record<string, string>;
      message?: string;
    },
  ) {
    return sendHtml(
      reply,
      renderDocument(
        <LoginPage
          ctx={page.ctx}
          csrf={formToken(reply.request, reply)}
          next={page.next}
          values={{ loginName: page.loginName }}
          errors={page.errors}
          message={page.message}
          externalName={accounts.external?.displayName ?? null}
        />,
      ),
    );
  }

  /** The pre-session CSRF token of the sign-in and registration forms (login CSRF). */
  const formToken = (request: FastifyRequest, reply: FastifyReply) =>
    preSessionToken(request, reply, deps.config.secureCookies);
  const EXPIRED = "页面已过期或来源不明，请重新输入后提交";

  /** A sign-in or registration that succeeded: the session starts and the visitor goes on to `next`. */
  const signInAndGo = (reply: FastifyReply, next: string) => async (account: Account) => {
    await signIn(deps, reply, account);
    return reply.redirect(next, 303);
  };

  /** The signed-in area: an unknown site answers 404 before the sign-in check sends anyone to its login. */
  const citizenArea = {
    preHandler: [
      async (request: FastifyRequest<{ Params: Static<typeof SiteParams> }>) => {
        await siteOf(deps, request.params.site);
      },
      citizenOnly(deps),
    ],
  };

  app.get(
    "/sites/:site/account/login",
    {
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({
          next: NextQuery.properties.next,
          registered: Type.Optional(Type.String({ maxLength: 100 })),
        }),
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { ctx, next } = await ctxAndNext(request, request.params.site, q.next);
      const message = q.registered ? "注册成功，请登录。" : undefined;
      return showLogin(reply, { ctx, next, loginName: "", errors: {}, message });
    },
  );

  app.post(
    "/sites/:site/account/login",
    { schema: { hide: true, params: SiteParams, body: FormBody }, config: loginLimit },
    async (request, reply) => {
      const body = request.body;
      const { ctx, next } = await ctxAndNext(request, request.params.site, body.next);
      const loginName = field(body, "loginName", 40);
      if (!preSessionTokenValid(request)) {
        reply.status(403);
        return showLogin(reply, { ctx, next, loginName, errors: { loginName: EXPIRED } });
      }
      return handleForm({
        parse: () => ({ loginName, password: field(body, "password", 128) }),
        run: (input) => accounts.authenticate(input.loginName, input.password, request.ip),
        onSuccess: signInAndGo(reply, next),
        rerender: (problem) => {
          reply.status(problem.status);
          const errors = "form" in problem.errors ? { loginName: problem.message } : problem.errors;
          return showLogin(reply, { ctx, next, loginName, errors });
        },
      });
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

  app.get(
    "/sites/:site/account/register",
    { schema: { hide: true, params: SiteParams, querystring: NextQuery } },
    async (request, reply) => {
      const { ctx, next } = await ctxAndNext(request, request.params.site, request.query.next);
      return sendHtml(
        reply,
        renderDocument(
          <RegisterPage
            ctx={ctx}
            csrf={formToken(request, reply)}
            next={next}
            values={emptyRegister}
            errors={{}}
          />,
        ),
      );
    },
  );

  app.post(
    "/sites/:site/account/register",
    { schema: { hide: true, params: SiteParams, body: FormBody }, config: loginLimit },
    async (request, reply) => {
      const body = request.body;
      const { ctx, next } = await ctxAndNext(request, request.params.site, body.next);
      const values: RegisterValues = {
        kind: field(body, "kind", 20),
        name: field(body, "name", 100),
        idNumber: field(body, "idNumber", 30),
        creditCode: field(body, "creditCode", 30),
        contactName: field(body, "contactName", 50),
        phone: field(body, "phone", 20),
        agree: field(body, "agree", 2),
      };
      const again = (status: number, errors: Record<string, string>) => {
        reply.status(status);
        return sendHtml(
          reply,
          renderDocument(
            <RegisterPage
              ctx={ctx}
              csrf={formToken(request, reply)}
              next={next}
              values={values}
              errors={errors}
            />,
          ),
        );
      };
      if (!preSessionTokenValid(request)) return again(403, { form: EXPIRED });
      return handleForm({
        parse: () => ({
          ...values,
          password: field(body, "password", 200),
          password2: field(body, "password2", 200),
        }),
        run: (input) => accounts.register(input),
        onSuccess: signInAndGo(reply, next),
        rerender: (problem) => again(problem.status, problem.errors),
      });
    },
  );

  app.post(
    "/sites/:site/account/logout",
    { schema: { hide: true, params: SiteParams }, ...citizenArea },
    async (request, reply) => {
      const ctx = await ctxFor(request, request.params.site);
      await signOut(deps, request, reply);
      return reply.redirect(`${ctx.base}/`, 303);
    },
  );

  app.get(
    "/sites/:site/account/",
    { schema: { hide: true, params: SiteParams }, ...citizenArea },
    async (request, reply) => {
      const ctx = await ctxFor(request, request.params.site);
      const citizen = request.citizen;
      return sendHtml(
        reply,
        renderDocument(<AccountPage ctx={ctx} account={citizen.account} csrf={citizen.session.csrf} />),
      );
    },
  );

  app.get("/sites/:site/account", { schema: { hide: true, params: SiteParams } }, async (request, reply) => {
    const ctx = await ctxFor(request, request.params.site);
    return reply.redirect(`${ctx.base}/account/`, 301);
  });

  app.get(
    "/sites/:site/account/oidc/start",
    { schema: { hide: true, params: SiteParams, querystring: NextQuery }, config: loginLimit },
    async (request, reply) => {
      const { next } = await ctxAndNext(request, request.params.site, request.query.next);
      if (!accounts.external) throw new NotFound("未配置统一身份认证登录");
      let started;
      try {
        started = await accounts.external.start();
      } catch (error) {
        // The provider is down or its discovery document is unusable: a message, not a 500.
        request.log.error({ err: error }, "OIDC discovery failed");
        throw new Invalid("统一身份认证平台暂时无法访问，请稍后再试或使用账号密码登录");
      }
      const { url, state } = started;
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
    "/sites/:site/account/oidc/callback",
    { schema: { hide: true, params: SiteParams }, config: loginLimit },
    async (request, reply) => {
      const ctx = await ctxFor(request, request.params.site);
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
      reply.clearCookie(OIDC_COOKIE, { path: "/", sameSite: "lax" });
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
};

export default accountRoutes;
