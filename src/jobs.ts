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
      // The exchange: forget old nonces and rate counters; sign the audit chain head (a checkpoint).
      name: "exchange-checkpoint",
      cron: "*/10 * * * *",
      intervalMs: 600_000,
      run: async () => {
        await deps.exchange.purgeNonces();
        await deps.exchange.checkpoint();
      },
    },
    {
      // Wrong lookup-code counters (letters, disclosure requests) of past hours are forgotten.
      name: "lookup-counters",
      cron: "7 * * * *",
      intervalMs: 3_600_000,
      run: async () => {
        await deps.mailbox.letters.sweepLookupCounters();
        await deps.disclosure.requests.sweepLookupCounters();
      },
    },
    {
      // 应急登记: records past their campaign's retention period are deleted (audited).
      name: "registration-retention",
      cron: "17 3 * * *",
      intervalMs: 3_600_000,
      run: async () => {
        await deps.registration.purgeExpired();
      },
    },
    {
      // 依申请公开 clocks: warnings before the 条例 limit, 督办 after it, consultations past 15 working days resume.
      name: "disclosure-limits",
      cron: "*/10 * * * *",
      intervalMs: 600_000,
      run: async () => {
        await deps.disclosure.requests.sweep();
      },
    },
    {
      // 电子证照 transparency log: a signed tree head every 5 minutes (kept; one per tree size).
      name: "licences-tree-head",
      cron: "*/5 * * * *",
      intervalMs: 300_000,
      run: async () => {
        // The exchange hub's audit chain head is anchored in the public log before each tree head.
        await deps.licences.checkpoint("exchange-audit", await deps.exchange.audit.head());
        await deps.licences.publishTreeHead();
      },
    },
    {
      // 网站巡检: availability probes of every site's home page (48 a day per site; the rules want ≥ 20).
      name: "inspection-probes",
      cron: "*/30 * * * *",
      intervalMs: 1_800_000,
      run: () => deps.inspection.probeAll(),
    },
    {
      // 网站巡检: a full run of every site each night, and the runs staff queued in the console.
      name: "inspection-runs",
      cron: "* * * * *",
      intervalMs: 30_000,
      run: async () => {
        const hour = new Date(Date.now() + 8 * 3_600_000).getUTCHours();
        if (hour === 2) await deps.inspection.requestAll();
        await deps.inspection.runQueued(1);
      },
    },
    {
      // 惠企政策: re-match changed profiles and benefits (the queue), close 免申即享 objection windows.
      name: "policies-rematch",
      cron: "* * * * *",
      intervalMs: 30_000,
      run: () => deps.policies.sweep(),
    },
    {
      // 跨省通办: import configured peers, pull their items, report status changes, deliver the outbox.
      name: "federation-outbox",
      cron: "* * * * *",
      intervalMs: deps.config.federation.pollMs,
      run: () => deps.federation.tick(),
    },
  ];
}
