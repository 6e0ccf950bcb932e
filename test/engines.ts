import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { loadConfig, type Config } from "../src/config.ts";
import { buildApp, createServices, type BuildOptions, type Services } from "../src/app.ts";
import type { FastifyInstance } from "fastify";

/** PostgreSQL server used by the tests (a fresh database is created per test context). */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export type Engine = "sqlite" | "postgres";
export const ENGINES: Engine[] = process.env.TEST_ENGINES
  ? (process.env.TEST_ENGINES.split(",") as Engine[])
  : ["sqlite", "postgres"];

export interface TestContext {
  engine: Engine;
  config: Config;
  services: Services;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `chuyun_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      // Let the closed pool's backends exit first: forcing them out while a client is still closing
      // its socket surfaces as an uncaught "terminating connection" error in whichever test opened it.
      for (let i = 0; i < 100; i++) {
        const open = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [
          name,
        ]);
        if (open.rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A complete platform (services + Fastify app) on a fresh, empty database of the given engine.
 * `seed` loads the demo cluster (sites, articles, staff) like a first start does.
 */
export async function startPlatform(
  engine: Engine,
  options: { seed?: boolean; config?: Partial<Config>; build?: BuildOptions } = {},
): Promise<TestContext> {
  const dataDir = mkdtempSync(join(tmpdir(), "chuyun-test-"));
  const pgDb = engine === "postgres" ? await createPgDatabase() : null;
  const config = loadConfig(
    { DATA_DIR: dataDir, LOG_LEVEL: "silent", SEED_DEMO: options.seed === false ? "0" : "1", RUN_JOBS: "0" },
    // Shed-load is off unless a test asks for it: a busy CI machine must not turn answers into 503s.
    { databaseUrl: pgDb?.url ?? null, maxEventLoopDelayMs: 0, ...options.config },
  );
  const services = await createServices(config);
  const app = await buildApp(services, options.build);
  await app.ready();
  return {
    engine,
    config,
    services,
    app,
    async close() {
      await app.close();
      await services.close();
      if (pgDb) await pgDb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
