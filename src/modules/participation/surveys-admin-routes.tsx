import { guardStaffArea } from "../staff/index.ts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ParticipationDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { type StaffContext } from "../staff/index.ts";
import {
  notFound,
  Forbidden,
  Conflict,
  Invalid,
  httpStatusOf,
  isCorrectable,
} from "../../platform/http/errors.ts";
import { renderDocument } from "../../web/render.ts";
import { pageParam } from "../../platform/http/params.ts";
import { adminCtx, bodyFields, managedSites } from "./consultations-admin-routes.tsx";
import { phaseOf } from "./consultations.ts";
import { idParam } from "../../platform/http/params.ts";
import {
  SurveyAdminPage,
  SurveyFormPage,
  SurveyListAdminPage,
  SurveyResultsAdminPage,
  type SurveyFormValues,
} from "./views/surveys-admin-views.tsx";

/** Staff console for surveys: create, questions, publish, results with free-text answers (masked). */
export default async function surveyAdminRoutes(app: FastifyInstance, { deps }: { deps: ParticipationDeps }) {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { participation, sites } = deps;
  const surveys = participation.surveys;
  const siteName = (id: number) => sites.byId(id)?.name ?? String(id);
  const base = "/admin/interaction/surveys";

  app.get(base, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const page = pageParam((request.query as { page?: string }).page);
    const list = await surveys.listForStaff(c.staff, page);
    return sendHtml(
      reply,
      renderDocument(
        <SurveyListAdminPage
          ctx={adminCtx(c, request)}
          rows={list.rows.map((r) => ({ ...r, phase: phaseOf(r) }))}
          total={list.total}
          page={page}
          siteName={siteName}
        />,
      ),
    );
  });

  app.get(`${base}/new`, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const options = managedSites(deps, c);
    if (options.length === 0) throw new Forbidden("只有网站管理员或编辑可以发起网上调查");
    const values: SurveyFormValues = {
      siteId: String(options[0].id),
      title: "",
      description: "",
      startDate: "",
      endDate: "",
    };
    return sendHtml(
      reply,
      renderDocument(
        <SurveyFormPage ctx={adminCtx(c, request)} values={values} errors={{}} sites={options} />,
      ),
    );
  });

  app.post(`${base}/new`, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const f = bodyFields(request, 5000);
    const values: SurveyFormValues = {
      siteId: f.siteId ?? "",
      title: (f.title ?? "").slice(0, 200),
      description: f.description ?? "",
      startDate: (f.startDate ?? "").slice(0, 20),
      endDate: (f.endDate ?? "").slice(0, 20),
    };
    try {
      const id = await surveys.create({ ...values, siteId: Number(values.siteId) }, c.staff);
      return reply.redirect(`${base}/${id}?done=create`, 303);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      reply.status(400);
      return sendHtml(
        reply,
        renderDocument(
          <SurveyFormPage
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
      summary?: string;
    } = {},
  ): Promise<string> {
    const survey = await surveys.getForStaff(id, c.staff);
    const [questions, responses] = await Promise.all([surveys.questions(id), surveys.responseCount(id)]);
    const site = sites.byId(survey.siteId);
    return renderDocument(
      <SurveyAdminPage
        ctx={adminCtx(c, request)}
        survey={survey}
        phase={phaseOf(survey)}
        siteName={siteName(survey.siteId)}
        publicUrl={site ? `${sites.base(site)}/interaction/surveys/${id}` : ""}
        questions={questions}
        responses={responses}
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
    if (id == null) throw notFound("该调查不存在");
    const done = (request.query as { done?: string }).done?.slice(0, 20);
    return sendHtml(reply, await detailPage(c, request, id, { done }));
  });

  app.get(`${base}/:id/results`, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const id = idParam((request.params as { id: string }).id);
    if (id == null) throw notFound("该调查不存在");
    const survey = await surveys.getForStaff(id, c.staff);
    const q = request.query as { q?: string; page?: string };
    const [results, responses] = await Promise.all([
      survey.status === "published" ? surveys.results(id) : Promise.resolve([]),
      surveys.responseCount(id),
    ]);
    const texts: Record<number, { rows: { at: string; text: string }[]; total: number; page: number }> = {};
    for (const r of results.filter((x) => x.question.kind === "text")) {
      const page = q.q === String(r.question.id) ? pageParam(q.page) : 1;
      texts[r.question.id] = { ...(await surveys.textAnswers(id, r.question.id, page)), page };
    }
    const site = sites.byId(survey.siteId);
    return sendHtml(
      reply,
      renderDocument(
        <SurveyResultsAdminPage
          ctx={adminCtx(c, request)}
          survey={survey}
          results={results}
          responses={responses}
          chartBase={site ? `${sites.base(site)}/interaction/surveys/${id}/charts` : ""}
          texts={texts}
        />,
      ),
    );
  });

  type Action = (id: number, f: Record<string, string>, c: StaffContext) => Promise<unknown>;
  const ACTIONS: Record<string, Action> = {
    save: (id, f, c) =>
      surveys.update(
        id,
        {
          title: f.title ?? "",
          description: f.description ?? "",
          startDate: f.startDate ?? "",
          endDate: f.endDate ?? "",
        },
        c.staff,
      ),
    questions: (id, f, c) =>
      surveys.addQuestion(
        id,
        { kind: f.kind ?? "", text: f.text ?? "", options: f.options ?? "", required: f.required === "1" },
        c.staff,
      ),
    publish: (id, _f, c) => surveys.publish(id, c.staff),
  };

  app.post(`${base}/:id/:action`, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const p = request.params as { id: string; action: string };
    const id = idParam(p.id);
    const action = ACTIONS[p.action];
    if (id == null || !action) throw notFound("操作不存在");
    const f = bodyFields(request, 5000);
    try {
      await action(id, f, c);
    } catch (error) {
      if (!isCorrectable(error)) throw error;
      reply.status(httpStatusOf(error));
      const errors = Object.keys(error.fields).length ? error.fields : { action: error.message };
      // An unchecked checkbox sends nothing: keep "not required" when re-rendering.
      const values = p.action === "questions" ? { ...f, required: f.required ?? "0" } : f;
      return sendHtml(reply, await detailPage(c, request, id, { errors, values, summary: error.message }));
    }
    return reply.redirect(`${base}/${id}?done=${p.action}`, 303);
  });

  app.post(`${base}/:id/questions/:qid/delete`, { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const p = request.params as { id: string; qid: string };
    const id = idParam(p.id);
    const qid = idParam(p.qid);
    if (id == null || qid == null) throw notFound("该题目不存在");
    try {
      await surveys.removeQuestion(id, qid, c.staff);
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      reply.status(409);
      return sendHtml(reply, await detailPage(c, request, id, { errors: { action: error.message } }));
    }
    return reply.redirect(`${base}/${id}?done=delete`, 303);
  });
}
