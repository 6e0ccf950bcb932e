import { Type, type Static } from "typebox";
import { nowIso } from "../../../platform/time/china-time.ts";
import { ACTIVE_STATUSES, TASK_KINDS, type Task } from "../application-model.ts";
import { InvalidError } from "../errors.ts";
import { Note, TaskId } from "./input.ts";
import { defineAction, type ActionContext } from "./shared.ts";

const TransferInput = Type.Object({
  note: Note,
  taskId: TaskId,
  /** To another group of the department (the task becomes unclaimed there)… */
  groupId: Type.Optional(Type.Integer()),
  /** …or else to a handler of the task's group. */
  assigneeId: Type.Optional(Type.Integer()),
});

type TransferContext = ActionContext<Static<typeof TransferInput>>;

/** 转办: hands a task to another group or to another handler of its group. */
export const transfer = defineAction(TransferInput, async (ctx) => {
  ctx.requireStatus(ACTIVE_STATUSES);
  const task = await ctx.task(TASK_KINDS);
  return ctx.input.groupId ? toGroup(ctx, task, ctx.input.groupId) : toHandler(ctx, task);
});

async function toGroup(ctx: TransferContext, task: Task, groupId: number) {
  const group = await ctx.services.workflows.groupById(groupId);
  if (!group || group.siteId !== ctx.app.siteId || group.kind === "supervision")
    throw new InvalidError("请选择本部门的办理组", { groupId: "转办对象须为本部门的办理组" });
  if (group.id === task.groupId)
    throw new InvalidError("该任务已在这个办理组", { groupId: "请选择其他办理组" });
  return ctx.transition(
    ctx.app.status,
    { assigneeId: null, assigneeName: null },
    ctx.withNote(`${task.name}：由“${task.groupName}”转至“${group.name}”`),
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

async function toHandler(ctx: TransferContext, task: Task) {
  const { services, staff } = ctx;
  const target = (await services.handlersOf(ctx.app.siteId)).find(
    (h) => h.id === (ctx.input.assigneeId ?? 0),
  );
  const members = await services.workflows.members(task.groupId);
  const eligible = members.length === 0 || members.some((m) => m.id === target?.id);
  if (!target || target.id === staff.id || !eligible)
    throw new InvalidError("请选择本部门该办理组的承办人", {
      assigneeId: `转办对象须为本部门的承办人（“${task.groupName}”成员）`,
    });
  return ctx.transition(
    ctx.app.status,
    { assigneeId: target.id, assigneeName: target.displayName },
    ctx.withNote(`${task.name}：转办给${target.displayName}`),
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
