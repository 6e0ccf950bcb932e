import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ParticipationDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { notFound } from "../../platform/http/errors.ts";
import { handleForm, type FormProblem } from "../../platform/http/handle-form.ts";
import { formText as text } from "../../platform/http/form-input.ts";
import type { FormValues as Form } from "../../platform/http/form-input.ts";
import { FormBody, problemFields, sendPhoneCode } from "../../web/public-form.ts";
import { renderDocument } from "../../web/render.ts";
import { pageParam } from "../../platform/http/params.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import type { Site } from "../sites/index.ts";
import { phaseOf } from "./consultations.ts";
import { idParam } from "../../platform/http/params.ts";
import { questionChartSvg } from "./surveys-charts.ts";
import type { AnswerValues, Survey, SurveyQuestion } from "./surveys.ts";
import { SurveyListPage, SurveyPage, SurveyResultsPage } from "./views/surveys-views.tsx";

const SiteParams = Type.Object({ code: Type.String({ maxLength: 40 }) });
const ItemParams = Type.Object({ code: Type.String({ maxLength: 40 }), id: Type.String({ maxLength: 12 }) });

/** Reads the answers of an urlencoded survey form: `q<id>` fields, repeated for multiple choice. */
export function readAnswers(b: Form, questions: SurveyQuestion[]): AnswerValues {
  const out: AnswerValues = {};
  for (const q of questions) {
    const raw = b[`q${q.id}`];
    const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    out[q.id] = list
      .filter((v): v is string => typeof v === "string")
      .slice(0, 30)
      .map((v) => v.slice(0, 2000));
  }
  return out;
}

/** Public pages of surveys (网上调查): list, answering form, results with server-side SVG charts. */
const surveyRoutes: FastifyPluginAsyncTypebox<{ deps: ParticipationDeps }> = async (app, { deps }) => {
  const { participation, sites } = deps;
  const surveys = participation.surveys;
  const scopeOf = (site: Site) => (site.kind === "portal" ? null : site.id);
  const siteName = (id: number) => sites.byId(id)?.name ?? "";

  async function load(params: { code: string; id: string }): Promise<{ site: Site; survey: Survey }> {
    const { code, id } = params;
    const site = await siteOf(deps, code);
    const n = idParam(id);
    if (n == null) throw notFound("该调查不存在或尚未发布");
    return { site, survey: await surveys.getPublished(n, scopeOf(site)) };
  }

  app.get(
    "/sites/:code/interaction/surveys",
    {
      config: { readReplica: true },
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({ page: Type.Optional(Type.String({ maxLength: 10 })) }),
      },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const page = pageParam(request.query.page);
      const list = await surveys.listForSite(scopeOf(site), page);
      return sendHtml(reply, renderDocument(<SurveyListPage ctx={ctx} {...list} siteName={siteName} />));
    },
  );

  async function surveyPage(
    request: FastifyRequest,
    site: Site,
    survey: Survey,
    extra: {
      values?: AnswerValues;
      phone?: { phone: string; code: string };
      errors?: Record<string, string>;
      summary?: string;
      notice?: string;
      demoCode?: string | null;
      resendIn?: number;
      done?: boolean;
    } = {},
  ): Promise<string> {
    const ctx = await pageContext(deps, site, request);
    const [questions, responses] = await Promise.all([
      surveys.questions(survey.id),
      surveys.responseCount(survey.id),
    ]);
    return renderDocument(
      <SurveyPage
        ctx={ctx}
        survey={survey}
        phase={phaseOf(survey)}
        siteName={siteName(survey.siteId)}
        questions={questions}
        values={extra.values ?? {}}
        phone={extra.phone ?? { phone: "", code: "" }}
        errors={extra.errors ?? {}}
        summary={extra.summary}
        notice={extra.notice}
        demoCode={extra.demoCode}
        resendIn={extra.resendIn}
        done={extra.done}
        responses={responses}
      />,
    );
  }

  app.get(
    "/sites/:code/interaction/surveys/:id",
    {
      schema: {
        hide: true,
        params: ItemParams,
        querystring: Type.Object({ done: Type.Optional(Type.String({ maxLength: 2 })) }),
      },
    },
    async (request, reply) => {
      const { site, survey } = await load(request.params);
      const done = request.query.done === "1";
      return sendHtml(reply, await surveyPage(request, site, survey, { done }));
    },
  );

  app.post(
    "/sites/:code/interaction/surveys/:id",
    {
      schema: { hide: true, params: ItemParams, body: FormBody },
      config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const { site, survey } = await load(request.params);
      const questions = await surveys.questions(survey.id);
      const body = request.body;
      const values = readAnswers(body, questions);
      const phone = { phone: text(body, "phone", 20).trim(), code: text(body, "code", 10).trim() };
      const rerender = async (problem: FormProblem) => {
        reply.status(problem.status);
        return sendHtml(
          reply,
          await surveyPage(request, site, survey, {
            values,
            phone,
            errors: problemFields(problem, "phone"),
            summary: problem.message,
          }),
        );
      };
      if (text(body, "action", 10) === "code")
        return handleForm({
          parse: () => {
            surveys.expectOpen(survey);
            return {
              phone: phone.phone,
              purpose: "survey",
              ip: request.ip,
              showCode: deps.config.smsShowCode,
            };
          },
          run: (to) => sendPhoneCode(deps.phone, to),
          onSuccess: async (sent) =>
            sendHtml(reply, await surveyPage(request, site, survey, { values, phone, ...sent })),
          rerender,
        });
      return handleForm({
        parse: () => ({ surveyId: survey.id, values, ...phone, ip: request.ip }),
        run: (answer) => surveys.answer(answer),
        onSuccess: () =>
          reply.redirect(`${deps.sites.base(site)}/interaction/surveys/${survey.id}?done=1`, 303),
        rerender,
      });
    },
  );

  app.get(
    "/sites/:code/interaction/surveys/:id/results",
    { schema: { hide: true, params: ItemParams }, config: { readReplica: true } },
    async (request, reply) => {
      const { site, survey } = await load(request.params);
      const ctx = await pageContext(deps, site, request);
      const [results, responses] = await Promise.all([
        surveys.results(survey.id),
        surveys.responseCount(survey.id),
      ]);
      return sendHtml(
        reply,
        renderDocument(
          <SurveyResultsPage ctx={ctx} survey={survey} results={results} responses={responses} />,
        ),
      );
    },
  );

  app.get(
    "/sites/:code/interaction/surveys/:id/charts/:file",
    {
      schema: {
        hide: true,
        params: Type.Object({
          code: Type.String({ maxLength: 40 }),
          id: Type.String({ maxLength: 12 }),
          file: Type.String({ maxLength: 20 }),
        }),
      },
      config: { rateLimit: { max: 120, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const { survey } = await load(request.params);
      // N.svg, or N-s.svg: the variant drawn for phones (<picture> in the results page picks it).
      const m = /^(\d{1,9})(-s)?\.svg$/.exec(request.params.file);
      if (!m) throw notFound("统计图不存在");
      const result = (await surveys.results(survey.id)).find((r) => r.question.id === Number(m[1]));
      if (!result || result.question.kind === "text") throw notFound("统计图不存在");
      return (
        reply
          .type("image/svg+xml; charset=utf-8")
          .header("cache-control", "no-cache")
          .header("x-content-type-options", "nosniff")
          // The chart has no script; its inline styles (fonts, sizes) are allowed, nothing else is.
          .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
          .send(questionChartSvg(result, { narrow: m[2] === "-s" }))
      );
    },
  );
};

export default surveyRoutes;
