import { Type, type Static } from "typebox";
import { nowIso } from "../../../platform/time/china-time.ts";
import { ConflictError, ForbiddenError } from "../errors.ts";
import { Note } from "./input.ts";
import { defineAction, type ActionContext, type ExtensionRequest } from "./shared.ts";

const ExtensionDecisionInput = Type.Object({ note: Note, extensionId: Type.Optional(Type.Integer()) });

type DecisionContext = ActionContext<Static<typeof ExtensionDecisionInput>>;

/** 批准 / 不同意延长法定期限 (extend_approve, extend_refuse): by a leader other than the requester. */
export const decideExtension = defineAction(ExtensionDecisionInput, async (ctx) => {
  const request = await pendingRequest(ctx);
  const approve = ctx.action === "extend_approve";
  if (!approve) ctx.requireNote("请写明不同意延期的理由");
  const { app, calendar, note } = ctx;
  const dueAfter =
    approve && app.dueLegal ? calendar.addWorkingDays(app.dueLegal, request.days) : app.dueLegal;
  return ctx.transition(
    app.status,
    approve ? { dueLegal: dueAfter, extendedDays: app.extendedDays + request.days } : {},
    approve
      ? ctx.withNote(`批准延长法定期限${request.days}个工作日，法定期限由${app.dueLegal}延至${dueAfter}`)
      : `不同意延期：${note}`,
    async (trx) => {
      const r = await trx
        .updateTable("applicationExtensions")
        .set({
          status: approve ? "approved" : "refused",
          decidedBy: ctx.staff.id,
          decidedByName: ctx.staff.displayName,
          decidedAt: nowIso(),
          decisionNote: note,
          dueBefore: app.dueLegal,
          dueAfter,
        })
        .where("id", "=", request.id)
        .where("status", "=", "pending")
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new ConflictError("该延期申请刚刚被他人审批过，请刷新页面");
    },
  );
});

/** The pending request this leader may decide. */
async function pendingRequest(ctx: DecisionContext): Promise<ExtensionRequest> {
  const { app, staff, input } = ctx;
  const request = (await ctx.services.extensions(app.id)).find(
    (e) => e.status === "pending" && (input.extensionId === undefined || e.id === input.extensionId),
  );
  if (!request) throw new ConflictError("没有待审批的延期申请，请刷新页面");
  if (!(await ctx.services.isLeader(staff, app.siteId)))
    throw new ForbiddenError("只有本部门分管领导可以审批延期申请");
  if (request.requestedBy === staff.id) throw new ForbiddenError("不能审批本人提出的延期申请");
  return request;
}
