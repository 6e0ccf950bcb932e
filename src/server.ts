import { createAppDeps } from "./container.ts";
import { buildApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { recurringJobs } from "./jobs.ts";
import { shippedDecisionModel } from "./modules/assistant/index.ts";
import { IntervalScheduler, PgBossScheduler, type JobScheduler } from "./platform/jobs/scheduler.ts";

/** Starts one instance: HTTP server, background jobs, and graceful shutdown on SIGTERM/SIGINT. */
export async function startServer(): Promise<void> {
  // A broken assistant decision model stops start-up here rather than failing every question later.
  shippedDecisionModel();
  const config = loadConfig();
  const deps = await createAppDeps(config);
  const app = await buildApp(deps);
  const onJobError = (job: string, error: unknown) => app.log.error({ err: error }, `job ${job} failed`);
  const scheduler: JobScheduler | null = config.runJobs
    ? config.databaseUrl
      ? new PgBossScheduler(config.databaseUrl, onJobError)
      : new IntervalScheduler(onJobError)
    : null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info(`${signal}: finishing in-flight requests and jobs`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await app.close(); // stops accepting, waits for in-flight requests
    await scheduler?.stop(); // waits for running jobs
    await deps.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  await app.listen({ port: config.port, host: config.host });
  // In the background: the instance answers health checks and pages meanwhile.
  deps.assistant.warmUp().catch((error: unknown) => app.log.warn({ err: error }, "assistant warm-up failed"));
  deps.registration.writer
    .warmUp()
    .catch((error: unknown) => app.log.warn({ err: error }, "registration writer warm-up failed"));
  await scheduler?.start(recurringJobs(deps));
}
