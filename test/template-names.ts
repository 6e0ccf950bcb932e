import { tmpdir } from "node:os";
import { join } from "node:path";

/** PostgreSQL server used by the tests (a fresh database is created per test context). */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export type Engine = "sqlite" | "postgres";

/** Where one test run keeps its seeded demo template (see test/engines.ts). */
export function templateRoot(run: string, engine: Engine): string {
  return join(tmpdir(), `chuyun-template-${run}-${engine}`);
}

export function templateDatabase(run: string): string {
  return `chuyun_tpl_${run}`;
}
