import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { errorResponses, OPERATOR_API_KEY, STAFF_SESSION } from "../../platform/http/api-schema.ts";
import { Unauthenticated } from "../../platform/http/errors.ts";
import { currentStaff } from "../staff/index.ts";
import { checkSiteAccess, hashApiKey, readableSites } from "./access.ts";
import type { AnalyticsDeps } from "./deps.ts";

const SummaryQuery = Type.Object({
  site: Type.Optional(Type.String({ maxLength: 40, description: "站点代码；不填为全部网站（仅平台运维）" })),
  from: Type.String({ maxLength: 10, description: "开始日期 YYYY-MM-DD（中国时间）" }),
  to: Type.String({ maxLength: 10, description: "结束日期 YYYY-MM-DD（含当天）" }),
});

const Terms = Type.Array(Type.Object({ term: Type.String(), count: Type.Integer() }));
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
    topTerms: Terms,
    zeroResultTerms: Terms,
  }),
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
