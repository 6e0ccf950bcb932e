// Runs every test file (src/**/*.test.ts(x), test/**/*.test.ts). Node 20's `node --test` does not
// expand glob patterns, so the files are listed here.
//
// Files that measure timing or start and kill servers (test/production, test/e2e) run one at a time
// after the rest, so a neighbour's load cannot make them flaky; the others run two at a time.
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import pg from "pg";
import { TEST_PG_URL, templateDatabase, templateRoot } from "./template-names.ts";
import { join } from "node:path";

function testFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.test\.tsx?$/.test(f) && !f.split(/[\\/]/).includes("node_modules"))
    .map((f) => join(dir, f))
    .sort();
}

const alone = (file: string) => /(^|[\\/])test[\\/](production|e2e)[\\/]/.test(file);

// The seeded demo template the test contexts copy (see test/engines.ts), one per run.
const testRun = `${process.pid}_${Date.now()}`;

function run(files: string[], concurrency: number): number {
  if (files.length === 0) return 0;
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
    { stdio: "inherit", env: { ...process.env, CHUYUN_TEST_RUN: testRun } },
  );
  return result.status ?? 1;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : [...testFiles("src"), ...testFiles("test")];
const started = Date.now();
const together = run(
  files.filter((f) => !alone(f)),
  2,
);
const separately = run(files.filter(alone), 1);
const status = together || separately;
for (const engine of ["sqlite", "postgres"] as const)
  rmSync(templateRoot(testRun, engine), { recursive: true, force: true });
const admin = new pg.Client({ connectionString: TEST_PG_URL });
await admin
  .connect()
  .then(() => admin.query(`DROP DATABASE IF EXISTS ${templateDatabase(testRun)} WITH (FORCE)`))
  .catch(() => {})
  .finally(() => admin.end().catch(() => {}));
console.log(`${files.length} test files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(status);
