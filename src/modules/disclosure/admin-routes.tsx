import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { handleForm } from "../../platform/http/handle-form.ts";
import { notFound } from "../../platform/http/errors.ts";
import { idParam, pageParam, yearParam } from "../../platform/http/params.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { chinaYear, nowIso } from "../../platform/time/china-time.ts";
import { FormBody, problemFields } from "../../web/public-form.ts";
import { renderDocument } from "../../web/render.ts";
import { adminView, guardStaffArea, hasRole, sitesWithRole, type StaffContext } from "../staff/index.ts";
import type { DisclosureDeps } from "./deps.ts";
import { REQUEST_STATUS } from "./model.ts";
import { allKeys, type ReportTexts } from "./report.ts";
import { WEBSITE_KEYS } from "./website-report.ts";
import {
  QueuePage,
  ReportEditPage,
  ReportsPage,
  RequestAdminPage,
  TimelinessPage,
  WebsiteReportEditPage,
  type FoundDocument,
} from "./views/admin.tsx";

const SWEEP_EVERY_MS = 60_000;
const BASE = "/admin/disclosure";
const IdParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
const Query = (...keys: string[]) =>
  Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Optional(Type.String({ maxLength: 200 }))])));

/** The console of 依申请公开: queue, handling, decisions, timeliness, annual reports. Every change is audited. */
const disclosureAdminRoutes: FastifyPluginAsyncTypebox<{ deps: DisclosureDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { disclosure, sites } = deps;
  const requests = disclosure.requests;
  let lastSweep = 0;

  const siteName = (id: number) => sites.byId(id)?.name ?? String(id);
  const allSites = () => sites.list().map((s) => ({ id: s.id, name: s.name }));
  /** Sites a staff member may see figures of (operators: all). */
  const visibleSites = (c: StaffContext) => {
    const ids = sitesWithRole(c.staff, ["site_admin", "reviewer", "handler", "editor"]);
    return allSites().filter((s) => ids === null || ids.includes(s.id));
  };
  const reportSites = (c: StaffContext) => allSites().filter((s) => disclosure.canReport(c.staff, s.id));
  const bodyOf = (body: Record<string, string | string[]>) => {
    const f: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === "string") f[k] = v.slice(0, 20_000);
    return f;
  };

  app.get(
    BASE,
    { schema: { hide: true, querystring: Query("status", "view", "q", "page") } },
    async (request, reply) => {
      const c = request.staff;
      if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
        lastSweep = Date.now();
        await requests.sweep();
      }
      const q = request.query;
      const filter = {
        status: q.status && Object.hasOwn(REQUEST_STATUS, q.status) ? q.status : "",
        view: ["overdue", "warned", "escalated", "paused"].includes(q.view ?? "") ? q.view! : "",
        q: (q.q ?? "").trim().slice(0, 60),
      };
      const page = pageParam(q.page);
      const list = await requests.queue(c.staff, filter, page);
      return sendHtml(
        reply,
        renderDocument(
          <QueuePage
            ctx={adminView(request)}
            rows={list.rows}
            total={list.total}
            page={list.page}
            filter={filter}
            siteName={siteName}
            now={nowIso()}
          />,
        ),
      );
    },
  );

  async function detailPage(
    c: StaffContext,
    request: FastifyRequest,
    id: number,
    extra: {
      errors?: Record<string, string>;
      values?: Record<string, string>;
      done?: string;
      find?: string;
    } = {},
  ) {
    const { request: r, events } = await requests.viewForStaff(id, c.staff);
    // The history names people as the console does: staff by their display name, not their login.
    const actorNames = new Map<string, string>([
      ["applicant", "申请人"],
      ["system", "系统"],
    ]);
    for (const actor of new Set(events.map((e) => e.actor)))
      if (!actorNames.has(actor)) {
        const user = await deps.staff.byUsername(actor);
        if (user) actorNames.set(actor, user.displayName);
      }
    const can = {
      operator: c.staff.isOperator,
      handle: c.staff.isOperator || hasRole(c.staff, "handler", r.ownerSiteId),
      approve: c.staff.isOperator || hasRole(c.staff, ["reviewer", "site_admin"], r.ownerSiteId),
    };
    let found: FoundDocument[] | null = null;
    if (extra.find !== undefined && can.handle) found = await requests.findDocuments(r, extra.find);
    return renderDocument(
      <RequestAdminPage
        ctx={adminView(request)}
        r={r}
        events={events.map((e) => ({ ...e, actor: actorNames.get(e.actor) ?? e.actor }))}
        can={can}
        sites={allSites()}
        siteName={siteName}
        found={found}
        q={extra.find ?? ""}
        errors={extra.errors ?? {}}
        values={extra.values ?? {}}
        done={extra.done}
        now={nowIso()}
      />,
    );
  }

  app.get(
    `${BASE}/requests/:id`,
    { schema: { hide: true, params: IdParams, querystring: Query("done", "find") } },
    async (request, reply) => {
      const id = idParam(request.params.id);
      if (id == null) throw notFound("申请不存在");
      const { done, find } = request.query;
      return sendHtml(
        reply,
        await detailPage(request.staff, request, id, { done: done?.slice(0, 40), find: find?.slice(0, 100) }),
      );
    },
  );

  app.get(
    `${BASE}/requests/:id/letter`,
    { schema: { hide: true, params: IdParams, querystring: Query("format") } },
    async (request, reply) => {
      const id = idParam(request.params.id);
      if (id == null) throw notFound("申请不存在");
      const { request: r } = await requests.viewForStaff(id, request.staff.staff);
      if (!r.letterHtml) throw notFound("尚未作出答复");
      reply.header("cache-control", "private, no-store");
      if (request.query.format === "pdf") {
        const pdf = await requests.letterPdf(r);
        return reply
          .type("application/pdf")
          .header("content-disposition", `attachment; filename="disclosure-${r.queryNo}.pdf"`)
          .send(pdf);
      }
      return reply.type("text/html; charset=utf-8").send(r.letterHtml);
    },
  );

  app.get(
    `${BASE}/requests/:id/id-file`,
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const id = idParam(request.params.id);
      if (id == null) throw notFound("文件不存在");
      const file = await requests.idFile(id, request.staff.staff);
      reply.header("cache-control", "private, no-store").header("content-disposition", "inline");
      return reply.type(file.mime).send(file.bytes);
    },
  );

  type Action = (id: number, f: Record<string, string>, c: StaffContext) => Promise<unknown>;
  const ACTIONS: Record<string, [string, Action]> = {
    assign: [
      "assigned",
      (id, f, c) => requests.assign(id, f.ownerSiteId ? Number(f.ownerSiteId) : null, c.staff),
    ],
    correction: [
      "correction_requested",
      (id, f, c) => requests.requestCorrection(id, f.correctionNote ?? "", c.staff),
    ],
    consult: [
      "consultation_started",
      (id, f, c) => requests.startConsultation(id, f.consultParty ?? "", c.staff),
    ],
    "consult-end": [
      "consultation_answered",
      (id, f, c) => requests.endConsultation(id, f.consultNote ?? "", c.staff),
    ],
    extend: ["extension_requested", (id, f, c) => requests.requestExtension(id, f.reason ?? "", c.staff)],
    extension: ["extended", (id, f, c) => requests.decideExtension(id, f.approve === "1", c.staff)],
    documents: [
      "documents",
      (id, f, c) => {
        const picked = (f.doc ?? "").split(",").filter((i) => /^\d{1,2}$/.test(i));
        const docs = picked.map((i) => ({ title: f[`title${i}`] ?? "", url: f[`url${i}`] ?? "" }));
        return requests.attachDocuments(id, docs, c.staff);
      },
    ],
    decide: [
      "decided",
      (id, f, c) =>
        requests.decide(
          id,
          { outcome: f.outcome ?? "", outcomeReason: f.outcomeReason ?? "", text: f.text ?? "" },
          c.staff,
        ),
    ],
    delivered: ["delivered", (id, f, c) => requests.markDelivered(id, f.deliveryNote ?? "", c.staff)],
  };

  app.post(
    `${BASE}/requests/:id/:action`,
    {
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ maxLength: 20 }), action: Type.String({ maxLength: 40 }) }),
        body: FormBody,
      },
    },
    async (request, reply) => {
      const c = request.staff;
      const p = request.params;
      const id = idParam(p.id);
      const entry = Object.hasOwn(ACTIONS, p.action) ? ACTIONS[p.action] : undefined;
      if (id == null || !entry) throw notFound("操作不存在");
      const body = request.body;
      const f = bodyOf(body);
      // Several checked documents arrive as a list.
      if (Array.isArray(body.doc)) f.doc = body.doc.slice(0, 20).join(",");
      return handleForm({
        parse: () => f,
        run: (input) => entry[1](id, input, c),
        onSuccess: () => reply.redirect(`${BASE}/requests/${id}?done=${entry[0]}`, 303),
        rerender: async (problem) => {
          reply.status(problem.status);
          return sendHtml(
            reply,
            await detailPage(c, request, id, {
              errors: problemFields(problem, "form"),
              values: { ...f, _summary: problem.message },
            }),
          );
        },
      });
    },
  );

  // ---------------------------------------------------------------- proactive disclosure timeliness

  app.get(
    `${BASE}/timeliness`,
    { schema: { hide: true, querystring: Query("site", "year", "page") } },
    async (request, reply) => {
      const c = request.staff;
      const choices = visibleSites(c);
      const wanted = Number(request.query.site);
      const site = choices.find((s) => s.id === wanted) ?? choices[0];
      if (!site) throw notFound("没有可查看的网站");
      const year = yearParam(request.query.year, chinaYear());
      const page = pageParam(request.query.page);
      const late = await disclosure.lateProactive(site.id, year);
      return sendHtml(
        reply,
        renderDocument(
          <TimelinessPage
            ctx={adminView(request)}
            sites={choices}
            siteId={site.id}
            year={year}
            items={late.items}
            checked={late.checked}
            page={page}
            siteName={siteName}
          />,
        ),
      );
    },
  );

  // ---------------------------------------------------------------- annual reports

  async function reportsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    page: number,
    errors: Record<string, string> = {},
  ) {
    const c = request.staff;
    const ids = c.staff.isOperator ? null : reportSites(c).map((s) => s.id);
    const list = await disclosure.reports(ids, page);
    return sendHtml(
      reply,
      renderDocument(
        <ReportsPage
          ctx={adminView(request)}
          rows={list.rows}
          total={list.total}
          page={page}
          sites={reportSites(c)}
          siteName={siteName}
          errors={errors}
          year={chinaYear() - 1}
        />,
      ),
    );
  }

  app.get(`${BASE}/reports`, { schema: { hide: true, querystring: Query("page") } }, async (request, reply) =>
    reportsPage(request, reply, pageParam(request.query.page)),
  );

  app.post(`${BASE}/reports`, { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const f = bodyOf(request.body);
    return handleForm({
      parse: () => ({
        siteId: Number(f.siteId),
        year: Number(f.year),
        kind: f.kind === "website" ? "website" : "annual",
      }),
      run: (i) => disclosure.generate(i.siteId, i.year, request.staff.staff, i.kind as "annual" | "website"),
      onSuccess: (id) => reply.redirect(`${BASE}/reports/${id}`, 303),
      rerender: (problem) => {
        reply.status(problem.status);
        return reportsPage(request, reply, 1, problemFields(problem, "year"));
      },
    });
  });

  async function reportPage(
    request: FastifyRequest,
    reply: FastifyReply,
    id: number,
    extra: {
      edits?: Record<string, string>;
      errors?: Record<string, string>;
      summary?: string;
      texts?: ReportTexts;
      done?: string;
    } = {},
  ) {
    const report = await disclosure.report(id);
    if (!disclosure.canReport(request.staff.staff, report.siteId)) throw notFound("报告不存在");
    if (report.kind === "website")
      return sendHtml(
        reply,
        renderDocument(
          <WebsiteReportEditPage
            ctx={adminView(request)}
            id={id}
            title={`${siteName(report.siteId)}${report.year}年网站工作年度报表`}
            status={report.status}
            figures={report.figures}
            edits={extra.edits ?? {}}
            errors={extra.errors ?? {}}
            summary={extra.summary}
            articleId={report.articleId}
            done={extra.done}
          />,
        ),
      );
    return sendHtml(
      reply,
      renderDocument(
        <ReportEditPage
          ctx={adminView(request)}
          id={id}
          title={`${siteName(report.siteId)}${report.year}年政府信息公开工作年度报告`}
          status={report.status}
          figures={report.figures}
          texts={extra.texts ?? report.texts}
          edits={extra.edits ?? {}}
          errors={extra.errors ?? {}}
          summary={extra.summary}
          articleId={report.articleId}
          done={extra.done}
        />,
      ),
    );
  }

  app.get(
    `${BASE}/reports/:id`,
    { schema: { hide: true, params: IdParams, querystring: Query("done") } },
    async (request, reply) => {
      const id = idParam(request.params.id);
      if (id == null) throw notFound("报告不存在");
      return reportPage(request, reply, id, { done: request.query.done?.slice(0, 20) });
    },
  );

  app.post(
    `${BASE}/reports/:id`,
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const id = idParam(request.params.id);
      if (id == null) throw notFound("报告不存在");
      const f = bodyOf(request.body);
      const keys = new Set([...allKeys(), ...WEBSITE_KEYS]);
      const edits = Object.fromEntries(Object.entries(f).filter(([k]) => keys.has(k)));
      const texts: ReportTexts = {
        overview: f.overview ?? "",
        problems: f.problems ?? "",
        other: f.other ?? "",
      };
      return handleForm({
        parse: () => ({ edits, texts }),
        run: (i) => disclosure.save(id, i.edits, i.texts, request.staff.staff),
        onSuccess: () => reply.redirect(`${BASE}/reports/${id}?done=saved`, 303),
        rerender: (problem) => {
          reply.status(problem.status);
          return reportPage(request, reply, id, {
            edits,
            texts,
            errors: problem.errors,
            summary: problem.message,
          });
        },
      });
    },
  );

  app.post(
    `${BASE}/reports/:id/publish`,
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const id = idParam(request.params.id);
      if (id == null) throw notFound("报告不存在");
      return handleForm({
        parse: () => id,
        run: (i) => disclosure.publish(i, request.staff.staff),
        onSuccess: () => reply.redirect(`${BASE}/reports/${id}?done=published`, 303),
        rerender: (problem) => {
          reply.status(problem.status);
          return reportPage(request, reply, id, { errors: problem.errors, summary: problem.message });
        },
      });
    },
  );
};

export default disclosureAdminRoutes;
