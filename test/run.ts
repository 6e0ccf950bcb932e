// Runs every test file (src/**/*.test.ts(x), test/**/*.test.ts). Node 20's `node --test` does not
// expand glob patterns, so the files are listed here.
//
// Files that measure timing or start and kill servers (test/production, test/e2e) run one at a time
// after the rest, so a neighbour's load cannot make them flaky; the others run two at a time.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

function testFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.test\.tsx?$/.test(f) && !f.split(/[\\/]/).includes("node_modules"))
    .map((f) => join(dir, f))
    .sort();
}

const alone = (file: string) => /(^|[\\/])test[\\/](production|e2e)[\\/]/.test(file);

function run(files: string[], concurrency: number): number {
  if (files.length === 0) return 0;
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
    { stdio: "inherit" },
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
console.log(`${files.length} test files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(status);
