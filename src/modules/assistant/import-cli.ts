/**
 * Imports an FAQ file into the knowledge base, keeping its ids (any stable id of the source system),
 * published; idempotent.
 *   npm run import:faq -- FILE.jsonl [--alternatives data/faq-alternatives.jsonl] [--replace]
 * The repository's alternative phrasings (data/faq-alternatives.jsonl) are merged in by default (they
 * only apply to ids they name). --replace makes the knowledge base equal to the file: live entries
 * not in it are retired (offline, kept as drafts), each with an audit record. A file with any bad line
 * imports nothing (every bad line is listed), so a knowledge base is never half-synchronised.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig } from "../../config.ts";
import { createAppDeps } from "../../container.ts";
import { readArgs } from "../../platform/cli/args.ts";
import { DEFAULT_ALTERNATIVES_PATH, loadAlternatives, loadFaqFile } from "./faq-file.ts";

const USAGE = "用法：npm run import:faq -- 文件.jsonl [--alternatives 相似问法.jsonl] [--replace]";

/** Why a path cannot be read as an input file, or null when it can. */
function fileProblem(path: string): string | null {
  if (!existsSync(path)) return `找不到文件 ${path}`;
  if (!statSync(path).isFile()) return `${path} 不是文件`;
  return null;
}

export async function importFaqCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = readArgs({
      args: argv,
      allowPositionals: true,
      options: {
        alternatives: { type: "string" },
        replace: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) {
    console.error(extra.length > 0 ? `多余的参数 ${extra[0]}\n${USAGE}` : USAGE);
    return 2;
  }
  const alternativesPath = parsed.values.alternatives
    ? resolve(parsed.values.alternatives)
    : DEFAULT_ALTERNATIVES_PATH;
  const replace = parsed.values.replace;
  const problem =
    fileProblem(resolve(file)) ?? (parsed.values.alternatives ? fileProblem(alternativesPath) : null);
  if (problem) {
    console.error(problem);
    return 2;
  }
  const faq = loadFaqFile(resolve(file));
  for (const e of faq.errors) console.error(`${file} 第 ${e.line} 行：${e.message}`);
  const alts = loadAlternatives(alternativesPath);
  for (const e of alts.errors) console.error(`${alternativesPath} 第 ${e.line} 行：${e.message}`);
  if (faq.errors.length > 0 || alts.errors.length > 0) {
    // Importing the good lines only would leave the knowledge base half like the file (and with
    // --replace, retire the entries the bad lines meant to keep).
    console.error(`有 ${faq.errors.length + alts.errors.length} 行有误，未导入任何条目；请改正后重新导入`);
    return 1;
  }
  if (faq.entries.length === 0) {
    console.error("文件中没有可导入的条目");
    return 1;
  }
  const deps = await createAppDeps(loadConfig());
  try {
    const counts = await deps.assistant.importEntries(
      faq.entries,
      alts.alternatives,
      { id: null, name: "system:import-faq" },
      { replace },
    );
    console.log(
      `已导入问答 ${faq.entries.length} 条（${faq.encoding} 编码）：新增 ${counts.created}，更新 ${counts.updated}，` +
        `未变 ${counts.unchanged}，保留控制台修改 ${counts.kept}，下线 ${counts.retired}`,
    );
    return 0;
  } finally {
    await deps.close();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) {
  importFaqCommand(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
