import type { SuspendKind } from "../tables.ts";
import { SUSPEND_KINDS } from "../application-model.ts";
import { TaskStepInput } from "./input.ts";
import { defineAction } from "./shared.ts";

/** 挂起, 听证, 检验检测, 专家评审 (the action names the kind): the clock stops until resumed. */
export const suspend = defineAction(TaskStepInput, async (ctx) => {
  ctx.requireStatus(["review", "decided"]);
  await ctx.task(["review", "decide", "deliver"]);
  ctx.requireNote(
    ctx.action === "suspend"
      ? "请写明挂起原因"
      : `请写明${SUSPEND_KINDS[ctx.action as SuspendKind]}的事由和预计期限（期间不计入办理时限）`,
  );
  return ctx.transition(
    "suspended",
    { suspendedFrom: ctx.app.status, suspendedOn: ctx.today, suspendKind: ctx.action as SuspendKind },
    ctx.note,
  );
});
