import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { Db } from "../../platform/db/database.ts";

import { nowIso } from "../../platform/time/china-time.ts";

import { Invalid } from "../../platform/http/errors.ts";

import type { GroupKind, OneStopTables } from "./tables.ts";

import type { StaffService } from "../staff/index.ts";

/**
 * Configurable handling workflows (办理流程): each service item has an ordered list of review stages
 * (审查), each serial (steps one after another) or parallel (all steps at once, the application
 * moves on when all are done); every step names a department role group (办理组) whose queue gets
 * the task. Acceptance (受理), decision (决定) and delivery (制证送达) also name a group. Definitions are
 * versioned: an application keeps the version it was submitted under.
 */

export interface WorkflowStep {
  name: string;
  groupId: number;
}

export interface WorkflowStage {
  name: string;
  mode: "serial" | "parallel";
  steps: WorkflowStep[];
}

export interface WorkflowDefinition {
  /** 联合办理: legal limit 45 working days, extension +15 (otherwise +10). */
  joint: boolean;
  acceptGroupId: number;
  stages: WorkflowStage[];
  decideGroupId: number;
  deliverGroupId: number;
}

export interface Workflow {
  itemCode: string;
  /** 0: the department's default workflow (nothing configured for the item). */
  version: number;
  definition: WorkflowDefinition;
  note: string;
  createdBy: string;
  createdAt: string;
}

export interface ServiceGroup {
  id: number;
  siteId: number;
  code: string;
  name: string;
  kind: GroupKind;
}

export const GROUP_KIND_LABELS: Record<string, string> = {
  handling: "办理组",
  leader: "分管领导（审批延期、接收督办）",
  supervision: "督办机构",
};

/** The default groups every department gets. */
export const DEFAULT_GROUPS = [
  { code: "window", name: "窗口受理组", kind: "handling" },
  { code: "review", name: "业务审查组", kind: "handling" },
  { code: "leader", name: "分管领导", kind: "leader" },
] as const;

/** The provincial supervising office (省政务服务管理办公室), a group on the portal site. */
export const SUPERVISION_GROUP = {
  code: "supervision",
  name: "省政务服务管理办公室",
  kind: "supervision" as const,
};

export const MAX_STAGES = 6;
export const MAX_STEPS = 5;

/** Legal extension in working days (行政许可法第四十二条): +10, joint handling +15. */
export function extensionDays(def: WorkflowDefinition): number {
  return def.joint ? 15 : 10;
}

export class WorkflowStore {
  constructor(
    private readonly store: Db<OneStopTables>,
    private readonly audit: AuditLog,
    /** Staff users (names, roles) belong to the staff module. */
    private readonly staff: StaffService,
  ) {}

  private get db() {
    return this.store.db;
  }

  async groupsOf(siteId: number): Promise<ServiceGroup[]> {
    return this.db
      .selectFrom("serviceGroups")
      .select(["id", "siteId", "code", "name", "kind"])
      .where("siteId", "=", siteId)
      .orderBy("id")
      .execute();
  }

  async groupById(id: number): Promise<ServiceGroup | undefined> {
    return this.db
      .selectFrom("serviceGroups")
      .select(["id", "siteId", "code", "name", "kind"])
      .where("id", "=", id)
      .executeTakeFirst();
  }

  async groupByCode(siteId: number, code: string): Promise<ServiceGroup | undefined> {
    return this.db
      .selectFrom("serviceGroups")
      .select(["id", "siteId", "code", "name", "kind"])
      .where("siteId", "=", siteId)
      .where("code", "=", code)
      .executeTakeFirst();
  }

  /** Creates a group unless one with the code exists; returns it either way. */
  async ensureGroup(
    siteId: number,
    g: { code: string; name: string; kind: GroupKind },
  ): Promise<ServiceGroup> {
    await this.db
      .insertInto("serviceGroups")
      .values({ siteId, code: g.code, name: g.name, kind: g.kind, createdAt: nowIso() })
      .onConflict((oc) => oc.columns(["siteId", "code"]).doNothing())
      .execute();
    return (await this.groupByCode(siteId, g.code))!;
  }

  async ensureDefaultGroups(siteId: number): Promise<ServiceGroup[]> {
    const out: ServiceGroup[] = [];
    for (const g of DEFAULT_GROUPS) out.push(await this.ensureGroup(siteId, g));
    return out;
  }

  /** Ids of the groups a staff member belongs to. */
  async groupIdsOf(userId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom("serviceGroupMembers")
      .select("groupId")
      .where("userId", "=", userId)
      .execute();
    return rows.map((r) => r.groupId);
  }

  async members(groupId: number): Promise<{ id: number; displayName: string }[]> {
    const rows = await this.db
      .selectFrom("serviceGroupMembers")
      .select("userId")
      .where("groupId", "=", groupId)
      .execute();
    return this.staff.activeUsers(rows.map((r) => r.userId));
  }

  /** A department's handlers (承办人), for transfer. */
  handlersOf(siteId: number): Promise<{ id: number; displayName: string }[]> {
    return this.staff.activeWithRole(siteId, "handler");
  }

  async isMember(groupId: number, userId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("serviceGroupMembers")
      .select("userId")
      .where("groupId", "=", groupId)
      .where("userId", "=", userId)
      .executeTakeFirst();
    return !!row;
  }

  async addMember(groupId: number, userId: number, actor: string): Promise<void> {
    await this.db
      .insertInto("serviceGroupMembers")
      .values({ groupId, userId })
      .onConflict((oc) => oc.columns(["groupId", "userId"]).doNothing())
      .execute();
    await this.audit.record({
      actor,
      action: "service_group.member_add",
      targetType: "service_group",
      targetId: String(groupId),
      detail: { userId },
    });
  }

  async removeMember(groupId: number, userId: number, actor: string): Promise<void> {
    await this.db
      .deleteFrom("serviceGroupMembers")
      .where("groupId", "=", groupId)
      .where("userId", "=", userId)
      .execute();
    await this.audit.record({
      actor,
      action: "service_group.member_remove",
      targetType: "service_group",
      targetId: String(groupId),
      detail: { userId },
    });
  }

  /** The department's default workflow: window accepts, review group reviews, leader decides. */
  async defaultWorkflow(itemCode: string, siteId: number): Promise<Workflow> {
    const [window, review, leader] = await this.ensureDefaultGroups(siteId);
    return {
      itemCode,
      version: 0,
      definition: {
        joint: false,
        acceptGroupId: window.id,
        stages: [{ name: "审查", mode: "serial", steps: [{ name: "业务审查", groupId: review.id }] }],
        decideGroupId: leader.id,
        deliverGroupId: window.id,
      },
      note: "系统默认流程",
      createdBy: "system",
      createdAt: "",
    };
  }

  async version(itemCode: string, version: number): Promise<Workflow | undefined> {
    const row = await this.db
      .selectFrom("serviceWorkflows")
      .selectAll()
      .where("itemCode", "=", itemCode)
      .where("version", "=", version)
      .executeTakeFirst();
    return row ? { ...row, definition: JSON.parse(row.definition) as WorkflowDefinition } : undefined;
  }

  async currentVersion(itemCode: string): Promise<number> {
    const row = await this.db
      .selectFrom("serviceWorkflows")
      .select((eb) => eb.fn.max("version").as("v"))
      .where("itemCode", "=", itemCode)
      .executeTakeFirst();
    return Number(row?.v ?? 0);
  }

  /** The item's current workflow (its latest version, or the department default). */
  async current(itemCode: string, siteId: number): Promise<Workflow> {
    const v = await this.currentVersion(itemCode);
    return (v > 0 ? await this.version(itemCode, v) : undefined) ?? this.defaultWorkflow(itemCode, siteId);
  }

  /** The workflow an application runs under: the version pinned at submission. */
  async of(app: { itemCode: string; siteId: number; workflowVersion: number | null }): Promise<Workflow> {
    const v = app.workflowVersion ?? 0;
    return (
      (v > 0 ? await this.version(app.itemCode, v) : undefined) ??
      this.defaultWorkflow(app.itemCode, app.siteId)
    );
  }

  async history(itemCode: string) {
    return this.db
      .selectFrom("serviceWorkflows")
      .select(["version", "note", "createdBy", "createdAt"])
      .where("itemCode", "=", itemCode)
      .orderBy("version", "desc")
      .limit(20)
      .execute();
  }

  /**
   * Checks a definition against the department's groups; every problem is reported at once with
   * the form field it belongs to (names as in the console form).
   */
  async validate(def: WorkflowDefinition, siteId: number): Promise<Record<string, string>> {
    const groups = new Map((await this.groupsOf(siteId)).map((g) => [g.id, g]));
    const errors: Record<string, string> = {};
    const groupOk = (id: number) => groups.has(id) && groups.get(id)!.kind !== "supervision";
    if (!groupOk(def.acceptGroupId)) errors.acceptGroupId = "请选择本部门的受理办理组";
    if (!groupOk(def.decideGroupId)) errors.decideGroupId = "请选择本部门的决定办理组";
    if (!groupOk(def.deliverGroupId)) errors.deliverGroupId = "请选择本部门的送达办理组";
    if (def.stages.length === 0) errors["s0.name"] = "至少需要一个审查阶段（填写阶段名称和至少一个步骤）";
    if (def.stages.length > MAX_STAGES) errors["s0.name"] = `审查阶段不能超过${MAX_STAGES}个`;
    def.stages.forEach((stage, i) => {
      const n = i + 1;
      if (!stage.name.trim() || stage.name.length > 20)
        errors[`s${i}.name`] = `第${n}个阶段请填写名称（20字以内）`;
      if (stage.mode !== "serial" && stage.mode !== "parallel")
        errors[`s${i}.mode`] = `第${n}个阶段请选择串行或并行`;
      if (stage.steps.length === 0) errors[`s${i}.name`] = `第${n}个阶段至少需要一个步骤`;
      if (stage.steps.length > MAX_STEPS) errors[`s${i}.name`] = `第${n}个阶段的步骤不能超过${MAX_STEPS}个`;
      if (stage.mode === "parallel" && stage.steps.length < 2)
        errors[`s${i}.mode`] = `第${n}个阶段为并行会签，至少需要两个步骤`;
      stage.steps.forEach((step, j) => {
        if (!step.name.trim() || step.name.length > 20)
          errors[`s${i}.step${j}.name`] = `第${n}个阶段第${j + 1}步请填写步骤名称（20字以内）`;
        if (!groupOk(step.groupId))
          errors[`s${i}.step${j}.group`] = `第${n}个阶段第${j + 1}步请选择本部门的办理组`;
      });
    });
    return errors;
  }

  /** Saves a new version of an item's workflow (applications in flight keep theirs). */
  async save(
    item: { code: string; siteId: number },
    def: WorkflowDefinition,
    note: string,
    actor: { key: string; name: string },
  ): Promise<number> {
    const errors = await this.validate(def, item.siteId);
    if (Object.keys(errors).length) throw new Invalid("办理流程设置有误，请按提示修改", errors);
    const clean: WorkflowDefinition = {
      joint: def.joint,
      acceptGroupId: def.acceptGroupId,
      stages: def.stages.map((s) => ({
        name: s.name.trim(),
        mode: s.mode,
        steps: s.steps.map((x) => ({ name: x.name.trim(), groupId: x.groupId })),
      })),
      decideGroupId: def.decideGroupId,
      deliverGroupId: def.deliverGroupId,
    };
    const version = await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("serviceWorkflows")
        .select((eb) => eb.fn.max("version").as("v"))
        .where("itemCode", "=", item.code)
        .executeTakeFirst();
      const v = Number(row?.v ?? 0) + 1;
      await trx
        .insertInto("serviceWorkflows")
        .values({
          itemCode: item.code,
          version: v,
          definition: JSON.stringify(clean),
          note: note.trim().slice(0, 200),
          createdBy: actor.name,
          createdAt: nowIso(),
        })
        .execute();
      await this.audit.record(
        {
          actor: actor.key,
          action: "service_workflow.save",
          targetType: "service_item",
          targetId: item.code,
          detail: { version: v, stages: clean.stages.length },
        },
        trx,
      );
      return v;
    });
    return version;
  }
}

/**
 * Reads the console form (s0.name, s0.mode, s0.step0.name, s0.step0.group …) into a definition.
 * Blank steps and blank stages are dropped; numbers that are not numbers become 0 (and fail validation).
 */
export function workflowFromForm(body: Record<string, unknown>): WorkflowDefinition {
  const str = (k: string, max = 40) => {
    const v = body[k];
    return typeof v === "string" ? v.slice(0, max) : "";
  };
  const num = (k: string) => {
    const v = str(k, 12);
    return /^\d{1,9}$/.test(v) ? Number(v) : 0;
  };
  const stages: WorkflowStage[] = [];
  for (let i = 0; i < MAX_STAGES + 2; i++) {
    const steps: WorkflowStep[] = [];
    for (let j = 0; j < MAX_STEPS + 2; j++) {
      const name = str(`s${i}.step${j}.name`).trim();
      const group = num(`s${i}.step${j}.group`);
      if (!name && !group) continue;
      steps.push({ name, groupId: group });
    }
    const name = str(`s${i}.name`).trim();
    if (!name && steps.length === 0) continue;
    const mode = str(`s${i}.mode`, 10);
    stages.push({
      name,
      mode: mode === "parallel" ? "parallel" : mode === "serial" ? "serial" : (mode as "serial"),
      steps,
    });
  }
  return {
    joint: str("joint", 2) === "1",
    acceptGroupId: num("acceptGroupId"),
    stages,
    decideGroupId: num("decideGroupId"),
    deliverGroupId: num("deliverGroupId"),
  };
}
