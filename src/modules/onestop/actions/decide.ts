import { Type } from "typebox";
import { nowIso } from "../../../platform/time/china-time.ts";
import { DELIVERY_DAYS } from "../application-model.ts";
import { createTask, deliverTask, finishTask } from "../application-tasks.ts";
import { Note, TaskId } from "./input.ts";
import { defineAction } from "./shared.ts";

const DecideInput = Type.Object(
  {
    note: Note,
    taskId: TaskId,
    outcome: Type.Union([Type.Literal("approved"), Type.Literal("denied")], {
      errorMessage: "请选择准予或不予办理",
    }),
  },
  { errorMessage: "请选择决定结果" },
);

/** 作出决定: approve or deny; the delivery limit starts. */
export const decide = defineAction(DecideInput, async (ctx) => {
  ctx.requireStatus(["review"]);
  const task = await ctx.task(["decide"]);
  const { outcome } = ctx.input;
  if (outcome === "denied") ctx.requireNote("不予办理须写明理由和依据");
  return ctx.transition(
    "decided",
    {
      outcome,
      outcomeText: ctx.note || "准予办理",
      decidedAt: nowIso(),
      dueDelivery: ctx.calendar.addWorkingDays(ctx.today, DELIVERY_DAYS),
      ...ctx.byMe,
    },
    ctx.withNote(outcome === "approved" ? "准予办理" : "不予办理", "："),
    async (trx) => {
      await finishTask(trx, task, ctx.staff);
      await createTask(trx, ctx.app, deliverTask(ctx.workflow));
    },
  );
});
