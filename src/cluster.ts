import cluster from "node:cluster";
import { availableParallelism } from "node:os";

/**
 * `npm run start:cluster`: WORKERS processes (default: one per core) share the port. Use with
 * DATABASE_URL (PostgreSQL) and REDIS_URL so sessions, rate limits, caches and jobs are shared.
 */
const workers = Number(process.env.WORKERS ?? availableParallelism());

if (cluster.isPrimary) {
  if (!process.env.DATABASE_URL)
    console.warn("start:cluster without DATABASE_URL: all workers share one SQLite file (fine for a demo).");
  for (let i = 0; i < workers; i++)
    cluster.fork({
      ...process.env,
      RUN_JOBS: i === 0 || process.env.DATABASE_URL ? (process.env.RUN_JOBS ?? "1") : "0",
    });
  let stopping = false;
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one`);
    cluster.fork({
      ...process.env,
      RUN_JOBS: process.env.DATABASE_URL ? (process.env.RUN_JOBS ?? "1") : "0",
    });
  });
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
} else {
  const { startServer } = await import("./server.ts");
  await startServer();
}
