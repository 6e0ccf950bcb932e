/**
 * Inspects one site now and prints the result:
 *   npm run inspect -- --site CODE [--json]
 * With --json, stdout carries exactly {site, score, passed, vetoes:[{rule, detail}],
 * deductions:[{rule, points, detail, url}]}; progress goes to stderr, and only when stderr is a terminal.
 * The sites are reached at INSPECTION_BASE_URL (default: the local instance, http://127.0.0.1:PORT);
 * availability comes from the probes the running server's job runner records.
 */
import { loadConfig } from "../../config.ts";
import { readArgs } from "../../platform/cli/args.ts";
import { createAppDeps } from "../../container.ts";
import { DomainError } from "../../platform/http/errors.ts";
import { RULES, type InspectionResult } from "./rules.ts";
import type { InspectionService } from "./service.ts";

const USAGE = "用法：npm run inspect -- --site 网站代码 [--json]";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stderr is a terminal (progress is drawn only then). */
  tty: boolean;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  tty: Boolean(process.stderr.isTTY),
};

/** The printed JSON: exactly the documented keys, in order. */
export function resultJson(r: InspectionResult): string {
  return JSON.stringify(
    {
      site: r.site,
      score: r.score,
      passed: r.passed,
      vetoes: r.vetoes.map((v) => ({ rule: v.rule, detail: v.detail })),
      deductions: r.deductions.map((d) => ({ rule: d.rule, points: d.points, detail: d.detail, url: d.url })),
    },
    null,
    2,
  );
}

export async function inspectCommand(
  argv: string[],
  io: CliIo = processIo,
  given?: { inspection: InspectionService },
): Promise<number> {
  let values;
  try {
    values = readArgs({
      args: argv,
      options: { site: { type: "string" }, json: { type: "boolean", default: false } },
    }).values;
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const code = values.site?.trim();
  if (!code) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  const deps = given ?? (await createAppDeps(loadConfig(process.env, { seedDemo: false, runJobs: false })));
  try {
    const site = deps.inspection.siteByCode(code);
    let lastDraw = 0;
    const run = await deps.inspection.inspectNow(site, "cli", (phase, done, total) => {
      if (!io.tty) return;
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const width = 24;
      const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
      io.err(`\r\x1b[2K${phase} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`);
    });
    if (io.tty) io.err("\r\x1b[2K");
    if (!run.detail) {
      io.err(`巡检出错：${run.error ?? "未知错误"}\n`);
      return 1;
    }
    if (values.json) io.out(`${resultJson(run.detail)}\n`);
    else {
      const d = run.detail;
      io.out(`${site.name}（${site.code}）：${d.score} 分，${d.passed ? "合格" : "不合格"}\n`);
      for (const v of d.vetoes) io.out(`  单项否决 ${RULES[v.rule] ?? v.rule}：${v.detail}\n`);
      for (const x of d.deductions)
        io.out(`  -${x.points} ${RULES[x.rule] ?? x.rule}：${x.detail} ${x.url}\n`);
      for (const c of d.countdowns) io.out(`  预警：${c.daysLeft} 天后未通过检查——${c.detail}\n`);
      for (const n of d.notes) io.out(`  说明：${n.detail}${n.url ? ` ${n.url}` : ""}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    if (!given) await (deps as Awaited<ReturnType<typeof createAppDeps>>).close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The command always ends: whatever a browser or a socket left behind, the process exits once the
  // result is written out.
  let code: number;
  try {
    code = await inspectCommand(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`巡检出错：${(error as Error).message}\n`);
    code = 1;
  }
  process.stdout.write("", () => process.exit(code));
}
