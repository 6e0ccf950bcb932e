import { guardStaffArea } from "../staff/index.ts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ParticipationDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { sitesWithRole, type StaffContext } from "../staff/index.ts";
import { notFound, Forbidden, Invalid, httpStatusOf, isCorrectable } from "../../platform/http/errors.ts";
import type { AdminContext } from "../../web/admin-layout.tsx";
import { renderDocument } from "../../web/render.ts";
import { pageParam } from "../../platform/http/params.ts";
import { MANAGE_ROLES, phaseOf } from "./consultations.ts";
import { idParam } from "../../platform/http/params.ts";
import {
  ConsultationAdminPage,
  ConsultationFormPage,
  ConsultationListAdminPage,
  type ConsultationFormValues,
  type SiteOption,
} from "./views/consultations-admin-views.tsx";

/** Reads a console form body as strings (CSRF already checked by requireStaff). */
export function bodyFields(request: FastifyRequest, max = 200_000): Record<string, string> {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const f: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (typeof value === "string") f[k] = value.slice(0, max);
  }
  return f;
}

export function adminCtx(c: StaffContext, request: FastifyRequest): AdminContext {
  return { staff: c.staff, csrf: c.session.csrf, path: request.url.split("?")[0] };
}

/** Sites on which the staff member may run consultations and surveys. */
export function managedSites(deps: ParticipationDeps, c: StaffContext): SiteOption[] {
  const ids = sitesWithRole(c.staff, MANAGE_ROLES);
  return deps.sites
    .list()
    .filter((s) => ids == null || ids.includes(s.id))
    .map((s) => ({ id: s.id, name: s.name }));
}

/** Staff console for consultations: create, edit, publish, moderate, adoption, feedback summary. */
export default async function consultationAdminRoutes(
  app: FastifyInstance,
  { deps }: { deps: ParticipationDeps },
) {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { participation, sites } = deps;
  const consultations = participation.consultations;
  const siteName = (id: number) => sites.byId(id)?.name ?? String(id);
  const base = "/admin/interaction/consultations";

  app.get(base, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const page = pageParam((request.query as { page?: string }).page);
    const list = await consultations.listForStaff(c.staff, page);
    return sendHtml(
      reply,
      renderDocument(
        <ConsultationListAdminPage
          ctx={adminCtx(c, request)}
          rows={list.rows.map((r) => ({ ...r, phase: phaseOf(r) }))}
          total={list.total}
          page={page}
          siteName={siteName}
        />,
      ),
    );
  });

  const emptyForm = (c: StaffContext): ConsultationFormValues => ({
    siteId: String(managedSites(deps, c)[0]?.id ?? ""),
    title: "",
    draftText: "",
    startDate: "",
    endDate: "",
  });

  app.get(`${base}/new`, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const options = managedSites(deps, c);
    if (options.length === 0) throw new Forbidden("只有网站管理员或编辑可以发起意见征集");
    return sendHtml(
      reply,
      renderDocument(
        <ConsultationFormPage ctx={adminCtx(c, request)} values={emptyForm(c)} errors={{}} sites={options} />,
      ),
    );
  });

  app.post(`${base}/new`, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const f = bodyFields(request);
    const values: ConsultationFormValues = {
      siteId: f.siteId ?? "",
      title: (f.title ?? "").slice(0, 200),
      draftText: f.draftText ?? "",
      startDate: (f.startDate ?? "").slice(0, 20),
      endDate: (f.endDate ?? "").slice(0, 20),
    };
    try {
      const id = await consultations.create({ ...values, siteId: Number(values.siteId) }, c.staff);
      return reply.redirect(`${base}/${id}?done=create`, 303);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      reply.status(400);
      return sendHtml(
        reply,
        renderDocument(
          <ConsultationFormPage
            ctx={adminCtx(c, request)}
            values={values}
            errors={error.fields}
            sites={managedSites(deps, c)}
          />,
        ),
      );
    }
  });

  async function detailPage(
    c: StaffContext,
    request: FastifyRequest,
    id: number,
    extra: {
      errors?: Record<string, string>;
      values?: Record<string, string>;
      done?: string;
      filter?: string;
      summary?: string;
    } = {},
  ): Promise<string> {
    const row = await consultations.getForStaff(id, c.staff);
    const q = request.query as { filter?: string; page?: string };
    const wanted = extra.filter ?? q.filter ?? "pending";
    const filter = ["pending", "approved", "rejected"].includes(wanted)
      ? wanted
      : wanted === "all"
        ? ""
        : "pending";
    const page = pageParam(q.page);
    const [counts, comments] = await Promise.all([
      consultations.counts(id),
      consultations.comments(id, filter, page),
    ]);
    const site = sites.byId(row.siteId);
    return renderDocument(
      <ConsultationAdminPage
        ctx={adminCtx(c, request)}
        c={row}
        phase={phaseOf(row)}
        siteName={siteName(row.siteId)}
        publicUrl={site ? `${sites.base(site)}/interaction/consultations/${row.id}` : ""}
        counts={counts}
        comments={comments.rows}
        commentTotal={comments.total}
        filter={filter}
        page={page}
        values={extra.values ?? {}}
        errors={extra.errors ?? {}}
        done={extra.done}
        summary={extra.summary}
      />,
    );
  }

  app.get(`${base}/:id`, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const id = idParam((request.params as { id: string }).id);
    if (id == null) throw notFound("该意见征集不存在");
    const done = (request.query as { done?: string }).done?.slice(0, 20);
    return sendHtml(reply, await detailPage(c, request, id, { done }));
  });

  type Action = (id: number, f: Record<string, string>, c: StaffContext) => Promise<unknown>;
  const ACTIONS: Record<string, Action> = {
    save: (id, f, c) =>
      consultations.update(
        id,
        {
          title: f.title ?? "",
          draftText: f.draftText ?? "",
          startDate: f.startDate ?? "",
          endDate: f.endDate ?? "",
        },
        c.staff,
      ),
    publish: (id, _f, c) => consultations.publish(id, c.staff),
    summary: (id, f, c) => consultations.publishSummary(id, f.summary ?? "", c.staff),
  };

  app.post(`${base}/:id/:action`, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const p = request.params as { id: string; action: string };
    const id = idParam(p.id);
    const action = ACTIONS[p.action];
    if (id == null || !action) throw notFound("操作不存在");
    const f = bodyFields(request);
    try {
      await action(id, f, c);
    } catch (error) {
      if (!isCorrectable(error)) throw error;
      reply.status(httpStatusOf(error));
      const errors = Object.keys(error.fields).length ? error.fields : { action: error.message };
      return sendHtml(reply, await detailPage(c, request, id, { errors, values: f, summary: error.message }));
    }
    return reply.redirect(`${base}/${id}?done=${p.action}`, 303);
  });

  const COMMENT_ACTIONS: Record<
    string,
    (id: number, cid: number, f: Record<string, string>, c: StaffContext) => Promise<void>
  > = {
    approve: (id, cid, _f, c) => consultations.moderate(id, cid, true, "", c.staff),
    reject: (id, cid, f, c) => consultations.moderate(id, cid, false, f.reason ?? "", c.staff),
    adopt: (id, cid, f, c) => consultations.decideAdoption(id, cid, f.adoption ?? "", f.note ?? "", c.staff),
  };

  app.post(`${base}/:id/comments/:cid/:action`, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const p = request.params as { id: string; cid: string; action: string };
    const id = idParam(p.id);
    const cid = idParam(p.cid);
    const action = COMMENT_ACTIONS[p.action];
    if (id == null || cid == null || !action) throw notFound("操作不存在");
    const f = bodyFields(request, 2000);
    try {
      await action(id, cid, f, c);
    } catch (error) {
      if (!isCorrectable(error)) throw error;
      reply.status(httpStatusOf(error));
      const values: Record<string, string> = {
        [`reason-${cid}`]: f.reason ?? "",
        [`adoption-${cid}`]: f.adoption ?? "",
        [`note-${cid}`]: f.note ?? "",
      };
      const errors = Object.keys(error.fields).length ? error.fields : { action: error.message };
      const filter = p.action === "adopt" ? "approved" : "pending";
      return sendHtml(
        reply,
        await detailPage(c, request, id, { errors, values, filter, summary: error.message }),
      );
    }
    const back = p.action === "adopt" ? "?filter=approved&done=adopt" : `?done=${p.action}`;
    return reply.redirect(`${base}/${id}${back}#comments-h`, 303);
  });
}
