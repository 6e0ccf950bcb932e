import { SUSPEND_KINDS } from "../application-model.ts";
import { TaskStepInput } from "./input.ts";
import { defineAction } from "./shared.ts";

/** 恢复办理: the working days spent suspended push every open limit back. */
export const resume = defineAction(TaskStepInput, async (ctx) => {
  ctx.requireStatus(["suspended"]);
  await ctx.task(["review", "decide", "deliver"]);
  const { app, calendar, today } = ctx;
  const paused = Math.max(0, calendar.workingDaysBetween(app.suspendedOn ?? today, today));
  const push = (due: string | null) => (due ? calendar.addWorkingDays(due, paused) : null);
  const kind = SUSPEND_KINDS[app.suspendKind ?? "suspend"] ?? "挂起";
  return ctx.transition(
    app.suspendedFrom ?? "review",
    {
      suspendedFrom: null,
      suspendedOn: null,
      suspendKind: null,
      suspendedDays: app.suspendedDays + paused,
      dueLegal: push(app.dueLegal),
      dueCommitted: push(app.dueCommitted),
      dueDelivery: push(app.dueDelivery),
    },
    ctx.withNote(`${kind}结束，${paused}个工作日不计入时限，时限相应顺延`),
  );
});
