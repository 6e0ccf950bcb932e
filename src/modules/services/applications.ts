import { createHash, randomInt } from "node:crypto";
import type { Selectable, Updateable } from "kysely";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import { sitesWithRole, type StaffPrincipal } from "../../platform/auth/staff-auth.ts";
import type { CalendarService } from "../../platform/calendar/calendar-service.ts";
import { chinaDate, type WorkingCalendar } from "../../platform/calendar/working-days.ts";
import type { Db } from "../../platform/db/database.ts";
import { nowIso } from "../../platform/db/time.ts";
import { forbidden, InputError, notFound } from "../../platform/http/errors.ts";
import type { ApplicationRow } from "../../tables.ts";
import type { Account } from "../accounts/service.ts";
import type { ServiceItem } from "./catalogue.ts";
import type { FormVersion } from "./form-store.ts";
import {
  activeValues,
  fileProblem,
  readValues,
  validateValues,
  type FileRef,
  type FormValues,
  type RawInput,
  type UploadedFile,
} from "./forms.ts";
import { sparedMaterials } from "./guide.ts";

export const STATUS_LABELS: Record<string, string> = {
  draft: "草稿",
  prereview: "待预审",
  correction: "待补正",
  review: "已受理·审查中",
  decided: "已决定·待送达",
  delivered: "已送达",
  closed: "已办结",
  refused: "不予受理",
  withdrawn: "已撤回",
  suspended: "已挂起",
};

export const ACTION_LABELS: Record<string, string> = {
  create: "保存草稿",
  submit: "提交申请",
  resubmit: "补正后重新提交",
  correction: "一次性告知补正",
  accept: "受理",
  refuse: "不予受理",
  claim: "认领",
  transfer: "转办",
  decide: "作出决定",
  return: "退回重新审查",
  deliver: "制证送达",
  close: "办结",
  suspend: "挂起（计时暂停）",
  resume: "恢复办理（计时继续）",
  withdraw: "申请人撤回",
};

/** Statuses a handler still has work on. */
export const ACTIVE_STATUSES = ["prereview", "review", "decided", "delivered", "suspended", "correction"];

export interface Application {
  id: number;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  siteId: number;
  accountId: number;
  bundleApplicationId: number | null;
  status: string;
  suspendedFrom: string | null;
  formVersion: number;
  data: FormValues;
  applicantName: string;
  idempotencyKey: string;
  correctionCount: number;
  correctionNote: string | null;
  prereview: PreReview | null;
  assigneeId: number | null;
  assigneeName: string | null;
  outcome: string | null;
  outcomeText: string | null;
  acceptedOn: string | null;
  dueLegal: string | null;
  dueCommitted: string | null;
  dueDelivery: string | null;
  suspendedOn: string | null;
  suspendedDays: number;
  submittedAt: string | null;
  decidedAt: string | null;
  closedAt: string | null;
  onTime: boolean | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface PreReview {
  checkedAt: string;
  checks: { name: string; ok: boolean; detail: string }[];
  spared: string[];
}

export interface ApplicationEvent {
  at: string;
  actorKind: string;
  actorName: string;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  note: string;
}

export interface LimitState {
  due: string;
  remaining: number;
  state: "ok" | "warning" | "overdue";
}

export interface Actor {
  kind: "applicant" | "staff" | "system";
  id: number | null;
  name: string;
}

/** Working days left before a limit at which the queue warns. */
export const WARNING_DAYS = 2;
/** 行政许可法第四十四条: deliver within 10 days of the decision. */
export const DELIVERY_DAYS = 10;

function toApplication(row: Selectable<ApplicationRow>): Application {
  return {
    ...row,
    data: JSON.parse(row.data) as FormValues,
    prereview: row.prereview ? (JSON.parse(row.prereview) as PreReview) : null,
    onTime: row.onTime === null ? null : row.onTime === 1,
  };
}

export function newTrackingNo(prefix = "CY"): string {
  return `${prefix}${chinaDate().replace(/-/g, "")}${String(randomInt(0, 1e8)).padStart(8, "0")}`;
}

const IDEM = /^[A-Za-z0-9_-]{16,64}$/;

export interface SaveResult {
  application: Application;
  errors: Record<string, string>;
  /** The same submission arrived again (double click, retry): nothing changed. */
  duplicate: boolean;
}

/** Applications (办件): drafts, submission, pre-review, the handling workflow and its time limits. */
export class ApplicationService {
  constructor(
    private readonly store: Db,
    private readonly audit: AuditLog,
    private readonly calendar: CalendarService,
  ) {}

  private get db() {
    return this.store.db;
  }

  async byId(id: number): Promise<Application | undefined> {
    const row = await this.db.selectFrom("applications").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toApplication(row) : undefined;
  }

  async byTrackingNo(no: string): Promise<Application | undefined> {
    if (!/^[A-Z]{2}\d{16}$/.test(no)) return undefined;
    const row = await this.db
      .selectFrom("applications")
      .selectAll()
      .where("trackingNo", "=", no)
      .executeTakeFirst();
    return row ? toApplication(row) : undefined;
  }

  /** The applicant's own application; anyone else's is "not found" (no hint that it exists). */
  async own(accountId: number, idOrNo: number | string): Promise<Application> {
    const app = typeof idOrNo === "number" ? await this.byId(idOrNo) : await this.byTrackingNo(idOrNo);
    if (!app || app.accountId !== accountId) throw notFound("该办件不存在");
    return app;
  }

  /** Staff may see an application only with the handler (or site admin) role on its department. */
  canHandle(staff: StaffPrincipal, app: { siteId: number }): boolean {
    const sites = sitesWithRole(staff, ["handler", "site_admin"]);
    return sites === null || sites.includes(app.siteId);
  }

  async forStaff(staff: StaffPrincipal, id: number): Promise<Application> {
    const app = await this.byId(id);
    if (!app || app.status === "draft") throw notFound("该办件不存在");
    if (!this.canHandle(staff, app)) throw forbidden("该办件不属于您所在部门，无权查看");
    return app;
  }

  async events(applicationId: number): Promise<ApplicationEvent[]> {
    return this.db
      .selectFrom("applicationEvents")
      .select(["at", "actorKind", "actorName", "action", "fromStatus", "toStatus", "note"])
      .where("applicationId", "=", applicationId)
      .orderBy("id")
      .execute();
  }

  async files(applicationId: number) {
    return this.db
      .selectFrom("applicationFiles")
      .select(["id", "field", "fileName", "mime", "size", "sha256", "createdAt"])
      .where("applicationId", "=", applicationId)
      .orderBy("id")
      .execute();
  }

  async fileBytes(
    applicationId: number,
    fileId: number,
  ): Promise<{ name: string; mime: string; bytes: Buffer } | undefined> {
    const f = await this.db
      .selectFrom("applicationFiles")
      .innerJoin("blobs", "blobs.sha256", "applicationFiles.sha256")
      .select(["applicationFiles.fileName", "applicationFiles.mime", "blobs.bytes"])
      .where("applicationFiles.id", "=", fileId)
      .where("applicationFiles.applicationId", "=", applicationId)
      .executeTakeFirst();
    return f ? { name: f.fileName, mime: f.mime, bytes: Buffer.from(f.bytes) } : undefined;
  }

  async listForAccount(accountId: number, page: number, pageSize = 20) {
    const rows = await this.db
      .selectFrom("applications")
      .selectAll()
      .where("accountId", "=", accountId)
      .orderBy("updatedAt", "desc")
      .orderBy("id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    const n = await this.db
      .selectFrom("applications")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("accountId", "=", accountId)
      .executeTakeFirstOrThrow();
    return { rows: rows.map(toApplication), total: Number(n.n) };
  }

  private async event(
    trx: Db["db"],
    appId: number,
    actor: Actor,
    action: string,
    from: string | null,
    to: string,
    note = "",
  ) {
    await trx
      .insertInto("applicationEvents")
      .values({
        applicationId: appId,
        at: nowIso(),
        actorKind: actor.kind,
        actorName: actor.name,
        action,
        fromStatus: from,
        toStatus: to,
        note: note.slice(0, 2000),
      })
      .execute();
  }

  private async storeFile(
    appId: number,
    field: string,
    fileName: string,
    mime: string,
    bytes: Buffer,
  ): Promise<FileRef> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    await this.db
      .insertInto("blobs")
      .values({ sha256, bytes })
      .onConflict((oc) => oc.column("sha256").doNothing())
      .execute();
    const name =
      [...fileName]
        .map((c) => (c < " " || c === "/" || c === "\\" ? "_" : c))
        .join("")
        .slice(-100) || "file";
    const row = await this.db
      .insertInto("applicationFiles")
      .values({
        applicationId: appId,
        field,
        fileName: name,
        mime,
        size: bytes.length,
        sha256,
        createdAt: nowIso(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { fileId: row.id, name, size: bytes.length, mime };
  }

  /**
   * Saves the applicant's form as a draft or submits it. The idempotency key (a hidden field of the
   * form page) makes a double-posted submission return the same application. Invalid submissions
   * are kept as drafts (nothing typed or uploaded is lost) and come back with every error at once.
   */
  async save(input: {
    account: Account;
    item: ServiceItem;
    form: FormVersion;
    raw: RawInput;
    files: UploadedFile[];
    idempotencyKey: string;
    submit: boolean;
    bundleApplicationId?: number | null;
  }): Promise<SaveResult> {
    const { account, item, form } = input;
    if (!IDEM.test(input.idempotencyKey))
      throw new InputError("页面已过期，请重新打开申请页面", {}, 400, "bad_idempotency_key");
    const actor: Actor = { kind: "applicant", id: account.id, name: "申请人" };
    let app = await this.findByKey(account.id, input.idempotencyKey);
    if (app && app.itemCode !== item.code)
      throw new InputError("页面已过期，请重新打开申请页面", {}, 400, "bad_idempotency_key");
    if (app && !["draft", "correction"].includes(app.status))
      return { application: app, errors: {}, duplicate: true };
    if (app && app.formVersion !== form.version && app.status === "draft") {
      // The form changed since the draft was started: keep the draft on its own version.
    }
    const values = readValues(form.schema, input.raw, app?.data ?? {});
    if (!app) {
      const now = nowIso();
      try {
        const row = await this.db
          .insertInto("applications")
          .values({
            trackingNo: newTrackingNo(),
            itemCode: item.code,
            itemName: item.name,
            siteId: item.siteId,
            accountId: account.id,
            bundleApplicationId: input.bundleApplicationId ?? null,
            status: "draft",
            suspendedFrom: null,
            formVersion: form.version,
            data: JSON.stringify(values),
            applicantName: account.name,
            idempotencyKey: input.idempotencyKey,
            prereview: "",
            online: item.guide.onlineDepth === "全程网办" ? 1 : 0,
            visits: item.guide.visits,
            createdAt: now,
            updatedAt: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        app = toApplication(row);
        await this.event(this.db, app.id, actor, "create", null, "draft");
      } catch (error) {
        // A concurrent request with the same key won the insert: answer with its application.
        const existing = await this.findByKey(account.id, input.idempotencyKey);
        if (!existing) throw error;
        return { application: existing, errors: {}, duplicate: existing.status !== "draft" };
      }
    }
    const fileErrors: Record<string, string> = {};
    for (const upload of input.files) {
      const field = form.schema.fields.find((f) => f.name === upload.field && f.type === "file");
      if (!field) continue; // a file for a field the form does not have: ignored
      const { problem, mime } = await fileProblem(field, upload.bytes);
      if (problem) fileErrors[field.name] = problem;
      else values[field.name] = await this.storeFile(app.id, field.name, upload.fileName, mime, upload.bytes);
    }
    const errors = input.submit ? { ...validateValues(form.schema, values), ...fileErrors } : fileErrors;
    const stored =
      input.submit && Object.keys(errors).length === 0 ? activeValues(form.schema, values) : values;
    if (!input.submit || Object.keys(errors).length > 0) {
      await this.db
        .updateTable("applications")
        .set({ data: JSON.stringify(stored), updatedAt: nowIso() })
        .where("id", "=", app.id)
        .execute();
      return { application: (await this.byId(app.id))!, errors, duplicate: false };
    }
    const prereview: PreReview = {
      checkedAt: nowIso(),
      checks: [
        { name: "材料完整性", ok: true, detail: "必填项和必交材料齐全" },
        { name: "格式校验", ok: true, detail: "身份证号码、电话、日期等格式正确" },
        { name: "文件检查", ok: true, detail: "上传文件类型和大小符合要求" },
      ],
      spared: sparedMaterials(item.guide).map((m) => m.name),
    };
    const from = app.status;
    const updated = await this.db
      .updateTable("applications")
      .set({
        status: "prereview",
        data: JSON.stringify(stored),
        prereview: JSON.stringify(prereview),
        submittedAt: app.submittedAt ?? nowIso(),
        updatedAt: nowIso(),
        version: app.version + 1,
      })
      .where("id", "=", app.id)
      .where("version", "=", app.version)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) {
      // Another request submitted it at the same moment.
      return { application: (await this.byId(app.id))!, errors: {}, duplicate: true };
    }
    await this.event(
      this.db,
      app.id,
      actor,
      from === "correction" ? "resubmit" : "submit",
      from,
      "prereview",
      "网上预审自动检查通过",
    );
    return { application: (await this.byId(app.id))!, errors: {}, duplicate: false };
  }

  async findByKey(accountId: number, key: string): Promise<Application | undefined> {
    const row = await this.db
      .selectFrom("applications")
      .selectAll()
      .where("accountId", "=", accountId)
      .where("idempotencyKey", "=", key)
      .executeTakeFirst();
    return row ? toApplication(row) : undefined;
  }

  /** Applicant withdraws an application that is not yet decided. */
  async withdraw(account: Account, id: number, reason: string): Promise<Application> {
    const app = await this.own(account.id, id);
    if (!["prereview", "correction", "review", "suspended"].includes(app.status))
      throw new InputError("该办件当前状态不能撤回", {}, 409, "conflict");
    return this.transition(
      app,
      { kind: "applicant", id: account.id, name: "申请人" },
      "withdraw",
      "withdrawn",
      {},
      reason || "申请人主动撤回",
    );
  }

  private async transition(
    app: Application,
    actor: Actor,
    action: string,
    to: string,
    set: Omit<Updateable<ApplicationRow>, "id" | "version">,
    note = "",
  ): Promise<Application> {
    const result = await this.db
      .updateTable("applications")
      .set({ ...set, status: to, updatedAt: nowIso(), version: app.version + 1 })
      .where("id", "=", app.id)
      .where("version", "=", app.version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw new InputError("该办件刚刚被他人处理过，请刷新页面后重试", {}, 409, "conflict");
    await this.event(this.db, app.id, actor, action, app.status, to, note);
    if (actor.kind === "staff")
      await this.audit.record({
        actor: `staff:${actor.id}`,
        action: `application.${action}`,
        targetType: "application",
        targetId: app.trackingNo,
        detail: { from: app.status, to, note: note.slice(0, 200) },
      });
    return (await this.byId(app.id))!;
  }

  /**
   * A handler's action on an application of their department. Each action checks the status it
   * starts from, so a stale page or a tampered form cannot skip a step.
   */
  async act(
    staff: StaffPrincipal,
    id: number,
    action: string,
    input: { note?: string; outcome?: string; assigneeId?: number; version?: number; item?: ServiceItem },
  ): Promise<Application> {
    const app = await this.forStaff(staff, id);
    if (input.version !== undefined && input.version !== app.version)
      throw new InputError("该办件刚刚被他人处理过，请刷新页面后重试", {}, 409, "conflict");
    const actor: Actor = { kind: "staff", id: staff.id, name: staff.displayName };
    const note = (input.note ?? "").trim().slice(0, 2000);
    const need = (statuses: string[]) => {
      if (!statuses.includes(app.status))
        throw new InputError(
          `办件当前为“${STATUS_LABELS[app.status]}”，不能${ACTION_LABELS[action] ?? action}`,
          {},
          409,
          "conflict",
        );
    };
    const requireNote = (message: string) => {
      if (!note) throw new InputError(message, { note: message });
    };
    const cal = await this.calendar.calendar();
    const today = chinaDate();
    switch (action) {
      case "correction": {
        need(["prereview"]);
        if (app.correctionCount >= 1)
          throw new InputError(
            "补正只能一次性告知，该办件已要求过补正，请受理或不予受理",
            {},
            409,
            "conflict",
          );
        requireNote("请逐条列出需要补正的全部问题（一次性告知）");
        return this.transition(
          app,
          actor,
          "correction",
          "correction",
          { correctionCount: app.correctionCount + 1, correctionNote: note },
          note,
        );
      }
      case "accept": {
        need(["prereview"]);
        const item = input.item;
        const legal = item?.guide.legalLimitDays ?? 20;
        const committed = item?.guide.committedLimitDays ?? legal;
        return this.transition(
          app,
          actor,
          "accept",
          "review",
          {
            acceptedOn: today,
            dueLegal: cal.addWorkingDays(today, legal),
            dueCommitted: cal.addWorkingDays(today, committed),
            assigneeId: app.assigneeId ?? staff.id,
            assigneeName: app.assigneeName ?? staff.displayName,
          },
          note,
        );
      }
      case "refuse":
        need(["prereview"]);
        requireNote("请写明不予受理的理由和依据");
        return this.transition(
          app,
          actor,
          "refuse",
          "refused",
          { closedAt: nowIso(), outcome: "refused", outcomeText: note },
          note,
        );
      case "decide": {
        need(["review"]);
        if (input.outcome !== "approved" && input.outcome !== "denied")
          throw new InputError("请选择决定结果", { outcome: "请选择准予或不予办理" });
        if (input.outcome === "denied") requireNote("不予办理须写明理由和依据");
        return this.transition(
          app,
          actor,
          "decide",
          "decided",
          {
            outcome: input.outcome,
            outcomeText: note || "准予办理",
            decidedAt: nowIso(),
            dueDelivery: cal.addWorkingDays(today, DELIVERY_DAYS),
          },
          `${input.outcome === "approved" ? "准予办理" : "不予办理"}${note ? `：${note}` : ""}`,
        );
      }
      case "return":
        need(["decided"]);
        requireNote("请写明退回重新审查的原因");
        return this.transition(
          app,
          actor,
          "return",
          "review",
          { outcome: null, outcomeText: null, decidedAt: null, dueDelivery: null },
          note,
        );
      case "deliver":
        need(["decided"]);
        return this.transition(app, actor, "deliver", "delivered", {}, note || "办理结果已送达");
      case "close": {
        need(["delivered"]);
        const due = app.dueCommitted;
        const onTime = due ? today <= due : true;
        return this.transition(
          app,
          actor,
          "close",
          "closed",
          { closedAt: nowIso(), onTime: onTime ? 1 : 0 },
          note,
        );
      }
      case "suspend":
        need(["review", "decided"]);
        requireNote("请写明挂起原因（如听证、检验检测、专家评审）");
        return this.transition(
          app,
          actor,
          "suspend",
          "suspended",
          { suspendedFrom: app.status, suspendedOn: today },
          note,
        );
      case "resume": {
        need(["suspended"]);
        // The clock stopped while suspended: push every open limit by the working days that passed.
        const paused = Math.max(0, cal.workingDaysBetween(app.suspendedOn ?? today, today));
        const push = (d: string | null) => (d ? cal.addWorkingDays(d, paused) : null);
        return this.transition(
          app,
          actor,
          "resume",
          app.suspendedFrom ?? "review",
          {
            suspendedFrom: null,
            suspendedOn: null,
            suspendedDays: app.suspendedDays + paused,
            dueLegal: push(app.dueLegal),
            dueCommitted: push(app.dueCommitted),
            dueDelivery: push(app.dueDelivery),
          },
          note || `挂起${paused}个工作日，时限相应顺延`,
        );
      }
      case "claim":
        if (!ACTIVE_STATUSES.includes(app.status)) need(ACTIVE_STATUSES);
        if (app.assigneeId && app.assigneeId !== staff.id)
          throw new InputError(`该办件已由${app.assigneeName}认领，如需接手请由其转办`, {}, 409, "conflict");
        return this.transition(
          app,
          actor,
          "claim",
          app.status,
          { assigneeId: staff.id, assigneeName: staff.displayName },
          "",
        );
      case "transfer": {
        if (!ACTIVE_STATUSES.includes(app.status)) need(ACTIVE_STATUSES);
        const target = await this.handlerOf(input.assigneeId ?? 0, app.siteId);
        if (!target)
          throw new InputError("请选择本部门的承办人", { assigneeId: "转办对象须为本部门的承办人" });
        return this.transition(
          app,
          actor,
          "transfer",
          app.status,
          { assigneeId: target.id, assigneeName: target.displayName },
          note || `转办给${target.displayName}`,
        );
      }
      default:
        throw new InputError("未知的办理操作", {}, 400);
    }
  }

  /** Handlers of a department (for transfer). */
  async handlersOf(siteId: number): Promise<{ id: number; displayName: string }[]> {
    return this.db
      .selectFrom("staffUsers")
      .innerJoin("staffRoles", "staffRoles.userId", "staffUsers.id")
      .select(["staffUsers.id", "staffUsers.displayName"])
      .where("staffRoles.siteId", "=", siteId)
      .where("staffRoles.role", "=", "handler")
      .where("staffUsers.disabled", "=", 0)
      .orderBy("staffUsers.id")
      .execute();
  }

  private async handlerOf(userId: number, siteId: number) {
    return (await this.handlersOf(siteId)).find((h) => h.id === userId);
  }

  /** The time-limit state of a due date on the working-day calendar. */
  limitState(
    cal: WorkingCalendar,
    due: string | null,
    suspended = false,
    today = chinaDate(),
  ): LimitState | null {
    if (!due) return null;
    const remaining = cal.workingDaysBetween(today, due);
    return {
      due,
      remaining,
      state: suspended ? "ok" : remaining < 0 ? "overdue" : remaining <= WARNING_DAYS ? "warning" : "ok",
    };
  }

  /** A handler's work queue: their departments' open applications, earliest due first. */
  async queue(
    staff: StaffPrincipal,
    filter: {
      status?: string;
      mine?: boolean;
      siteId?: number | null;
      limit?: "overdue" | "warning" | null;
      page: number;
      pageSize?: number;
    },
  ) {
    const sites = sitesWithRole(staff, ["handler", "site_admin"]);
    const pageSize = filter.pageSize ?? 20;
    if (sites !== null && sites.length === 0) return { rows: [], total: 0 };
    let q = this.db
      .selectFrom("applications")
      .where(
        "status",
        "in",
        filter.status && ACTIVE_STATUSES.includes(filter.status) ? [filter.status] : ACTIVE_STATUSES,
      );
    if (sites !== null) q = q.where("siteId", "in", sites);
    if (filter.siteId) q = q.where("siteId", "=", filter.siteId);
    if (filter.mine) q = q.where("assigneeId", "=", staff.id);
    if (filter.limit) {
      const cal = await this.calendar.calendar();
      const today = chinaDate();
      if (filter.limit === "overdue")
        q = q.where("dueCommitted", "<", today).where("status", "!=", "suspended");
      else
        q = q
          .where("dueCommitted", ">=", today)
          .where("dueCommitted", "<=", cal.addWorkingDays(today, WARNING_DAYS));
    }
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = await q
      .selectAll()
      .orderBy((eb) => eb.fn.coalesce("dueCommitted", eb.val("9999-12-31")))
      .orderBy("submittedAt")
      .limit(pageSize)
      .offset((filter.page - 1) * pageSize)
      .execute();
    return { rows: rows.map(toApplication), total };
  }
}
