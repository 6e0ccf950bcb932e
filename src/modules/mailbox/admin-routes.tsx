import { adminView, guardStaffArea } from "../staff/index.ts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { MailboxDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { hasRole, type StaffContext } from "../staff/index.ts";
import { notFound, Forbidden, Invalid } from "../../platform/http/errors.ts";
import { handleForm, type FormProblem } from "../../platform/http/handle-form.ts";
import { nowIso } from "../../platform/time/china-time.ts";
import { formText as text } from "../../platform/http/form-input.ts";
import { FormBody, problemFields } from "../../web/public-form.ts";
import { renderDocument } from "../../web/render.ts";
import { contentDisposition } from "../../platform/files/attachments.ts";
import { pageParam } from "../../platform/http/params.ts";
import { idParam } from "../../platform/http/params.ts";
import { LETTER_KINDS, LETTER_STATUS, type InteractionSettings } from "./model.ts";
import { LetterAdminPage, Open311KeysPage, QueuePage, SettingsPage } from "./views/admin-views.tsx";

const SWEEP_EVERY_MS = 60_000;

const IdParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
const Query = (...keys: string[]) =>
  Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Optional(Type.String({ maxLength: 200 }))])));

/** Staff console of the interaction centre: queue, handling, review, publishing, settings. */
const interactionAdminRoutes: FastifyPluginAsyncTypebox<{ deps: MailboxDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { mailbox, sites } = deps;
  const letters = mailbox.letters;
  let lastSweep = 0;

  const siteName = (id: number | null) => (id == null ? "" : (sites.byId(id)?.name ?? String(id)));
  const siteOptions = () =>
    sites
      .list()
      .filter((s) => s.kind !== "portal")
      .map((s) => ({ id: s.id, name: s.name }));

  app.get(
    "/admin/interaction",
    { schema: { hide: true, querystring: Query("status", "view", "q", "page") } },
    async (request, reply) => {
      const c = request.staff;
      if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
        lastSweep = Date.now();
        await letters.sweep();
      }
      const q = request.query;
      const filter = {
        status: q.status && Object.hasOwn(LETTER_STATUS, q.status) ? q.status : "",
        view: ["overdue", "warned", "escalated", "transfer"].includes(q.view ?? "") ? q.view! : "",
        q: (q.q ?? "").trim().slice(0, 60),
      };
      const page = pageParam(q.page);
      const list = await letters.queue(c.staff, filter, page);
      const deflection = await letters.deflection(null);
      return sendHtml(
        reply,
        renderDocument(
          <QueuePage
            ctx={adminView(request)}
            rows={list.rows}
            total={list.total}
            page={page}
            filter={filter}
            siteName={siteName}
            deflection={deflection}
            now={nowIso()}
          />,
        ),
      );
    },
  );

  async function detailPage(
    c: StaffContext,
    request: FastifyRequest,
    id: number,
    extra: { errors?: Record<string, string>; values?: Record<string, string>; done?: string } = {},
  ) {
    const detail = await letters.viewForStaff(id, c.staff);
    const owner = detail.letter.ownerSiteId;
    const staffNames = await deps.staff.displayNames([...new Set(detail.events.map((e) => e.actor))]);
    const can = {
      operator: c.staff.isOperator,
      handle: owner != null && hasRole(c.staff, "handler", owner),
      review: owner != null && hasRole(c.staff, "reviewer", owner),
    };
    return renderDocument(
      <LetterAdminPage
        ctx={adminView(request)}
        detail={detail}
        sites={siteOptions()}
        siteName={siteName}
        can={can}
        draft={letters.publicDraft(detail.letter)}
        errors={extra.errors ?? {}}
        values={extra.values ?? {}}
        done={extra.done}
        now={nowIso()}
        staffNames={staffNames}
      />,
    );
  }

  app.get(
    "/admin/interaction/letters/:id",
    { schema: { hide: true, params: IdParams, querystring: Query("done") } },
    async (request, reply) => {
      const c = request.staff;
      const id = idParam(request.params.id);
      if (id == null) throw notFound("信件不存在");
      const done = request.query.done;
      return sendHtml(reply, await detailPage(c, request, id, { done: done?.slice(0, 30) }));
    },
  );

  app.get(
    "/admin/interaction/letters/:id/attachments/:aid",
    {
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ maxLength: 20 }), aid: Type.String({ maxLength: 20 }) }),
      },
    },
    async (request, reply) => {
      const c = request.staff;
      const p = request.params;
      const id = idParam(p.id);
      const aid = idParam(p.aid);
      if (id == null || aid == null) throw notFound("附件不存在");
      const letter = await letters.get(id);
      if (!letters.canSee(c.staff, letter)) throw notFound("附件不存在");
      const { attachment, bytes } = await letters.attachmentBytes(id, aid);
      await deps.audit.record({
        actor: c.staff.username,
        action: "letter.attachment_view",
        targetType: "letter",
        targetId: id,
        detail: { attachmentId: aid },
      });
      return reply
        .type(attachment.mime)
        .header("content-disposition", contentDisposition(attachment.fileName, false))
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "private, no-store")
        .send(bytes);
    },
  );

  type Action = (id: number, f: Record<string, string>, c: StaffContext) => Promise<unknown>;
  const ACTIONS: Record<string, [string, Action]> = {
    screen: ["screened", (id, _f, c) => letters.screen(id, true, "", c.staff)],
    invalid: ["invalid", (id, f, c) => letters.screen(id, false, f.reason ?? "", c.staff)],
    assign: ["assigned", (id, f, c) => letters.assign(id, Number(f.siteId), c.staff)],
    transfer: [
      "transfer_requested",
      (id, f, c) => letters.requestTransfer(id, Number(f.toSiteId), f.reason ?? "", c.staff),
    ],
    "transfer-accept": ["transferred", (id, _f, c) => letters.decideTransfer(id, true, c.staff)],
    "transfer-reject": ["transfer_rejected", (id, _f, c) => letters.decideTransfer(id, false, c.staff)],
    answer: ["answered", (id, f, c) => letters.answer(id, f.answer ?? "", c.staff)],
    extend: ["extended", (id, f, c) => letters.extend(id, Number(f.days), f.reason ?? "", c.staff)],
    approve: ["reviewed", (id, _f, c) => letters.review(id, true, "", c.staff)],
    reject: ["review_rejected", (id, f, c) => letters.review(id, false, f.note ?? "", c.staff)],
    publish: [
      "published",
      (id, f, c) =>
        letters.publish(
          id,
          { subject: f.publicSubject ?? "", content: f.publicContent ?? "", answer: f.publicAnswer ?? "" },
          c.staff,
        ),
    ],
    unpublish: ["reviewed", (id, _f, c) => letters.unpublish(id, c.staff)],
    escalate: ["escalated", (id, f, c) => letters.escalate(id, f.note ?? "", c.staff)],
  };
  /**
   * Field names in the page for the `reason`/`note` inputs of each form (so typed text is kept, and
   * an error shows under that form's field only).
   */
  const KEEP: Record<string, Record<string, string>> = {
    transfer: { reason: "transferReason" },
    extend: { reason: "extendReason" },
    escalate: { note: "escalateNote" },
  };

  app.post(
    "/admin/interaction/letters/:id/:action",
    {
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ maxLength: 20 }), action: Type.String({ maxLength: 40 }) }),
        body: FormBody,
      },
    },
    async (request, reply) => {
      const c = request.staff;
      const p = request.params;
      const id = idParam(p.id);
      const entry = Object.hasOwn(ACTIONS, p.action) ? ACTIONS[p.action] : undefined;
      if (id == null || !entry) throw notFound("操作不存在");
      const f: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.body)) if (typeof v === "string") f[k] = v.slice(0, 10_000);
      return handleForm({
        parse: () => f,
        run: (input) => entry[1](id, input, c),
        onSuccess: () => reply.redirect(`/admin/interaction/letters/${id}?done=${entry[0]}`, 303),
        rerender: async (problem) => {
          const values: Record<string, string> = { ...f };
          const errors = problemFields(problem, "action");
          // The page has several forms with a reason: the text and its error go to this form's field.
          for (const [from, to] of Object.entries(KEEP[p.action] ?? {})) {
            values[to] = f[from] ?? "";
            // Not also into another form's field of the same name (不予受理理由, 退回意见).
            delete values[from];
            if (errors[from] !== undefined) {
              errors[to] = errors[from];
              delete errors[from];
            }
          }
          reply.status(problem.status);
          return sendHtml(reply, await detailPage(c, request, id, { errors, values }));
        },
      });
    },
  );

  async function settingsPage(
    c: StaffContext,
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: Record<string, string>; saved?: boolean; settings?: InteractionSettings } = {},
  ) {
    return sendHtml(
      reply,
      renderDocument(
        <SettingsPage
          ctx={adminView(request)}
          settings={extra.settings ?? (await letters.settings())}
          rules={await letters.rules()}
          sites={siteOptions()}
          siteName={siteName}
          errors={extra.errors ?? {}}
          saved={extra.saved}
        />,
      ),
    );
  }

  /** Shows the settings page again with the problem of a settings or rules form. */
  const settingsProblem =
    (c: StaffContext, request: FastifyRequest, reply: FastifyReply, settings?: InteractionSettings) =>
    (problem: FormProblem) => {
      reply.status(problem.status);
      return settingsPage(c, request, reply, { errors: problem.errors, settings });
    };
  const settingsSaved = (reply: FastifyReply) => () =>
    reply.redirect("/admin/interaction/settings?saved=1", 303);

  app.get(
    "/admin/interaction/settings",
    { schema: { hide: true, querystring: Query("saved") } },
    async (request, reply) => {
      const c = request.staff;
      if (!c.staff.isOperator) throw new Forbidden("只有平台运维可以修改时限与分办规则");
      return settingsPage(c, request, reply, { saved: request.query.saved === "1" });
    },
  );

  app.post(
    "/admin/interaction/settings",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const c = request.staff;
      const b = request.body;
      const current = await letters.settings();
      const next: InteractionSettings = {
        ...current,
        limits: Object.fromEntries(Object.keys(LETTER_KINDS).map((k) => [k, Number(text(b, `limit_${k}`))])),
        ratingWindowDays: Number(text(b, "ratingWindowDays")),
        maxExtensionDays: Number(text(b, "maxExtensionDays")),
        defaultRatingSatisfied: text(b, "defaultRatingSatisfied") === "1",
      };
      return handleForm({
        parse: () => next,
        run: (settings) => letters.saveSettings(settings, c.staff),
        onSuccess: settingsSaved(reply),
        rerender: settingsProblem(c, request, reply, next),
        shows: (error) => error instanceof Invalid,
      });
    },
  );

  app.post("/admin/interaction/rules", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const c = request.staff;
    const b = request.body;
    return handleForm({
      parse: () => ({ keyword: text(b, "keyword", 10_000), targetSiteId: Number(text(b, "targetSiteId")) }),
      run: (rule) => letters.addRule(rule.keyword, rule.targetSiteId, c.staff),
      onSuccess: settingsSaved(reply),
      rerender: settingsProblem(c, request, reply),
      shows: (error) => error instanceof Invalid,
    });
  });

  app.post(
    "/admin/interaction/rules/:id/delete",
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const c = request.staff;
      const id = idParam(request.params.id);
      if (id == null) throw notFound("规则不存在");
      await letters.deleteRule(id, c.staff);
      return reply.redirect("/admin/interaction/settings?saved=1", 303);
    },
  );

  const allSites = () => sites.list().map((s) => ({ id: s.id, name: s.name }));

  async function keysPage(
    c: StaffContext,
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { newKey?: string; errors?: Record<string, string> } = {},
  ) {
    if (!c.staff.isOperator) throw new Forbidden("只有平台运维可以管理接口密钥");
    return sendHtml(
      reply,
      renderDocument(
        <Open311KeysPage
          ctx={adminView(request)}
          keys={await mailbox.open311.list()}
          sites={allSites()}
          siteName={siteName}
          newKey={extra.newKey}
          errors={extra.errors ?? {}}
        />,
      ),
    );
  }

  app.get("/admin/interaction/open311", { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    return keysPage(c, request, reply);
  });

  app.post(
    "/admin/interaction/open311",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const c = request.staff;
      const b = request.body;
      return handleForm({
        parse: () => {
          const site = sites.byId(Number(text(b, "siteId")));
          if (!site) throw new Invalid("请选择网站", { siteId: "请选择网站" });
          return { name: text(b, "name", 10_000), siteId: site.id };
        },
        run: (key) => mailbox.open311.create(key.name, key.siteId, c.staff),
        onSuccess: (key) => {
          reply.header("cache-control", "no-store");
          return keysPage(c, request, reply, { newKey: key });
        },
        rerender: (problem) => {
          reply.status(problem.status);
          return keysPage(c, request, reply, { errors: problem.errors });
        },
        shows: (error) => error instanceof Invalid,
      });
    },
  );

  app.post(
    "/admin/interaction/open311/:id/revoke",
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const c = request.staff;
      const id = idParam(request.params.id);
      if (id == null) throw notFound("密钥不存在");
      await mailbox.open311.revoke(id, c.staff);
      return reply.redirect("/admin/interaction/open311", 303);
    },
  );
};

export default interactionAdminRoutes;
