import type { Db } from "../../../platform/db/database.ts";
import type { OneStopTables } from "../tables.ts";
import type { Application, Task } from "../application-model.ts";
import { createTask, finishTask, hasOpenTask, openStage } from "../application-tasks.ts";
import type { WorkflowDefinition } from "../workflow.ts";
import { TaskStepInput } from "./input.ts";
import { defineAction } from "./shared.ts";

/** Completes a review step; the workflow moves to the next step, the next stage or the decision. */
export const complete = defineAction(TaskStepInput, async (ctx) => {
  ctx.requireStatus(["review"]);
  const task = await ctx.task(["review"]);
  const stage = ctx.workflow.stages[task.stageNo];
  return ctx.transition(
    "review",
    ctx.byMe,
    ctx.withNote(`${stage?.name ?? "审查"}·${task.name}（${task.groupName}）已完成`, "："),
    async (trx) => {
      await finishTask(trx, task, ctx.staff);
      await openNext(trx, ctx.app, ctx.workflow, task);
    },
  );
});

async function openNext(trx: Db<OneStopTables>["db"], app: Application, def: WorkflowDefinition, done: Task) {
  const stage = def.stages[done.stageNo];
  const next = stage?.mode === "serial" ? stage.steps[done.stepNo + 1] : undefined;
  if (next) {
    await createTask(trx, app, {
      kind: "review",
      stageNo: done.stageNo,
      stepNo: done.stepNo + 1,
      name: next.name,
      groupId: next.groupId,
    });
    return;
  }
  // A parallel stage moves on only when its last open step is done.
  if (!(await hasOpenTask(trx, app.id, "review"))) await openStage(trx, app, def, done.stageNo + 1);
}
