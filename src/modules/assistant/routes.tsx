import { sendPhoneCode } from "../../web/public-form.ts";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { errorResponses, PUBLIC_API } from "../../platform/http/api-schema.ts";
import type { AssistantDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { Invalid } from "../../platform/http/errors.ts";
import { handleForm, type FormProblem } from "../../platform/http/handle-form.ts";
import { renderDocument } from "../../web/render.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import type { Site } from "../sites/index.ts";
import {
  AssistantPage,
  EMPTY_HANDOFF,
  type HandOffNotice,
  type HandOffReceiptView,
  type HandOffValues,
  type TurnView,
} from "./views/assistant-page.tsx";
import type { AskResult } from "./service.ts";
import assistantAdminRoutes from "./admin-routes.tsx";
import { FormBody, formField } from "./form-body.ts";

const SiteParams = Type.Object({ code: Type.String({ maxLength: 40 }) });
/** Questions per minute per client (pages and API together count separately). */
export const ASK_RATE_LIMIT = { max: 60, timeWindow: "1 minute" };

const AskBody = Type.Object({
  question: Type.String({ maxLength: 100000, description: "市民的问题（300字以内才会被检索）" }),
  conversationId: Type.Optional(Type.String({ maxLength: 100, description: "上一轮返回的会话标识" })),
  site: Type.Optional(Type.String({ maxLength: 40, description: "提问所在网站代码，如 rst" })),
});

const AskReply = Type.Object({
  answered: Type.Boolean({ description: "false：没有把握，建议转人工" }),
  faqId: Type.Union([Type.String(), Type.Null()]),
  answer: Type.String(),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  reason: Type.String({
    description:
      "answered 已回答；low_confidence 没有把握（附相关问题）；off_topic 追问不明确，请把事项说完整；handoff 已转人工；chitchat 寒暄；empty / too_long / no_content / unsafe_markup / injection 输入无法回答",
  }),
  suggestions: Type.Array(Type.Object({ faqId: Type.String(), question: Type.String() })),
  conversationId: Type.String(),
  turnId: Type.Integer({ description: "评价回答时使用" }),
  source: Type.Union([
    Type.Object({
      faqId: Type.String(),
      question: Type.String(),
      department: Type.String(),
      links: Type.Array(Type.Object({ kind: Type.String(), title: Type.String(), href: Type.String() })),
    }),
    Type.Null(),
  ]),
});

const RateBody = Type.Object({
  conversationId: Type.String({ maxLength: 100 }),
  turnId: Type.Integer({ minimum: 1 }),
  helpful: Type.Boolean(),
});

function toTurnView(result: AskResult): TurnView {
  return {
    id: result.turnId,
    question: "",
    answered: result.answered,
    faqId: result.faqId,
    sourceQuestion: result.sourceQuestion,
    answer: result.answer,
    links: result.links,
    rating: null,
    suggestions: result.suggestions,
  };
}

const assistantRoutes: FastifyPluginAsyncTypebox<{ deps: AssistantDeps }> = async (app, { deps }) => {
  const assistant = deps.assistant;

  app.post(
    "/api/assistant/ask",
    {
      schema: {
        tags: ["智能客服"],
        summary: "向智能客服提问",
        operationId: "askAssistant",
        ...PUBLIC_API,
        description:
          "answered=false 表示没有把握（附 2–3 个“您是不是想问”建议，可转人工）。带上 conversationId 可以追问（如“那退休的呢？”）。",
        body: AskBody,
        response: { 200: AskReply, ...errorResponses(400, 429) },
      },
      config: { rateLimit: ASK_RATE_LIMIT },
    },
    async (request) => {
      const body = request.body;
      const site = body.site ? deps.sites.byCodeCached(body.site) : undefined;
      const result = await assistant.ask(body.question, body.conversationId, site?.id ?? null);
      return {
        answered: result.answered,
        faqId: result.faqId,
        answer: result.answer,
        confidence: result.confidence,
        reason: result.reason,
        suggestions: result.suggestions,
        conversationId: result.conversationId,
        turnId: result.turnId,
        source:
          result.faqId && result.sourceQuestion
            ? {
                faqId: result.faqId,
                question: result.sourceQuestion,
                department: result.department ?? "",
                links: result.links,
              }
            : null,
      };
    },
  );

  app.post(
    "/api/assistant/rate",
    {
      schema: {
        tags: ["智能客服"],
        summary: "评价一条回答（有帮助/没帮助）",
        operationId: "rateAssistantAnswer",
        ...PUBLIC_API,
        body: RateBody,
        response: { 200: Type.Object({ ok: Type.Boolean() }), ...errorResponses(400, 404, 429) },
      },
      config: { rateLimit: ASK_RATE_LIMIT },
    },
    async (request) => {
      const body = request.body;
      await assistant.rate(body.conversationId, body.turnId, body.helpful);
      return { ok: true };
    },
  );

  async function renderPage(
    request: FastifyRequest,
    reply: FastifyReply,
    site: Site,
    options: {
      conversationId: string;
      question?: string;
      latest?: AskResult;
      handOff?: HandOffValues;
      handOffErrors?: Record<string, string>;
      handOffNotice?: HandOffNotice;
      receipt?: HandOffReceiptView;
    },
  ) {
    const ctx = await pageContext(deps, site, request);
    const turns: TurnView[] = options.conversationId
      ? await assistant.transcript(options.conversationId)
      : [];
    if (options.latest) {
      const latest = turns.find((t) => t.id === options.latest!.turnId);
      const view = toTurnView(options.latest);
      if (latest) Object.assign(latest, { answer: view.answer, suggestions: view.suggestions });
    }
    return sendHtml(
      reply,
      renderDocument(
        <AssistantPage
          ctx={ctx}
          conversationId={options.conversationId}
          turns={turns}
          question={options.question ?? ""}
          handOff={options.handOff ?? EMPTY_HANDOFF}
          handOffErrors={options.handOffErrors ?? {}}
          handOffNotice={options.handOffNotice}
          receipt={options.receipt}
        />,
      ),
    );
  }

  // The full page: works without JavaScript. GET ?q= asks too (the "您是不是想问" links).
  app.get(
    "/sites/:code/assistant",
    {
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 1000 })),
          c: Type.Optional(Type.String({ maxLength: 100 })),
        }),
      },
      config: { rateLimit: ASK_RATE_LIMIT },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const { q, c } = request.query;
      reply.header("x-robots-tag", "noindex");
      if (q) {
        const result = await assistant.ask(q, c, site.id);
        return renderPage(request, reply, site, { conversationId: result.conversationId, latest: result });
      }
      const known = c && (await assistant.repo.conversation(c)) ? c : "";
      return renderPage(request, reply, site, { conversationId: known });
    },
  );

  app.post(
    "/sites/:code/assistant",
    { schema: { hide: true, params: SiteParams, body: FormBody }, config: { rateLimit: ASK_RATE_LIMIT } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const str = formField(request.body);
      const result = await assistant.ask(str("question", 100000), str("conversationId", 100), site.id);
      reply.header("x-robots-tag", "noindex");
      return renderPage(request, reply, site, { conversationId: result.conversationId, latest: result });
    },
  );

  app.post(
    "/sites/:code/assistant/rate",
    { schema: { hide: true, params: SiteParams, body: FormBody }, config: { rateLimit: ASK_RATE_LIMIT } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const str = formField(request.body);
      const conversationId = str("conversationId", 100);
      const turnId = Number(str("turnId", 12));
      const rating = str("rating", 20);
      if (!Number.isInteger(turnId) || !["helpful", "unhelpful"].includes(rating))
        throw new Invalid("评价参数有误");
      await assistant.rate(conversationId, turnId, rating === "helpful");
      return reply.redirect(
        `${deps.sites.base(site)}/assistant?c=${encodeURIComponent(conversationId)}#turn-${turnId}`,
        303,
      );
    },
  );

  app.post(
    "/sites/:code/assistant/handoff",
    {
      schema: { hide: true, params: SiteParams, body: FormBody },
      config: { rateLimit: { max: 15, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const str = formField(request.body);
      const conversationId = str("conversationId", 100);
      const values: HandOffValues = {
        name: str("name", 60),
        phone: str("phone", 20).trim(),
        code: str("code", 10).trim(),
        email: str("email", 100),
        message: str("message", 5000),
        publishConsent: str("publishConsent", 2) === "1",
      };
      reply.header("x-robots-tag", "noindex");
      const retry = (problem: FormProblem) => {
        reply.status(problem.status);
        return renderPage(request, reply, site, {
          conversationId,
          handOff: values,
          handOffErrors: "form" in problem.errors ? { message: problem.message } : problem.errors,
        });
      };
      // Step one without JavaScript: send the phone code (the letter form's check), keep what was typed.
      if (str("action", 10) === "code")
        return handleForm({
          parse: () => values,
          run: (input) =>
            sendPhoneCode(deps.phone, {
              phone: input.phone,
              purpose: "letter",
              ip: request.ip,
              showCode: deps.config.smsShowCode,
            }),
          onSuccess: (sent) =>
            renderPage(request, reply, site, { conversationId, handOff: values, handOffNotice: sent }),
          rerender: retry,
        });
      return handleForm({
        parse: () => values,
        run: (input) => assistant.requestHandOff(conversationId, input, site.id, request.ip),
        onSuccess: (receipt) => {
          reply.header("cache-control", "no-store");
          return renderPage(request, reply, site, {
            conversationId,
            receipt: {
              queryNo: receipt.reference,
              lookupCode: receipt.lookupCode,
              lookupUrl: `${deps.sites.base(site)}/interaction/lookup?no=${receipt.reference}&code=${encodeURIComponent(receipt.lookupCode)}`,
            },
          });
        },
        rerender: retry,
      });
    },
  );

  await app.register(assistantAdminRoutes, { deps });
};

export default assistantRoutes;
