import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ParticipationDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { notFound } from "../../platform/http/errors.ts";
import { handleForm, type FormProblem } from "../../platform/http/handle-form.ts";
import { FormBody, problemFields, sendPhoneCode } from "../../web/public-form.ts";
import { renderDocument } from "../../web/render.ts";
import { pageParam } from "../../platform/http/params.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import type { Site } from "../sites/index.ts";
import { phaseOf, type Consultation } from "./consultations.ts";
import { readForm } from "../../platform/http/form-input.ts";
import { idParam } from "../../platform/http/params.ts";
import {
  ConsultationListPage,
  ConsultationPage,
  type CommentFormValues,
} from "./views/consultations-views.tsx";

const SiteParams = Type.Object({ code: Type.String({ maxLength: 40 }) });
const ItemParams = Type.Object({ code: Type.String({ maxLength: 40 }), id: Type.String({ maxLength: 12 }) });

/** Public pages of consultations (意见征集): list, the draft with approved comments, commenting. */
const consultationRoutes: FastifyPluginAsyncTypebox<{ deps: ParticipationDeps }> = async (app, { deps }) => {
  const { participation, phone, sites } = deps;
  const consultations = participation.consultations;
  /** The portal shows the whole cluster; every other site its own consultations. */
  const scopeOf = (site: Site) => (site.kind === "portal" ? null : site.id);
  const siteName = (id: number) => sites.byId(id)?.name ?? "";

  app.get(
    "/sites/:code/interaction/consultations",
    {
      config: { readReplica: true },
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({
          status: Type.Optional(Type.String({ maxLength: 10 })),
          page: Type.Optional(Type.String({ maxLength: 10 })),
        }),
      },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const query = request.query;
      const which = query.status === "open" || query.status === "closed" ? query.status : "";
      const page = pageParam(query.page);
      const list = await consultations.listForSite(scopeOf(site), page, 20, which);
      return sendHtml(
        reply,
        renderDocument(<ConsultationListPage ctx={ctx} {...list} which={which} siteName={siteName} />),
      );
    },
  );

  async function detail(
    request: FastifyRequest,
    site: Site,
    c: Consultation,
    page: number,
    extra: {
      values?: CommentFormValues;
      errors?: Record<string, string>;
      summary?: string;
      notice?: string;
      demoCode?: string | null;
      resendIn?: number;
      submitted?: boolean;
    } = {},
  ): Promise<string> {
    const ctx = await pageContext(deps, site, request);
    const [counts, comments] = await Promise.all([
      consultations.counts(c.id),
      consultations.comments(c.id, "approved", page),
    ]);
    return renderDocument(
      <ConsultationPage
        ctx={ctx}
        c={c}
        phase={phaseOf(c)}
        siteName={siteName(c.siteId)}
        counts={counts}
        comments={comments.rows}
        commentTotal={comments.total}
        page={comments.page}
        values={extra.values ?? { name: "", phone: "", code: "", content: "" }}
        errors={extra.errors ?? {}}
        summary={extra.summary}
        notice={extra.notice}
        demoCode={extra.demoCode}
        resendIn={extra.resendIn}
        submitted={extra.submitted}
      />,
    );
  }

  async function load(params: { code: string; id: string }): Promise<{ site: Site; c: Consultation }> {
    const { code, id } = params;
    const site = await siteOf(deps, code);
    const n = idParam(id);
    if (n == null) throw notFound("该意见征集不存在或尚未发布");
    return { site, c: await consultations.getPublished(n, scopeOf(site)) };
  }

  app.get(
    "/sites/:code/interaction/consultations/:id",
    {
      schema: {
        hide: true,
        params: ItemParams,
        querystring: Type.Object({
          page: Type.Optional(Type.String({ maxLength: 10 })),
          submitted: Type.Optional(Type.String({ maxLength: 2 })),
        }),
      },
    },
    async (request, reply) => {
      const { site, c } = await load(request.params);
      const q = request.query;
      return sendHtml(
        reply,
        await detail(request, site, c, pageParam(q.page), { submitted: q.submitted === "1" }),
      );
    },
  );

  app.post(
    "/sites/:code/interaction/consultations/:id/comment",
    {
      schema: { hide: true, params: ItemParams, body: FormBody },
      config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const { site, c } = await load(request.params);
      const { fields } = await readForm(request, 4000);
      const values: CommentFormValues = {
        name: (fields.name ?? "").slice(0, 60),
        phone: (fields.phone ?? "").trim().slice(0, 20),
        code: (fields.code ?? "").trim().slice(0, 10),
        content: (fields.content ?? "").slice(0, 3000),
      };
      const rerender = async (problem: FormProblem) => {
        reply.status(problem.status);
        return sendHtml(
          reply,
          await detail(request, site, c, 1, {
            values,
            errors: problemFields(problem, "content"),
            summary: problem.message,
          }),
        );
      };
      if (fields.action === "code")
        return handleForm({
          parse: () => {
            consultations.expectOpen(c);
            return {
              phone: values.phone,
              purpose: "consultation",
              ip: request.ip,
              showCode: deps.config.smsShowCode,
            };
          },
          run: (to) => sendPhoneCode(phone, to),
          onSuccess: async (sent) => sendHtml(reply, await detail(request, site, c, 1, { values, ...sent })),
          rerender,
        });
      return handleForm({
        parse: () => ({ consultationId: c.id, ...values, ip: request.ip }),
        run: (comment) => consultations.comment(comment),
        onSuccess: () =>
          reply.redirect(
            `${deps.sites.base(site)}/interaction/consultations/${c.id}?submitted=1#write-h`,
            303,
          ),
        rerender,
      });
    },
  );
};

export default consultationRoutes;
