import type { StaffPrincipal } from "../staff/index.ts";
import type { Db } from "../../platform/db/database.ts";
import type { OneStopTables, TaskKind } from "./tables.ts";
import { nowIso } from "../../platform/time/china-time.ts";
import type { Task } from "./application-model.ts";
import { ConflictError } from "./errors.ts";
import type { WorkflowDefinition } from "./workflow.ts";

/** Writes to an application's tasks (its workflow steps), inside the caller's transaction. */

type Trx = Db<OneStopTables>["db"];

export interface NewTask {
  kind: TaskKind;
  stageNo: number;
  stepNo: number;
  name: string;
  groupId: number;
}

export async function createTask(trx: Trx, app: { id: number; siteId: number }, task: NewTask) {
  await trx
    .insertInto("applicationTasks")
    .values({ applicationId: app.id, siteId: app.siteId, ...task, status: "open", createdAt: nowIso() })
    .execute();
}

export function acceptTask(def: WorkflowDefinition): NewTask {
  return { kind: "accept", stageNo: 0, stepNo: 0, name: "预审受理", groupId: def.acceptGroupId };
}

export function deliverTask(def: WorkflowDefinition): NewTask {
  return { kind: "deliver", stageNo: 0, stepNo: 0, name: "制证送达", groupId: def.deliverGroupId };
}

/** The tasks of review stage `stageNo` (all its steps if parallel, else the first); past the last stage, the decision. */
export async function openStage(
  trx: Trx,
  app: { id: number; siteId: number },
  def: WorkflowDefinition,
  stageNo: number,
) {
  const stage = def.stages[stageNo];
  if (!stage) {
    await createTask(trx, app, {
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
    await createTask(trx, app, {
      kind: "review",
      stageNo,
      stepNo: i,
      name: step.name,
      groupId: step.groupId,
    });
}

export async function hasOpenTask(trx: Trx, appId: number, kind: TaskKind): Promise<boolean> {
  const open = await trx
    .selectFrom("applicationTasks")
    .select("id")
    .where("applicationId", "=", appId)
    .where("kind", "=", kind)
    .where("status", "=", "open")
    .executeTakeFirst();
  return open !== undefined;
}

export async function cancelOpenTasks(trx: Trx, appId: number, kinds?: TaskKind[]) {
  let q = trx
    .updateTable("applicationTasks")
    .set({ status: "cancelled", doneAt: nowIso() })
    .where("applicationId", "=", appId)
    .where("status", "=", "open");
  if (kinds) q = q.where("kind", "in", kinds);
  await q.execute();
}

export async function finishTask(trx: Trx, task: Task, staff: StaffPrincipal) {
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
  if (Number(r.numUpdatedRows) !== 1) throw new ConflictError("该任务刚刚被他人处理过，请刷新页面后重试");
}

/** Claims an open task that is unassigned (or already the staff member's). */
export async function claimTask(trx: Trx, task: Task, staff: StaffPrincipal) {
  if (task.assigneeId === staff.id) return;
  const r = await trx
    .updateTable("applicationTasks")
    .set({ assigneeId: staff.id, assigneeName: staff.displayName, claimedAt: nowIso() })
    .where("id", "=", task.id)
    .where("status", "=", "open")
    .where((eb) => eb.or([eb("assigneeId", "is", null), eb("assigneeId", "=", staff.id)]))
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new ConflictError("该任务刚刚被他人认领，请刷新页面");
}
