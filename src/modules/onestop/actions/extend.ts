import { nowIso } from "../../../platform/time/china-time.ts";
import { ConflictError } from "../errors.ts";
import { extensionDays } from "../workflow.ts";
import { TaskStepInput } from "./input.ts";
import { defineAction } from "./shared.ts";

/** 申请延长法定期限: asks the department's leader, once per application. */
export const extend = defineAction(TaskStepInput, async (ctx) => {
  const { app, staff, note } = ctx;
  ctx.requireStatus(["review", "suspended"]);
  if (app.status === "suspended" && app.suspendedFrom !== "review") ctx.requireStatus(["review"]);
  await ctx.task(["review", "decide"]);
  ctx.requireNote("请写明需要延长法定办理期限的理由");
  const requests = await ctx.services.extensions(app.id);
  if (requests.some((e) => e.status === "pending")) throw new ConflictError("已有待审批的延期申请");
  if (requests.some((e) => e.status === "approved"))
    throw new ConflictError("法定期限只能延长一次，该办件已延长过");
  const days = extensionDays(ctx.workflow);
  return ctx.transition(app.status, {}, `申请延长法定期限${days}个工作日：${note}`, async (trx) => {
    await trx
      .insertInto("applicationExtensions")
      .values({
        applicationId: app.id,
        siteId: app.siteId,
        days,
        reason: note,
        status: "pending",
        requestedBy: staff.id,
        requestedByName: staff.displayName,
        requestedAt: nowIso(),
      })
      .execute();
  });
});
