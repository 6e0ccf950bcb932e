import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from "fastify";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { randomBytes } from "node:crypto";
import type { Config } from "./config.ts";
import { AuditLog } from "./platform/audit/audit-log.ts";
import { SqlSessionStore, type SessionStore } from "./platform/auth/session-store.ts";
import { openDatabase, type Db } from "./platform/db/database.ts";
import { migrateToLatest } from "./platform/db/migrate.ts";
import {
  apiError,
  InputError,
  validationFields,
  validationMessage,
  type ValidationProblem,
} from "./platform/http/errors.ts";
import { SearchIndex } from "./platform/search/search-index.ts";
import { PageCache, registerPageCache } from "./platform/http/page-cache.ts";
import { buildAssets, type Asset } from "./web/assets.ts";
import { ContentService } from "./modules/content/service.ts";
import { SitesService } from "./modules/sites/service.ts";
import { InteractionService } from "./modules/interaction/service.ts";
import { PlatformWorkingDays } from "./modules/interaction/calendar.ts";
import { CalendarService } from "./platform/calendar/calendar-service.ts";
import { OneStopService } from "./modules/services/service.ts";
import { AccountsService } from "./modules/accounts/service.ts";
import { seedDemo } from "./seed/demo.ts";
import underPressure from "@fastify/under-pressure";
import type { Redis } from "ioredis";
import { connectRedis } from "./platform/cache/redis.ts";
import {
  LocalInvalidationBus,
  RedisInvalidationBus,
  type InvalidationBus,
} from "./platform/cache/invalidation-bus.ts";
import { RedisSessionStore } from "./platform/auth/redis-session-store.ts";
import { registerHealthRoutes } from "./platform/ops/health.ts";
import { registerReadReplica } from "./platform/http/read-replica.ts";
import { isDataException, isServiceUnavailable } from "./platform/ops/unavailable.ts";
import sitesRoutes from "./modules/sites/routes.tsx";
import contentRoutes from "./modules/content/routes.tsx";
import searchRoutes from "./modules/search/routes.tsx";
import interactionRoutes from "./modules/interaction/routes.tsx";
import interactionAdminRoutes from "./modules/interaction/admin-routes.tsx";
import open311Routes from "./modules/interaction/open311.ts";
import consultationRoutes from "./modules/interaction/consultations-routes.tsx";
import consultationAdminRoutes from "./modules/interaction/consultations-admin-routes.tsx";
import surveyRoutes from "./modules/interaction/surveys-routes.tsx";
import surveyAdminRoutes from "./modules/interaction/surveys-admin-routes.tsx";
import consoleRoutes from "./modules/console/routes.ts";
import serviceHallRoutes from "./modules/services/routes.tsx";
import accountRoutes from "./modules/accounts/routes.tsx";
import applyRoutes from "./modules/services/apply-routes.tsx";
import serviceAdminRoutes from "./modules/services/admin-routes.tsx";
import formBuilderRoutes from "./modules/services/form-builder-routes.tsx";
import serviceApiRoutes from "./modules/services/api-routes.ts";
import { renderErrorPage } from "./modules/sites/views/error-page.tsx";
import { MAX_ATTACHMENT_BYTES } from "./modules/content/attachments.ts";
import { AssistantService } from "./modules/assistant/service.ts";
import { MailboxHandOff } from "./modules/assistant/handoff.ts";
import assistantRoutes from "./modules/assistant/routes.tsx";

/** Everything the HTTP layer and the CLI share; tests build it the same way. */
export interface Services {
  config: Config;
  store: Db;
  audit: AuditLog;
  search: SearchIndex;
  sites: SitesService;
  content: ContentService;
  assistant: AssistantService;
  sessions: SessionStore;
  /** Rendered public pages for anonymous visitors; cleared when content or sites change. */
  pageCache: PageCache;
  calendar: CalendarService;
  oneStop: OneStopService;
  accounts: AccountsService;
  cookieSecret: string;
  /** Shared Redis connection in multi-instance mode, else null. */
  redis: Redis | null;
  /** Tells every instance that public content changed. */
  bus: InvalidationBus;
  interaction: InteractionService;
  close(): Promise<void>;
}

async function cookieSecretFor(config: Config, store: Db): Promise<string> {
  if (config.sessionSecret) return config.sessionSecret;
  // One secret per database, so every instance on the same data agrees without configuration.
  const secret = randomBytes(32).toString("hex");
  await store.db
    .insertInto("kv")
    .values({ key: "cookie_secret", value: secret })
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
  const row = await store.db
    .selectFrom("kv")
    .select("value")
    .where("key", "=", "cookie_secret")
    .executeTakeFirstOrThrow();
  return row.value;
}

export async function createServices(config: Config): Promise<Services> {
  const store = openDatabase(config);
  await migrateToLatest(store);
  const redis = config.redisUrl ? connectRedis(config.redisUrl, "main") : null;
  const subscriber = config.redisUrl ? connectRedis(config.redisUrl, "subscriber") : null;
  const bus: InvalidationBus =
    redis && subscriber ? new RedisInvalidationBus(redis, subscriber) : new LocalInvalidationBus();
  const audit = new AuditLog(store.db);
  const search = new SearchIndex(store, { resultCacheMs: config.pageCacheSeconds * 1000 });
  const sites = new SitesService(store, audit, config.portalHost);
  const pageCache = new PageCache(config.pageCacheSeconds * 1000);
  // Changes made here reach this instance's caches directly and every other instance through the bus.
  sites.onChange(() => bus.publish("sites", ""));
  const content = new ContentService(store, sites, search, audit, (id) => bus.publish("content", String(id)));
  bus.subscribe((topic) => {
    // Heard after the change committed: public reads wait until a replica has replayed it.
    store.replica?.notePublicChange();
    pageCache.clear();
    search.clearCache();
    if (topic !== "content") sites.refresh().catch(() => {});
  });
  const cookieSecret = await cookieSecretFor(config, store);
  const calendar = new CalendarService(store.db, audit);
  const interaction = new InteractionService(
    store,
    audit,
    search,
    sites,
    cookieSecret,
    new PlatformWorkingDays(calendar),
  );
  const services: Services = {
    config,
    store,
    audit,
    search,
    sites,
    content,
    assistant: new AssistantService(store, sites, audit, new MailboxHandOff(interaction.letters)),
    sessions: redis ? new RedisSessionStore(redis) : new SqlSessionStore(store.db),
    redis,
    bus,
    pageCache,
    cookieSecret,
    interaction,
    calendar,
    oneStop: new OneStopService({ store, sites, search, audit, calendar }),
    accounts: new AccountsService(store, audit),
    async close() {
      await bus.close();
      redis?.disconnect();
      subscriber?.disconnect();
      await store.close();
    },
  };
  if (config.seedDemo) await seedDemo(services);
  await sites.refresh();
  return services;
}

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
];

export interface BuildOptions {
  /** Called for every route as it is registered (tests use it to list the whole surface). */
  onRoute?: (route: RouteOptions) => void;
}

export async function buildApp(services: Services, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { config, sites } = services;
  const app = Fastify({
    logger: config.logLevel === "silent" ? false : { level: config.logLevel },
    trustProxy: config.trustProxy,
    bodyLimit: 2 * 1024 * 1024,
    routerOptions: { maxParamLength: 300 },
    // While closing, in-flight requests finish; new ones get our own 503 (below) so the proxy retries elsewhere.
    return503OnClosing: false,
    // A malformed address (/%ZZ) gets a Chinese answer in the portal's look, not Fastify's JSON.
    frameworkErrors(_error, request, rawReply) {
      const reply = rawReply as unknown as FastifyReply;
      reply.status(400);
      if (request.url.startsWith("/api/")) {
        reply.send(apiError("bad_request", "请求地址格式有误"));
        return;
      }
      renderErrorPage(services, request as FastifyRequest, 400, "网址格式有误，请检查后重新输入").then(
        (html) => sendHtml(reply, html),
        () => reply.type("text/plain; charset=utf-8").send("网址格式有误"),
      );
    },
    // A department host (rst.example.gov.cn) serves its site at the root: /x → /sites/rst/x.
    rewriteUrl(req) {
      const url = req.url ?? "/";
      const site = sites.siteForHost(req.headers.host);
      const portal = sites.portalSite();
      if (
        GLOBAL_PREFIXES.some(
          (p) => url === p || url.startsWith(p.endsWith("/") ? p : `${p}/`) || url.startsWith(`${p}?`),
        )
      )
        return url;
      if (site) return `/sites/${site.code}${url}`;
      if (portal && (url === "/" || url.startsWith("/?")))
        return `/sites/${portal.code}${url.slice(1) ? url.slice(1) : "/"}`;
      if (portal && !url.startsWith("/sites/")) return `/sites/${portal.code}${url}`;
      return url;
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  if (options.onRoute) app.addHook("onRoute", options.onRoute);

  await app.register(helmet, {
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
  await app.register(cookie, { secret: services.cookieSecret });
  await app.register(formbody);
  await app.register(multipart, { limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 5, fields: 50 } });
  await app.register(rateLimit, {
    global: false,
    allowList: config.rateLimitAllow,
    // Shared counters across instances; if Redis fails the request is served rather than refused.
    ...(services.redis ? { redis: services.redis, skipOnError: true, nameSpace: "chuyun:rl:" } : {}),
  });
  let shuttingDown = false;
  app.addHook("preClose", async () => {
    shuttingDown = true;
  });
  app.addHook("onRequest", async (request, reply) => {
    if (!shuttingDown) return;
    reply.status(503).header("retry-after", "2").header("connection", "close");
    return reply.send(apiError("shutting_down", "服务正在重启，请稍后重试"));
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
  registerReadReplica(app, services.store.replica, config.secureCookies);
  registerHealthRoutes(app, {
    store: services.store,
    redis: services.redis,
    isShuttingDown: () => shuttingDown,
  });
  registerPageCache(app, services.pageCache);
  await app.register(swagger, {
    openapi: {
      info: { title: "楚云政务平台开放接口", version: "1.0.0", description: "Chuyun open JSON API" },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs", staticCSP: true });

  const assets = await buildAssets();
  registerAssets(app, assets);

  app.setErrorHandler(
    async (error: Error & { validation?: unknown; statusCode?: number }, request, reply) => {
      const isApi = request.url.startsWith("/api/") || request.url.startsWith("/open311/");
      let status = 500;
      let code = "internal_error";
      let message = "服务暂时不可用，请稍后再试";
      let fields: Record<string, string> | undefined;
      if (error instanceof InputError) {
        status = error.statusCode;
        code = error.code;
        message = error.message;
        fields = error.fields;
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
      return sendHtml(reply, await renderErrorPage(services, request, status, message));
    },
  );

  app.setNotFoundHandler(async (request, reply) => {
    const target = await sites.resolveRedirect(request.url.split("?")[0]);
    if (target) return reply.redirect(target, 301);
    reply.status(404);
    if (request.url.startsWith("/api/")) return reply.send(apiError("not_found", "接口不存在"));
    return sendHtml(reply, await renderErrorPage(services, request, 404, "您访问的页面不存在或已被删除"));
  });

  await app.register(sitesRoutes, { services });
  await app.register(contentRoutes, { services });
  await app.register(searchRoutes, { services });
  await app.register(interactionRoutes, { services });
  await app.register(interactionAdminRoutes, { services });
  await app.register(open311Routes, { services });
  await app.register(consultationRoutes, { services });
  await app.register(consultationAdminRoutes, { services });
  await app.register(surveyRoutes, { services });
  await app.register(surveyAdminRoutes, { services });
  await app.register(consoleRoutes, { services });
  await app.register(assistantRoutes, { services });
  await app.register(serviceHallRoutes, { services });
  await app.register(accountRoutes, { services });
  await app.register(applyRoutes, { services });
  await app.register(serviceAdminRoutes, { services });
  await app.register(formBuilderRoutes, { services });
  await app.register(serviceApiRoutes, { services });

  return app;
}

function registerAssets(app: FastifyInstance, assets: Map<string, Asset>): void {
  app.get<{ Params: { "*": string } }>("/static/*", { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params["*"]);
    if (!asset) {
      reply.status(404).type("text/plain; charset=utf-8");
      return "not found";
    }
    reply.header("cache-control", "public, max-age=300").header("etag", asset.etag).type(asset.contentType);
    if (request.headers["if-none-match"] === asset.etag) return reply.status(304).send();
    return reply.send(asset.body);
  });
}

export function sendHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply.type("text/html; charset=utf-8").send(html);
}

export type AppRequest = FastifyRequest;
