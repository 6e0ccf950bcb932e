import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import {
  errorResponses,
  OPERATOR_API_KEY,
  PUBLIC_API,
  STAFF_SESSION,
} from "../../platform/http/api-schema.ts";
import { Unauthenticated } from "../../platform/http/errors.ts";
import { currentStaff } from "../staff/index.ts";
import { checkSiteAccess, hashApiKey, readableSites } from "./access.ts";
import type { AnalyticsDeps } from "./deps.ts";
import { countBeacon, MAX_BEACON_SECONDS } from "./page-views.ts";

const SummaryQuery = Type.Object({
  site: Type.Optional(Type.String({ maxLength: 40, description: "站点代码；不填为全部网站（仅平台运维）" })),
  from: Type.String({ maxLength: 10, description: "开始日期 YYYY-MM-DD（中国时间）" }),
  to: Type.String({ maxLength: 10, description: "结束日期 YYYY-MM-DD（含当天）" }),
});

const Terms = Type.Array(Type.Object({ term: Type.String(), count: Type.Integer() }));
const TermsWithResults = Type.Array(
  Type.Object({
    term: Type.String(),
    count: Type.Integer({ description: "搜索次数" }),
    results: Type.Integer({ description: "这些搜索的平均结果数" }),
  }),
);
const SummarySchema = Type.Object({
  site: Type.Union([Type.String(), Type.Null()]),
  from: Type.String(),
  to: Type.String(),
  pageviews: Type.Integer({ description: "浏览量" }),
  visitors: Type.Integer({ description: "访客数（每日去重之和）" }),
  topPages: Type.Array(Type.Object({ path: Type.String(), views: Type.Integer() })),
  entryPages: Type.Array(Type.Object({ path: Type.String(), visitors: Type.Integer() })),
  referrers: Type.Array(Type.Object({ host: Type.String(), views: Type.Integer() })),
  devices: Type.Array(Type.Object({ device: Type.String(), views: Type.Integer() })),
  elderViews: Type.Integer({ description: "长辈版浏览量" }),
  daily: Type.Array(Type.Object({ day: Type.String(), pageviews: Type.Integer(), visitors: Type.Integer() })),
  search: Type.Object({
    total: Type.Integer(),
    zeroResult: Type.Integer(),
    topTerms: TermsWithResults,
    zeroResultTerms: Terms,
    resultViews: Type.Integer({ description: "结果页浏览量" }),
    refinements: Type.Integer({ description: "5分钟内换词再搜的次数" }),
    refinementRate: Type.Union([Type.Number(), Type.Null()]),
    exits: Type.Integer({ description: "看完结果页即离开的次数" }),
    exitRate: Type.Union([Type.Number(), Type.Null()]),
    refinedTerms: Terms,
    exitTerms: Terms,
  }),
  exitPages: Type.Array(Type.Object({ path: Type.String(), visitors: Type.Integer() })),
  engagement: Type.Object({
    beacons: Type.Integer({ description: "页面停留回报数（开启脚本的浏览）" }),
    averageSeconds: Type.Union([Type.Number(), Type.Null()]),
    averageScroll: Type.Union([Type.Number(), Type.Null()]),
    pages: Type.Array(
      Type.Object({
        path: Type.String(),
        beacons: Type.Integer(),
        averageSeconds: Type.Number(),
        averageScroll: Type.Number(),
      }),
    ),
  }),
});

const BeaconBody = Type.Object({
  site: Type.String({ minLength: 1, maxLength: 40, description: "页面所属站点代码" }),
  path: Type.String({ minLength: 1, maxLength: 300, description: "页面地址（location.pathname）" }),
  seconds: Type.Number({ minimum: 0, description: `页面停留秒数（超过 ${MAX_BEACON_SECONDS} 按此计）` }),
  scroll: Type.Number({ minimum: 0, maximum: 100, description: "最大滚动深度（百分比）" }),
});

const analyticsRoutes: FastifyPluginAsyncTypebox<{ deps: AnalyticsDeps }> = async (app, { deps }) => {
  const { analytics } = deps;

  // The JSON API: an operator's API key (X-Api-Key, for scripts) or a staff session.
  app.get(
    "/api/analytics/summary",
    {
      schema: {
        operationId: "analyticsSummary",
        tags: ["访问统计"],
        summary: "网站访问统计汇总",
        description:
          "浏览量、访客数、热门页面与站内搜索词。无 Cookie 统计，访客按每日更换的盐取摘要，不含个人信息。平台运维可查全部网站（不填 site），站点管理员、编辑、审核员只能查本站。",
        security: [{ [STAFF_SESSION]: [] }, { [OPERATOR_API_KEY]: [] }],
        querystring: SummaryQuery,
        response: { 200: SummarySchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const allowed = await apiReader(request);
      const site = request.query.site?.trim() || null;
      checkSiteAccess(deps, allowed, site);
      return analytics.summary(site, request.query.from.trim(), request.query.to.trim());
    },
  );

  // The engagement beacon (navigator.sendBeacon on pagehide). Small, rate-limited per address, and
  // counted only for a page the same visitor was counted viewing (see countBeacon).
  app.post(
    "/api/analytics/beacon",
    {
      bodyLimit: 1024,
      config: { rateLimit: { max: 120, timeWindow: "1 minute" } },
      schema: {
        operationId: "analyticsBeacon",
        tags: ["访问统计"],
        summary: "页面停留回报",
        ...PUBLIC_API,
        description:
          "公开页面的脚本在离开页面时发送停留时间与滚动深度。无 Cookie；每位访客每天最多计入其已计浏览次数，伪造请求不能抬高统计。",
        body: BeaconBody,
        response: { 204: Type.Null(), ...errorResponses(400, 413, 429) },
      },
    },
    async (request, reply) => {
      if (deps.sites.byCodeCached(request.body.site.toLowerCase()))
        countBeacon(analytics, request.raw, request.ip, request.body);
      return reply.status(204).send(null);
    },
  );

  async function apiReader(request: FastifyRequest): Promise<Set<string> | null> {
    const header = request.headers["x-api-key"];
    const key = (Array.isArray(header) ? header[0] : header)?.slice(0, 200);
    if (key) {
      if (await analytics.checkApiKey(hashApiKey(key))) return null;
      throw new Unauthenticated("X-Api-Key 无效或已停用");
    }
    const ctx = await currentStaff(deps, request);
    if (!ctx) throw new Unauthenticated("请先登录或提供运维接口密钥（X-Api-Key）");
    return readableSites(deps, ctx.staff);
  }
};

export default analyticsRoutes;
