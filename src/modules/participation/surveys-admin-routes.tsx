import { adminView, guardStaffArea, type StaffContext } from "../staff/index.ts";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ParticipationDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { notFound, Conflict } from "../../platform/http/errors.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { renderDocument } from "../../web/render.ts";
import { idParam, pageParam } from "../../platform/http/params.ts";
import { problemFields } from "../../web/public-form.ts";
import { consoleRoutes, IdParams, QueryValue, type DetailExtra } from "./console-routes.tsx";
import { phaseOf } from "./consultations.ts";
import {
  SurveyAdminPage,
  SurveyFormPage,
  SurveyListAdminPage,
  SurveyResultsAdminPage,
} from "./views/surveys-admin-views.tsx";

/** Staff console for surveys: create, questions, publish, results with free-text answers (masked). */
const surveyAdminRoutes: FastifyPluginAsyncTypebox<{ deps: ParticipationDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { participation, sites } = deps;
  const surveys = participation.surveys;
  const siteName = (id: number) => sites.byId(id)?.name ?? String(id);
  const base = "/admin/interaction/surveys";

  async function detailPage(
    c: StaffContext,
    request: FastifyRequest,
    id: number,
    extra: DetailExtra = {},
  ): Promise<string> {
    const survey = await surveys.getForStaff(id, c.staff);
    const [questions, responses] = await Promise.all([surveys.questions(id), surveys.responseCount(id)]);
    const site = sites.byId(survey.siteId);
    return renderDocument(
      <SurveyAdminPage
        ctx={adminView(request)}
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

  app.get(
    `${base}/:id`,
    { schema: { hide: true, params: IdParams, querystring: Type.Object({ done: QueryValue }) } },
    async (request, reply) => {
      const c = request.staff;
      const id = idParam(request.params.id);
      if (id == null) throw notFound("该调查不存在");
      const done = request.query.done?.slice(0, 20);
      return sendHtml(reply, await detailPage(c, request, id, { done }));
    },
  );

  app.get(
    `${base}/:id/results`,
    {
      schema: { hide: true, params: IdParams, querystring: Type.Object({ q: QueryValue, page: QueryValue }) },
    },
    async (request, reply) => {
      const c = request.staff;
      const id = idParam(request.params.id);
      if (id == null) throw notFound("该调查不存在");
      const survey = await surveys.getForStaff(id, c.staff);
      const q = request.query;
      const [results, responses] = await Promise.all([
        survey.status === "published" ? surveys.results(id) : Promise.resolve([]),
        surveys.responseCount(id),
      ]);
      const texts: Record<number, { rows: { at: string; text: string }[]; total: number; page: number }> = {};
      for (const r of results.filter((x) => x.question.kind === "text")) {
        const page = q.q === String(r.question.id) ? pageParam(q.page) : 1;
        texts[r.question.id] = await surveys.textAnswers(id, r.question.id, page);
      }
      const site = sites.byId(survey.siteId);
      return sendHtml(
        reply,
        renderDocument(
          <SurveyResultsAdminPage
            ctx={adminView(request)}
            survey={survey}
            results={results}
            responses={responses}
            chartBase={site ? `${sites.base(site)}/interaction/surveys/${id}/charts` : ""}
            texts={texts}
          />,
        ),
      );
    },
  );

  consoleRoutes(app, deps, {
    base,
    maxField: 5000,
    noSiteMessage: "只有网站管理员或编辑可以发起网上调查",
    listForStaff: (c, page) => surveys.listForStaff(c.staff, page),
    listPage: (p) => <SurveyListAdminPage {...p} />,
    formValues: (f) => ({
      siteId: f.siteId ?? "",
      title: (f.title ?? "").slice(0, 200),
      description: f.description ?? "",
      startDate: (f.startDate ?? "").slice(0, 20),
      endDate: (f.endDate ?? "").slice(0, 20),
    }),
    create: (values, c) => surveys.create({ ...values, siteId: Number(values.siteId) }, c.staff),
    formPage: (p) => <SurveyFormPage {...p} />,
    detailPage,
    // An unchecked checkbox sends nothing: keep "not required" when re-rendering.
    keep: (action, f) => (action === "questions" ? { ...f, required: f.required ?? "0" } : f),
    actions: {
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
    },
  });

  app.post(
    `${base}/:id/questions/:qid/delete`,
    {
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ maxLength: 20 }), qid: Type.String({ maxLength: 20 }) }),
      },
    },
    async (request, reply) => {
      const c = request.staff;
      const p = request.params;
      const id = idParam(p.id);
      const qid = idParam(p.qid);
      if (id == null || qid == null) throw notFound("该题目不存在");
      return handleForm({
        parse: () => qid,
        run: (question) => surveys.removeQuestion(id, question, c.staff),
        onSuccess: () => reply.redirect(`${base}/${id}?done=delete`, 303),
        rerender: async (problem) => {
          reply.status(problem.status);
          return sendHtml(
            reply,
            await detailPage(c, request, id, { errors: problemFields(problem, "action") }),
          );
        },
        shows: (error) => error instanceof Conflict,
      });
    },
  );
};

export default surveyAdminRoutes;
