import { cancelOpenTasks, openStage } from "../application-tasks.ts";
import { TaskStepInput } from "./input.ts";
import { defineAction } from "./shared.ts";

/** 退回重新审查: the decision is undone and the last review stage opens again. */
export const returnForReview = defineAction(TaskStepInput, async (ctx) => {
  ctx.requireStatus(["review", "decided"]);
  // Only whoever holds the decision (or, once decided, the delivery) may send it back.
  await ctx.task(ctx.app.status === "review" ? ["decide"] : ["deliver"]);
  ctx.requireNote("请写明退回重新审查的原因");
  const { app, workflow } = ctx;
  return ctx.transition(
    "review",
    { outcome: null, outcomeText: null, decidedAt: null, dueDelivery: null, ...ctx.byMe },
    ctx.note,
    async (trx) => {
      await cancelOpenTasks(trx, app.id);
      await openStage(trx, app, workflow, Math.max(0, workflow.stages.length - 1));
    },
  );
});
