import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { FormBody } from "../../platform/http/form-input.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { chinaDate, shiftDays } from "../../platform/time/china-time.ts";
import { lineChartSvg } from "../../web/charts.ts";
import { sendPage } from "../../web/console.ts";
import type { Site } from "../sites/index.ts";
import { adminView, guardStaffArea, type StaffPrincipal } from "../staff/index.ts";
import type { InspectionDeps } from "./deps.ts";
import { BadMonth, NotSiteAdmin } from "./errors.ts";
import {
  InspectionOverview,
  LeaguePage,
  SiteInspectionPage,
  SiteReportPage,
  type SiteRow,
} from "./views/admin.tsx";

const PER_PAGE = 20;
const CodeParams = Type.Object({ code: Type.String({ maxLength: 40 }) });
const MonthQuery = Type.Object({
  month: Type.Optional(Type.String({ maxLength: 20 })),
  format: Type.Optional(Type.Union([Type.Literal("html"), Type.Literal("pdf")])),
});

const mayInspect = (staff: StaffPrincipal, site: Site) =>
  staff.isOperator || staff.roles.some((r) => r.role === "site_admin" && r.siteId === site.id);

const lastMonth = () => chinaDate().slice(0, 7);

/** The inspection console: overview, one site's warnings, runs and history, and the assessment. */
const inspectionAdminRoutes: FastifyPluginAsyncTypebox<{ deps: InspectionDeps }> = async (app, { deps }) => {
  const { inspection, assessment } = deps;
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });

  const siteFor = (staff: StaffPrincipal, code: string): Site => {
    const site = inspection.siteByCode(code);
    if (!mayInspect(staff, site)) throw new NotSiteAdmin();
    return site;
  };

  const open = async (siteId: number) => {
    const { rows } = await inspection.history(siteId, 1, 5);
    return rows.find((r) => r.status === "queued" || r.status === "running") ?? null;
  };

  app.get("/admin/inspection", { schema: { hide: true } }, async (request, reply) => {
    const staff = request.staff.staff;
    const sites = inspection.warnedSites(staff);
    if (!sites.length) throw new NotSiteAdmin();
    const latest = await inspection.latest();
    const rows: SiteRow[] = [];
    for (const s of sites) {
      const { countdowns, vetoes } = await inspection.countdown(s);
      rows.push({
        code: s.code,
        name: s.name,
        latest: latest.get(s.id) ?? null,
        running: await open(s.id),
        countdowns,
        vetoes,
      });
    }
    return sendPage(
      reply,
      <InspectionOverview
        ctx={adminView(request)}
        rows={rows}
        isOperator={staff.isOperator}
        probeProblem={await inspection.probeProblem()}
      />,
    );
  });

  app.get(
    "/admin/inspection/sites/:code",
    {
      schema: {
        hide: true,
        params: CodeParams,
        querystring: Type.Object({
          page: Type.Optional(Type.String({ maxLength: 6 })),
          run: Type.Optional(Type.String({ maxLength: 12 })),
        }),
      },
    },
    async (request, reply) => {
      const site = siteFor(request.staff.staff, request.params.code);
      const page = Math.max(1, Math.min(10_000, Number(request.query.page) || 1));
      const history = await inspection.history(site.id, page, PER_PAGE);
      const { countdowns, vetoes } = await inspection.countdown(site);
      const wanted = Number(request.query.run);
      let shown = null;
      if (Number.isInteger(wanted) && wanted > 0) {
        const run = await inspection.get(wanted);
        if (run.siteId === site.id) shown = run;
      }
      shown ??=
        (await inspection.history(site.id, 1, 10)).rows.find(
          (r) => r.status !== "queued" && r.status !== "running",
        ) ?? null;
      return sendPage(
        reply,
        <SiteInspectionPage
          ctx={adminView(request)}
          site={{ code: site.code, name: site.name }}
          countdowns={countdowns}
          vetoes={vetoes}
          running={await open(site.id)}
          shown={shown}
          history={history}
          page={page}
          perPage={PER_PAGE}
          chartHref={`/admin/inspection/sites/${site.code}/trend.svg`}
        />,
      );
    },
  );

  app.post(
    "/admin/inspection/sites/:code/run",
    { schema: { hide: true, params: CodeParams, body: FormBody } },
    async (request, reply) => {
      const site = siteFor(request.staff.staff, request.params.code);
      await inspection.request(site, request.staff.staff.username, true);
      return reply.redirect(`/admin/inspection/sites/${site.code}`, 303);
    },
  );

  app.get(
    "/admin/inspection/sites/:code/trend.svg",
    { schema: { hide: true, params: CodeParams } },
    async (request, reply) => {
      const site = siteFor(request.staff.staff, request.params.code);
      const today = chinaDate();
      const scores = await inspection.scores(site.id, shiftDays(today, -89), shiftDays(today, 1));
      const svg = lineChartSvg(
        scores.map((s) => s.day.slice(5)),
        [{ name: "巡检得分", values: scores.map((s) => s.score) }],
      );
      return reply.type("image/svg+xml; charset=utf-8").header("cache-control", "no-store").send(svg);
    },
  );

  app.get(
    "/admin/inspection/assessment",
    { schema: { hide: true, querystring: MonthQuery } },
    async (request, reply) => {
      const staff = request.staff.staff;
      if (!staff.isOperator) throw new NotSiteAdmin();
      const month = request.query.month?.trim() || lastMonth();
      try {
        const rows = await assessment.league(month);
        if (request.query.format) {
          const html = assessment.reportHtml(`${month} 网站绩效评估排行`, assessment.leagueBody(month, rows));
          if (request.query.format === "html")
            return sendHtml(reply.header("cache-control", "no-store"), html);
          return reply
            .type("application/pdf")
            .header("content-disposition", `attachment; filename="assessment-${month}.pdf"`)
            .send(await assessment.pdf(html));
        }
        return sendPage(reply, <LeaguePage ctx={adminView(request)} month={month} rows={rows} />);
      } catch (error) {
        if (!(error instanceof BadMonth)) throw error;
        return sendPage(
          reply,
          <LeaguePage ctx={adminView(request)} month={month} rows={[]} error={error.message} />,
          400,
        );
      }
    },
  );

  app.get(
    "/admin/inspection/assessment/:code",
    { schema: { hide: true, params: CodeParams, querystring: MonthQuery } },
    async (request, reply) => {
      const site = siteFor(request.staff.staff, request.params.code);
      const month = request.query.month?.trim() || lastMonth();
      const a = await assessment.site(site, month);
      if (request.query.format) {
        const html = assessment.reportHtml(
          `${site.name} ${month} 绩效评估月报`,
          assessment.siteReportBody(a),
        );
        if (request.query.format === "html") return sendHtml(reply.header("cache-control", "no-store"), html);
        return reply
          .type("application/pdf")
          .header("content-disposition", `attachment; filename="assessment-${site.code}-${month}.pdf"`)
          .send(await assessment.pdf(html));
      }
      return sendPage(reply, <SiteReportPage ctx={adminView(request)} a={a} />);
    },
  );
};

export default inspectionAdminRoutes;
