import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { Forbidden, Invalid } from "../../platform/http/errors.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { chinaDate, shiftDays } from "../../platform/time/china-time.ts";
import { lineChartSvg } from "../../web/charts.ts";
import { renderDocument } from "../../web/render.ts";
import { adminView, guardStaffArea } from "../staff/index.ts";
import { checkSiteAccess, readableSites } from "./access.ts";
import type { AnalyticsDeps } from "./deps.ts";
import { AnalyticsDashboard, type DashboardQuery } from "./views/dashboard.tsx";

/** The console's analytics dashboard (operators: every site and the cluster; site staff: their sites). */
const analyticsAdminRoutes: FastifyPluginAsyncTypebox<{ deps: AnalyticsDeps }> = async (admin, { deps }) => {
  const { analytics } = deps;
  guardStaffArea(admin, { staff: deps.staff, sessions: deps.sessions });
  const queryOf = (raw: Partial<DashboardQuery>, allowed: Set<string> | null): DashboardQuery => {
    const today = chinaDate();
    const site = raw.site?.trim() ?? (allowed === null ? "" : ([...allowed][0] ?? ""));
    return { site, from: raw.from?.trim() || shiftDays(today, -29), to: raw.to?.trim() || today };
  };
  const Query = Type.Object({
    site: Type.Optional(Type.String({ maxLength: 40 })),
    from: Type.Optional(Type.String({ maxLength: 10 })),
    to: Type.Optional(Type.String({ maxLength: 10 })),
  });

  admin.get("/admin/analytics", { schema: { hide: true, querystring: Query } }, async (request, reply) => {
    const allowed = readableSites(deps, request.staff.staff);
    if (allowed !== null && allowed.size === 0)
      throw new Forbidden("访问统计需要站点管理员、编辑或审核员权限");
    const query = queryOf(request.query, allowed);
    checkSiteAccess(deps, allowed, query.site || null);
    const sites = deps.sites
      .list()
      .filter((s) => allowed === null || allowed.has(s.code))
      .map((s) => ({ code: s.code, name: s.name }));
    try {
      const summary = await analytics.summary(query.site || null, query.from, query.to);
      const params = new URLSearchParams({ site: query.site, from: query.from, to: query.to });
      return sendHtml(
        reply,
        renderDocument(
          <AnalyticsDashboard
            ctx={adminView(request)}
            sites={sites}
            query={query}
            summary={summary}
            chartHref={`/admin/analytics/daily.svg?${params}`}
          />,
        ),
      );
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      reply.status(400);
      return sendHtml(
        reply,
        renderDocument(
          <AnalyticsDashboard
            ctx={adminView(request)}
            sites={sites}
            query={query}
            summary={null}
            chartHref={null}
            errors={error.fields}
          />,
        ),
      );
    }
  });

  admin.get(
    "/admin/analytics/daily.svg",
    { schema: { hide: true, querystring: Query } },
    async (request, reply) => {
      const allowed = readableSites(deps, request.staff.staff);
      const query = queryOf(request.query, allowed);
      checkSiteAccess(deps, allowed, query.site || null);
      const summary = await analytics.summary(query.site || null, query.from, query.to);
      const svg = lineChartSvg(
        summary.daily.map((d) => d.day.slice(5)),
        [
          { name: "浏览量", values: summary.daily.map((d) => d.pageviews) },
          { name: "访客数", values: summary.daily.map((d) => d.visitors) },
        ],
      );
      return reply.type("image/svg+xml; charset=utf-8").header("cache-control", "no-store").send(svg);
    },
  );
};

export default analyticsAdminRoutes;
