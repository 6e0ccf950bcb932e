import { existsSync, statSync } from "node:fs";
import { readArgs } from "../../platform/cli/args.ts";
import cliProgress from "cli-progress";
import { createAppDeps } from "../../container.ts";
import { loadConfig } from "../../config.ts";
import { ImportAbort, importJsonl, type LineProblem } from "./import.ts";

const USAGE = `Usage: npm run import -- FILE.jsonl --site CODE

Loads articles from JSON Lines into the site CODE (e.g. rst), one JSON object per line:
  {"id": "rst-2024-001", "column": "政策文件", "type": "policy", "title": "…",
   "docNumber": "楚人社发〔2024〕12号", "issuer": "…", "publishedAt": "2024-03-01", "body": "…"}
type: policy, interpretation, notice, news, budget, report. body: HTML (sanitised) or plain text.
Re-importing the same id updates that article. Uses DATA_DIR / DATABASE_URL like the server.

Exit code: 0 every line imported; 1 some lines were bad (all good lines are still imported);
2 the import could not run (unknown site, missing file, wrong arguments).`;

/** `import FILE --site CODE`: returns the process exit code. */
export async function importCommand(args: string[]): Promise<number> {
  let file: string | undefined;
  let siteCode: string | undefined;
  try {
    const parsed = readArgs({
      args,
      allowPositionals: true,
      options: { site: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
    if (parsed.values.help) {
      console.log(USAGE);
      return 0;
    }
    file = parsed.positionals[0];
    siteCode = parsed.values.site;
    if (parsed.positionals.length > 1) throw new Error(`unexpected argument ${parsed.positionals[1]}`);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (!file || !siteCode) {
    console.error(USAGE);
    return 2;
  }

  if (!existsSync(file) || !statSync(file).isFile()) {
    console.error(`找不到文件：${file} (file not found)`);
    return 2;
  }
  // Never seed the demo here: importing into an empty database must fail clearly on the site.
  const config = loadConfig(process.env, { seedDemo: false, runJobs: false, logLevel: "warn" });
  const deps = await createAppDeps(config);
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: "导入 [{bar}] {percentage}% | {done}/{size} | {lines} 行 | 错误 {bad}",
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const problems: LineProblem[] = [];
  let lines = 0;
  let started = false;
  const startedAt = Date.now();
  try {
    const summary = await importJsonl(deps, file, siteCode, {
      onProgress(read, total) {
        lines++;
        const payload = { done: formatBytes(read), size: formatBytes(total), lines, bad: problems.length };
        if (!started) {
          bar.start(Math.max(total, 1), read, payload);
          started = true;
        } else bar.update(read, payload);
      },
      onProblem(problem) {
        problems.push(problem);
      },
    });
    if (started) bar.stop();
    const seconds = (Date.now() - startedAt) / 1000;
    for (const p of summary.problems) {
      console.error(
        `第${p.line}行${p.id ? `（id ${p.id}）` : ""}：${p.reason} [line ${p.line}: ${p.reasonEn}]`,
      );
    }
    for (const w of summary.warnings) {
      console.error(
        `第${w.line}行${w.id ? `（id ${w.id}）` : ""}（已导入）：${w.reason} [line ${w.line}: ${w.reasonEn}]`,
      );
    }
    for (const c of summary.channelsCreated) console.error(`新建栏目 (new channel): ${c}`);
    console.error(
      `完成：新增 ${summary.imported}，更新 ${summary.updated}，未变 ${summary.unchanged}，错误 ${summary.bad}，提示 ${summary.warnings.length}` +
        ` (imported ${summary.imported}, updated ${summary.updated}, unchanged ${summary.unchanged},` +
        ` bad ${summary.bad}; ${summary.lines} lines in ${seconds.toFixed(1)} s)`,
    );
    return summary.bad > 0 ? 1 : 0;
  } catch (error) {
    if (started) bar.stop();
    if (error instanceof ImportAbort) {
      console.error(error.message);
      return 2;
    }
    throw error;
  } finally {
    await deps.close();
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
