import type { Services } from "./app.ts";
import type { RecurringJob } from "./platform/jobs/scheduler.ts";

/** Background work of the platform; modules add their recurring jobs here. */
export function recurringJobs(services: Services): RecurringJob[] {
  return [
    {
      name: "publish-due",
      cron: "* * * * *",
      intervalMs: 30_000,
      run: () => services.content.publishDue(),
    },
  ];
}
