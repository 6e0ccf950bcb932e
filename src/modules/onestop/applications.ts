import { createHash, randomInt } from "node:crypto";
import type { Selectable, Updateable } from "kysely";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import { hasRole, sitesWithRole, type StaffPrincipal } from "../../platform/auth/staff-auth.ts";
import type { CalendarService } from "../../platform/calendar/calendar-service.ts";
import { chinaDate, type WorkingCalendar } from "../../platform/calendar/working-days.ts";
import type { Db } from "../../platform/db/database.ts";
import { nowIso } from "../../platform/db/time.ts";
import { forbidden, InputError, notFound } from "../../platform/http/errors.ts";
import type {
  ApplicationOutcome,
  ApplicationRow,
  ApplicationStatus,
  ApplicationTaskRow,
  OneStopTables,
  SuspendKind,
  TaskKind,
} from "./tables.ts";
import type { Account } from "../accounts/index.ts";
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
import { extensionDays, type WorkflowDefinition, type WorkflowStore } from "./workflow.ts";
import { getBlob, putBlob } from "../../platform/files/blob-store.ts";

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
  hearing: "听证（期间不计入时限）",
  testing: "检验检测（期间不计入时限）",
  expert: "专家评审（期间不计入时限）",
  resume: "恢复办理（计时继续）",
  withdraw: "申请人撤回",
  complete: "完成审查步骤",
  extend: "申请延长法定期限",
  extend_approve: "批准延长法定期限",
  extend_refuse: "不同意延长法定期限",
  escalate: "超期督办",
};

/** Why the clock stopped (the distinct, labelled reasons that do not count toward a limit). */
export const SUSPEND_KINDS: Record<string, string> = {
  suspend: "挂起",
  hearing: "听证",
  testing: "检验检测",
  expert: "专家评审",
};

export const TASK_KIND_LABELS: Record<string, string> = {
  accept: "预审受理",
  review: "审查",
  decide: "决定",
  deliver: "制证送达",
};
const TASK_KINDS = Object.keys(TASK_KIND_LABELS) as TaskKind[];

export interface ProgressStep {
  name: string;
  group: string;
  state: "done" | "current" | "pending" | "stopped";
  at: string | null;
}

export type Task = Selectable<ApplicationTaskRow> & { groupName: string };

/** Statuses a handler still has work on. */
export const ACTIVE_STATUSES: ApplicationStatus[] = [
  "prereview",
  "review",
  "decided",
  "delivered",
  "suspended",
  "correction",
];

export interface Application {
  id: number;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  siteId: number;
  accountId: number;
  bundleApplicationId: number | null;
  status: ApplicationStatus;
  suspendedFrom: ApplicationStatus | null;
  formVersion: number;
  data: FormValues;
  applicantName: string;
  idempotencyKey: string;
  correctionCount: number;
  correctionNote: string | null;
  prereview: PreReview | null;
  assigneeId: number | null;
  assigneeName: string | null;
  outcome: ApplicationOutcome | null;
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
  workflowVersion: number | null;
  suspendKind: SuspendKind | null;
  extendedDays: number;
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
    private readonly store: Db<OneStopTables>,
    private readonly audit: AuditLog,
    private readonly calendar: CalendarService,
    readonly workflows: WorkflowStore,
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
      .select(["fileName", "mime", "sha256"])
      .where("id", "=", fileId)
      .where("applicationId", "=", applicationId)
      .executeTakeFirst();
    const bytes = f && (await getBlob(this.db, f.sha256));
    return f && bytes ? { name: f.fileName, mime: f.mime, bytes } : undefined;
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
    trx: Db<OneStopTables>["db"],
    appId: number,
    actor: Actor,
    action: string,
    from: ApplicationStatus | null,
    to: ApplicationStatus,
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
    await putBlob(this.db, sha256, bytes);
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
    // The application keeps the workflow version it was first submitted under.
    const wf =
      app.workflowVersion === null
        ? await this.workflows.current(item.code, item.siteId)
        : await this.workflows.of(app);
    const submitted = app;
    const raced = await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("applications")
        .set({
          status: "prereview",
          data: JSON.stringify(stored),
          prereview: JSON.stringify(prereview),
          submittedAt: submitted.submittedAt ?? nowIso(),
          updatedAt: nowIso(),
          version: submitted.version + 1,
          workflowVersion: wf.version,
        })
        .where("id", "=", submitted.id)
        .where("version", "=", submitted.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return true; // another request submitted it at the same moment
      const open = await trx
        .selectFrom("applicationTasks")
        .select("id")
        .where("applicationId", "=", submitted.id)
        .where("kind", "=", "accept")
        .where("status", "=", "open")
        .executeTakeFirst();
      if (!open)
        await this.createTask(trx, submitted, {
          kind: "accept",
          stageNo: 0,
          stepNo: 0,
          name: "预审受理",
          groupId: wf.definition.acceptGroupId,
        });
      await this.event(
        trx,
        submitted.id,
        actor,
        from === "correction" ? "resubmit" : "submit",
        from,
        "prereview",
        "网上预审自动检查通过",
      );
      return false;
    });
    if (raced) return { application: (await this.byId(app.id))!, errors: {}, duplicate: true };
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
      { closedAt: nowIso() },
      reason || "申请人主动撤回",
      (trx) => this.cancelOpenTasks(trx, app.id),
    );
  }

  private async transition(
    app: Application,
    actor: Actor,
    action: string,
    to: ApplicationStatus,
    set: Omit<Updateable<ApplicationRow>, "id" | "version">,
    note = "",
    after?: (trx: Db<OneStopTables>["db"]) => Promise<void>,
  ): Promise<Application> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable("applications")
        .set({ ...set, status: to, updatedAt: nowIso(), version: app.version + 1 })
        .where("id", "=", app.id)
        .where("version", "=", app.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1)
        throw new InputError("该办件刚刚被他人处理过，请刷新页面后重试", {}, 409, "conflict");
      if (after) await after(trx);
      await this.event(trx, app.id, actor, action, app.status, to, note);
      if (actor.kind === "staff")
        await this.audit.record(
          {
            actor: `staff:${actor.id}`,
            action: `application.${action}`,
            targetType: "application",
            targetId: app.trackingNo,
            detail: { from: app.status, to, note: note.slice(0, 200) },
          },
          trx,
        );
    });
    return (await this.byId(app.id))!;
  }

  // ------------------------------------------------------------------ tasks

  async tasks(applicationId: number): Promise<Task[]> {
    const rows = await this.db
      .selectFrom("applicationTasks")
      .leftJoin("serviceGroups", "serviceGroups.id", "applicationTasks.groupId")
      .selectAll("applicationTasks")
      .select("serviceGroups.name as groupName")
      .where("applicationId", "=", applicationId)
      .orderBy("applicationTasks.id")
      .execute();
    return rows.map((r) => ({ ...r, groupName: r.groupName ?? "" }));
  }

  private async createTask(
    trx: Db<OneStopTables>["db"],
    app: { id: number; siteId: number },
    t: { kind: TaskKind; stageNo: number; stepNo: number; name: string; groupId: number },
  ) {
    await trx
      .insertInto("applicationTasks")
      .values({ applicationId: app.id, siteId: app.siteId, ...t, status: "open", createdAt: nowIso() })
      .execute();
  }

  private async openStage(
    trx: Db<OneStopTables>["db"],
    app: Application,
    def: WorkflowDefinition,
    stageNo: number,
  ) {
    const stage = def.stages[stageNo];
    if (!stage) {
      await this.createTask(trx, app, {
        kind: "decide",
        stageNo: def.stages.length,
        stepNo: 0,
        name: "决定",
        groupId: def.decideGroupId,
      });
      return;
    }
    const steps =
      stage.mode === "parallel" ? stage.steps.map((s, i) => [s, i] as const) : [[stage.steps[0], 0] as const];
    for (const [step, i] of steps)
      await this.createTask(trx, app, {
        kind: "review",
        stageNo,
        stepNo: i,
        name: step.name,
        groupId: step.groupId,
      });
  }

  private async cancelOpenTasks(trx: Db<OneStopTables>["db"], appId: number, kinds?: TaskKind[]) {
    let q = trx
      .updateTable("applicationTasks")
      .set({ status: "cancelled", doneAt: nowIso() })
      .where("applicationId", "=", appId)
      .where("status", "=", "open");
    if (kinds) q = q.where("kind", "in", kinds);
    await q.execute();
  }

  private async finishTask(trx: Db<OneStopTables>["db"], task: Task, staff: StaffPrincipal) {
    const r = await trx
      .updateTable("applicationTasks")
      .set({
        status: "done",
        doneAt: nowIso(),
        doneByName: staff.displayName,
        assigneeId: staff.id,
        assigneeName: staff.displayName,
      })
      .where("id", "=", task.id)
      .where("status", "=", "open")
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1)
      throw new InputError("该任务刚刚被他人处理过，请刷新页面后重试", {}, 409, "conflict");
  }

  /**
   * Tasks of applications that have none yet (submitted before workflows existed): the tasks their
   * status implies, so every application can be handled.
   */
  async ensureTasks(app: Application): Promise<void> {
    if (!ACTIVE_STATUSES.includes(app.status)) return;
    const open = (await this.tasks(app.id)).filter((t) => t.status === "open");
    if (open.length) return;
    const wf = await this.workflows.of(app);
    const def = wf.definition;
    const status = app.status === "suspended" ? (app.suspendedFrom ?? "review") : app.status;
    await this.db.transaction().execute(async (trx) => {
      if (status === "prereview" || status === "correction")
        await this.createTask(trx, app, {
          kind: "accept",
          stageNo: 0,
          stepNo: 0,
          name: "预审受理",
          groupId: def.acceptGroupId,
        });
      else if (status === "review") await this.openStage(trx, app, def, 0);
      else
        await this.createTask(trx, app, {
          kind: "deliver",
          stageNo: 0,
          stepNo: 0,
          name: "制证送达",
          groupId: def.deliverGroupId,
        });
    });
  }

  /** Whether the staff member may take tasks of a group (a member; anyone of the department if it has none). */
  async mayTake(staff: StaffPrincipal, groupId: number, siteId: number): Promise<boolean> {
    const members = await this.workflows.members(groupId);
    if (members.length === 0) return hasRole(staff, "handler", siteId) && !staff.isOperator;
    return members.some((m) => m.id === staff.id);
  }

  /**
   * The open task of one of `kinds` this staff member may work on. An unclaimed task of their group
   * is claimed on the way; someone else's task or another group's task is refused.
   */
  private async taskFor(
    app: Application,
    staff: StaffPrincipal,
    kinds: string[],
    taskId: number | undefined,
    actionLabel: string,
  ): Promise<Task> {
    const open = (await this.tasks(app.id)).filter(
      (t) => t.status === "open" && kinds.includes(t.kind) && (taskId === undefined || t.id === taskId),
    );
    if (open.length === 0)
      throw new InputError(
        taskId === undefined
          ? `该办件当前没有可${actionLabel}的环节`
          : "该任务不存在或已办理完毕，请刷新页面",
        {},
        409,
        "conflict",
      );
    const mine = open.find((t) => t.assigneeId === staff.id);
    if (mine) return mine;
    let refusal: InputError | null = null;
    for (const t of open) {
      if (t.assigneeId) {
        refusal ??= new InputError(
          `“${t.name}”已由${t.assigneeName}认领，如需接手请由其转办`,
          {},
          409,
          "conflict",
        );
        continue;
      }
      if (await this.mayTake(staff, t.groupId, app.siteId)) return t;
      refusal = new InputError(
        `“${t.name}”由“${t.groupName}”办理，您不在该办理组，不能认领或办理`,
        {},
        403,
        "forbidden",
      );
    }
    throw refusal!;
  }

  /**
   * A handler's action on an application of their department. Each action checks the status it
   * starts from and the task (workflow step) it belongs to, so a stale page, a tampered form or a
   * handler of another group cannot skip or take a step.
   */
  async act(
    staff: StaffPrincipal,
    id: number,
    action: string,
    input: {
      note?: string;
      outcome?: string;
      assigneeId?: number;
      groupId?: number;
      taskId?: number;
      extensionId?: number;
      version?: number;
      item?: ServiceItem;
    },
  ): Promise<Application> {
    let app = await this.forStaff(staff, id);
    if (input.version !== undefined && input.version !== app.version)
      throw new InputError("该办件刚刚被他人处理过，请刷新页面后重试", {}, 409, "conflict");
    await this.ensureTasks(app);
    app = (await this.byId(id))!;
    const actor: Actor = { kind: "staff", id: staff.id, name: staff.displayName };
    const note = (input.note ?? "").trim().slice(0, 2000);
    const label = ACTION_LABELS[action] ?? action;
    const need = (statuses: string[]) => {
      if (!statuses.includes(app.status))
        throw new InputError(`办件当前为“${STATUS_LABELS[app.status]}”，不能${label}`, {}, 409, "conflict");
    };
    const requireNote = (message: string) => {
      if (!note) throw new InputError(message, { note: message });
    };
    const wf = await this.workflows.of(app);
    const def = wf.definition;
    const cal = await this.calendar.calendar();
    const today = chinaDate();
    const who = { assigneeId: staff.id, assigneeName: staff.displayName };
    switch (action) {
      case "correction": {
        need(["prereview"]);
        const task = await this.taskFor(app, staff, ["accept"], input.taskId, label);
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
          { correctionCount: app.correctionCount + 1, correctionNote: note, ...who },
          note,
          (trx) => this.claimIn(trx, task, staff),
        );
      }
      case "accept": {
        need(["prereview"]);
        const task = await this.taskFor(app, staff, ["accept"], input.taskId, label);
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
            ...who,
          },
          note,
          async (trx) => {
            await this.finishTask(trx, task, staff);
            await this.openStage(trx, app, def, 0);
          },
        );
      }
      case "refuse": {
        need(["prereview"]);
        const task = await this.taskFor(app, staff, ["accept"], input.taskId, label);
        requireNote("请写明不予受理的理由和依据");
        return this.transition(
          app,
          actor,
          "refuse",
          "refused",
          { closedAt: nowIso(), outcome: "refused", outcomeText: note, ...who },
          note,
          (trx) => this.finishTask(trx, task, staff),
        );
      }
      case "complete": {
        need(["review"]);
        const task = await this.taskFor(app, staff, ["review"], input.taskId, label);
        const stage = def.stages[task.stageNo];
        return this.transition(
          app,
          actor,
          "complete",
          "review",
          who,
          `${stage?.name ?? "审查"}·${task.name}（${task.groupName}）已完成${note ? `：${note}` : ""}`,
          async (trx) => {
            await this.finishTask(trx, task, staff);
            if (stage && stage.mode === "serial" && task.stepNo + 1 < stage.steps.length) {
              const next = stage.steps[task.stepNo + 1];
              await this.createTask(trx, app, {
                kind: "review",
                stageNo: task.stageNo,
                stepNo: task.stepNo + 1,
                name: next.name,
                groupId: next.groupId,
              });
              return;
            }
            const left = await trx
              .selectFrom("applicationTasks")
              .select("id")
              .where("applicationId", "=", app.id)
              .where("status", "=", "open")
              .where("kind", "=", "review")
              .executeTakeFirst();
            if (!left) await this.openStage(trx, app, def, task.stageNo + 1);
          },
        );
      }
      case "decide": {
        need(["review"]);
        const task = await this.taskFor(app, staff, ["decide"], input.taskId, label);
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
            ...who,
          },
          `${input.outcome === "approved" ? "准予办理" : "不予办理"}${note ? `：${note}` : ""}`,
          async (trx) => {
            await this.finishTask(trx, task, staff);
            await this.createTask(trx, app, {
              kind: "deliver",
              stageNo: 0,
              stepNo: 0,
              name: "制证送达",
              groupId: def.deliverGroupId,
            });
          },
        );
      }
      case "return": {
        need(["review", "decided"]);
        const task = await this.taskFor(
          app,
          staff,
          app.status === "review" ? ["decide"] : ["deliver"],
          input.taskId,
          label,
        );
        requireNote("请写明退回重新审查的原因");
        return this.transition(
          app,
          actor,
          "return",
          "review",
          { outcome: null, outcomeText: null, decidedAt: null, dueDelivery: null, ...who },
          note,
          async (trx) => {
            await this.cancelOpenTasks(trx, app.id);
            void task;
            await this.openStage(trx, app, def, Math.max(0, def.stages.length - 1));
          },
        );
      }
      case "deliver": {
        need(["decided"]);
        const task = await this.taskFor(app, staff, ["deliver"], input.taskId, label);
        return this.transition(app, actor, "deliver", "delivered", who, note || "办理结果已送达", (trx) =>
          this.claimIn(trx, task, staff),
        );
      }
      case "close": {
        need(["delivered"]);
        const task = await this.taskFor(app, staff, ["deliver"], input.taskId, label);
        const due = app.dueCommitted;
        const onTime = due ? today <= due : true;
        return this.transition(
          app,
          actor,
          "close",
          "closed",
          { closedAt: nowIso(), onTime: onTime ? 1 : 0, ...who },
          note,
          (trx) => this.finishTask(trx, task, staff),
        );
      }
      case "suspend":
      case "hearing":
      case "testing":
      case "expert": {
        need(["review", "decided"]);
        await this.taskFor(app, staff, ["review", "decide", "deliver"], input.taskId, label);
        requireNote(
          action === "suspend"
            ? "请写明挂起原因"
            : `请写明${SUSPEND_KINDS[action]}的事由和预计期限（期间不计入办理时限）`,
        );
        return this.transition(
          app,
          actor,
          action,
          "suspended",
          { suspendedFrom: app.status, suspendedOn: today, suspendKind: action },
          note,
        );
      }
      case "resume": {
        need(["suspended"]);
        await this.taskFor(app, staff, ["review", "decide", "deliver"], input.taskId, label);
        // The clock stopped while suspended: push every open limit by the working days that passed.
        const paused = Math.max(0, cal.workingDaysBetween(app.suspendedOn ?? today, today));
        const push = (d: string | null) => (d ? cal.addWorkingDays(d, paused) : null);
        const kind = SUSPEND_KINDS[app.suspendKind ?? "suspend"] ?? "挂起";
        return this.transition(
          app,
          actor,
          "resume",
          app.suspendedFrom ?? "review",
          {
            suspendedFrom: null,
            suspendedOn: null,
            suspendKind: null,
            suspendedDays: app.suspendedDays + paused,
            dueLegal: push(app.dueLegal),
            dueCommitted: push(app.dueCommitted),
            dueDelivery: push(app.dueDelivery),
          },
          `${kind}结束，${paused}个工作日不计入时限，时限相应顺延${note ? `；${note}` : ""}`,
        );
      }
      case "claim": {
        if (!ACTIVE_STATUSES.includes(app.status)) need(ACTIVE_STATUSES);
        const task = await this.taskFor(app, staff, TASK_KINDS, input.taskId, label);
        if (task.assigneeId === staff.id && input.taskId !== undefined)
          throw new InputError("您已认领该任务", {}, 409, "conflict");
        return this.transition(
          app,
          actor,
          "claim",
          app.status,
          who,
          `${task.name}（${task.groupName}）`,
          (trx) => this.claimIn(trx, task, staff),
        );
      }
      case "transfer": {
        if (!ACTIVE_STATUSES.includes(app.status)) need(ACTIVE_STATUSES);
        const task = await this.taskFor(app, staff, TASK_KINDS, input.taskId, label);
        if (input.groupId) {
          const group = await this.workflows.groupById(input.groupId);
          if (!group || group.siteId !== app.siteId || group.kind === "supervision")
            throw new InputError("请选择本部门的办理组", { groupId: "转办对象须为本部门的办理组" });
          if (group.id === task.groupId)
            throw new InputError("该任务已在这个办理组", { groupId: "请选择其他办理组" });
          return this.transition(
            app,
            actor,
            "transfer",
            app.status,
            { assigneeId: null, assigneeName: null },
            `${task.name}：由“${task.groupName}”转至“${group.name}”${note ? `；${note}` : ""}`,
            async (trx) => {
              await trx
                .updateTable("applicationTasks")
                .set({ groupId: group.id, assigneeId: null, assigneeName: null, claimedAt: null })
                .where("id", "=", task.id)
                .where("status", "=", "open")
                .execute();
            },
          );
        }
        const target = (await this.handlersOf(app.siteId)).find((h) => h.id === (input.assigneeId ?? 0));
        const members = await this.workflows.members(task.groupId);
        const eligible = members.length === 0 || members.some((m) => m.id === target?.id);
        if (!target || target.id === staff.id || !eligible)
          throw new InputError("请选择本部门该办理组的承办人", {
            assigneeId: `转办对象须为本部门的承办人（“${task.groupName}”成员）`,
          });
        return this.transition(
          app,
          actor,
          "transfer",
          app.status,
          { assigneeId: target.id, assigneeName: target.displayName },
          `${task.name}：转办给${target.displayName}${note ? `；${note}` : ""}`,
          async (trx) => {
            await trx
              .updateTable("applicationTasks")
              .set({ assigneeId: target.id, assigneeName: target.displayName, claimedAt: nowIso() })
              .where("id", "=", task.id)
              .where("status", "=", "open")
              .execute();
          },
        );
      }
      case "extend": {
        need(["review", "suspended"]);
        if (app.status === "suspended" && app.suspendedFrom !== "review") need(["review"]);
        await this.taskFor(app, staff, ["review", "decide"], input.taskId, label);
        requireNote("请写明需要延长法定办理期限的理由");
        const exts = await this.extensions(app.id);
        if (exts.some((e) => e.status === "pending"))
          throw new InputError("已有待审批的延期申请", {}, 409, "conflict");
        if (exts.some((e) => e.status === "approved"))
          throw new InputError("法定期限只能延长一次，该办件已延长过", {}, 409, "conflict");
        const days = extensionDays(def);
        return this.transition(
          app,
          actor,
          "extend",
          app.status,
          {},
          `申请延长法定期限${days}个工作日：${note}`,
          async (trx) => {
            await trx
              .insertInto("applicationExtensions")
              .values({
                applicationId: app.id,
                siteId: app.siteId,
                days,
                reason: note,
                status: "pending",
                requestedBy: staff.id,
                requestedByName: staff.displayName,
                requestedAt: nowIso(),
              })
              .execute();
          },
        );
      }
      case "extend_approve":
      case "extend_refuse": {
        const ext = (await this.extensions(app.id)).find(
          (e) => e.status === "pending" && (input.extensionId === undefined || e.id === input.extensionId),
        );
        if (!ext) throw new InputError("没有待审批的延期申请，请刷新页面", {}, 409, "conflict");
        if (!(await this.isLeader(staff, app.siteId)))
          throw new InputError("只有本部门分管领导可以审批延期申请", {}, 403, "forbidden");
        if (ext.requestedBy === staff.id)
          throw new InputError("不能审批本人提出的延期申请", {}, 403, "forbidden");
        const approve = action === "extend_approve";
        if (!approve) requireNote("请写明不同意延期的理由");
        const dueAfter = approve && app.dueLegal ? cal.addWorkingDays(app.dueLegal, ext.days) : app.dueLegal;
        return this.transition(
          app,
          actor,
          action,
          app.status,
          approve ? { dueLegal: dueAfter, extendedDays: app.extendedDays + ext.days } : {},
          approve
            ? `批准延长法定期限${ext.days}个工作日，法定期限由${app.dueLegal}延至${dueAfter}${note ? `；${note}` : ""}`
            : `不同意延期：${note}`,
          async (trx) => {
            const r = await trx
              .updateTable("applicationExtensions")
              .set({
                status: approve ? "approved" : "refused",
                decidedBy: staff.id,
                decidedByName: staff.displayName,
                decidedAt: nowIso(),
                decisionNote: note,
                dueBefore: app.dueLegal,
                dueAfter: approve ? dueAfter : app.dueLegal,
              })
              .where("id", "=", ext.id)
              .where("status", "=", "pending")
              .executeTakeFirst();
            if (Number(r.numUpdatedRows) !== 1)
              throw new InputError("该延期申请刚刚被他人审批过，请刷新页面", {}, 409, "conflict");
          },
        );
      }
      default:
        throw new InputError("未知的办理操作", {}, 400);
    }
  }

  private async claimIn(trx: Db<OneStopTables>["db"], task: Task, staff: StaffPrincipal) {
    if (task.assigneeId === staff.id) return;
    const r = await trx
      .updateTable("applicationTasks")
      .set({ assigneeId: staff.id, assigneeName: staff.displayName, claimedAt: nowIso() })
      .where("id", "=", task.id)
      .where("status", "=", "open")
      .where((eb) => eb.or([eb("assigneeId", "is", null), eb("assigneeId", "=", staff.id)]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1)
      throw new InputError("该任务刚刚被他人认领，请刷新页面", {}, 409, "conflict");
  }

  /**
   * The applicant's view of the workflow: every step of the pinned workflow in order, with its
   * group and whether it is done, in progress or still to come (no staff names).
   */
  async progress(app: Application): Promise<ProgressStep[]> {
    if (app.status === "draft") return [];
    const wf = await this.workflows.of(app);
    const def = wf.definition;
    const tasks = await this.tasks(app.id);
    const groups = new Map((await this.workflows.groupsOf(app.siteId)).map((g) => [g.id, g.name]));
    const latest = (kind: string, stageNo = 0, stepNo = 0) =>
      tasks
        .filter(
          (t) => t.kind === kind && t.stageNo === stageNo && t.stepNo === stepNo && t.status !== "cancelled",
        )
        .pop();
    const stateOf = (t: Task | undefined): Pick<ProgressStep, "state" | "at"> =>
      !t
        ? { state: "pending", at: null }
        : t.status === "done"
          ? { state: "done", at: t.doneAt }
          : { state: "current", at: null };
    const steps: ProgressStep[] = [
      { name: "预审受理", group: groups.get(def.acceptGroupId) ?? "", ...stateOf(latest("accept")) },
    ];
    def.stages.forEach((stage, i) =>
      stage.steps.forEach((step, j) =>
        steps.push({
          name: `${stage.name}·${step.name}${stage.mode === "parallel" ? "（并行）" : ""}`,
          group: groups.get(step.groupId) ?? "",
          ...stateOf(latest("review", i, j)),
        }),
      ),
    );
    steps.push({
      name: "决定",
      group: groups.get(def.decideGroupId) ?? "",
      ...stateOf(latest("decide", def.stages.length)),
    });
    const deliver = latest("deliver");
    steps.push({
      name: "制证送达",
      group: groups.get(def.deliverGroupId) ?? "",
      ...(app.status === "delivered" || app.status === "closed"
        ? { state: "done" as const, at: null }
        : stateOf(
            deliver && deliver.status === "done"
              ? deliver
              : deliver
                ? { ...deliver, status: "open" }
                : undefined,
          )),
    });
    steps.push({
      name: "办结",
      group: "",
      state: app.status === "closed" ? "done" : "pending",
      at: app.status === "closed" ? app.closedAt : null,
    });
    if (app.status === "refused" || app.status === "withdrawn")
      for (const st of steps) if (st.state !== "done") st.state = "stopped";
    return steps;
  }

  /** Whether the staff member belongs to a leader group (分管领导) of the department. */
  async isLeader(staff: StaffPrincipal, siteId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("serviceGroupMembers")
      .innerJoin("serviceGroups", "serviceGroups.id", "serviceGroupMembers.groupId")
      .select("serviceGroups.id")
      .where("serviceGroupMembers.userId", "=", staff.id)
      .where("serviceGroups.siteId", "=", siteId)
      .where("serviceGroups.kind", "=", "leader")
      .executeTakeFirst();
    return !!row;
  }

  async extensions(applicationId: number) {
    return this.db
      .selectFrom("applicationExtensions")
      .selectAll()
      .where("applicationId", "=", applicationId)
      .orderBy("id")
      .execute();
  }

  /** Handlers of a department (for transfer). */
  handlersOf(siteId: number): Promise<{ id: number; displayName: string }[]> {
    return this.workflows.handlersOf(siteId);
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

  /**
   * A handler's work queue: their departments' open applications, earliest due first, each with its
   * open tasks (the current workflow steps and the groups that hold them).
   */
  async queue(
    staff: StaffPrincipal,
    filter: {
      status?: string;
      mine?: boolean;
      groups?: boolean;
      siteId?: number | null;
      limit?: "overdue" | "warning" | "escalated" | null;
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
        ACTIVE_STATUSES.find((s) => s === filter.status)
          ? [filter.status as ApplicationStatus]
          : ACTIVE_STATUSES,
      );
    if (sites !== null) q = q.where("siteId", "in", sites);
    if (filter.siteId) q = q.where("siteId", "=", filter.siteId);
    if (filter.mine)
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("applicationTasks")
            .select("applicationTasks.id")
            .whereRef("applicationTasks.applicationId", "=", "applications.id")
            .where("applicationTasks.status", "=", "open")
            .where("applicationTasks.assigneeId", "=", staff.id),
        ),
      );
    if (filter.groups) {
      const groups = await this.workflows.groupIdsOf(staff.id);
      q = q.where((eb) =>
        groups.length === 0
          ? eb.lit(false)
          : eb.exists(
              eb
                .selectFrom("applicationTasks")
                .select("applicationTasks.id")
                .whereRef("applicationTasks.applicationId", "=", "applications.id")
                .where("applicationTasks.status", "=", "open")
                .where("applicationTasks.groupId", "in", groups),
            ),
      );
    }
    if (filter.limit === "escalated")
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("applicationAlerts")
            .select("applicationAlerts.id")
            .whereRef("applicationAlerts.applicationId", "=", "applications.id")
            .where("applicationAlerts.kind", "=", "escalation"),
        ),
      );
    else if (filter.limit) {
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
    const rows = (
      await q
        .selectAll()
        .orderBy((eb) => eb.fn.coalesce("dueCommitted", eb.val("9999-12-31")))
        .orderBy("submittedAt")
        .limit(pageSize)
        .offset((filter.page - 1) * pageSize)
        .execute()
    ).map(toApplication);
    const ids = rows.map((r) => r.id);
    const tasks = ids.length
      ? await this.db
          .selectFrom("applicationTasks")
          .leftJoin("serviceGroups", "serviceGroups.id", "applicationTasks.groupId")
          .selectAll("applicationTasks")
          .select("serviceGroups.name as groupName")
          .where("applicationId", "in", ids)
          .where("applicationTasks.status", "=", "open")
          .orderBy("applicationTasks.id")
          .execute()
      : [];
    const escalated = ids.length
      ? await this.db
          .selectFrom("applicationAlerts")
          .select("applicationId")
          .where("applicationId", "in", ids)
          .where("kind", "=", "escalation")
          .execute()
      : [];
    const esc = new Set(escalated.map((e) => e.applicationId));
    return {
      rows: rows.map((app) => ({
        app,
        tasks: tasks
          .filter((t) => t.applicationId === app.id)
          .map((t) => ({ ...t, groupName: t.groupName ?? "" })),
        escalated: esc.has(app.id),
      })),
      total,
    };
  }
}
