import { nowIso } from "../../../platform/time/china-time.ts";
import { finishTask } from "../application-tasks.ts";
import { TaskStepInput } from "./input.ts";
import { defineAction } from "./shared.ts";

/** 不予受理: closes the application with the reason. */
export const refuse = defineAction(TaskStepInput, async (ctx) => {
  ctx.requireStatus(["prereview"]);
  const task = await ctx.task(["accept"]);
  ctx.requireNote("请写明不予受理的理由和依据");
  return ctx.transition(
    "refused",
    { closedAt: nowIso(), outcome: "refused", outcomeText: ctx.note, ...ctx.byMe },
    ctx.note,
    (trx) => finishTask(trx, task, ctx.staff),
  );
});
