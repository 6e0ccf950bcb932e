import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { errorResponses, PUBLIC_API } from "../../platform/http/api-schema.ts";
import type { MailboxDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { Gone, httpStatusOf, notFound, NotFound, TooMany } from "../../platform/http/errors.ts";
import { LookupLimited } from "../../platform/lookup/lookup-guard.ts";
import { handleForm, type FormProblem } from "../../platform/http/handle-form.ts";
import { FormBody, problemFields, sendPhoneCode, type PhoneCodeSent } from "../../web/public-form.ts";
import { renderDocument } from "../../web/render.ts";
import { pageParam } from "../../platform/http/params.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import type { Site } from "../sites/index.ts";
import { newDraftToken, readForm, snippetText } from "../../platform/http/form-input.ts";
import { csrfMatches } from "../../platform/auth/csrf.ts";
import { idParam } from "../../platform/http/params.ts";
import type { Letter, LetterInput } from "./letters.ts";
import { FIGURES_SCHEMA } from "./schemas.ts";
import { citizenOnly, currentCitizen } from "../accounts/index.ts";
import {
  AccountLettersPage,
  CentrePage,
  LookupPage,
  PublishedLetterPage,
  PublishedListPage,
  ReceiptPage,
  StatsPage,
  WritePage,
  type LetterFormValues,
  type PublicLetter,
  type RatingInput,
  type SimilarLetter,
} from "./views/letter-views.tsx";

const SiteParams = Type.Object({ code: Type.String({ maxLength: 40 }) });

/** A posted rating: the choice of 满意程度 and 是否解决 (null when not chosen) and the note. */
function postedRating(fields: Record<string, string | undefined>) {
  return {
    rating: fields.rating ?? "",
    solved: fields.solved === "1" ? true : fields.solved === "0" ? false : null,
    note: fields.note ?? "",
  };
}

/** What the citizen chose and wrote, shown again with the rating form's errors. */
function ratingKept(fields: Record<string, string | undefined>): RatingInput {
  return {
    rating: fields.rating ?? "",
    solved: fields.solved ?? "",
    note: (fields.note ?? "").slice(0, 500),
  };
}

const interactionRoutes: FastifyPluginAsyncTypebox<{ deps: MailboxDeps }> = async (app, { deps }) => {
  const { mailbox, participation, phone, sites } = deps;
  const letters = mailbox.letters;

  /** Public figures cover the whole cluster on the portal, else letters filed on / owned by the site. */
  const scopeOf = (site: Site) => (site.kind === "portal" ? null : site.id);

  const toPublic = (r: Omit<PublicLetter, "ownerName"> & { ownerSiteId: number | null }): PublicLetter => ({
    ...r,
    ownerName: sites.byId(r.ownerSiteId ?? 0)?.name ?? "",
  });

  async function similarTo(text: string): Promise<SimilarLetter[]> {
    const q = text.replace(/\s+/g, " ").trim().slice(0, 100);
    if ([...q].length < 2) return [];
    const result = await deps.search.search({ q, kinds: ["letter"], pageSize: 5 });
    return result.hits.map((h) => ({ title: h.title, url: h.url, snippet: snippetText(h.snippet) }));
  }

  app.get(
    "/sites/:code/interaction",
    { schema: { hide: true, params: SiteParams } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      return reply.redirect(`/sites/${site.code}/interaction/`, 301);
    },
  );

  app.get(
    "/sites/:code/interaction/",
    { schema: { hide: true, params: SiteParams }, config: { readReplica: true } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(
        deps,
        site,
        request,
        channelPathOf(await sites.repo.channelsOfSite(site.id)),
      );
      const scope = scopeOf(site);
      const [figures, latest, consultations, surveys] = await Promise.all([
        mailbox.figures(scope),
        letters.published(scope, 1, 8),
        participation.consultations.listForSite(scope, 1, 5),
        participation.surveys.listForSite(scope, 1, 5),
      ]);
      return sendHtml(
        reply,
        renderDocument(
          <CentrePage
            ctx={ctx}
            figures={figures}
            latest={latest.rows.map(toPublic)}
            consultations={consultations.rows}
            surveys={surveys.rows}
          />,
        ),
      );
    },
  );

  function emptyValues(site: Site): LetterFormValues {
    return {
      addressee: `leader:${site.id}`,
      kind: "consult",
      subject: "",
      content: "",
      name: "",
      phone: "",
      code: "",
      email: "",
      address: "",
      // Publication is an explicit opt-in: the box starts unticked.
      publishConsent: false,
      draftToken: newDraftToken(),
    };
  }

  /**
   * The signed-in writer, if any: the form starts with their name and phone, and a letter posted
   * with their session's token is listed on their 我的信件 (without it, a letter is filed as any
   * other: the phone code proves the writer, nothing is lost).
   */
  async function writerOf(request: FastifyRequest) {
    const citizen = await currentCitizen(deps, request);
    if (!citizen) return null;
    const { account, session } = citizen;
    const name = account.kind === "enterprise" ? (account.contactName ?? "") : account.name;
    return { accountId: account.id, name, phone: account.phone, csrf: session.csrf };
  }

  app.get(
    "/sites/:code/interaction/write",
    { schema: { hide: true, params: SiteParams } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const writer = await writerOf(request);
      return sendHtml(
        reply,
        renderDocument(
          <WritePage
            ctx={ctx}
            values={{ ...emptyValues(site), name: writer?.name ?? "", phone: writer?.phone ?? "" }}
            errors={{}}
            addressees={letters.addresseesFor(site.id)}
            similar={null}
            csrf={writer?.csrf}
          />,
        ),
      );
    },
  );

  app.post(
    "/sites/:code/interaction/write",
    {
      schema: { hide: true, params: SiteParams },
      config: { rateLimit: { max: 30, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const { fields, files } = await readForm(request);
      const f = (k: string, max: number) => (fields[k] ?? "").slice(0, max);
      const values: LetterFormValues = {
        addressee: f("addressee", 40),
        kind: f("kind", 20),
        subject: f("subject", 200),
        content: f("content", 6000),
        name: f("name", 60),
        phone: f("phone", 20).trim(),
        code: f("code", 10).trim(),
        email: f("email", 100),
        address: f("address", 300),
        publishConsent: fields.publishConsent === "1",
        draftToken: /^[A-Za-z0-9_-]{16,64}$/.test(fields.draft ?? "") ? fields.draft! : newDraftToken(),
      };
      const addressees = letters.addresseesFor(site.id);
      const writer = await writerOf(request);
      const page = (
        errors: Record<string, string>,
        extra: {
          similar?: SimilarLetter[] | null;
          sent?: PhoneCodeSent;
          summary?: string;
        } = {},
      ) =>
        renderDocument(
          <WritePage
            ctx={ctx}
            summary={extra.summary}
            values={values}
            errors={errors}
            addressees={addressees}
            similar={extra.similar ?? null}
            sent={extra.sent}
            csrf={writer?.csrf}
          />,
        );
      const action = fields.action ?? "submit";
      if (action === "similar") {
        const similar = await similarTo(`${values.subject} ${values.content}`);
        if (similar.length > 0) await letters.recordShown(values.draftToken, site.id);
        return sendHtml(reply, page({}, { similar }));
      }
      const rerender = (field: string) => (problem: FormProblem) => {
        reply.status(problem.status);
        return sendHtml(reply, page(problemFields(problem, field), { summary: problem.message }));
      };
      if (action === "code")
        return handleForm({
          parse: () => ({
            phone: values.phone,
            purpose: "letter",
            ip: request.ip,
            showCode: deps.config.smsShowCode,
          }),
          run: (to) => sendPhoneCode(phone, to),
          onSuccess: (sent) => sendHtml(reply, page({}, { sent })),
          rerender: rerender("phone"),
        });
      const input: LetterInput = {
        siteId: site.id,
        addressee: values.addressee,
        kind: values.kind,
        subject: values.subject,
        content: values.content,
        name: values.name,
        phone: values.phone,
        code: values.code,
        email: values.email,
        address: values.address,
        publishConsent: values.publishConsent,
        files,
        draftToken: values.draftToken,
        ip: request.ip,
        accountId: writer && csrfMatches(writer.csrf, fields._csrf) ? writer.accountId : null,
      };
      return handleForm({
        parse: () => input,
        run: (letter) => letters.submit(letter),
        onSuccess: (receipt) => {
          const lookupUrl = `${ctx.base}/interaction/lookup?no=${receipt.queryNo}&code=${encodeURIComponent(receipt.lookupCode)}`;
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
        rerender: rerender("subject"),
      });
    },
  );

  /** What the writer sees of their letter: its public history, attachments and handling department. */
  async function letterShown(letter: Letter) {
    const [events, attachments] = await Promise.all([
      letters.events(letter.id, false),
      letters.attachments(letter.id),
    ]);
    return { letter, events, attachments, ownerName: sites.byId(letter.ownerSiteId ?? 0)?.name };
  }

  async function lookupPage(
    request: FastifyRequest,
    site: Site,
    no: string,
    code: string,
    extra: { notice?: string; ratingErrors?: Record<string, string>; ratingInput?: RatingInput } = {},
  ) {
    const ctx = await pageContext(deps, site, request);
    let letter: Letter | null = null;
    let refusal: { status: number; message: string; retryAfter?: number } | null = null;
    try {
      letter = no && code ? await letters.lookup(no, code, request.ip) : null;
    } catch (error) {
      if (!(error instanceof TooMany || error instanceof Gone)) throw error;
      refusal = { status: httpStatusOf(error), message: error.message };
      if (error instanceof LookupLimited) refusal.retryAfter = error.retryAfterSeconds;
    }
    if (!letter)
      return {
        status: refusal?.status ?? (no || code ? 404 : 200),
        retryAfter: refusal?.retryAfter,
        html: renderDocument(
          <LookupPage
            ctx={ctx}
            no={no.slice(0, 14)}
            error={refusal?.message ?? (no || code ? "未找到该信件，请核对查询编号和查询码" : undefined)}
          />,
        ),
      };
    return {
      status: 200,
      html: renderDocument(
        <LookupPage
          ctx={ctx}
          no={no}
          {...await letterShown(letter)}
          code={code}
          notice={extra.notice}
          ratingErrors={extra.ratingErrors}
          ratingInput={extra.ratingInput}
        />,
      ),
    };
  }

  app.get(
    "/sites/:code/account/letters",
    {
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({ page: Type.Optional(Type.String({ maxLength: 10 })) }),
      },
      preHandler: citizenOnly(deps),
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const page = pageParam(request.query.page);
      const list = await letters.forAccount(request.citizen!.account.id, page);
      return sendHtml(reply, renderDocument(<AccountLettersPage ctx={ctx} {...list} />));
    },
  );

  const LetterParams = Type.Object({
    code: Type.String({ maxLength: 40 }),
    id: Type.String({ maxLength: 12 }),
  });

  /** One of the signed-in citizen's letters, with the rating form when it may be rated. */
  async function accountLetterPage(
    request: FastifyRequest<{ Params: { code: string; id: string } }>,
    extra: { notice?: string; ratingErrors?: Record<string, string>; ratingInput?: RatingInput } = {},
  ): Promise<string> {
    const site = await siteOf(deps, request.params.code);
    const id = idParam(request.params.id);
    if (id == null) throw new NotFound("未找到该信件");
    const citizen = request.citizen!;
    const letter = await letters.accountLetter(citizen.account.id, id);
    const [ctx, shown] = await Promise.all([pageContext(deps, site, request), letterShown(letter)]);
    return renderDocument(
      <LookupPage
        ctx={ctx}
        no={letter.queryNo}
        {...shown}
        mine={{ rateAction: `${ctx.base}/account/letters/${letter.id}/rate`, csrf: citizen.session.csrf }}
        {...extra}
      />,
    );
  }

  app.get(
    "/sites/:code/account/letters/:id",
    { schema: { hide: true, params: LetterParams }, preHandler: citizenOnly(deps) },
    async (request, reply) => sendHtml(reply, await accountLetterPage(request)),
  );

  app.post(
    "/sites/:code/account/letters/:id/rate",
    {
      schema: { hide: true, params: LetterParams, body: FormBody },
      preHandler: citizenOnly(deps),
      config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const { fields } = await readForm(request, 1000);
      const id = idParam(request.params.id);
      if (id == null) throw new NotFound("未找到该信件");
      return handleForm({
        parse: () => postedRating(fields),
        run: (r) => letters.rateOwn(request.citizen!.account.id, id, r.rating, r.solved, r.note),
        onSuccess: async ({ reopened }) =>
          sendHtml(
            reply,
            await accountLetterPage(request, {
              notice: reopened
                ? "感谢评价。您反映问题未解决，信件已退回承办单位重新办理。"
                : "感谢您的评价！",
            }),
          ),
        rerender: async (problem) => {
          const html = await accountLetterPage(request, {
            ratingErrors: problemFields(problem, "rating"),
            ratingInput: ratingKept(fields),
          });
          reply.status(problem.status);
          return sendHtml(reply, html);
        },
      });
    },
  );

  app.get(
    "/sites/:code/interaction/lookup",
    {
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({
          no: Type.Optional(Type.String({ maxLength: 40 })),
          code: Type.Optional(Type.String({ maxLength: 80 })),
        }),
      },
      config: { rateLimit: { max: 60, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const { no = "", code = "" } = request.query;
      const { status, html, retryAfter } = await lookupPage(request, site, no.trim(), code.trim());
      if (retryAfter) reply.header("retry-after", String(retryAfter));
      // The address holds the lookup code: no other site may see it as a referrer. "same-origin" rather
      // than "no-referrer", which would make the browser send `Origin: null` with the rating form.
      reply.status(status).header("cache-control", "no-store").header("referrer-policy", "same-origin");
      return sendHtml(reply, html);
    },
  );

  app.post(
    "/sites/:code/interaction/lookup/rate",
    {
      schema: { hide: true, params: SiteParams, body: FormBody },
      config: { rateLimit: { max: 20, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const { fields } = await readForm(request, 1000);
      const no = (fields.no ?? "").trim();
      const code = (fields.code ?? "").trim();
      return handleForm({
        parse: () => postedRating(fields),
        run: (r) => letters.rate(no, code, request.ip, r.rating, r.solved, r.note),
        onSuccess: async ({ reopened }) => {
          const { html } = await lookupPage(request, site, no, code, {
            notice: reopened ? "感谢评价。您反映问题未解决，信件已退回承办单位重新办理。" : "感谢您的评价！",
          });
          reply.header("cache-control", "no-store");
          return sendHtml(reply, html);
        },
        rerender: async (problem) => {
          const { html } = await lookupPage(request, site, no, code, {
            ratingErrors: problemFields(problem, "rating"),
            ratingInput: ratingKept(fields),
          });
          reply.status(problem.status);
          return sendHtml(reply, html);
        },
      });
    },
  );

  app.get(
    "/sites/:code/interaction/letters",
    {
      config: { readReplica: true },
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100 })),
          page: Type.Optional(Type.String({ maxLength: 10 })),
        }),
      },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const query = request.query;
      const page = pageParam(query.page);
      const q = (query.q ?? "").trim().slice(0, 50);
      const list = await letters.published(scopeOf(site), page, 20, q);
      return sendHtml(
        reply,
        renderDocument(
          <PublishedListPage ctx={ctx} rows={list.rows.map(toPublic)} total={list.total} page={page} q={q} />,
        ),
      );
    },
  );

  app.get(
    "/sites/:code/interaction/letters/:id",
    {
      config: { readReplica: true },
      schema: {
        hide: true,
        params: Type.Object({ code: Type.String({ maxLength: 40 }), id: Type.String({ maxLength: 12 }) }),
      },
    },
    async (request, reply) => {
      const { code, id } = request.params;
      const site = await siteOf(deps, code);
      const n = idParam(id);
      if (n == null) throw notFound("该信件不存在或未公开");
      const letter = await letters.publishedById(n);
      const ctx = await pageContext(deps, site, request);
      return sendHtml(reply, renderDocument(<PublishedLetterPage ctx={ctx} letter={toPublic(letter)} />));
    },
  );

  app.get(
    "/sites/:code/interaction/stats",
    { schema: { hide: true, params: SiteParams }, config: { readReplica: true } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const settings = await letters.settings();
      const figures = await mailbox.figures(scopeOf(site));
      return sendHtml(
        reply,
        renderDocument(
          <StatsPage
            ctx={ctx}
            figures={figures}
            defaultRule={settings.defaultRatingSatisfied}
            ratingWindowDays={settings.ratingWindowDays}
          />,
        ),
      );
    },
  );

  app.get(
    "/api/interaction/stats",
    {
      config: { readReplica: true },
      schema: {
        tags: ["互动交流"],
        summary: "信件办理情况统计",
        operationId: "getInteractionStats",
        ...PUBLIC_API,
        description:
          "某网站（门户为全省）收到的信件、按时答复、平均答复用时（工作日）、满意度（群众实评与默认评价分列）、解决率，以及按承办部门的分项。",
        querystring: Type.Object({
          site: Type.Optional(
            Type.String({ maxLength: 40, description: "网站代码，如 rst；缺省为门户（全省）" }),
          ),
        }),
        response: { 200: FIGURES_SCHEMA, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      await sites.ensureFresh();
      const code = request.query.site;
      const site = code ? sites.byCodeCached(code) : sites.portalSite();
      if (!site) throw new NotFound("网站不存在", { site: "未知的网站代码" });
      const figures = await mailbox.figures(scopeOf(site));
      return { ...figures, site: site.code };
    },
  );

  app.get(
    "/api/interaction/similar",
    {
      schema: {
        tags: ["互动交流"],
        summary: "相似的已公开信件",
        operationId: "findSimilarLetters",
        ...PUBLIC_API,
        description: "写信时查找已公开答复的相似问题。draft 为写信页面的草稿标识，用于统计分流效果。",
        querystring: Type.Object({
          q: Type.String({ maxLength: 3000 }),
          site: Type.Optional(Type.String({ maxLength: 40 })),
          draft: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ title: Type.String(), url: Type.String(), snippet: Type.String() }),
            ),
          }),
          ...errorResponses(400, 429),
        },
      },
      config: { rateLimit: { max: 60, timeWindow: "1 minute" } },
    },
    async (request) => {
      const { q, site: code, draft } = request.query;
      const items = await similarTo(q);
      const site = code ? sites.byCodeCached(code) : undefined;
      if (items.length > 0 && site && draft) await letters.recordShown(draft, site.id);
      return { items };
    },
  );
};

export default interactionRoutes;

function channelPathOf(
  channels: { kind: string; path: string; parentId: number | null }[],
): string | undefined {
  return channels.find((c) => c.kind === "interaction" && c.parentId === null)?.path;
}
