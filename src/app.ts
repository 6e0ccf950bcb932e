import { registerJsonParser } from "./platform/http/json-body.ts";
import { validatorCompiler } from "./platform/http/schema-validation.ts";
import { createServer, type IncomingMessage } from "node:http";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from "fastify";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import {
  apiError,
  DomainError,
  errorCodeOf,
  httpStatusOf,
  TooMany,
  validationFields,
  validationMessage,
  type ValidationProblem,
} from "./platform/http/errors.ts";
import { registerPageCache, servePageCacheFast, type CachedPage } from "./platform/http/page-cache.ts";
import { clientIpResolver } from "./platform/http/client-ip.ts";
import { countPageView, registerPageViewCounting } from "./modules/analytics/index.ts";
import { registerSameOriginCheck } from "./platform/http/same-origin.ts";
import { loggerOptions } from "./platform/http/log-redaction.ts";
import { securityHeaders } from "./platform/http/security-headers.ts";
import { sendHtml } from "./platform/http/reply.ts";
import { trackUnusedSockets } from "./platform/http/unused-sockets.ts";
import type { AppDeps } from "./deps.ts";
import { buildAssets, type Asset } from "./web/assets.ts";
import { preferredEncoding } from "./platform/http/content-encoding.ts";
import underPressure from "@fastify/under-pressure";
import { registerHealthRoutes } from "./platform/ops/health.ts";
import { registerReadReplica } from "./platform/http/read-replica.ts";
import { isDataException, isServiceUnavailable } from "./platform/ops/unavailable.ts";
import sitesRoutes from "./modules/sites/routes.tsx";
import contentRoutes from "./modules/content/routes.tsx";
import searchRoutes from "./modules/search/routes.tsx";
import interactionRoutes from "./modules/mailbox/routes.tsx";
import interactionAdminRoutes from "./modules/mailbox/admin-routes.tsx";
import open311Routes from "./modules/mailbox/open311.ts";
import consultationRoutes from "./modules/participation/consultations-routes.tsx";
import consultationAdminRoutes from "./modules/participation/consultations-admin-routes.tsx";
import surveyRoutes from "./modules/participation/surveys-routes.tsx";
import surveyAdminRoutes from "./modules/participation/surveys-admin-routes.tsx";
import articleAdminRoutes from "./modules/content/admin/articles-routes.tsx";
import reviewRoutes from "./modules/content/admin/review-routes.tsx";
import siteAdminRoutes from "./modules/sites/admin/sites-routes.tsx";
import errorReportRoutes from "./modules/sites/admin/error-reports-routes.tsx";
import consoleRoutes from "./modules/staff/console-routes.ts";
import serviceHallRoutes from "./modules/onestop/routes.tsx";
import accountRoutes from "./modules/accounts/routes.tsx";
import applyRoutes from "./modules/onestop/apply-routes.tsx";
import serviceAdminRoutes from "./modules/onestop/admin-routes.tsx";
import formBuilderRoutes from "./modules/onestop/form-builder-routes.tsx";
import serviceApiRoutes from "./modules/onestop/api-routes.ts";
import { renderErrorPage } from "./modules/sites/views/error-page.tsx";
import { MAX_ATTACHMENT_BYTES } from "./platform/files/attachments.ts";
import assistantRoutes from "./modules/assistant/routes.tsx";
import exchangeRoutes from "./modules/exchange/routes.tsx";
import exchangeGatewayRoutes from "./modules/exchange/gateway-routes.ts";
import exchangeAdminRoutes from "./modules/exchange/admin-routes.tsx";
import federationRoutes from "./modules/federation/routes.tsx";
import federationApiRoutes from "./modules/federation/api-routes.ts";
import federationAdminRoutes from "./modules/federation/admin-routes.tsx";
import analyticsRoutes from "./modules/analytics/routes.tsx";
import analyticsAdminRoutes from "./modules/analytics/admin-routes.tsx";
import registrationApiRoutes from "./modules/registration/api-routes.ts";
import registrationRoutes from "./modules/registration/routes.tsx";
import registrationAdminRoutes from "./modules/registration/admin-routes.tsx";
import disclosureRoutes from "./modules/disclosure/routes.tsx";
import disclosureAdminRoutes from "./modules/disclosure/admin-routes.tsx";
import licencesRoutes from "./modules/licences/routes.tsx";
import licenceHubRoutes from "./modules/licences/hub-routes.ts";
import licencesAdminRoutes from "./modules/licences/admin-routes.tsx";
import inspectionAdminRoutes from "./modules/inspection/admin-routes.tsx";
import searchAdminRoutes from "./modules/search/admin-routes.tsx";
import policiesApiRoutes from "./modules/policies/api-routes.ts";
import policiesRoutes from "./modules/policies/routes.tsx";
import policiesAdminRoutes from "./modules/policies/admin-routes.tsx";
import { apiDocsRoutes } from "./modules/sites/api-docs.tsx";
import { CITIZEN_COOKIE, currentCitizen } from "./modules/accounts/index.ts";
import { MissingRight, renderConsoleForbidden, STAFF_COOKIE, staffOfRequest } from "./modules/staff/index.ts";
import { maskName } from "./platform/mask/mask.ts";
import { protectViewerPage } from "./platform/http/viewer.ts";
import { openApiSecuritySchemes } from "./platform/http/api-schema.ts";
import { refuseNonFiniteNumbers } from "./platform/http/finite-numbers.ts";
import { answerClientError } from "./platform/http/client-errors.ts";

/** Paths served by the platform itself, never rewritten to a site. */
const GLOBAL_PREFIXES = [
  "/api",
  "/admin",
  "/static",
  "/sites/",
  "/healthz",
  "/readyz",
  "/open311",
  "/favicon.ico",
  "/robots.txt",
  "/.well-known/jwt-vc-issuer",
];
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/**
 * A path under one of GLOBAL_PREFIXES (one test a request): a prefix ending in "/" starts it; any other
 * is the whole path or is followed by "/" or "?".
 */
const GLOBAL_PATH = new RegExp(
  `^(?:${GLOBAL_PREFIXES.filter((p) => p.endsWith("/"))
    .map(escapeRegExp)
    .join("|")}|(?:${GLOBAL_PREFIXES.filter((p) => !p.endsWith("/"))
    .map(escapeRegExp)
    .join("|")})(?:[/?]|$))`,
);

export interface BuildOptions {
  /** Called for every route as it is registered (tests use it to list the whole surface). */
  onRoute?: (route: RouteOptions) => void;
  /** Where the request log goes instead of stdout (tests read it); logs at "info" even when silent. */
  logStream?: { write(line: string): void };
}

export async function buildApp(deps: AppDeps, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { config, sites } = deps;
  let shuttingDown = false;
  let unusedSockets: ReturnType<typeof trackUnusedSockets> | undefined;
  const clientIp = clientIpResolver(config.trustProxy);
  const countFastHit = (req: IncomingMessage, page: CachedPage) => {
    if (page.path) countPageView(deps.analytics, req, page.path, clientIp(req));
  };
  const app = Fastify({
    logger: options.logStream
      ? loggerOptions(config.logLevel === "silent" ? "info" : config.logLevel, options.logStream)
      : config.logLevel === "silent"
        ? false
        : loggerOptions(config.logLevel),
    trustProxy: config.trustProxy,
    clientErrorHandler: answerClientError,
    bodyLimit: 2 * 1024 * 1024,
    routerOptions: { maxParamLength: 300 },
    // While closing, in-flight requests finish; new ones get our own 503 (below) so the proxy retries elsewhere.
    return503OnClosing: false,
    // Anonymous visitors' cached pages are answered before Fastify's hooks (see servePageCacheFast).
    serverFactory(handler) {
      const server = createServer((req, res) => {
        if (
          shuttingDown ||
          !servePageCacheFast(deps.pageCache, req, res, config.analytics ? countFastHit : undefined)
        )
          handler(req, res);
      });
      // What Fastify sets on a server it creates itself.
      server.keepAliveTimeout = 72_000;
      server.requestTimeout = 0;
      unusedSockets = trackUnusedSockets(server);
      return server;
    },
    // A malformed address (/%ZZ) gets a Chinese answer in the portal's look, not Fastify's JSON.
    frameworkErrors(_error, request, rawReply) {
      const reply = rawReply as unknown as FastifyReply;
      reply.status(400);
      if (request.url.startsWith("/api/")) {
        reply.send(apiError("bad_request", "请求地址格式有误"));
        return;
      }
      renderErrorPage(deps, request as FastifyRequest, 400, "网址格式有误，请检查后重新输入").then(
        (html) => sendHtml(reply, html),
        () => reply.type("text/plain; charset=utf-8").send("网址格式有误"),
      );
    },
    // A department host (rst.example.gov.cn) serves its site at the root: /x → /sites/rst/x.
    rewriteUrl(req) {
      const url = req.url ?? "/";
      const site = sites.siteForHost(req.headers.host);
      const portal = sites.portalSite();
      if (GLOBAL_PATH.test(url)) return url;
      if (site) return `/sites/${site.code}${url}`;
      if (portal && (url === "/" || url.startsWith("/?")))
        return `/sites/${portal.code}${url.slice(1) ? url.slice(1) : "/"}`;
      if (portal && !url.startsWith("/sites/")) return `/sites/${portal.code}${url}`;
      return url;
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  registerJsonParser(app);
  if (options.onRoute) app.addHook("onRoute", options.onRoute);

  // Helmet's headers, computed once (the plugin would rebuild its middleware on every request).
  const helmetHeaders = await securityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
    hsts: config.secureCookies ? undefined : false,
    referrerPolicy: { policy: "strict-origin-when-cross-origin" },
  });
  app.addHook("onRequest", (_request, reply, done) => {
    for (const [name, value] of helmetHeaders) reply.raw.setHeader(name, value);
    done();
  });
  await app.register(cookie, { secret: deps.cookieSecret });
  registerSameOriginCheck(app);
  await app.register(formbody);
  await app.register(multipart, { limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 5, fields: 50 } });
  await app.register(rateLimit, {
    global: false,
    allowList: config.rateLimitAllow,
    // Shared counters across instances; if Redis fails the request is served rather than refused.
    ...(deps.redis ? { redis: deps.redis, skipOnError: true, nameSpace: "chuyun:rl:" } : {}),
  });
  app.addHook("preClose", async () => {
    shuttingDown = true;
    unusedSockets?.closeUnused();
  });
  // A malformed Host header is the client's mistake: 400 in Chinese, never a 500 further on.
  // Callback hooks here and below: an async hook costs every request a promise and a microtask
  // turn, and these pass almost every request straight through.
  app.addHook("onRequest", (request, reply, done) => {
    if (isWellFormedHost(request.headers.host)) return done();
    reply.status(400);
    if (request.url.startsWith("/api/")) return reply.send(apiError("bad_request", "请求的主机名格式有误"));
    renderErrorPage(deps, request, 400, "请求的主机名格式有误")
      .then((html) => void sendHtml(reply, html))
      .catch(done);
  });
  app.addHook("onRequest", (_request, reply, done) => {
    if (!shuttingDown) return done();
    reply.status(503).header("retry-after", "2").header("connection", "close");
    reply.send(apiError("shutting_down", "服务正在重启，请稍后重试"));
  });
  await app.register(underPressure, {
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    retryAfter: 10,
    exposeStatusRoute: false,
    pressureHandler: (_request, reply) => {
      reply
        .status(503)
        .header("retry-after", "10")
        .type("application/json; charset=utf-8")
        .send(apiError("overloaded", "访问人数过多，请稍后再试"));
    },
  });
  registerReadReplica(app, deps.store.replica, config.secureCookies);
  registerHealthRoutes(app, {
    store: deps.store,
    redis: deps.redis,
    isShuttingDown: () => shuttingDown,
  });
  // Ajv lets "1e309" through as Infinity: refused before any handler sees it.
  app.addHook("preHandler", refuseNonFiniteNumbers);
  // Who is signed in, for every page's header: looked up only when a citizen cookie came with the
  // request (anonymous pages, cached or not, never touch the session store for it).
  app.addHook("preHandler", (request, _reply, done) => {
    if (!request.cookies?.[CITIZEN_COOKIE]) return done();
    currentCitizen(deps, request)
      .then((citizen) => {
        request.viewer = citizen
          ? { maskedName: maskName(citizen.account.name), csrf: citizen.session.csrf }
          : null;
      })
      .then(() => done(), done);
  });
  app.addHook("onSend", (request, reply, payload, done) => {
    protectViewerPage(request, reply);
    done(null, payload);
  });
  // After the viewer hooks: a cached page keeps the Vary header they add.
  registerPageCache(app, deps.pageCache);
  if (config.analytics) registerPageViewCounting(app, deps.analytics);
  await app.register(swagger, {
    openapi: {
      info: {
        title: "楚云政务平台开放接口",
        version: "1.0.0",
        description:
          "楚云省政府网站集约化平台的开放 JSON 接口。出错时统一返回 {error:{code,message,fields}}；中文说明见 /api/docs。",
      },
      servers: [{ url: "/", description: "本平台（与页面同一地址）" }],
      tags: [
        { name: "站群", description: "平台上的各网站" },
        { name: "搜索", description: "全站信息检索" },
        { name: "互动交流", description: "领导信箱的公开统计与相似来信" },
        { name: "智能客服", description: "政务咨询问答" },
        { name: "一网通办", description: "服务事项目录、办事指南、在线申报与办件查询" },
        { name: "政务公开", description: "依申请公开：政府信息公开申请的办理状态查询" },
        {
          name: "数据共享交换",
          description: "政务数据资源目录与部门间签名调用（RFC 9421 签名、用途绑定、全程审计）",
        },
        { name: "访问统计", description: "无 Cookie 的网站访问统计与站内搜索词（工作人员会话或运维密钥）" },
        {
          name: "应急登记",
          description: "应急登记活动：表单、逐条提交（落盘后才答复）、接入系统密钥与额度",
        },
      ],
      components: {
        securitySchemes: openApiSecuritySchemes({ citizen: CITIZEN_COOKIE, staff: STAFF_COOKIE }),
      },
    },
  });
  await app.register(apiDocsRoutes, {
    deps,
    document: (yaml: boolean) => (yaml ? app.swagger({ yaml: true }) : app.swagger()),
  });

  const assets = await buildAssets();
  registerAssets(app, assets);

  app.setErrorHandler(
    async (error: Error & { validation?: unknown; statusCode?: number }, request, reply) => {
      const isApi = request.url.startsWith("/api/") || request.url.startsWith("/open311/");
      let status = 500;
      let code = "internal_error";
      let message = "服务暂时不可用，请稍后再试";
      let fields: Record<string, string> | undefined;
      if (error instanceof DomainError) {
        status = httpStatusOf(error);
        code = errorCodeOf(error);
        message = error.message;
        fields = error.fields;
        if (error instanceof TooMany && error.retryAfterSeconds !== undefined)
          reply.header("retry-after", String(error.retryAfterSeconds));
      } else if (isServiceUnavailable(error)) {
        status = 503;
        code = "unavailable";
        message = "服务繁忙或正在维护，请稍后再试";
        reply.header("retry-after", "5");
        request.log.warn({ err: error }, "backing service unavailable");
      } else if (isDataException(error)) {
        status = 400;
        code = "invalid_input";
        message = "输入的内容超出允许的范围，请检查后重试";
        request.log.warn({ err: error }, "value refused by the database");
      } else if (error.validation) {
        status = 400;
        code = "invalid_input";
        fields = validationFields(error.validation as ValidationProblem[]);
        message = validationMessage(fields);
      } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        status = error.statusCode;
        code = status === 429 ? "too_many_requests" : status === 413 ? "too_large" : "bad_request";
        message =
          status === 429 ? "操作过于频繁，请稍后再试" : status === 413 ? "提交的内容过大" : "请求有误";
      } else {
        request.log.error(error);
      }
      if (status === 404 && !isApi && (request.method === "GET" || request.method === "HEAD")) {
        // An unknown site or channel may have been renamed or merged (机构改革): old addresses redirect.
        const target = await sites.resolveRedirect(request.url.split("?")[0]);
        if (target) return reply.redirect(target, 301);
      }
      reply.status(status);
      if (isApi) return reply.send(apiError(code, message, fields));
      if (status === 403 && request.url.startsWith("/admin") && staffOfRequest(request)) {
        // Inside the console a refusal stays in the console and names the missing right, if that is why.
        const siteName = (id: number) => sites.list().find((s) => s.id === id)?.name ?? `网站${id}`;
        const missing = error instanceof MissingRight ? error.right : null;
        return sendHtml(reply, renderConsoleForbidden(request, message, missing, siteName));
      }
      return sendHtml(reply, await renderErrorPage(deps, request, status, message));
    },
  );

  app.setNotFoundHandler(async (request, reply) => {
    const target = await sites.resolveRedirect(request.url.split("?")[0]);
    if (target) return reply.redirect(target, 301);
    reply.status(404);
    if (request.url.startsWith("/api/")) return reply.send(apiError("not_found", "接口不存在"));
    return sendHtml(reply, await renderErrorPage(deps, request, 404, "您访问的页面不存在或已被删除"));
  });

  await app.register(sitesRoutes, { deps });
  await app.register(contentRoutes, { deps });
  await app.register(searchRoutes, { deps });
  await app.register(interactionRoutes, { deps });
  await app.register(interactionAdminRoutes, { deps });
  await app.register(open311Routes, { deps, prefix: "/open311" });
  await app.register(consultationRoutes, { deps });
  await app.register(consultationAdminRoutes, { deps });
  await app.register(surveyRoutes, { deps });
  await app.register(surveyAdminRoutes, { deps });
  await app.register(consoleRoutes, { deps });
  await app.register(articleAdminRoutes, { deps });
  await app.register(reviewRoutes, { deps });
  await app.register(siteAdminRoutes, { deps });
  await app.register(errorReportRoutes, { deps });
  await app.register(assistantRoutes, { deps });
  await app.register(exchangeRoutes, { deps });
  await app.register(exchangeGatewayRoutes, { deps });
  await app.register(exchangeAdminRoutes, { deps });
  await app.register(analyticsRoutes, { deps });
  await app.register(analyticsAdminRoutes, { deps });
  await app.register(registrationApiRoutes, { deps });
  await app.register(registrationRoutes, { deps });
  await app.register(registrationAdminRoutes, { deps });
  await app.register(disclosureRoutes, { deps });
  await app.register(disclosureAdminRoutes, { deps });
  await app.register(licencesRoutes, { deps });
  await app.register(licenceHubRoutes, { deps });
  await app.register(licencesAdminRoutes, { deps });
  await app.register(searchAdminRoutes, { deps });
  await app.register(serviceHallRoutes, { deps });
  await app.register(accountRoutes, { deps });
  await app.register(applyRoutes, { deps });
  await app.register(serviceAdminRoutes, { deps });
  await app.register(formBuilderRoutes, { deps });
  await app.register(serviceApiRoutes, { deps });
  await app.register(inspectionAdminRoutes, { deps });
  await app.register(policiesApiRoutes, { deps });
  await app.register(policiesRoutes, { deps });
  await app.register(federationRoutes, { deps });
  await app.register(federationApiRoutes, { deps });
  await app.register(federationAdminRoutes, { deps });
  await app.register(policiesAdminRoutes, { deps });

  return app;
}

/**
 * A Host header that is a host name or address with an optional port (1-65535). Anything else
 * ("[", "a b", "x:99999") is refused with 400 before any route runs.
 */
const HOST_HEADER =
  /^(?:[a-z0-9](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_-]{1,63})*\.?|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i;

export function isWellFormedHost(host: string | undefined): boolean {
  if (host === undefined) return true; // HTTP/1.0 without Host: the portal answers
  const match = HOST_HEADER.exec(host);
  if (!match || host.length > 260) return false;
  const port = match[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/**
 * Whether an If-None-Match header names the current tag: weak comparison (W/ ignored), a list of
 * tags, or "*" (RFC 9110 13.1.2).
 */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

function registerAssets(app: FastifyInstance, assets: Map<string, Asset>): void {
  const icon = assets.get("favicon.ico");
  app.get("/favicon.ico", { schema: { hide: true } }, async (request, reply) => {
    if (!icon) return reply.status(404).type("text/plain; charset=utf-8").send("not found");
    reply.header("cache-control", "public, max-age=86400").header("etag", icon.etag).type(icon.contentType);
    if (noneMatch(request.headers["if-none-match"], icon.etag)) return reply.status(304).send();
    return reply.send(icon.body);
  });
  app.get<{ Params: { "*": string } }>("/static/*", { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params["*"]);
    if (!asset) {
      reply.status(404).type("text/plain; charset=utf-8");
      return "not found";
    }
    const encoding = asset.encoded ? preferredEncoding(request.headers["accept-encoding"]) : null;
    // Each coding is its own representation with its own tag (RFC 9110 8.8.3).
    const etag = encoding ? `${asset.etag.slice(0, -1)}-${encoding}"` : asset.etag;
    reply.header("cache-control", "public, max-age=300").header("etag", etag).type(asset.contentType);
    if (asset.encoded) reply.header("vary", "Accept-Encoding");
    if (noneMatch(request.headers["if-none-match"], etag)) return reply.status(304).send();
    if (encoding) return reply.header("content-encoding", encoding).send(asset.encoded![encoding]);
    return reply.send(asset.body);
  });
}
