import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { errorResponses, PUBLIC_API } from "../../platform/http/api-schema.ts";
import { Gone, httpStatusOf, NotFound, TooMany } from "../../platform/http/errors.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { readForm } from "../../platform/http/form-input.ts";
import { idParam, pageParam } from "../../platform/http/params.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { FormBody, problemFields } from "../../web/public-form.ts";
import { renderDocument } from "../../web/render.ts";
import { citizenOnly, currentCitizen } from "../accounts/index.ts";
import { pageContext, siteOf, type Site } from "../sites/index.ts";
import type { DisclosureDeps } from "./deps.ts";
import { LookupLimited, type DisclosureRequest, type RequestInput } from "./requests.ts";
import {
  AccountRequestsPage,
  ApplyPage,
  LookupPage,
  ReceiptPage,
  type ApplyValues,
} from "./views/public.tsx";

const SiteParams = Type.Object({ code: Type.String({ maxLength: 40 }) });
const LookupQuery = Type.Object({
  no: Type.Optional(Type.String({ maxLength: 40 })),
  code: Type.Optional(Type.String({ maxLength: 80 })),
  format: Type.Optional(Type.String({ maxLength: 10 })),
});

export const STATUS_SCHEMA = Type.Object({
  status: Type.Union(
    [
      Type.Literal("received"),
      Type.Literal("assigned"),
      Type.Literal("correction"),
      Type.Literal("consulting"),
      Type.Literal("decided"),
    ],
    {
      description:
        "received 待分办 · assigned 办理中 · correction 待补正（暂停计时）· consulting 征求第三方意见（不计时）· decided 已答复",
    },
  ),
  receivedAt: Type.String({ format: "date-time", description: "收到申请的时间" }),
  dueDate: Type.Union([Type.String({ format: "date" }), Type.Null()], {
    description: "答复期限（中国日期，工作日计算，含经批准的延期）；暂停计时期间为 null",
  }),
  outcome: Type.Union([Type.String(), Type.Null()], {
    description:
      "办理结果类别：granted 予以公开、partial 部分公开、refused 不予公开、unavailable 无法提供、not_processed 不予处理、other 其他处理；未答复为 null",
  }),
});

/** Public pages of 依申请公开: the form, the receipt, the lookup, the letter, the account list, the JSON lookup. */
const disclosureRoutes: FastifyPluginAsyncTypebox<{ deps: DisclosureDeps }> = async (app, { deps }) => {
  const requests = deps.disclosure.requests;

  const emptyValues = (): ApplyValues => ({
    applicantKind: "person",
    orgType: "",
    name: "",
    idNumber: "",
    phone: "",
    email: "",
    address: "",
    description: "",
    purpose: "",
    delivery: "electronic",
    identity: "upload",
  });

  const signedIn = async (request: FastifyRequest) => {
    const c = await currentCitizen(deps, request);
    return c ? c.account : null;
  };

  app.get(
    "/sites/:code/disclosure/apply",
    { schema: { hide: true, params: SiteParams } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const account = await signedIn(request);
      const values = emptyValues();
      if (account?.verified) {
        values.identity = "account";
        values.applicantKind = account.kind === "enterprise" ? "organisation" : "person";
      }
      reply.header("cache-control", "private, no-store");
      return sendHtml(
        reply,
        renderDocument(<ApplyPage ctx={ctx} values={values} errors={{}} account={account} />),
      );
    },
  );

  app.post(
    "/sites/:code/disclosure/apply",
    {
      schema: { hide: true, params: SiteParams },
      config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      // An oversized ID file is marked, not thrown: the form comes back with everything else kept.
      const { fields, files } = await readForm(request, 6000, { keepOversized: true });
      const f = (k: string, max: number) => (fields[k] ?? "").slice(0, max);
      const values: ApplyValues = {
        applicantKind: f("applicantKind", 20),
        orgType: f("orgType", 20),
        name: f("name", 100),
        idNumber: f("idNumber", 30),
        phone: f("phone", 20),
        email: f("email", 100),
        address: f("address", 300),
        description: f("description", 6000),
        purpose: f("purpose", 1000),
        delivery: f("delivery", 20),
        identity: f("identity", 20),
      };
      const account = await signedIn(request);
      const input: RequestInput = {
        siteId: site.id,
        ...values,
        account: account
          ? {
              id: account.id,
              kind: account.kind,
              name: account.name,
              idNumber: account.idNumber,
              creditCode: account.creditCode,
              phone: account.phone,
              verified: account.verified,
            }
          : null,
        files: files.filter((x) => x.field === "idFile").slice(0, 1),
      };
      return handleForm({
        parse: () => input,
        run: (i) => requests.submit(i),
        onSuccess: (receipt) => {
          const lookupUrl = `${ctx.base}/disclosure/lookup?no=${receipt.queryNo}&code=${encodeURIComponent(receipt.lookupCode)}`;
          reply.header("cache-control", "no-store");
          return sendHtml(
            reply,
            renderDocument(
              <ReceiptPage
                ctx={ctx}
                queryNo={receipt.queryNo}
                lookupCode={receipt.lookupCode}
                lookupUrl={lookupUrl}
              />,
            ),
          );
        },
        rerender: (problem) => {
          reply.status(problem.status).header("cache-control", "no-store");
          return sendHtml(
            reply,
            renderDocument(
              <ApplyPage
                ctx={ctx}
                values={values}
                errors={problemFields(problem, "description")}
                summary={problem.message}
                account={account}
              />,
            ),
          );
        },
      });
    },
  );

  /**
   * The request for the query number and code from this caller's address (wrong codes are limited per
   * request and address). A refusal for too many wrong codes carries Retry-After before it is thrown.
   */
  async function lookup(
    request: FastifyRequest,
    reply: FastifyReply,
    no: string,
    code: string,
  ): Promise<DisclosureRequest | null> {
    try {
      return await requests.lookup(no, code, request.ip);
    } catch (error) {
      if (error instanceof LookupLimited) reply.header("retry-after", String(error.retryAfterSeconds));
      throw error;
    }
  }

  /** The request for the query number and code, or the refusal to show (404 / 429). */
  async function find(
    request: FastifyRequest,
    reply: FastifyReply,
    no: string,
    code: string,
  ): Promise<{ request: DisclosureRequest | null; refusal: { status: number; message: string } | null }> {
    try {
      const found = no && code ? await lookup(request, reply, no, code) : null;
      return { request: found, refusal: null };
    } catch (error) {
      if (!(error instanceof TooMany || error instanceof Gone)) throw error;
      return { request: null, refusal: { status: httpStatusOf(error), message: error.message } };
    }
  }

  async function lookupPage(
    request: FastifyRequest,
    reply: FastifyReply,
    site: Site,
    no: string,
    code: string,
    extra: {
      notice?: string;
      correctionErrors?: Record<string, string>;
      correctionReply?: string;
      status?: number;
      /** The lookup already made for this request (each wrong code counts once). */
      found?: Awaited<ReturnType<typeof find>>;
    } = {},
  ) {
    const ctx = await pageContext(deps, site, request);
    const found = extra.found ?? (await find(request, reply, no, code));
    reply.header("cache-control", "no-store").header("referrer-policy", "same-origin");
    if (!found.request) {
      reply.status(found.refusal?.status ?? (no || code ? 404 : 200));
      return sendHtml(
        reply,
        renderDocument(
          <LookupPage
            ctx={ctx}
            no={no.slice(0, 14)}
            error={
              found.refusal?.message ?? (no || code ? "未找到该申请，请核对查询编号和查询码" : undefined)
            }
          />,
        ),
      );
    }
    const r = found.request;
    const events = await requests.events(r.id, false);
    reply.status(extra.status ?? 200);
    return sendHtml(
      reply,
      renderDocument(
        <LookupPage
          ctx={ctx}
          no={no}
          code={code}
          request={r}
          events={events}
          ownerName={deps.sites.byId(r.ownerSiteId)?.name ?? ""}
          notice={extra.notice}
          correctionErrors={extra.correctionErrors}
          correctionReply={extra.correctionReply}
        />,
      ),
    );
  }

  app.get(
    "/sites/:code/disclosure/lookup",
    {
      schema: { hide: true, params: SiteParams, querystring: LookupQuery },
      config: { rateLimit: { max: 60, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const { no = "", code = "" } = request.query;
      return lookupPage(request, reply, site, no.trim(), code.trim());
    },
  );

  app.post(
    "/sites/:code/disclosure/lookup/correct",
    {
      schema: { hide: true, params: SiteParams, body: FormBody },
      config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const { fields } = await readForm(request, 4000);
      const no = (fields.no ?? "").trim();
      const code = (fields.code ?? "").trim();
      const text = fields.correctionReply ?? "";
      const found = await find(request, reply, no, code);
      if (!found.request) return lookupPage(request, reply, site, no, code, { found });
      return handleForm({
        parse: () => text,
        run: (t) => requests.answerCorrection(found.request!, t),
        onSuccess: () =>
          lookupPage(request, reply, site, no, code, { notice: "补正已提交，答复期限自今日起重新计算。" }),
        rerender: (problem) =>
          lookupPage(request, reply, site, no, code, {
            correctionErrors: problemFields(problem, "correctionReply"),
            correctionReply: text,
            status: problem.status,
          }),
      });
    },
  );

  async function sendLetter(reply: FastifyReply, r: DisclosureRequest, format: string | undefined) {
    if (!r.letterHtml) throw new NotFound("尚未作出答复");
    reply.header("cache-control", "private, no-store");
    if (format === "pdf") {
      const pdf = await requests.letterPdf(r);
      return reply
        .type("application/pdf")
        .header("content-disposition", `attachment; filename="disclosure-${r.queryNo}.pdf"`)
        .send(pdf);
    }
    return reply.type("text/html; charset=utf-8").send(r.letterHtml);
  }

  app.get(
    "/sites/:code/disclosure/letter",
    {
      schema: { hide: true, params: SiteParams, querystring: LookupQuery },
      config: { rateLimit: { max: 30, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      await siteOf(deps, request.params.code);
      const { no = "", code = "", format } = request.query;
      const r = no && code ? await lookup(request, reply, no.trim(), code.trim()) : null;
      if (!r) throw new NotFound("未找到该申请，请核对查询编号和查询码");
      return sendLetter(reply, r, format);
    },
  );

  const AccountParams = Type.Object({ code: Type.String({ maxLength: 40 }) });

  app.get(
    "/sites/:code/account/disclosure",
    {
      schema: {
        hide: true,
        params: AccountParams,
        querystring: Type.Object({ page: Type.Optional(Type.String({ maxLength: 10 })) }),
      },
      preHandler: citizenOnly(deps),
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const page = pageParam(request.query.page);
      const list = await requests.forAccount(request.citizen!.account.id, page);
      return sendHtml(reply, renderDocument(<AccountRequestsPage ctx={ctx} {...list} />));
    },
  );

  app.get(
    "/sites/:code/account/disclosure/:id/letter",
    {
      schema: {
        hide: true,
        params: Type.Object({ code: Type.String({ maxLength: 40 }), id: Type.String({ maxLength: 12 }) }),
        querystring: Type.Object({ format: Type.Optional(Type.String({ maxLength: 10 })) }),
      },
      preHandler: citizenOnly(deps),
    },
    async (request, reply) => {
      await siteOf(deps, request.params.code);
      const id = idParam(request.params.id);
      if (id == null) throw new NotFound("申请不存在");
      const r = await requests.accountRequest(request.citizen!.account.id, id);
      return sendLetter(reply, r, request.query.format);
    },
  );

  app.get(
    "/api/disclosure/requests/:no",
    {
      schema: {
        tags: ["政务公开"],
        summary: "查询政府信息公开申请的办理状态",
        operationId: "getDisclosureRequest",
        ...PUBLIC_API,
        description:
          "凭查询编号和查询码（提交申请时只显示一次）查询办理状态、收到时间、答复期限和办理结果。" +
          "错误的查询码按申请和来源网络地址（IPv6 按 /64）计数：每个地址对每个申请每小时最多输错10次；" +
          "同一申请一小时内全部地址累计输错超过100次后，每个地址该小时只允许3次。超过后返回 429 " +
          "（error.code 为 lookup_limited），并带 Retry-After 头（秒，到本小时计数窗口结束）。" +
          "正确的查询码不计次数；他人输错不会使申请人从自己的网络查询时被拒绝。",
        params: Type.Object({ no: Type.String({ maxLength: 20, description: "14位查询编号" }) }),
        querystring: Type.Object({ code: Type.String({ maxLength: 80, description: "查询码" }) }),
        response: { 200: STATUS_SCHEMA, ...errorResponses(400, 404, 429) },
      },
      config: { rateLimit: { max: 60, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const r = await lookup(request, reply, request.params.no, request.query.code);
      if (!r) throw new NotFound("未找到该申请，请核对查询编号和查询码");
      reply.header("cache-control", "no-store");
      const s = requests.publicStatus(r);
      return { status: s.status, receivedAt: s.receivedAt, dueDate: s.dueDate, outcome: s.outcome };
    },
  );
};

export default disclosureRoutes;
