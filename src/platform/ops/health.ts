import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { sql } from "kysely";
import type { AnyDb } from "../db/database.ts";
import { redisHealthy } from "../cache/redis.ts";
import { withTimeout } from "./with-timeout.ts";

/**
 * /healthz: the process is alive. /readyz: it can serve — the database answers, and Redis when
 * configured; a load balancer takes the instance out while this answers 503. A read replica is
 * reported (ok, lagging, unreachable, not_standby, starting) but never makes the instance unready:
 * without it the primary serves every read.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { store: AnyDb; redis: Redis | null; isShuttingDown: () => boolean },
) {
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    let ready = !deps.isShuttingDown();
    if (!ready) checks.process = "shutting down";
    try {
      await withTimeout(sql`select 1`.execute(deps.store.db), 1500);
      checks.database = "ok";
    } catch {
      checks.database = "unreachable";
      ready = false;
    }
    if (deps.redis) {
      const ok = await withTimeout(redisHealthy(deps.redis), 1500).catch(() => false);
      checks.redis = ok ? "ok" : "unreachable";
      ready &&= ok;
    }
    let replica:
      { status: string; freshSecondsAgo: number | null; replayAgeSeconds: number | null } | undefined;
    if (deps.store.replica) {
      const state = deps.store.replica.current();
      checks.replica = state.status;
      replica = {
        status: state.status,
        freshSecondsAgo: state.freshAsOf ? Math.round((Date.now() - state.freshAsOf) / 100) / 10 : null,
        replayAgeSeconds:
          state.replayAgeSeconds === null ? null : Math.round(state.replayAgeSeconds * 10) / 10,
      };
    }
    reply.status(ready ? 200 : 503);
    if (!ready) reply.header("retry-after", "5");
    return { status: ready ? "ready" : "unavailable", checks, ...(replica ? { replica } : {}) };
  });
}
