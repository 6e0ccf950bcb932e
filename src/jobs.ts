import type { AppDeps } from "./deps.ts";
import type { RecurringJob } from "./platform/jobs/scheduler.ts";

/** Background work of the platform; modules add their recurring jobs here. */
export function recurringJobs(deps: AppDeps): RecurringJob[] {
  return [
    {
      name: "publish-due",
      cron: "* * * * *",
      intervalMs: 30_000,
      run: () => deps.content.publishDue(),
    },
    {
      // 一网通办 time limits: warnings before a limit, overdue flags and 督办 after it (runs are idempotent).
      name: "service-limits",
      cron: "*/10 * * * *",
      intervalMs: 600_000,
      run: () => deps.oneStop.supervision.sweep(),
    },
    {
      // 依申请公开 clocks: warnings before the 条例 limit, 督办 after it, consultations past 15 working days resume.
      name: "disclosure-limits",
      cron: "*/10 * * * *",
      intervalMs: 600_000,
      run: () => deps.disclosure.requests.sweep(),
    },
  ];
}
