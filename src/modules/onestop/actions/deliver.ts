import { claimTask } from "../application-tasks.ts";
import { TaskStepInput } from "./input.ts";
import { defineAction } from "./shared.ts";

/** 制证送达: the result reaches the applicant; the delivery task stays open until closing. */
export const deliver = defineAction(TaskStepInput, async (ctx) => {
  ctx.requireStatus(["decided"]);
  const task = await ctx.task(["deliver"]);
  return ctx.transition("delivered", ctx.byMe, ctx.note || "办理结果已送达", (trx) =>
    claimTask(trx, task, ctx.staff),
  );
});
