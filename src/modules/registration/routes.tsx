import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { QueueFull } from "../../platform/db/group-commit.ts";
import { notFound } from "../../platform/http/errors.ts";
import { FormBody } from "../../platform/http/form-input.ts";
import { formProblem } from "../../platform/http/handle-form.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { isCorrectable } from "../../platform/http/errors.ts";
import { isServiceUnavailable } from "../../platform/ops/unavailable.ts";
import { renderDocument } from "../../web/render.ts";
import { readValues, type FormValues, type RawInput } from "../onestop/index.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import { channelFor } from "./api-routes.ts";
import { currentCitizen } from "../accounts/index.ts";
import { barChartSvg } from "./charts.ts";
import type { RegistrationDeps } from "./deps.ts";
import { SubmissionInvalid } from "./errors.ts";
import type { Campaign } from "./service.ts";
import { checkSubmission, districtLabel } from "./validation.ts";
import { FiguresPage, ReceiptPage, RegistrationFormPage, type FixedValues } from "./views/public.tsx";

const Params = Type.Object({ site: Type.String({ maxLength: 40 }), code: Type.String({ maxLength: 40 }) });
const EMPTY: FixedValues = { name: "", idNumber: "", phone: "", district: "" };

/** The public side: the registration form on every site, the receipt, and the live figures. */
const registrationRoutes: FastifyPluginAsyncTypebox<{ deps: RegistrationDeps }> = async (app, { deps }) => {
  const { registration } = deps;

  async function load(params: { site: string; code: string }) {
    const site = await siteOf(deps, params.site);
    const campaign = await registration.campaign(params.code);
    if (!campaign) throw notFound("该登记活动不存在");
    return { site, campaign };
  }

  function closedReason(c: Campaign): string | null {
    try {
      registration.assertOpen(c);
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : "该登记暂不开放";
    }
  }

  async function form(
    request: FastifyRequest<{ Params: { site: string; code: string } }>,
    reply: FastifyReply,
    state: {
      fixed: FixedValues;
      values: FormValues;
      errors: Record<string, string>;
      status: number;
      busy?: boolean;
    },
  ) {
    const { site, campaign } = await load(request.params);
    const ctx = await pageContext(deps, site, request);
    // A real-name campaign's page depends on who is signed in: never stored by a shared cache.
    const personal = campaign.audience === "verified";
    let signIn: string | undefined;
    let verifyAt: string | undefined;
    let fixed = state.fixed;
    if (personal) {
      const citizen = await currentCitizen(deps, request);
      const account = citizen?.account;
      if (!account) {
        const next = `${deps.sites.base(site)}/registration/${campaign.code}`;
        signIn = `${deps.sites.base(site)}/account/login?next=${encodeURIComponent(next)}`;
      } else if (!account.verified || !account.idNumber) verifyAt = `${deps.sites.base(site)}/account/`;
      else if (!fixed.idNumber && !fixed.name)
        fixed = { ...fixed, name: account.name, idNumber: account.idNumber };
    }
    reply
      .status(state.status)
      .header("cache-control", state.status === 200 && !personal ? "public, max-age=60" : "no-store");
    return sendHtml(
      reply,
      renderDocument(
        <RegistrationFormPage
          ctx={ctx}
          campaign={campaign}
          fixed={fixed}
          values={state.values}
          errors={state.errors}
          closed={closedReason(campaign)}
          signIn={signIn}
          verifyAt={verifyAt}
          busy={state.busy}
        />,
      ),
    );
  }

  app.get(
    "/sites/:site/registration/:code",
    { schema: { hide: true, params: Params } },
    async (request, reply) => form(request, reply, { fixed: EMPTY, values: {}, errors: {}, status: 200 }),
  );

  app.post(
    "/sites/:site/registration/:code",
    {
      bodyLimit: 64 * 1024,
      config: { rateLimit: { max: 600, timeWindow: "1 minute" } },
      schema: { hide: true, params: Params, body: FormBody },
    },
    async (request, reply) => {
      const { site, campaign } = await load(request.params);
      const raw = request.body as RawInput;
      const one = (k: string) => {
        const v = raw[k];
        return (Array.isArray(v) ? (v[0] ?? "") : (v ?? "")).slice(0, 60);
      };
      const fixed: FixedValues = {
        name: one("name"),
        idNumber: one("idNumber"),
        phone: one("phone"),
        district: one("district"),
      };
      const values = readValues(campaign.form, raw);
      try {
        registration.assertOpen(campaign);
        const channel = await channelFor(deps, request, campaign, fixed.idNumber, true);
        const { value, errors } = checkSubmission(campaign.form, fixed, raw);
        if (Object.keys(errors).length > 0) throw new SubmissionInvalid(errors);
        const result = await registration.accept(campaign, value, channel);
        const to = `${deps.sites.base(site)}/registration/${campaign.code}/receipt?id=${result.id}&r=${result.receipt}${result.created ? "" : "&replaced=1"}`;
        return reply.redirect(to, 303);
      } catch (error) {
        if (error instanceof QueueFull || isServiceUnavailable(error)) {
          reply.header("retry-after", String(error instanceof QueueFull ? error.retryAfterSeconds : 5));
          return form(request, reply, { fixed, values, errors: {}, status: 503, busy: true });
        }
        if (!isCorrectable(error)) throw error;
        const problem = formProblem(error);
        return form(request, reply, { fixed, values, errors: problem.errors, status: problem.status });
      }
    },
  );

  app.get(
    "/sites/:site/registration/:code/receipt",
    {
      schema: {
        hide: true,
        params: Params,
        querystring: Type.Object({
          id: Type.Optional(Type.String({ maxLength: 40 })),
          r: Type.Optional(Type.String({ maxLength: 20 })),
          replaced: Type.Optional(Type.String({ maxLength: 2 })),
        }),
      },
    },
    async (request, reply) => {
      const { site, campaign } = await load(request.params);
      const q = request.query;
      const record = q.id && q.r ? await registration.byReceipt(campaign, q.id, q.r) : null;
      const ctx = await pageContext(deps, site, request);
      reply.header("cache-control", "private, no-store").header("referrer-policy", "same-origin");
      reply.status(record ? 200 : 404);
      return sendHtml(
        reply,
        renderDocument(
          <ReceiptPage ctx={ctx} campaign={campaign} record={record} replaced={q.replaced === "1"} />,
        ),
      );
    },
  );

  app.get(
    "/sites/:site/registration/:code/figures",
    { schema: { hide: true, params: Params } },
    async (request, reply) => {
      const { site, campaign } = await load(request.params);
      const figures = await registration.figures(campaign);
      const ctx = await pageContext(deps, site, request);
      reply.header("cache-control", "public, max-age=5");
      return sendHtml(reply, renderDocument(<FiguresPage ctx={ctx} campaign={campaign} figures={figures} />));
    },
  );

  app.get(
    "/sites/:site/registration/:code/figures/:chart",
    {
      schema: {
        hide: true,
        params: Type.Object({
          site: Type.String({ maxLength: 40 }),
          code: Type.String({ maxLength: 40 }),
          chart: Type.String({ maxLength: 50 }),
        }),
      },
      config: { rateLimit: { max: 120, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const { campaign } = await load(request.params);
      const figures = await registration.figures(campaign);
      const m = /^([a-zA-Z0-9_]{1,40})\.svg$/.exec(request.params.chart);
      if (!m) throw notFound("统计图不存在");
      let svg: string;
      if (m[1] === "districts") {
        const flagged = new Set(figures.elevated);
        svg = barChartSvg(
          figures.byDistrict.slice(0, 20).map((d) => ({
            label: districtLabel(d.district),
            value: d.total,
            flagged: flagged.has(d.district),
          })),
        );
      } else {
        const q = figures.byAnswer.find((a) => a.field === m[1]);
        if (!q) throw notFound("统计图不存在");
        svg = barChartSvg(q.counts.map((r) => ({ label: r.value, value: r.count })));
      }
      return reply
        .type("image/svg+xml; charset=utf-8")
        .header("cache-control", "public, max-age=5")
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
        .send(svg);
    },
  );
};

export default registrationRoutes;
