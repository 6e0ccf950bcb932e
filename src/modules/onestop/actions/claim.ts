import { Type } from "typebox";
import { ACTIVE_STATUSES, TASK_KINDS } from "../application-model.ts";
import { claimTask } from "../application-tasks.ts";
import { ConflictError } from "../errors.ts";
import { TaskId } from "./input.ts";
import { defineAction } from "./shared.ts";

/** 认领: takes an open task of the staff member's group. */
export const claim = defineAction(Type.Object({ taskId: TaskId }), async (ctx) => {
  ctx.requireStatus(ACTIVE_STATUSES);
  const task = await ctx.task(TASK_KINDS);
  if (task.assigneeId === ctx.staff.id && ctx.input.taskId !== undefined)
    throw new ConflictError("您已认领该任务");
  return ctx.transition(ctx.app.status, ctx.byMe, `${task.name}（${task.groupName}）`, (trx) =>
    claimTask(trx, task, ctx.staff),
  );
});
