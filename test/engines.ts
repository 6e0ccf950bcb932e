import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { loadConfig, type Config } from "../src/config.ts";
import { createAppDeps } from "../src/container.ts";
import type { AppDeps } from "../src/deps.ts";
import { buildApp, type BuildOptions } from "../src/app.ts";
import { openDatabase, type Db } from "../src/platform/db/database.ts";
import type { FastifyInstance } from "fastify";
import { TEST_PG_URL, templateDatabase, templateRoot } from "./template-names.ts";

export { TEST_PG_URL };

export type { Engine } from "./template-names.ts";
import type { Engine } from "./template-names.ts";
export const ENGINES: Engine[] = process.env.TEST_ENGINES
  ? (process.env.TEST_ENGINES.split(",") as Engine[])
  : ["sqlite", "postgres"];

export interface TestContext {
  engine: Engine;
  config: Config;
  deps: AppDeps;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function createPgDatabase(template?: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `chuyun_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""}`);
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
 * A fresh, empty database of the engine (no migrations run) in its own data folder, seen as `Db<DB>`;
 * `drop` closes it and deletes it with its folder.
 */
export async function openEmptyDatabase<DB>(
  engine: Engine,
): Promise<{ store: Db<DB>; drop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "chuyun-db-"));
  const pgDb = engine === "postgres" ? await createPgDatabase() : null;
  const store = openDatabase<DB>(
    loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent" }, { databaseUrl: pgDb?.url ?? null }),
  );
  return {
    store,
    async drop() {
      await store.close();
      await pgDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The demo cluster seeded once per `npm test` run (test/run.ts sets CHUYUN_TEST_RUN) and copied for
 * each test context: an SQLite data folder copied file by file, a PostgreSQL database created from a
 * template. Seeding takes seconds and most test files start several platforms. The first process to
 * need it builds it; others wait for its "ready" marker. Without the variable, each context seeds.
 */
interface SeededTemplate {
  dataDir: string;
  pgDatabase: string | null;
}

const TEST_RUN = process.env.CHUYUN_TEST_RUN;
const templates = new Map<Engine, Promise<SeededTemplate | null>>();

function seededTemplate(engine: Engine): Promise<SeededTemplate | null> {
  if (!TEST_RUN || !/^\w+$/.test(TEST_RUN)) return Promise.resolve(null);
  let template = templates.get(engine);
  if (!template) {
    template = buildOrAwaitTemplate(TEST_RUN, engine).catch(() => null);
    templates.set(engine, template);
  }
  return template;
}

async function buildOrAwaitTemplate(run: string, engine: Engine): Promise<SeededTemplate | null> {
  const root = templateRoot(run, engine);
  const ready = join(root, "ready.json");
  try {
    mkdirSync(root); // atomic: whoever creates the folder builds the template
  } catch {
    for (let waited = 0; waited < 120_000; waited += 200) {
      if (existsSync(ready)) return JSON.parse(readFileSync(ready, "utf8")) as SeededTemplate;
      await new Promise((r) => setTimeout(r, 200));
    }
    return null;
  }
  const dataDir = join(root, "data");
  let pgDatabase: string | null = null;
  let databaseUrl: string | null = null;
  if (engine === "postgres") {
    pgDatabase = templateDatabase(run);
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pgDatabase}`);
    await admin.end();
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${pgDatabase}`;
    databaseUrl = url.toString();
  }
  const deps = await createAppDeps(
    loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", SEED_DEMO: "1", RUN_JOBS: "0" }, { databaseUrl }),
  );
  await deps.close();
  const template: SeededTemplate = { dataDir, pgDatabase };
  writeFileSync(ready, JSON.stringify(template));
  return template;
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
  const template = options.seed === false ? null : await seededTemplate(engine);
  // Attachments and, on SQLite, the database itself live in the data folder.
  if (template && existsSync(template.dataDir)) cpSync(template.dataDir, dataDir, { recursive: true });
  const pgDb =
    engine !== "postgres"
      ? null
      : template?.pgDatabase
        ? await createPgDatabase(template.pgDatabase)
        : await createPgDatabase();
  const seed = options.seed !== false && !template;
  const config = loadConfig(
    { DATA_DIR: dataDir, LOG_LEVEL: "silent", SEED_DEMO: seed ? "1" : "0", RUN_JOBS: "0" },
    // Shed-load is off unless a test asks for it: a busy CI machine must not turn answers into 503s.
    { databaseUrl: pgDb?.url ?? null, maxEventLoopDelayMs: 0, ...options.config },
  );
  const deps = await createAppDeps(config);
  const app = await buildApp(deps, options.build);
  await app.ready();
  return {
    engine,
    config,
    deps,
    app,
    async close() {
      await app.close();
      await deps.close();
      if (pgDb) await pgDb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
