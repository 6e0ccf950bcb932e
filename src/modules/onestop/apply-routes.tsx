import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { OneStopDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { notFound, DomainError } from "../../platform/http/errors.ts";
import { renderDocument } from "../../web/render.ts";
import { pageParam } from "../../platform/http/params.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import { currentCitizen, requireCitizen } from "../accounts/index.ts";
import { verifyCsrf } from "../../platform/auth/csrf.ts";
import type { Account } from "../accounts/index.ts";
import type { Application } from "./applications.ts";
import type { ServiceItem } from "./catalogue.ts";
import type { FormVersion } from "./form-store.ts";
import { groupRowCount, readValues, type FormValues, type RawInput, type UploadedFile } from "./forms.ts";
import { ApplyPage, MyApplicationsPage, ReceiptPage, TrackPage } from "./views/apply.tsx";
import { BundleApplyPage, BundleReceiptPage, BundlesPage, EvaluatePage, StatsPage } from "./views/extra.tsx";
import { readRawForm } from "../../platform/http/form-input.ts";

/** Parses a urlencoded or multipart form into flat values and uploaded files. */
export async function readForm(request: FastifyRequest): Promise<{ raw: RawInput; files: UploadedFile[] }> {
  const { values, files } = await readRawForm(request);
  return { raw: values, files };
}

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

/** Applying online: form, drafts, submission, receipt, my applications, public tracking. */
export default async function applyRoutes(app: FastifyInstance, { deps }: { deps: OneStopDeps }) {
  const { oneStop } = deps;
  const { applications } = oneStop;

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

  app.get("/sites/:code/services/apply/:item", { schema: { hide: true } }, async (request, reply) => {
    const { code, item: itemCode } = request.params as { code: string; item: string };
    const site = await siteOf(deps, code);
    const citizen = await requireCitizen(deps, request, reply, site.code);
    if (!citizen) return reply;
    const item = await oneStop.catalogue.requireByCode(itemCode);
    const q = request.query as Record<string, string>;
    let application: Application | null = null;
    if (q.app) {
      const id = Number(q.app);
      if (!Number.isInteger(id)) throw notFound("该办件不存在");
      application = await applications.own(citizen.account.id, id);
      if (application.itemCode !== item.code) throw notFound("该办件不存在");
      if (!["draft", "correction"].includes(application.status))
        return reply.redirect(`${deps.sites.base(site)}/services/receipt/${application.trackingNo}`, 303);
    }
    const form = await formOf(item, application);
    const ctx = await pageContext(deps, site, request, "bsfw");
    return sendHtml(
      reply,
      renderDocument(
        <ApplyPage
          ctx={ctx}
          item={item}
          schema={form.schema}
          values={application ? application.data : prefill(citizen.account)}
          errors={{}}
          csrf={citizen.session.csrf}
          idem={application ? application.idempotencyKey : randomBytes(24).toString("base64url")}
          application={application}
          saved={q.saved === "1"}
        />,
      ),
    );
  });

  app.post(
    "/sites/:code/services/apply/:item",
    { schema: { hide: true }, config: { rateLimit: { max: 60, timeWindow: "1 minute" } } },
    async (request, reply) => {
      const { code, item: itemCode } = request.params as { code: string; item: string };
      const site = await siteOf(deps, code);
      const base = deps.sites.base(site);
      const citizen = await currentCitizen(deps, request);
      if (!citizen)
        return reply.redirect(
          `${base}/account/login?next=${encodeURIComponent(`${base}/services/apply/${itemCode}`)}`,
          303,
        );
      const item = await oneStop.catalogue.requireByCode(itemCode);
      const { raw, files } = await readForm(request);
      verifyCsrf(citizen.session.csrf, str(raw._csrf));
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
      const ctx = await pageContext(deps, site, request, "bsfw");
      return sendHtml(
        reply,
        renderDocument(
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
          />,
        ),
      );
    },
  );

  app.get("/sites/:code/services/receipt/:no", { schema: { hide: true } }, async (request, reply) => {
    const { code, no } = request.params as { code: string; no: string };
    const site = await siteOf(deps, code);
    const citizen = await requireCitizen(deps, request, reply, site.code);
    if (!citizen) return reply;
    const a = await applications.own(citizen.account.id, no);
    const item = await oneStop.catalogue.byCode(a.itemCode, true);
    const form = item ? await formOf(item, a) : null;
    const [events, evaluation, progress] = await Promise.all([
      applications.events(a.id),
      oneStop.evaluations.forApplication(a.id),
      applications.progress(a),
    ]);
    const ctx = await pageContext(deps, site, request, "bsfw");
    return sendHtml(
      reply,
      renderDocument(
        <ReceiptPage
          ctx={ctx}
          application={a}
          item={item}
          schema={form?.schema ?? null}
          events={events}
          progress={progress}
          csrf={citizen.session.csrf}
          department={deps.sites.byId(a.siteId)?.name ?? ""}
          duplicate={(request.query as Record<string, string>).dup === "1"}
          evaluation={evaluation?.evaluation ?? null}
          rectification={evaluation?.rectification ?? null}
        />,
      ),
    );
  });

  app.post(
    "/sites/:code/services/receipt/:no/withdraw",
    { schema: { hide: true } },
    async (request, reply) => {
      const { code, no } = request.params as { code: string; no: string };
      const site = await siteOf(deps, code);
      const citizen = await requireCitizen(deps, request, reply, site.code);
      if (!citizen) return reply;
      const a = await applications.own(citizen.account.id, no);
      const reason =
        typeof (request.body as Record<string, unknown>)?.reason === "string"
          ? ((request.body as Record<string, string>).reason ?? "").slice(0, 200)
          : "";
      await applications.withdraw(citizen.account, a.id, reason);
      return reply.redirect(`${deps.sites.base(site)}/services/receipt/${a.trackingNo}`, 303);
    },
  );

  app.get("/sites/:code/services/my", { schema: { hide: true } }, async (request, reply) => {
    const site = await siteOf(deps, (request.params as { code: string }).code);
    const citizen = await requireCitizen(deps, request, reply, site.code);
    if (!citizen) return reply;
    const page = pageParam((request.query as Record<string, unknown>).page);
    const list = await applications.listForAccount(citizen.account.id, page);
    const ctx = await pageContext(deps, site, request, "bsfw");
    return sendHtml(
      reply,
      renderDocument(<MyApplicationsPage ctx={ctx} rows={list.rows} total={list.total} page={page} />),
    );
  });

  app.get(
    "/sites/:code/services/track",
    { schema: { hide: true }, config: { rateLimit: { max: 30, timeWindow: "1 minute" } } },
    async (request, reply) => {
      const site = await siteOf(deps, (request.params as { code: string }).code);
      const raw = (request.query as Record<string, unknown>).no;
      const no = typeof raw === "string" ? raw.trim().toUpperCase().slice(0, 30) : "";
      let a = no ? await applications.byTrackingNo(no) : undefined;
      if (a?.status === "draft") a = undefined;
      const events = a ? await applications.events(a.id) : [];
      const ctx = await pageContext(deps, site, request, "bsfw");
      if (no && !a) reply.status(404);
      return sendHtml(
        reply,
        renderDocument(
          <TrackPage
            ctx={ctx}
            no={no}
            application={a ?? null}
            events={events}
            message={no && !a ? "未找到该办件，请核对办件编号" : undefined}
          />,
        ),
      );
    },
  );

  app.get(
    "/sites/:code/services/bundles",
    { schema: { hide: true }, config: { readReplica: true } },
    async (request, reply) => {
      const site = await siteOf(deps, (request.params as { code: string }).code);
      const bundles = await Promise.all(
        (await oneStop.bundles.list()).map(async (bundle) => ({
          bundle,
          items: await oneStop.bundles.items(bundle),
        })),
      );
      const ctx = await pageContext(deps, site, request, "bsfw");
      return sendHtml(reply, renderDocument(<BundlesPage ctx={ctx} bundles={bundles} />));
    },
  );

  async function renderBundle(
    request: FastifyRequest,
    site: Awaited<ReturnType<typeof siteOf>>,
    bundleCode: string,
    state: { values: FormValues; errors: Record<string, string>; idem?: string },
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
        spared={oneStop.bundles.spared(items)}
        schema={merged.schema}
        values={Object.keys(state.values).length ? state.values : citizen ? prefill(citizen.account) : {}}
        errors={state.errors}
        csrf={citizen?.session.csrf ?? null}
        idem={state.idem ?? randomBytes(24).toString("base64url")}
      />,
    );
  }

  app.get("/sites/:code/services/bundles/:bundle", { schema: { hide: true } }, async (request, reply) => {
    const { code, bundle } = request.params as { code: string; bundle: string };
    const site = await siteOf(deps, code);
    return sendHtml(reply, await renderBundle(request, site, bundle, { values: {}, errors: {} }));
  });

  app.post(
    "/sites/:code/services/bundles/:bundle",
    { schema: { hide: true }, config: { rateLimit: { max: 30, timeWindow: "1 minute" } } },
    async (request, reply) => {
      const { code, bundle: bundleCode } = request.params as { code: string; bundle: string };
      const site = await siteOf(deps, code);
      const base = deps.sites.base(site);
      const citizen = await currentCitizen(deps, request);
      if (!citizen)
        return reply.redirect(
          `${base}/account/login?next=${encodeURIComponent(`${base}/services/bundles/${bundleCode}`)}`,
          303,
        );
      const bundle = await oneStop.bundles.byCode(bundleCode);
      const { raw, files } = await readForm(request);
      verifyCsrf(citizen.session.csrf, str(raw._csrf));
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
        }),
      );
    },
  );

  app.get("/sites/:code/services/bundle-receipt/:no", { schema: { hide: true } }, async (request, reply) => {
    const { code, no } = request.params as { code: string; no: string };
    const site = await siteOf(deps, code);
    const citizen = await requireCitizen(deps, request, reply, site.code);
    if (!citizen) return reply;
    const b = await oneStop.bundles.bundleApplication(citizen.account.id, no);
    const ctx = await pageContext(deps, site, request, "bsfw");
    return sendHtml(
      reply,
      renderDocument(
        <BundleReceiptPage
          ctx={ctx}
          trackingNo={b.trackingNo}
          bundle={b.bundle}
          applications={b.applications}
          complete={b.complete}
        />,
      ),
    );
  });

  app.get(
    "/sites/:code/services/receipt/:no/evaluate",
    { schema: { hide: true } },
    async (request, reply) => {
      const { code, no } = request.params as { code: string; no: string };
      const site = await siteOf(deps, code);
      const citizen = await requireCitizen(deps, request, reply, site.code);
      if (!citizen) return reply;
      const a = await applications.own(citizen.account.id, no);
      const ctx = await pageContext(deps, site, request, "bsfw");
      return sendHtml(
        reply,
        renderDocument(
          <EvaluatePage
            ctx={ctx}
            app={a}
            csrf={citizen.session.csrf}
            errors={{}}
            values={{ level: "", comment: "" }}
          />,
        ),
      );
    },
  );

  app.post(
    "/sites/:code/services/receipt/:no/evaluate",
    { schema: { hide: true } },
    async (request, reply) => {
      const { code, no } = request.params as { code: string; no: string };
      const site = await siteOf(deps, code);
      const citizen = await requireCitizen(deps, request, reply, site.code);
      if (!citizen) return reply;
      const a = await applications.own(citizen.account.id, no);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const values = {
        level: typeof body.level === "string" ? body.level.slice(0, 2) : "",
        comment: typeof body.comment === "string" ? body.comment.slice(0, 500) : "",
      };
      try {
        await oneStop.evaluations.rate(citizen.account, a.trackingNo, Number(values.level), values.comment);
      } catch (error) {
        if (!(error instanceof DomainError) || !Object.keys(error.fields).length) throw error;
        reply.status(400);
        const ctx = await pageContext(deps, site, request, "bsfw");
        return sendHtml(
          reply,
          renderDocument(
            <EvaluatePage
              ctx={ctx}
              app={a}
              csrf={citizen.session.csrf}
              errors={error.fields}
              values={values}
            />,
          ),
        );
      }
      return reply.redirect(`${deps.sites.base(site)}/services/receipt/${a.trackingNo}`, 303);
    },
  );

  app.get(
    "/sites/:code/services/stats",
    { schema: { hide: true }, config: { readReplica: true } },
    async (request, reply) => {
      const site = await siteOf(deps, (request.params as { code: string }).code);
      const ctx = await pageContext(deps, site, request, "bsfw");
      return sendHtml(reply, renderDocument(<StatsPage ctx={ctx} f={await oneStop.stats.figures()} />));
    },
  );
}
