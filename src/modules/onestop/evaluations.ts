import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { StaffPrincipal } from "../staff/index.ts";

import { sitesWithRight } from "../staff/index.ts";

import { RIGHTS } from "../staff/index.ts";

import type { CalendarService } from "../../platform/calendar/calendar-service.ts";

import type { Db } from "../../platform/db/database.ts";

import { nowIso, chinaDate } from "../../platform/time/china-time.ts";

import { forbidden, notFound, Conflict, Invalid } from "../../platform/http/errors.ts";

import type { Account } from "../accounts/index.ts";

import type { ApplicationService } from "./applications.ts";

import type { OneStopTables } from "./tables.ts";

/** 好差评 levels: 5 非常满意 … 1 非常不满意; 1 and 2 are bad reviews. */
export const LEVELS: Record<number, string> = {
  5: "非常满意",
  4: "满意",
  3: "基本满意",
  2: "不满意",
  1: "非常不满意",
};
export const DEFAULT_LEVEL = 3;

export const RECTIFICATION_STATUS: Record<string, string> = {
  open: "整改中",
  done: "已整改",
  appealed: "申诉审核中",
  appeal_upheld: "申诉成立（恶意差评）",
  appeal_rejected: "申诉不成立，需整改",
};

export interface EvaluationSettings {
  /** Calendar days after completion before an unrated application defaults to 基本满意. */
  windowDays: number;
  /** Working days a department has to rectify a bad review. */
  rectifyWorkingDays: number;
}

/** Evaluations (一事一评), default ratings, and rectification of bad reviews. */
export class EvaluationService {
  constructor(
    private readonly store: Db<OneStopTables>,
    private readonly audit: AuditLog,
    private readonly calendar: CalendarService,
    private readonly applications: ApplicationService,
    readonly settings: EvaluationSettings = { windowDays: 7, rectifyWorkingDays: 15 },
  ) {}

  private get db() {
    return this.store.db;
  }

  async forApplication(applicationId: number) {
    const e = await this.db
      .selectFrom("evaluations")
      .selectAll()
      .where("applicationId", "=", applicationId)
      .executeTakeFirst();
    if (!e) return null;
    const r = await this.db
      .selectFrom("rectifications")
      .select(["status", "result", "dueOn"])
      .where("evaluationId", "=", e.id)
      .executeTakeFirst();
    return {
      evaluation: { level: e.level, comment: e.comment, isDefault: e.isDefault === 1 },
      rectification: r ?? null,
    };
  }

  /** The applicant rates a completed application once. A bad rating opens a rectification task. */
  async rate(account: Account, trackingNo: string, level: number, comment: string): Promise<void> {
    const app = await this.applications.own(account.id, trackingNo);
    if (!["closed", "refused"].includes(app.status)) throw new Conflict("办件办结后才能评价");
    if (!Number.isInteger(level) || !Object.hasOwn(LEVELS, level))
      throw new Invalid("请选择评价等级", { level: "请选择评价等级" });
    if (level <= 2 && !comment.trim())
      throw new Invalid("差评请写明不满意的原因，便于部门整改", { comment: "请写明不满意的原因" });
    const inserted = await this.db
      .insertInto("evaluations")
      .values({
        applicationId: app.id,
        siteId: app.siteId,
        itemCode: app.itemCode,
        level,
        comment: comment.trim().slice(0, 500),
        isDefault: 0,
        createdAt: nowIso(),
      })
      .onConflict((oc) => oc.column("applicationId").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) throw new Conflict("该办件已评价过（一事一评）");
    if (level <= 2) {
      const cal = await this.calendar.calendar();
      await this.db
        .insertInto("rectifications")
        .values({
          evaluationId: inserted.id,
          siteId: app.siteId,
          status: "open",
          dueOn: cal.addWorkingDays(chinaDate(), this.settings.rectifyWorkingDays),
          createdAt: nowIso(),
        })
        .execute();
    }
  }

  /** Applications completed longer than the window ago without a rating get 基本满意 (kept apart). */
  async applyDefaults(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.settings.windowDays * 86400000).toISOString();
    const due = await this.db
      .selectFrom("applications")
      .leftJoin("evaluations", "evaluations.applicationId", "applications.id")
      .select(["applications.id", "applications.siteId", "applications.itemCode"])
      .where("applications.status", "in", ["closed", "refused"])
      .where("applications.closedAt", "<", cutoff)
      .where("evaluations.id", "is", null)
      .limit(1000)
      .execute();
    for (const a of due) {
      await this.db
        .insertInto("evaluations")
        .values({
          applicationId: a.id,
          siteId: a.siteId,
          itemCode: a.itemCode,
          level: DEFAULT_LEVEL,
          comment: "",
          isDefault: 1,
          createdAt: nowIso(),
        })
        .onConflict((oc) => oc.column("applicationId").doNothing())
        .execute();
    }
    return due.length;
  }

  async rectifications(staff: StaffPrincipal, page: number) {
    const sites = sitesWithRight(staff, RIGHTS.applications);
    if (sites !== null && sites.length === 0) return { rows: [], total: 0 };
    let q = this.db
      .selectFrom("rectifications")
      .innerJoin("evaluations", "evaluations.id", "rectifications.evaluationId")
      .innerJoin("applications", "applications.id", "evaluations.applicationId");
    if (sites !== null) q = q.where("rectifications.siteId", "in", sites);
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = await q
      .select([
        "rectifications.id",
        "rectifications.siteId",
        "rectifications.status",
        "rectifications.dueOn",
        "rectifications.result",
        "rectifications.callback",
        "rectifications.appealReason",
        "evaluations.level",
        "evaluations.comment",
        "applications.trackingNo",
        "applications.itemName",
      ])
      .orderBy("rectifications.id", "desc")
      .limit(20)
      .offset((page - 1) * 20)
      .execute();
    return { rows, total };
  }

  private async rectificationFor(staff: StaffPrincipal, id: number) {
    const r = await this.db.selectFrom("rectifications").selectAll().where("id", "=", id).executeTakeFirst();
    if (!r) throw notFound("该整改任务不存在");
    const sites = sitesWithRight(staff, RIGHTS.applications);
    if (sites !== null && !sites.includes(r.siteId)) throw forbidden("该整改任务不属于您所在部门");
    return r;
  }

  /** The department records what it changed and the call-back to the applicant. */
  async rectify(staff: StaffPrincipal, id: number, result: string, callback: string): Promise<void> {
    const r = await this.rectificationFor(staff, id);
    if (!["open", "appeal_rejected"].includes(r.status)) throw new Conflict("该整改任务当前不能提交整改结果");
    const errors: Record<string, string> = {};
    if (!result.trim()) errors.result = "请填写整改措施和结果";
    if (!callback.trim()) errors.callback = "请填写回访情况";
    if (Object.keys(errors).length) throw new Invalid("整改信息不完整", errors);
    await this.db
      .updateTable("rectifications")
      .set({
        status: "done",
        result: result.trim().slice(0, 2000),
        callback: callback.trim().slice(0, 2000),
        handledBy: staff.displayName,
        doneAt: nowIso(),
      })
      .where("id", "=", id)
      .execute();
    await this.audit.record({
      actor: `staff:${staff.id}`,
      action: "rectification.done",
      targetType: "rectification",
      targetId: id,
    });
  }

  /** The department appeals a malicious rating; an operator decides. */
  async appeal(staff: StaffPrincipal, id: number, reason: string): Promise<void> {
    const r = await this.rectificationFor(staff, id);
    if (r.status !== "open") throw new Conflict("只有整改中的任务可以申诉");
    if (!reason.trim()) throw new Invalid("请写明申诉理由", { appealReason: "请写明申诉理由" });
    await this.db
      .updateTable("rectifications")
      .set({ status: "appealed", appealReason: reason.trim().slice(0, 2000) })
      .where("id", "=", id)
      .execute();
    await this.audit.record({
      actor: `staff:${staff.id}`,
      action: "rectification.appeal",
      targetType: "rectification",
      targetId: id,
    });
  }

  async decideAppeal(staff: StaffPrincipal, id: number, upheld: boolean): Promise<void> {
    if (!staff.isOperator) throw forbidden("申诉由平台运维审核");
    const r = await this.rectificationFor(staff, id);
    if (r.status !== "appealed") throw new Conflict("该任务不在申诉审核中");
    await this.db
      .updateTable("rectifications")
      .set({ status: upheld ? "appeal_upheld" : "appeal_rejected" })
      .where("id", "=", id)
      .execute();
    await this.audit.record({
      actor: `staff:${staff.id}`,
      action: upheld ? "rectification.appeal_upheld" : "rectification.appeal_rejected",
      targetType: "rectification",
      targetId: id,
    });
  }
}
