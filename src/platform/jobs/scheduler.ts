import PgBoss from "pg-boss";

export interface RecurringJob {
  name: string;
  /** Cron expression (used on PostgreSQL by pg-boss) */
  cron: string;
  /** Interval for the embedded single-process mode. */
  intervalMs: number;
  run(): Promise<unknown>;
}

export interface JobScheduler {
  start(jobs: RecurringJob[]): Promise<void>;
  /** Stops taking work and waits for running jobs to finish. */
  stop(): Promise<void>;
}

/** Embedded mode (SQLite, one process): timers. */
export class IntervalScheduler implements JobScheduler {
  private timers: NodeJS.Timeout[] = [];
  private running = new Set<Promise<unknown>>();

  constructor(private readonly onError: (job: string, error: unknown) => void) {}

  async start(jobs: RecurringJob[]): Promise<void> {
    for (const job of jobs) {
      const timer = setInterval(() => {
        const p = job.run().catch((e: unknown) => this.onError(job.name, e));
        this.running.add(p);
        void p.finally(() => this.running.delete(p));
      }, job.intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([...this.running]);
  }
}

/**
 * Several instances on PostgreSQL: pg-boss keeps the schedule in the database, so each run of a
 * recurring job is delivered to exactly one instance, and a job taken by an instance that dies is
 * retried by another.
 */
export class PgBossScheduler implements JobScheduler {
  private readonly boss: PgBoss;

  constructor(
    connectionString: string,
    private readonly onError: (job: string, error: unknown) => void,
  ) {
    this.boss = new PgBoss({ connectionString, schema: "pgboss", max: 3 });
    this.boss.on("error", (e: unknown) => onError("pg-boss", e));
  }

  async start(jobs: RecurringJob[]): Promise<void> {
    await this.boss.start();
    for (const job of jobs) {
      await this.boss.createQueue(job.name).catch(() => {});
      await this.boss.schedule(job.name, job.cron);
      await this.boss.work(job.name, { pollingIntervalSeconds: 2 }, async () => {
        try {
          await job.run();
        } catch (e) {
          this.onError(job.name, e);
          throw e;
        }
      });
    }
  }

  /** Enqueues one run now (used by tests and by "publish now" paths). */
  async runNow(name: string): Promise<string | null> {
    return this.boss.send(name, {});
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 20_000, wait: true });
  }
}
