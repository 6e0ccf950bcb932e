import { claimTask } from "../application-tasks.ts";
import { ConflictError } from "../errors.ts";
import { TaskStepInput } from "./input.ts";
import { defineAction } from "./shared.ts";

/** 一次性告知补正: every problem at once, and only once. */
export const correction = defineAction(TaskStepInput, async (ctx) => {
  ctx.requireStatus(["prereview"]);
  const task = await ctx.task(["accept"]);
  if (ctx.app.correctionCount >= 1)
    throw new ConflictError("补正只能一次性告知，该办件已要求过补正，请受理或不予受理");
  ctx.requireNote("请逐条列出需要补正的全部问题（一次性告知）");
  return ctx.transition(
    "correction",
    { correctionCount: ctx.app.correctionCount + 1, correctionNote: ctx.note, ...ctx.byMe },
    ctx.note,
    (trx) => claimTask(trx, task, ctx.staff),
  );
});
