import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { Invalid } from "../../platform/http/errors.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { chinaDate, shiftDays } from "../../platform/time/china-time.ts";
import { barChartSvg, lineChartSvg } from "../../web/charts.ts";
import { DemandDesk, FUNNEL_ROWS, guideCodeOf, TOP_PAGE_ROWS, type DemandData } from "./views/demand.tsx";
import { renderDocument } from "../../web/render.ts";
import { adminView, guardStaffArea, requireRight, type StaffContext } from "../staff/index.ts";
import { may, RIGHTS } from "../staff/index.ts";
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
    requireRight(request.staff, RIGHTS.analytics);
    const allowed = readableSites(deps, request.staff.staff);
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
            cluster={allowed === null}
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
            cluster={allowed === null}
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

  /** The request's site and range after the role check (shared by the desk and its charts). */
  const readerQuery = (request: { staff: StaffContext; query: Partial<DashboardQuery> }) => {
    requireRight(request.staff, RIGHTS.demandDesk);
    const allowed = readableSites(deps, request.staff.staff, RIGHTS.demandDesk);
    const query = queryOf(request.query, allowed);
    checkSiteAccess(deps, allowed, query.site || null);
    const site = query.site ? deps.sites.byCodeCached(query.site) : null;
    return { allowed, query, site: site ? { code: site.code, id: site.id } : null };
  };

  async function demandData(
    site: { code: string; id: number } | null,
    query: DashboardQuery,
  ): Promise<DemandData> {
    const summary = await analytics.summary(site?.code ?? null, query.from, query.to);
    const [funnels, rising, misses, letterKinds] = await Promise.all([
      analytics.funnels(site, query.from, query.to),
      analytics.rising(site?.code ?? null, query.to),
      deps.assistant.queue(2000),
      analytics.letterKinds(site?.id ?? null, query.from, query.to),
    ]);
    return { summary, funnels, rising, misses, letterKinds };
  }

  /** The service items on the desk whose guide the viewer may improve (site admins of its department). */
  async function editableGuides(staff: StaffContext, data: DemandData): Promise<Set<string>> {
    if (!may(staff.staff, RIGHTS.serviceItems)) return new Set();
    const codes = [
      ...data.funnels.items.slice(0, FUNNEL_ROWS).map((r) => r.code),
      ...data.summary.topPages
        .slice(0, TOP_PAGE_ROWS)
        .map((p) => guideCodeOf(p.path))
        .filter((c): c is string => c !== null),
    ];
    const items = await deps.oneStop.catalogue.byCodes([...new Set(codes)]);
    return new Set(items.filter((i) => may(staff.staff, RIGHTS.serviceItems, i.siteId)).map((i) => i.code));
  }

  admin.get(
    "/admin/analytics/demand",
    { schema: { hide: true, querystring: Query } },
    async (request, reply) => {
      const { allowed, query, site } = readerQuery(request);
      const sites = deps.sites
        .list()
        .filter((s) => allowed === null || allowed.has(s.code))
        .map((s) => ({ code: s.code, name: s.name }));
      const chartQuery = String(new URLSearchParams({ site: query.site, from: query.from, to: query.to }));
      try {
        const data = await demandData(site, query);
        return sendHtml(
          reply,
          renderDocument(
            <DemandDesk
              ctx={adminView(request)}
              sites={sites}
              cluster={allowed === null}
              query={query}
              data={data}
              chartQuery={chartQuery}
              editableGuides={await editableGuides(request.staff, data)}
            />,
          ),
        );
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        reply.status(400);
        return sendHtml(
          reply,
          renderDocument(
            <DemandDesk
              ctx={adminView(request)}
              sites={sites}
              cluster={allowed === null}
              query={query}
              data={null}
              chartQuery={chartQuery}
              errors={error.fields}
            />,
          ),
        );
      }
    },
  );

  admin.get(
    "/admin/analytics/funnel.svg",
    { schema: { hide: true, querystring: Query } },
    async (request, reply) => {
      const { query, site } = readerQuery(request);
      const rows = (await analytics.funnels(site, query.from, query.to)).items.slice(0, 6);
      const svg = barChartSvg(
        rows.map((r) => r.name.slice(0, 14)),
        [
          { name: "看指南", values: rows.map((r) => r.guideViews) },
          { name: "开始申报", values: rows.map((r) => r.startViews ?? 0) },
          { name: "提交", values: rows.map((r) => r.submitted) },
          { name: "办结", values: rows.map((r) => r.completed) },
        ],
      );
      return reply.type("image/svg+xml; charset=utf-8").header("cache-control", "no-store").send(svg);
    },
  );

  admin.get(
    "/admin/analytics/rising.svg",
    { schema: { hide: true, querystring: Query } },
    async (request, reply) => {
      const { query, site } = readerQuery(request);
      const rising = await analytics.rising(site?.code ?? null, query.to);
      const svg = barChartSvg(
        rising.terms.map((t) => t.key.slice(0, 14)),
        [
          { name: "本周", values: rising.terms.map((t) => t.current) },
          { name: "上周", values: rising.terms.map((t) => t.previous) },
        ],
      );
      return reply.type("image/svg+xml; charset=utf-8").header("cache-control", "no-store").send(svg);
    },
  );
};

export default analyticsAdminRoutes;
