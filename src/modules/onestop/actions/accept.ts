import { finishTask, openStage } from "../application-tasks.ts";
import { TaskStepInput } from "./input.ts";
import { defineAction } from "./shared.ts";

/** The legal time limit, in working days, of an item whose guide does not state one. */
const DEFAULT_LEGAL_DAYS = 20;

/** 受理: the time limits start, and the first review stage opens. */
export const accept = defineAction(TaskStepInput, async (ctx) => {
  ctx.requireStatus(["prereview"]);
  const task = await ctx.task(["accept"]);
  const { calendar, today } = ctx;
  const legal = ctx.item?.guide.legalLimitDays ?? DEFAULT_LEGAL_DAYS;
  const committed = ctx.item?.guide.committedLimitDays ?? legal;
  return ctx.transition(
    "review",
    {
      acceptedOn: today,
      dueLegal: calendar.addWorkingDays(today, legal),
      dueCommitted: calendar.addWorkingDays(today, committed),
      ...ctx.byMe,
    },
    ctx.note,
    async (trx) => {
      await finishTask(trx, task, ctx.staff);
      await openStage(trx, ctx.app, ctx.workflow, 0);
    },
  );
});
