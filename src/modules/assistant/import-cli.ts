/**
 * Imports an FAQ file into the knowledge base, keeping its ids (any stable id of the source system),
 * published; idempotent.
 *   npm run import:faq -- FILE.jsonl [--alternatives data/faq-alternatives.jsonl] [--replace]
 * The repository's alternative phrasings (data/faq-alternatives.jsonl) are merged in by default (they
 * only apply to ids they name). --replace makes the knowledge base equal to the file: live entries
 * not in it are retired (offline, kept as drafts), each with an audit record.
 */
import { resolve } from "node:path";
import { loadConfig } from "../../config.ts";
import { createAppDeps } from "../../container.ts";
import { DEFAULT_ALTERNATIVES_PATH, loadAlternatives, loadFaqFile } from "./faq-file.ts";

export async function importFaqCommand(argv: string[]): Promise<number> {
  let file: string | undefined;
  let alternativesPath = DEFAULT_ALTERNATIVES_PATH;
  let replace = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--alternatives") alternativesPath = resolve(argv[++i] ?? "");
    else if (argv[i] === "--replace") replace = true;
    else if (!file) file = argv[i];
  }
  if (!file) {
    console.error("usage: npm run import:faq -- FILE.jsonl [--alternatives FILE.jsonl] [--replace]");
    return 2;
  }
  const faq = loadFaqFile(resolve(file));
  for (const e of faq.errors) console.error(`${file}:${e.line}: ${e.message}`);
  const alts = loadAlternatives(alternativesPath);
  for (const e of alts.errors) console.error(`${alternativesPath}:${e.line}: ${e.message}`);
  if (faq.entries.length === 0) {
    console.error("no valid entries");
    return 1;
  }
  const deps = await createAppDeps(loadConfig());
  try {
    if (replace && faq.errors.length > 0) {
      // A file with bad lines would retire the entries those lines meant to keep.
      console.error("--replace needs a file without bad lines; nothing imported");
      return 1;
    }
    const counts = await deps.assistant.importEntries(
      faq.entries,
      alts.alternatives,
      { id: null, name: "system:import-faq" },
      { replace },
    );
    console.log(
      `FAQ import: ${faq.entries.length} entries — ${counts.created} created, ${counts.updated} updated, ` +
        `${counts.unchanged} unchanged, ${counts.kept} kept (edited in the console), ${counts.retired} retired; ` +
        `${faq.errors.length} bad lines.`,
    );
    return faq.errors.length > 0 ? 1 : 0;
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
