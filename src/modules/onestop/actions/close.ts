import { nowIso } from "../../../platform/time/china-time.ts";
import { finishTask } from "../application-tasks.ts";
import { TaskStepInput } from "./input.ts";
import { defineAction } from "./shared.ts";

/** 办结: on time when closed by the committed limit. */
export const close = defineAction(TaskStepInput, async (ctx) => {
  ctx.requireStatus(["delivered"]);
  const task = await ctx.task(["deliver"]);
  const due = ctx.app.dueCommitted;
  const onTime = due ? ctx.today <= due : true;
  return ctx.transition(
    "closed",
    { closedAt: nowIso(), onTime: onTime ? 1 : 0, ...ctx.byMe },
    ctx.note,
    (trx) => finishTask(trx, task, ctx.staff),
  );
});
