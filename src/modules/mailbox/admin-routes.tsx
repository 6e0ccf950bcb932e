import { guardStaffArea } from "../staff/index.ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { MailboxDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { hasRole, type StaffContext } from "../staff/index.ts";
import {
  notFound,
  DomainError,
  Forbidden,
  Invalid,
  NotFound,
  httpStatusOf,
} from "../../platform/http/errors.ts";
import { nowIso } from "../../platform/time/china-time.ts";
import type { AdminContext } from "../../web/admin-layout.tsx";
import { renderDocument } from "../../web/render.ts";
import { contentDisposition } from "../../platform/files/attachments.ts";
import { pageParam } from "../../platform/http/params.ts";
import { idParam } from "../../platform/http/params.ts";
import { LETTER_KINDS, LETTER_STATUS, type InteractionSettings } from "./model.ts";
import { LetterAdminPage, Open311KeysPage, QueuePage, SettingsPage } from "./views/admin-views.tsx";

const SWEEP_EVERY_MS = 60_000;

/** Staff console of the interaction centre: queue, handling, review, publishing, settings. */
export default async function interactionAdminRoutes(app: FastifyInstance, { deps }: { deps: MailboxDeps }) {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { mailbox, sites } = deps;
  const letters = mailbox.letters;
  let lastSweep = 0;

  const adminCtx = (c: StaffContext, request: FastifyRequest): AdminContext => ({
    staff: c.staff,
    csrf: c.session.csrf,
    path: request.url.split("?")[0],
  });
  const siteName = (id: number | null) => (id == null ? "" : (sites.byId(id)?.name ?? String(id)));
  const siteOptions = () =>
    sites
      .list()
      .filter((s) => s.kind !== "portal")
      .map((s) => ({ id: s.id, name: s.name }));

  app.get("/admin/interaction", { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
      lastSweep = Date.now();
      await letters.sweep();
    }
    const q = request.query as Record<string, string | undefined>;
    const filter = {
      status: q.status && q.status in LETTER_STATUS ? q.status : "",
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
          ctx={adminCtx(c, request)}
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
  });

  async function detailPage(
    c: StaffContext,
    request: FastifyRequest,
    id: number,
    extra: { errors?: Record<string, string>; values?: Record<string, string>; done?: string } = {},
  ) {
    const detail = await letters.viewForStaff(id, c.staff);
    const owner = detail.letter.ownerSiteId;
    const can = {
      operator: c.staff.isOperator,
      handle: owner != null && hasRole(c.staff, "handler", owner),
      review: owner != null && hasRole(c.staff, "reviewer", owner),
    };
    return renderDocument(
      <LetterAdminPage
        ctx={adminCtx(c, request)}
        detail={detail}
        sites={siteOptions()}
        siteName={siteName}
        can={can}
        draft={letters.publicDraft(detail.letter)}
        errors={extra.errors ?? {}}
        values={extra.values ?? {}}
        done={extra.done}
        now={nowIso()}
      />,
    );
  }

  app.get("/admin/interaction/letters/:id", { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const id = idParam((request.params as { id: string }).id);
    if (id == null) throw notFound("信件不存在");
    const done = (request.query as { done?: string }).done;
    return sendHtml(reply, await detailPage(c, request, id, { done: done?.slice(0, 30) }));
  });

  app.get(
    "/admin/interaction/letters/:id/attachments/:aid",
    { schema: { hide: true } },
    async (request, reply) => {
      const c = request.staff;
      const p = request.params as { id: string; aid: string };
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
  /** Field names in the page for the `reason`/`note` inputs of each form (so typed text is kept). */
  const KEEP: Record<string, Record<string, string>> = {
    transfer: { reason: "transferReason" },
    extend: { reason: "extendReason" },
    escalate: { note: "escalateNote" },
  };

  app.post("/admin/interaction/letters/:id/:action", { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const p = request.params as { id: string; action: string };
    const id = idParam(p.id);
    const entry = ACTIONS[p.action];
    if (id == null || !entry) throw notFound("操作不存在");
    const body = (request.body ?? {}) as Record<string, unknown>;
    const f: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === "string") f[k] = v.slice(0, 10_000);
    try {
      await entry[1](id, f, c);
    } catch (error) {
      if (!(error instanceof DomainError) || error instanceof NotFound) throw error;
      const values: Record<string, string> = { ...f };
      for (const [from, to] of Object.entries(KEEP[p.action] ?? {})) values[to] = f[from] ?? "";
      const errors = Object.keys(error.fields).length ? error.fields : { action: error.message };
      reply.status(httpStatusOf(error));
      return sendHtml(reply, await detailPage(c, request, id, { errors, values }));
    }
    return reply.redirect(`/admin/interaction/letters/${id}?done=${entry[0]}`, 303);
  });

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
          ctx={adminCtx(c, request)}
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

  app.get("/admin/interaction/settings", { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    if (!c.staff.isOperator) throw new Forbidden("只有平台运维可以修改时限与分办规则");
    return settingsPage(c, request, reply, { saved: (request.query as { saved?: string }).saved === "1" });
  });

  app.post("/admin/interaction/settings", { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const b = (request.body ?? {}) as Record<string, string>;
    const current = await letters.settings();
    const next: InteractionSettings = {
      ...current,
      limits: Object.fromEntries(Object.keys(LETTER_KINDS).map((k) => [k, Number(b[`limit_${k}`])])),
      ratingWindowDays: Number(b.ratingWindowDays),
      maxExtensionDays: Number(b.maxExtensionDays),
      defaultRatingSatisfied: b.defaultRatingSatisfied === "1",
    };
    try {
      await letters.saveSettings(next, c.staff);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      reply.status(400);
      return settingsPage(c, request, reply, { errors: error.fields, settings: next });
    }
    return reply.redirect("/admin/interaction/settings?saved=1", 303);
  });

  app.post("/admin/interaction/rules", { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const b = (request.body ?? {}) as Record<string, string>;
    try {
      await letters.addRule(String(b.keyword ?? ""), Number(b.targetSiteId), c.staff);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      reply.status(400);
      return settingsPage(c, request, reply, { errors: error.fields });
    }
    return reply.redirect("/admin/interaction/settings?saved=1", 303);
  });

  app.post("/admin/interaction/rules/:id/delete", { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const id = idParam((request.params as { id: string }).id);
    if (id == null) throw notFound("规则不存在");
    await letters.deleteRule(id, c.staff);
    return reply.redirect("/admin/interaction/settings?saved=1", 303);
  });

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
          ctx={adminCtx(c, request)}
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

  app.post("/admin/interaction/open311", { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const b = (request.body ?? {}) as Record<string, string>;
    const site = sites.byId(Number(b.siteId));
    try {
      if (!site) throw new Invalid("请选择网站", { siteId: "请选择网站" });
      const key = await mailbox.open311.create(String(b.name ?? ""), site.id, c.staff);
      reply.header("cache-control", "no-store");
      return keysPage(c, request, reply, { newKey: key });
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      reply.status(400);
      return keysPage(c, request, reply, { errors: error.fields });
    }
  });

  app.post("/admin/interaction/open311/:id/revoke", { schema: { hide: true } }, async (request, reply) => {
    const c = request.staff;
    const id = idParam((request.params as { id: string }).id);
    if (id == null) throw notFound("密钥不存在");
    await mailbox.open311.revoke(id, c.staff);
    return reply.redirect("/admin/interaction/open311", 303);
  });
}
