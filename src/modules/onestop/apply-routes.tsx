import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type, type Static } from "typebox";
import type { OneStopDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { notFound } from "../../platform/http/errors.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { renderDocument } from "../../web/render.ts";
import { idParam, pageParam } from "../../platform/http/params.ts";
import { pageContext, siteOf, type Site } from "../sites/index.ts";
import { citizenOnly, currentCitizen } from "../accounts/index.ts";
import type { Account } from "../accounts/index.ts";
import { assertItemForAccount, type Application } from "./applications.ts";
import type { ServiceItem } from "./catalogue.ts";
import type { FormVersion } from "./form-store.ts";
import { groupRowCount, readValues, type FormValues } from "./forms.ts";
import { ApplyPage, lockedIdentity, MyApplicationsPage, ReceiptPage, TrackPage } from "./views/apply.tsx";
import { BundleApplyPage, BundleReceiptPage, BundlesPage, EvaluatePage, StatsPage } from "./views/extra.tsx";
import { readRawForm } from "../../platform/http/form-input.ts";
import { field, FormBody, PathCode, QueryText, sendHallPage } from "./route-kit.ts";

const str = (v: string | string[] | undefined) => (Array.isArray(v) ? (v[0] ?? "") : (v ?? ""));

function prefill(account: Account): FormValues {
  return account.kind === "enterprise"
    ? {
        orgName: account.name,
        creditCode: account.creditCode ?? "",
        agentName: account.contactName ?? "",
        phone: account.phone,
      }
    : { applicantName: account.name, idNumber: account.idNumber ?? "", phone: account.phone };
}

// The citizen area's guard (citizenOnly) finds the site of its login form in the `:site` parameter.
const SiteParams = Type.Object({ site: PathCode });
const ItemParams = Type.Object({ site: PathCode, item: PathCode });
const NoParams = Type.Object({ site: PathCode, no: PathCode });
const BundleParams = Type.Object({ site: PathCode, bundle: PathCode });

/** Applying online: form, drafts, submission, receipt, my applications, public tracking. */
const applyRoutes: FastifyPluginAsyncTypebox<{ deps: OneStopDeps }> = async (app, { deps }) => {
  const { oneStop } = deps;
  const { applications } = oneStop;
  // An unknown site answers 404 before the citizen guard sends anyone to that site's login form.
  const knownSite: preHandlerAsyncHookHandler = async (request) => {
    await siteOf(deps, (request.params as Static<typeof SiteParams>).site);
  };
  const preHandler = [knownSite, citizenOnly(deps)];

  async function formOf(
    item: ServiceItem,
    application: Application | null | undefined,
  ): Promise<FormVersion> {
    if (application && application.formVersion > 0) {
      const v = await oneStop.forms.byVersion(item.code, application.formVersion);
      if (v) return v;
    }
    return oneStop.forms.current(item);
  }

  app.get(
    "/sites/:site/services/apply/:item",
    {
      preHandler,
      schema: {
        hide: true,
        params: ItemParams,
        querystring: Type.Object({ app: QueryText(), saved: QueryText() }),
      },
    },
    async (request, reply) => {
      const { site: code, item: itemCode } = request.params;
      const site = await siteOf(deps, code);
      const citizen = request.citizen;
      const item = await oneStop.catalogue.requireByCode(itemCode);
      assertItemForAccount(item, citizen.account);
      const q = request.query;
      let application: Application | null = null;
      if (q.app) {
        const id = idParam(q.app);
        if (id === null) throw notFound("该办件不存在");
        application = await applications.own(citizen.account.id, id);
        if (application.itemCode !== item.code) throw notFound("该办件不存在");
        if (!["draft", "correction"].includes(application.status))
          return reply.redirect(`${deps.sites.base(site)}/services/receipt/${application.trackingNo}`, 303);
      }
      const form = await formOf(item, application);
      const held = await applications.heldLicences(citizen.account);
      // A fresh form says so when a draft of this item waits (saved, or kept when a submission had errors).
      const draft = application ? undefined : await applications.latestDraft(citizen.account.id, item.code);
      return sendHallPage(deps, request, reply, site, (ctx) => (
        <ApplyPage
          ctx={ctx}
          item={item}
          schema={form.schema}
          draft={draft ? { id: draft.id, savedAt: draft.updatedAt } : undefined}
          values={application ? application.data : prefill(citizen.account)}
          errors={{}}
          csrf={citizen.session.csrf}
          idem={application ? application.idempotencyKey : randomBytes(24).toString("base64url")}
          application={application}
          saved={q.saved === "1"}
          account={citizen.account}
          filing={application?.filing ?? null}
          held={held}
        />
      ));
    },
  );

  app.post(
    "/sites/:site/services/apply/:item",
    {
      preHandler,
      // Multipart (uploads): the one form reader reads the body and checks its CSRF token.
      schema: { hide: true, params: ItemParams },
      config: { rateLimit: { max: 60, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const { site: code, item: itemCode } = request.params;
      const site = await siteOf(deps, code);
      const base = deps.sites.base(site);
      const citizen = request.citizen;
      const item = await oneStop.catalogue.requireByCode(itemCode);
      const { values: raw, files } = await readRawForm(request);
      const idem = str(raw._idem);
      const action = str(raw._action) || "submit";
      const existing = /^[A-Za-z0-9_-]{16,64}$/.test(idem)
        ? await applications.findByKey(citizen.account.id, idem)
        : undefined;
      const form = await formOf(item, existing);
      const submit = action === "submit";
      const result = await applications.save({
        account: citizen.account,
        item,
        form,
        raw,
        files,
        idempotencyKey: idem,
        submit,
        filing: true,
      });
      const a = result.application;
      if (result.duplicate || (submit && Object.keys(result.errors).length === 0))
        return reply.redirect(
          `${base}/services/receipt/${a.trackingNo}${result.duplicate ? "?dup=1" : ""}`,
          303,
        );
      if (action === "draft" && Object.keys(result.errors).length === 0)
        return reply.redirect(
          `${base}/services/apply/${encodeURIComponent(item.code)}?app=${a.id}&saved=1`,
          303,
        );
      const addRowFor = action.startsWith("addrow:") ? action.slice(7) : undefined;
      const rawRows: Record<string, number> = {};
      for (const f of form.schema.fields) if (f.type === "group") rawRows[f.name] = groupRowCount(f, raw);
      if (Object.keys(result.errors).length) reply.status(400);
      const held = await applications.heldLicences(citizen.account);
      return sendHallPage(deps, request, reply, site, (ctx) => (
        <ApplyPage
          ctx={ctx}
          item={item}
          schema={form.schema}
          values={a.data}
          errors={result.errors}
          csrf={citizen.session.csrf}
          idem={a.idempotencyKey}
          application={a}
          addRowFor={addRowFor}
          rawRows={rawRows}
          account={citizen.account}
          filing={a.filing}
          held={held}
        />
      ));
    },
  );

  app.get(
    "/sites/:site/services/receipt/:no",
    { preHandler, schema: { hide: true, params: NoParams, querystring: Type.Object({ dup: QueryText() }) } },
    async (request, reply) => {
      const { site: code, no } = request.params;
      const site = await siteOf(deps, code);
      const citizen = request.citizen;
      const a = await applications.own(citizen.account.id, no);
      const item = await oneStop.catalogue.byCode(a.itemCode, true);
      const form = item ? await formOf(item, a) : null;
      const [events, evaluation, progress] = await Promise.all([
        applications.events(a.id),
        oneStop.evaluations.forApplication(a.id),
        applications.progress(a),
      ]);
      return sendHallPage(deps, request, reply, site, (ctx) => (
        <ReceiptPage
          ctx={ctx}
          application={a}
          item={item}
          schema={form?.schema ?? null}
          events={events}
          progress={progress}
          csrf={citizen.session.csrf}
          department={deps.sites.byId(a.siteId)?.name ?? ""}
          duplicate={request.query.dup === "1"}
          evaluation={evaluation?.evaluation ?? null}
          rectification={evaluation?.rectification ?? null}
        />
      ));
    },
  );

  app.post(
    "/sites/:site/services/receipt/:no/withdraw",
    { preHandler, schema: { hide: true, params: NoParams, body: FormBody } },
    async (request, reply) => {
      const { site: code, no } = request.params;
      const site = await siteOf(deps, code);
      const citizen = request.citizen;
      const a = await applications.own(citizen.account.id, no);
      await applications.withdraw(citizen.account, a.id, field(request.body, "reason", 200));
      return reply.redirect(`${deps.sites.base(site)}/services/receipt/${a.trackingNo}`, 303);
    },
  );

  app.get(
    "/sites/:site/services/my",
    {
      preHandler,
      schema: { hide: true, params: SiteParams, querystring: Type.Object({ page: QueryText() }) },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const citizen = request.citizen;
      const page = pageParam(request.query.page);
      const list = await applications.listForAccount(citizen.account.id, page);
      const bundles = await oneStop.bundles.trackingNos(
        list.rows.flatMap((a) => (a.bundleApplicationId ? [a.bundleApplicationId] : [])),
      );
      return sendHallPage(deps, request, reply, site, (ctx) => (
        <MyApplicationsPage ctx={ctx} rows={list.rows} total={list.total} page={page} bundles={bundles} />
      ));
    },
  );

  app.get(
    "/sites/:site/services/track",
    {
      schema: { hide: true, params: SiteParams, querystring: Type.Object({ no: QueryText() }) },
      config: { rateLimit: { max: 30, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const no = (request.query.no ?? "").trim().toUpperCase().slice(0, 30);
      let a = no ? await applications.byTrackingNo(no) : undefined;
      if (a?.status === "draft") a = undefined;
      const events = a ? await applications.events(a.id) : [];
      if (no && !a) reply.status(404);
      return sendHallPage(deps, request, reply, site, (ctx) => (
        <TrackPage
          ctx={ctx}
          no={no}
          application={a ?? null}
          events={events}
          message={no && !a ? "未找到该办件，请核对办件编号" : undefined}
        />
      ));
    },
  );

  async function renderEvaluate(
    request: FastifyRequest,
    reply: FastifyReply,
    site: Site,
    a: Application,
    values: { level: string; comment: string },
    errors: Record<string, string>,
  ) {
    return sendHallPage(deps, request, reply, site, (ctx) => (
      <EvaluatePage ctx={ctx} app={a} csrf={request.citizen.session.csrf} errors={errors} values={values} />
    ));
  }

  app.get(
    "/sites/:site/services/bundles",
    { schema: { hide: true, params: SiteParams }, config: { readReplica: true } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const bundles = await Promise.all(
        (await oneStop.bundles.list()).map(async (bundle) => ({
          bundle,
          items: await oneStop.bundles.items(bundle),
        })),
      );
      return sendHallPage(deps, request, reply, site, (ctx) => <BundlesPage ctx={ctx} bundles={bundles} />);
    },
  );

  async function renderBundle(
    request: FastifyRequest,
    site: Site,
    bundleCode: string,
    state: { values: FormValues; errors: Record<string, string>; idem?: string; consent?: boolean },
  ) {
    const bundle = await oneStop.bundles.byCode(bundleCode);
    const items = await oneStop.bundles.items(bundle);
    const merged = await oneStop.bundles.mergedForm(bundle);
    const citizen = await currentCitizen(deps, request);
    const ctx = await pageContext(deps, site, request, "bsfw");
    return renderDocument(
      <BundleApplyPage
        ctx={ctx}
        bundle={bundle}
        items={items}
        departments={items.map((i) => deps.sites.byId(i.siteId)?.name ?? "")}
        onceOnly={oneStop.bundles.onceOnly(items, citizen?.account ?? null)}
        locked={citizen ? lockedIdentity(citizen.account) : {}}
        consent={state.consent ?? false}
        schema={merged.schema}
        values={Object.keys(state.values).length ? state.values : citizen ? prefill(citizen.account) : {}}
        errors={state.errors}
        csrf={citizen?.session.csrf ?? null}
        idem={state.idem ?? randomBytes(24).toString("base64url")}
      />,
    );
  }

  app.get(
    "/sites/:site/services/bundles/:bundle",
    { schema: { hide: true, params: BundleParams } },
    async (request, reply) => {
      const { site: code, bundle } = request.params;
      const site = await siteOf(deps, code);
      return sendHtml(reply, await renderBundle(request, site, bundle, { values: {}, errors: {} }));
    },
  );

  app.post(
    "/sites/:site/services/bundles/:bundle",
    {
      preHandler,
      // Multipart (uploads): the one form reader reads the body and checks its CSRF token.
      schema: { hide: true, params: BundleParams },
      config: { rateLimit: { max: 30, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const { site: code, bundle: bundleCode } = request.params;
      const site = await siteOf(deps, code);
      const base = deps.sites.base(site);
      const citizen = request.citizen;
      const bundle = await oneStop.bundles.byCode(bundleCode);
      const { values: raw, files } = await readRawForm(request);
      const r = await oneStop.bundles.submit(citizen.account, bundle, raw, files, str(raw._idem));
      if (!Object.keys(r.errors).length)
        return reply.redirect(`${base}/services/bundle-receipt/${r.trackingNo}`, 303);
      const merged = await oneStop.bundles.mergedForm(bundle);
      reply.status(400);
      return sendHtml(
        reply,
        await renderBundle(request, site, bundleCode, {
          values: readValues(merged.schema, raw),
          errors: r.errors,
          idem: str(raw._idem),
          consent: str(raw.onceOnlyConsent) === "1",
        }),
      );
    },
  );

  app.get(
    "/sites/:site/services/bundle-receipt/:no",
    { preHandler, schema: { hide: true, params: NoParams } },
    async (request, reply) => {
      const { site: code, no } = request.params;
      const site = await siteOf(deps, code);
      const b = await oneStop.bundles.bundleApplication(request.citizen.account.id, no);
      return sendHallPage(deps, request, reply, site, (ctx) => (
        <BundleReceiptPage
          ctx={ctx}
          trackingNo={b.trackingNo}
          bundle={b.bundle}
          applications={b.applications}
          complete={b.complete}
        />
      ));
    },
  );

  app.get(
    "/sites/:site/services/receipt/:no/evaluate",
    { preHandler, schema: { hide: true, params: NoParams } },
    async (request, reply) => {
      const { site: code, no } = request.params;
      const site = await siteOf(deps, code);
      const a = await applications.own(request.citizen.account.id, no);
      return renderEvaluate(request, reply, site, a, { level: "", comment: "" }, {});
    },
  );

  app.post(
    "/sites/:site/services/receipt/:no/evaluate",
    { preHandler, schema: { hide: true, params: NoParams, body: FormBody } },
    async (request, reply) => {
      const { site: code, no } = request.params;
      const site = await siteOf(deps, code);
      const citizen = request.citizen;
      const a = await applications.own(citizen.account.id, no);
      const values = { level: field(request.body, "level", 2), comment: field(request.body, "comment", 500) };
      return handleForm({
        parse: () => values,
        run: (v) => oneStop.evaluations.rate(citizen.account, a.trackingNo, Number(v.level), v.comment),
        onSuccess: () => reply.redirect(`${deps.sites.base(site)}/services/receipt/${a.trackingNo}`, 303),
        // Only problems with a field (level, comment) show the form again; the rest answer as errors.
        shows: (error) => Object.keys(error.fields).length > 0,
        rerender: (problem) => {
          reply.status(problem.status);
          return renderEvaluate(request, reply, site, a, values, problem.errors);
        },
      });
    },
  );

  app.get(
    "/sites/:site/services/stats",
    { schema: { hide: true, params: SiteParams }, config: { readReplica: true } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const figures = await oneStop.stats.figures();
      return sendHallPage(deps, request, reply, site, (ctx) => <StatsPage ctx={ctx} f={figures} />);
    },
  );
};

export default applyRoutes;
