import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { ParticipationDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { notFound, DomainError, NotFound, httpStatusOf } from "../../platform/http/errors.ts";
import { maskPhone } from "../../platform/mask/mask.ts";
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
export function readAnswers(body: unknown, questions: SurveyQuestion[]): AnswerValues {
  const b = (body ?? {}) as Record<string, unknown>;
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
export default async function surveyRoutes(app: FastifyInstance, { deps }: { deps: ParticipationDeps }) {
  const { participation, sites } = deps;
  const surveys = participation.surveys;
  const scopeOf = (site: Site) => (site.kind === "portal" ? null : site.id);
  const siteName = (id: number) => sites.byId(id)?.name ?? "";

  async function load(request: FastifyRequest): Promise<{ site: Site; survey: Survey }> {
    const { code, id } = request.params as { code: string; id: string };
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
      const site = await siteOf(deps, (request.params as { code: string }).code);
      const ctx = await pageContext(deps, site, request);
      const page = pageParam((request.query as { page?: string }).page);
      const list = await surveys.listForSite(scopeOf(site), page);
      return sendHtml(
        reply,
        renderDocument(
          <SurveyListPage ctx={ctx} rows={list.rows} total={list.total} page={page} siteName={siteName} />,
        ),
      );
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
      const { site, survey } = await load(request);
      const done = (request.query as { done?: string }).done === "1";
      return sendHtml(reply, await surveyPage(request, site, survey, { done }));
    },
  );

  app.post(
    "/sites/:code/interaction/surveys/:id",
    {
      schema: { hide: true, params: ItemParams },
      config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const { site, survey } = await load(request);
      const questions = await surveys.questions(survey.id);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const str = (k: string, max: number) =>
        (typeof body[k] === "string" ? (body[k] as string) : "").slice(0, max);
      const values = readAnswers(body, questions);
      const phone = { phone: str("phone", 20).trim(), code: str("code", 10).trim() };
      const fail = async (error: unknown) => {
        if (!(error instanceof DomainError) || error instanceof NotFound) throw error;
        reply.status(httpStatusOf(error));
        return sendHtml(
          reply,
          await surveyPage(request, site, survey, {
            values,
            phone,
            errors: Object.keys(error.fields).length ? error.fields : { phone: error.message },
            summary: error.message,
          }),
        );
      };
      if (str("action", 10) === "code") {
        try {
          surveys.expectOpen(survey);
          const code = await deps.phone.request(phone.phone, "survey", request.ip);
          return sendHtml(
            reply,
            await surveyPage(request, site, survey, {
              values,
              phone,
              notice: `验证码已发送至 ${maskPhone(phone.phone)}，10分钟内有效。`,
              demoCode: deps.config.smsShowCode ? code : null,
            }),
          );
        } catch (error) {
          return fail(error);
        }
      }
      try {
        await surveys.answer({ surveyId: survey.id, values, ...phone, ip: request.ip });
      } catch (error) {
        return fail(error);
      }
      return reply.redirect(`${deps.sites.base(site)}/interaction/surveys/${survey.id}?done=1`, 303);
    },
  );

  app.get(
    "/sites/:code/interaction/surveys/:id/results",
    { schema: { hide: true, params: ItemParams }, config: { readReplica: true } },
    async (request, reply) => {
      const { site, survey } = await load(request);
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
      const { survey } = await load(request);
      const m = /^(\d{1,9})\.svg$/.exec((request.params as { file: string }).file);
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
          .send(questionChartSvg(result))
      );
    },
  );
}
