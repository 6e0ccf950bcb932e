import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAppDeps } from "../src/container.ts";
import { loadConfig } from "../src/config.ts";
import { importJsonl } from "../src/modules/content/import.ts";
import { generateArticle } from "./corpus.ts";

/** Imports `count` generated lines into a fresh SQLite database; returns articles per second. */
export async function measureImport(
  count: number,
  dataDir?: string,
): Promise<{ seconds: number; perSecond: number }> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "chuyun-bench-import-"));
  try {
    const deps = await createAppDeps(
      loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent", RUN_JOBS: "0" }, { seedDemo: true }),
    );
    const file = join(dir, "articles.jsonl");
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const { issuerIndex: _i, kind, ...a } = generateArticle(i, 7);
      lines.push(JSON.stringify({ ...a, type: kind }));
    }
    writeFileSync(file, lines.join("\n") + "\n");
    const started = performance.now();
    const summary = await importJsonl(deps, file, "rst");
    const seconds = (performance.now() - started) / 1000;
    if (summary.imported !== count)
      throw new Error(`import bench: ${JSON.stringify(summary.problems.slice(0, 3))}`);
    await deps.close();
    return { seconds, perSecond: count / seconds };
  } finally {
    if (!dataDir) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 5000);
  const r = await measureImport(n);
  console.log(`import: ${n} articles in ${r.seconds.toFixed(1)} s = ${r.perSecond.toFixed(0)} articles/s`);
}
