// Runs every test file (src/**/*.test.ts(x), test/**/*.test.ts). Node 20's `node --test` does not
// expand glob patterns, so the files are listed here.
//
// Files that measure timing or start and kill servers (test/production, test/e2e) run one at a time
// after the rest, so a neighbour's load cannot make them flaky; the others run two at a time.
//
// Loading the platform (hundreds of modules through tsx) costs seconds of CPU per process, more than
// most files' tests. So the other files share a few processes (TEST_GROUPS, default 8): each group
// is one entry module importing its files, whose suites then run one after another.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { TEST_PG_URL, templateDatabase, templateRoot } from "./template-names.ts";
import { join, resolve } from "node:path";

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

const groupDir = mkdtempSync(join(tmpdir(), "chuyun-test-groups-"));

/** The files as a few group entry modules (round robin, so heavy neighbours spread out). */
function grouped(files: string[]): string[] {
  const count = Number(process.env.TEST_GROUPS ?? 8);
  if (files.length <= count) return files;
  const groups: string[][] = Array.from({ length: count }, () => []);
  files.forEach((file, i) => groups[i % count].push(file));
  return groups.map((group, i) => {
    const entry = join(groupDir, `group-${i + 1}.test.mjs`);
    const imports = group.map((f) => `import ${JSON.stringify(pathToFileURL(resolve(f)).href)};`);
    writeFileSync(entry, `${imports.join("\n")}\n`);
    return entry;
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : [...testFiles("src"), ...testFiles("test")];
const started = Date.now();
const together = run(grouped(files.filter((f) => !alone(f))), 2);
const separately = run(files.filter(alone), 1);
const status = together || separately;
rmSync(groupDir, { recursive: true, force: true });
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
