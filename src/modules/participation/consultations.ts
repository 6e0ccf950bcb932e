import type { Selectable } from "kysely";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import { hasRole, sitesWithRole, type StaffPrincipal } from "../staff/index.ts";

import { RIGHTS } from "../staff/index.ts";

import type { Db } from "../../platform/db/database.ts";
import { paginate, type Page } from "../../platform/db/paginate.ts";

import { chinaDate, chinaDayStart, nowIso } from "../../platform/time/china-time.ts";

import { sanitizeRichText } from "../../platform/html/sanitize.ts";

import { forbidden, notFound, Conflict, Invalid, TooMany } from "../../platform/http/errors.ts";

import type {
  Adoption,
  CommentStatus,
  ConsultationCommentRow,
  ConsultationRow,
  ParticipationTables,
} from "./tables.ts";

import { normalisePhone, PHONE_PATTERN, type PhoneVerifier } from "../../platform/phone/phone-verify.ts";

export type Consultation = Selectable<ConsultationRow>;
export type ConsultationComment = Selectable<ConsultationCommentRow>;

/** Roles that run consultations and surveys on a site (operators may everywhere). */
export const MANAGE_ROLES = RIGHTS.consultations.roles;

export const COMMENT_STATUS: Record<string, string> = {
  pending: "待审核",
  approved: "已公开",
  rejected: "未予公开",
};

export const ADOPTION: Record<string, string> = {
  adopted: "采纳",
  partly: "部分采纳",
  not_adopted: "未采纳",
};

export const PHASE_LABELS: Record<Phase, string> = {
  draft: "草稿",
  upcoming: "未开始",
  open: "征集中",
  closed: "已结束",
};

/** Flood limits for comments: per phone per day (any consultation) and per client address per hour. */
export const COMMENT_LIMITS = { phonePerDay: 5, ipPerHour: 30 };

export type Phase = "draft" | "upcoming" | "open" | "closed";

/**
 * Validates a period given as start and end dates (both inclusive, China time). Returns the instants
 * stored: opening at 00:00 of the start date, closing at 23:59:59.999 of the end date.
 */
export function parsePeriod(
  startDate: string,
  endDate: string,
  errors: Record<string, string>,
): { opensAt: string; closesAt: string } | null {
  const start = chinaDayStart(startDate);
  const end = chinaDayStart(endDate);
  if (!start) errors.startDate = "请填写开始日期（格式：2026-03-01）";
  if (!end) errors.endDate = "请填写结束日期（格式：2026-03-31）";
  if (!start || !end) return null;
  if (end < start) {
    errors.endDate = "结束日期不能早于开始日期";
    return null;
  }
  if (end.getTime() - start.getTime() > 366 * 86_400_000) {
    errors.endDate = "征集期限不能超过一年";
    return null;
  }
  return {
    opensAt: start.toISOString(),
    closesAt: new Date(end.getTime() + 86_400_000 - 1).toISOString(),
  };
}

export function phaseOf(
  c: { status: string; opensAt: string; closesAt: string },
  now: string = nowIso(),
): Phase {
  if (c.status !== "published") return "draft";
  if (now < c.opensAt) return "upcoming";
  return now <= c.closesAt ? "open" : "closed";
}

/** Plain text length in characters (Chinese counts as one). */
const len = (s: string) => [...s].length;

/** Visible length of rich text: tags and entities removed. */
function textLength(html: string): number {
  return len(
    html
      .replace(/<[^>]*>/g, "")
      .replace(/&[a-z#0-9]+;/gi, " ")
      .trim(),
  );
}

export interface ConsultationInput {
  siteId: number;
  title: string;
  draftText: string;
  startDate: string;
  endDate: string;
}

export interface CommentInput {
  consultationId: number;
  name: string;
  phone: string;
  code: string;
  content: string;
  ip: string;
}

export interface ConsultationCounts {
  received: number;
  pending: number;
  approved: number;
  rejected: number;
  adopted: number;
  partly: number;
  notAdopted: number;
}

export interface ConsultationListRow {
  id: number;
  siteId: number;
  title: string;
  opensAt: string;
  closesAt: string;
  status: string;
  summaryPublishedAt: string | null;
  phase: Phase;
  open: boolean;
}

/** 意见征集: a draft policy open for comments during a period, then a feedback summary. */
export class ConsultationService {
  constructor(
    private readonly store: Db<ParticipationTables>,
    private readonly audit: AuditLog,
    private readonly phone: PhoneVerifier,
  ) {}

  private get db() {
    return this.store.db;
  }

  // ---------------------------------------------------------------- public

  /** Published consultations of a site (null: the whole cluster), open ones first, then by end date. */
  async listForSite(
    siteId: number | null,
    page: number,
    pageSize = 20,
    which: "" | "open" | "closed" = "",
  ): Promise<Page<ConsultationListRow>> {
    const now = nowIso();
    let q = this.db.selectFrom("consultations").where("status", "=", "published").where("opensAt", "<=", now);
    if (siteId != null) q = q.where("siteId", "=", siteId);
    if (which === "open") q = q.where("closesAt", ">=", now);
    if (which === "closed") q = q.where("closesAt", "<", now);
    const found = await paginate(
      q
        .select(["id", "siteId", "title", "opensAt", "closesAt", "status", "summaryPublishedAt"])
        .orderBy("closesAt", "desc")
        .orderBy("id", "desc"),
      page,
      pageSize,
    );
    return {
      ...found,
      rows: found.rows.map((r) => {
        const phase = phaseOf(r, now);
        return { ...r, phase, open: phase === "open" };
      }),
    };
  }

  async get(id: number): Promise<Consultation> {
    const row = await this.db.selectFrom("consultations").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("该意见征集不存在");
    return row;
  }

  /** A published consultation shown on a site (null: any site, as the portal shows the whole cluster). */
  async getPublished(id: number, siteId: number | null): Promise<Consultation> {
    const row = await this.db
      .selectFrom("consultations")
      .selectAll()
      .where("id", "=", id)
      .where("status", "=", "published")
      .executeTakeFirst();
    if (!row || (siteId != null && row.siteId !== siteId) || row.opensAt > nowIso())
      throw notFound("该意见征集不存在或尚未发布");
    return row;
  }

  async counts(consultationId: number): Promise<ConsultationCounts> {
    const rows = await this.db
      .selectFrom("consultationComments")
      .select(["status", "adoption", (eb) => eb.fn.countAll<number>().as("n")])
      .where("consultationId", "=", consultationId)
      .groupBy(["status", "adoption"])
      .execute();
    const c: ConsultationCounts = {
      received: 0,
      pending: 0,
      approved: 0,
      rejected: 0,
      adopted: 0,
      partly: 0,
      notAdopted: 0,
    };
    for (const r of rows) {
      const n = Number(r.n);
      c.received += n;
      if (r.status === "pending") c.pending += n;
      if (r.status === "rejected") c.rejected += n;
      if (r.status === "approved") {
        c.approved += n;
        if (r.adoption === "adopted") c.adopted += n;
        if (r.adoption === "partly") c.partly += n;
        if (r.adoption === "not_adopted") c.notAdopted += n;
      }
    }
    return c;
  }

  /** Comments of a consultation, newest first; `status` "" means all (staff only). */
  async comments(
    consultationId: number,
    status: string,
    page: number,
    pageSize = 20,
  ): Promise<Page<ConsultationComment>> {
    let q = this.db.selectFrom("consultationComments").where("consultationId", "=", consultationId);
    if (status) q = q.where("status", "=", status as CommentStatus);
    return paginate(q.selectAll().orderBy("id", status === "approved" ? "asc" : "desc"), page, pageSize);
  }

  /** A citizen's comment after the phone-code check; it waits for moderation before it shows. */
  async comment(input: CommentInput, now = new Date()): Promise<ConsultationComment> {
    const c = await this.get(input.consultationId);
    this.expectOpen(c, now);
    const e: Record<string, string> = {};
    const name = input.name.trim();
    const content = input.content.trim();
    if (!name) e.name = "请填写姓名";
    else if (len(name) > 30) e.name = "姓名不能超过30字";
    if (len(content) < 5) e.content = "意见内容至少5个字";
    else if (len(content) > 2000) e.content = "意见内容不能超过2000字";
    const phone = normalisePhone(input.phone);
    if (!PHONE_PATTERN.test(phone)) e.phone = "请填写正确的11位手机号码";
    if (!/^\d{6}$/.test(input.code.trim())) e.code = "请填写6位短信验证码";
    if (Object.keys(e).length) throw new Invalid("提交的内容有误，请修改后重新提交", e);

    const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
    const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
    const ipHash = this.phone.ipHash(input.ip);
    const [byPhone, byIp] = await Promise.all([
      this.db
        .selectFrom("consultationComments")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("phoneIndex", "=", this.store.cipher.blindIndex("phone", phone))
        .where("createdAt", ">", dayAgo)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom("consultationComments")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("ipHash", "=", ipHash)
        .where("createdAt", ">", hourAgo)
        .executeTakeFirstOrThrow(),
    ]);
    if (Number(byPhone.n) >= COMMENT_LIMITS.phonePerDay)
      throw new TooMany(`同一手机号24小时内最多提交${COMMENT_LIMITS.phonePerDay}条意见`, {
        phone: "提交过于频繁",
      });
    if (Number(byIp.n) >= COMMENT_LIMITS.ipPerHour) throw new TooMany("当前网络提交意见过于频繁，请稍后再试");

    await this.phone.verify(phone, "consultation", input.code, now);
    return this.db
      .insertInto("consultationComments")
      .values({
        consultationId: c.id,
        name,
        phone: this.store.cipher.seal(phone),
        phoneIndex: this.store.cipher.blindIndex("phone", phone),
        content,
        status: "pending",
        adoption: null,
        adoptionNote: null,
        rejectReason: null,
        createdAt: now.toISOString(),
        moderatedAt: null,
        moderatedBy: null,
        ipHash,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Refuses comments (and code requests) outside the period, with the dates in the message. */
  expectOpen(c: Consultation, now = new Date()): void {
    const phase = phaseOf(c, now.toISOString());
    if (phase === "open") return;
    if (phase === "closed")
      throw new Conflict(
        `本次意见征集已于${chinaDate(c.closesAt)}结束，不再接收意见`,
        { content: "征集已结束" },
        "closed",
      );
    if (phase === "upcoming")
      throw new Conflict(
        `本次意见征集将于${chinaDate(c.opensAt)}开始，届时欢迎提出意见`,
        { content: "征集尚未开始" },
        "not_open",
      );
    throw notFound("该意见征集不存在或尚未发布");
  }

  // ---------------------------------------------------------------- staff

  canManage(staff: StaffPrincipal, siteId: number): boolean {
    return hasRole(staff, MANAGE_ROLES, siteId);
  }

  private async managed(id: number, staff: StaffPrincipal): Promise<Consultation> {
    const c = await this.get(id);
    if (!this.canManage(staff, c.siteId)) throw forbidden("只有该网站的管理员或编辑可以管理此意见征集");
    return c;
  }

  /** Staff view (audited for nothing personal: names and phones are shown masked). */
  async getForStaff(id: number, staff: StaffPrincipal): Promise<Consultation> {
    return this.managed(id, staff);
  }

  async listForStaff(
    staff: StaffPrincipal,
    page: number,
    pageSize = 20,
  ): Promise<Page<Consultation & { pending: number }>> {
    const siteIds = sitesWithRole(staff, MANAGE_ROLES);
    if (siteIds && siteIds.length === 0) return { rows: [], total: 0, page: 1 };
    let q = this.db.selectFrom("consultations");
    if (siteIds) q = q.where("siteId", "in", siteIds);
    const found = await paginate(q.selectAll().orderBy("id", "desc"), page, pageSize);
    const rows = found.rows;
    const pending = rows.length
      ? await this.db
          .selectFrom("consultationComments")
          .select(["consultationId", (eb) => eb.fn.countAll<number>().as("n")])
          .where(
            "consultationId",
            "in",
            rows.map((r) => r.id),
          )
          .where("status", "=", "pending")
          .groupBy("consultationId")
          .execute()
      : [];
    const byId = new Map(pending.map((p) => [p.consultationId, Number(p.n)]));
    return { ...found, rows: rows.map((r) => ({ ...r, pending: byId.get(r.id) ?? 0 })) };
  }

  private validate(input: ConsultationInput, staff: StaffPrincipal) {
    const e: Record<string, string> = {};
    const title = input.title.trim();
    if (!title) e.title = "请填写标题";
    else if (len(title) > 100) e.title = "标题不能超过100字";
    const draftText = sanitizeRichText(input.draftText.trim());
    if (textLength(draftText) < 10) e.draftText = "请填写征求意见稿正文（至少10个字）";
    else if (len(draftText) > 200_000) e.draftText = "正文过长（不超过20万字符）";
    if (!this.canManage(staff, input.siteId)) e.siteId = "请选择您有权管理的网站";
    const period = parsePeriod(input.startDate, input.endDate, e);
    if (Object.keys(e).length || !period) throw new Invalid("填写的内容有误，请修改后重新保存", e);
    return { title, draftText, ...period };
  }

  async create(input: ConsultationInput, staff: StaffPrincipal): Promise<number> {
    const v = this.validate(input, staff);
    const now = nowIso();
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("consultations")
        .values({
          siteId: input.siteId,
          title: v.title,
          draftText: v.draftText,
          opensAt: v.opensAt,
          closesAt: v.closesAt,
          summary: null,
          summaryPublishedAt: null,
          createdBy: staff.id,
          createdAt: now,
          status: "draft",
          publishedAt: null,
          updatedAt: now,
          updatedBy: staff.id,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await this.audit.record(
        {
          actor: staff.username,
          action: "consultation.create",
          targetType: "consultation",
          targetId: row.id,
          detail: { siteId: input.siteId, title: v.title, opensAt: v.opensAt, closesAt: v.closesAt },
        },
        trx,
      );
      return row.id;
    });
  }

  /** Edits title, text and period until the period has closed (the site stays the same). */
  async update(id: number, input: Omit<ConsultationInput, "siteId">, staff: StaffPrincipal): Promise<void> {
    const c = await this.managed(id, staff);
    if (phaseOf(c) === "closed") throw new Conflict("征集已结束，不能再修改征求意见稿和期限");
    const v = this.validate({ ...input, siteId: c.siteId }, staff);
    await this.change(c, staff, "update", {
      title: v.title,
      draftText: v.draftText,
      opensAt: v.opensAt,
      closesAt: v.closesAt,
    });
  }

  async publish(id: number, staff: StaffPrincipal): Promise<void> {
    const c = await this.managed(id, staff);
    if (c.status !== "draft") throw new Conflict("该意见征集已发布");
    if (c.closesAt < nowIso())
      throw new Conflict("结束日期已过，请先修改征集期限再发布", { endDate: "结束日期已过" });
    await this.change(c, staff, "publish", { status: "published", publishedAt: nowIso() });
  }

  private async change(
    c: Consultation,
    staff: StaffPrincipal,
    action: string,
    set: Partial<Omit<ConsultationRow, "id">>,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      let q = trx
        .updateTable("consultations")
        .set({ ...set, updatedAt: nowIso(), updatedBy: staff.id })
        .where("id", "=", c.id)
        .where("status", "=", c.status);
      q = c.updatedAt == null ? q.where("updatedAt", "is", null) : q.where("updatedAt", "=", c.updatedAt);
      const res = await q.executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Conflict("该意见征集已被他人修改，请刷新页面后重试");
      const detail: Record<string, unknown> = { ...set };
      if (typeof detail.draftText === "string") detail.draftText = `${len(detail.draftText)} chars`;
      await this.audit.record(
        {
          actor: staff.username,
          action: `consultation.${action}`,
          targetType: "consultation",
          targetId: c.id,
          detail,
        },
        trx,
      );
    });
  }

  private async commentOf(
    consultationId: number,
    commentId: number,
    staff: StaffPrincipal,
  ): Promise<{ c: Consultation; comment: ConsultationComment }> {
    const c = await this.managed(consultationId, staff);
    const comment = await this.db
      .selectFrom("consultationComments")
      .selectAll()
      .where("id", "=", commentId)
      .where("consultationId", "=", c.id)
      .executeTakeFirst();
    if (!comment) throw notFound("该意见不存在");
    return { c, comment };
  }

  /** Moderation: a pending comment is approved (shown publicly, masked) or rejected with a reason. */
  async moderate(
    consultationId: number,
    commentId: number,
    approve: boolean,
    reason: string,
    staff: StaffPrincipal,
  ): Promise<void> {
    const { comment } = await this.commentOf(consultationId, commentId, staff);
    const why = reason.trim();
    if (!approve && !why)
      throw new Invalid("请填写不予公开的理由", { [`reason-${commentId}`]: "请填写理由" });
    if (len(why) > 500) throw new Invalid("理由不能超过500字", { [`reason-${commentId}`]: "理由过长" });
    const status = approve ? "approved" : "rejected";
    await this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable("consultationComments")
        .set({
          status,
          rejectReason: approve ? null : why,
          moderatedAt: nowIso(),
          moderatedBy: staff.id,
        })
        .where("id", "=", comment.id)
        .where("status", "=", "pending")
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Conflict("该意见已审核，请刷新页面");
      await this.audit.record(
        {
          actor: staff.username,
          action: approve ? "consultation.comment_approve" : "consultation.comment_reject",
          targetType: "consultation_comment",
          targetId: comment.id,
          detail: { consultationId, reason: why },
        },
        trx,
      );
    });
  }

  /** After the period: whether an approved comment was adopted, partly adopted or not, and why. */
  async decideAdoption(
    consultationId: number,
    commentId: number,
    adoption: string,
    note: string,
    staff: StaffPrincipal,
  ): Promise<void> {
    const { c, comment } = await this.commentOf(consultationId, commentId, staff);
    if (phaseOf(c) !== "closed") throw new Conflict("征集结束后才能填写意见采纳情况");
    if (c.summaryPublishedAt) throw new Conflict("反馈情况已发布，不能再修改采纳情况");
    if (comment.status !== "approved") throw new Conflict("只有已公开的意见需要填写采纳情况");
    const e: Record<string, string> = {};
    if (!Object.hasOwn(ADOPTION, adoption)) e[`adoption-${commentId}`] = "请选择采纳情况";
    const why = note.trim();
    if (len(why) < 2) e[`note-${commentId}`] = "请填写采纳或不采纳的理由";
    else if (len(why) > 1000) e[`note-${commentId}`] = "理由不能超过1000字";
    if (Object.keys(e).length) throw new Invalid("采纳情况填写有误", e);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("consultationComments")
        .set({ adoption: adoption as Adoption, adoptionNote: why }) // checked above
        .where("id", "=", comment.id)
        .execute();
      await this.audit.record(
        {
          actor: staff.username,
          action: "consultation.comment_adoption",
          targetType: "consultation_comment",
          targetId: comment.id,
          detail: { consultationId, adoption, note: why, before: comment.adoption },
        },
        trx,
      );
    });
  }

  /** Publishes the feedback summary once every comment is moderated and every approved one decided. */
  async publishSummary(id: number, summary: string, staff: StaffPrincipal): Promise<void> {
    const c = await this.managed(id, staff);
    if (phaseOf(c) !== "closed") throw new Conflict("征集结束后才能发布反馈情况");
    if (c.summaryPublishedAt) throw new Conflict("反馈情况已发布");
    const text = summary.trim();
    if (len(text) < 10) throw new Invalid("请填写反馈说明（至少10个字）", { summary: "请填写反馈说明" });
    if (len(text) > 5000) throw new Invalid("反馈说明不能超过5000字", { summary: "反馈说明过长" });
    const counts = await this.counts(id);
    if (counts.pending > 0)
      throw new Conflict(`还有${counts.pending}条意见未审核，请先审核`, { summary: "有意见未审核" });
    const undecided = counts.approved - counts.adopted - counts.partly - counts.notAdopted;
    if (undecided > 0)
      throw new Conflict(`还有${undecided}条已公开的意见未填写采纳情况`, { summary: "有意见未填写采纳情况" });
    await this.change(c, staff, "summary", { summary: text, summaryPublishedAt: nowIso() });
  }
}
