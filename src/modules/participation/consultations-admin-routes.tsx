import { adminView, guardStaffArea, type StaffContext } from "../staff/index.ts";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ParticipationDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { notFound } from "../../platform/http/errors.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { renderDocument } from "../../web/render.ts";
import { idParam, pageParam } from "../../platform/http/params.ts";
import { FormBody, problemFields } from "../../web/public-form.ts";
import { phaseOf } from "./consultations.ts";
import { bodyFields, consoleRoutes, IdParams, QueryValue, type DetailExtra } from "./console-routes.tsx";
import {
  ConsultationAdminPage,
  ConsultationFormPage,
  ConsultationListAdminPage,
} from "./views/consultations-admin-views.tsx";

/** Staff console for consultations: create, edit, publish, moderate, adoption, feedback summary. */
const consultationAdminRoutes: FastifyPluginAsyncTypebox<{ deps: ParticipationDeps }> = async (
  app,
  { deps },
) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { participation, sites } = deps;
  const consultations = participation.consultations;
  const siteName = (id: number) => sites.byId(id)?.name ?? String(id);
  const base = "/admin/interaction/consultations";

  async function detailPage(
    c: StaffContext,
    request: FastifyRequest,
    id: number,
    extra: DetailExtra & { filter?: string; page?: string } = {},
  ): Promise<string> {
    const row = await consultations.getForStaff(id, c.staff);
    const wanted = extra.filter ?? "pending";
    const filter = ["pending", "approved", "rejected"].includes(wanted)
      ? wanted
      : wanted === "all"
        ? ""
        : "pending";
    const page = pageParam(extra.page);
    const [counts, comments] = await Promise.all([
      consultations.counts(id),
      consultations.comments(id, filter, page),
    ]);
    const site = sites.byId(row.siteId);
    return renderDocument(
      <ConsultationAdminPage
        ctx={adminView(request)}
        c={row}
        phase={phaseOf(row)}
        siteName={siteName(row.siteId)}
        publicUrl={site ? `${sites.base(site)}/interaction/consultations/${row.id}` : ""}
        counts={counts}
        comments={comments.rows}
        commentTotal={comments.total}
        filter={filter}
        page={comments.page}
        values={extra.values ?? {}}
        errors={extra.errors ?? {}}
        done={extra.done}
        summary={extra.summary}
      />,
    );
  }

  app.get(
    `${base}/:id`,
    {
      schema: {
        hide: true,
        params: IdParams,
        querystring: Type.Object({ done: QueryValue, filter: QueryValue, page: QueryValue }),
      },
    },
    async (request, reply) => {
      const c = request.staff;
      const id = idParam(request.params.id);
      if (id == null) throw notFound("该意见征集不存在");
      const { done, filter, page } = request.query;
      return sendHtml(reply, await detailPage(c, request, id, { done: done?.slice(0, 20), filter, page }));
    },
  );

  consoleRoutes(app, deps, {
    base,
    maxField: 200_000,
    noSiteMessage: "只有网站管理员或编辑可以发起意见征集",
    listForStaff: (c, page) => consultations.listForStaff(c.staff, page),
    listPage: (p) => <ConsultationListAdminPage {...p} />,
    formValues: (f) => ({
      siteId: f.siteId ?? "",
      title: (f.title ?? "").slice(0, 200),
      draftText: f.draftText ?? "",
      startDate: (f.startDate ?? "").slice(0, 20),
      endDate: (f.endDate ?? "").slice(0, 20),
    }),
    create: (values, c) => consultations.create({ ...values, siteId: Number(values.siteId) }, c.staff),
    formPage: (p) => <ConsultationFormPage {...p} />,
    detailPage,
    actions: {
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
    },
  });

  const COMMENT_ACTIONS: Record<
    string,
    (id: number, cid: number, f: Record<string, string>, c: StaffContext) => Promise<void>
  > = {
    approve: (id, cid, _f, c) => consultations.moderate(id, cid, true, "", c.staff),
    reject: (id, cid, f, c) => consultations.moderate(id, cid, false, f.reason ?? "", c.staff),
    adopt: (id, cid, f, c) => consultations.decideAdoption(id, cid, f.adoption ?? "", f.note ?? "", c.staff),
  };

  app.post(
    `${base}/:id/comments/:cid/:action`,
    {
      schema: {
        hide: true,
        params: Type.Object({
          id: Type.String({ maxLength: 20 }),
          cid: Type.String({ maxLength: 20 }),
          action: Type.String({ maxLength: 40 }),
        }),
        body: FormBody,
      },
    },
    async (request, reply) => {
      const c = request.staff;
      const p = request.params;
      const id = idParam(p.id);
      const cid = idParam(p.cid);
      const action = Object.hasOwn(COMMENT_ACTIONS, p.action) ? COMMENT_ACTIONS[p.action] : undefined;
      if (id == null || cid == null || !action) throw notFound("操作不存在");
      const f = bodyFields(request.body, 2000);
      return handleForm({
        parse: () => f,
        run: (input) => action(id, cid, input, c),
        onSuccess: () => {
          const back = p.action === "adopt" ? "?filter=approved&done=adopt" : `?done=${p.action}`;
          return reply.redirect(`${base}/${id}${back}#comments-h`, 303);
        },
        rerender: async (problem) => {
          reply.status(problem.status);
          const values: Record<string, string> = {
            [`reason-${cid}`]: f.reason ?? "",
            [`adoption-${cid}`]: f.adoption ?? "",
            [`note-${cid}`]: f.note ?? "",
          };
          const errors = problemFields(problem, "action");
          const filter = p.action === "adopt" ? "approved" : "pending";
          return sendHtml(
            reply,
            await detailPage(c, request, id, { errors, values, filter, summary: problem.message }),
          );
        },
      });
    },
  );
};

export default consultationAdminRoutes;
