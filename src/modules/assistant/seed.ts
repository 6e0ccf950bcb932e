import { existsSync } from "node:fs";
import type { AssistantDeps } from "./deps.ts";
import { DEFAULT_ALTERNATIVES_PATH, DEFAULT_FAQ_PATH, loadAlternatives, loadFaqFile } from "./faq-file.ts";

/** Demo seed: the project's demo FAQ (data/faq.jsonl) with its alternative phrasings. */
export async function seedAssistant(
  deps: AssistantDeps,
  log: (line: string) => void,
  faqPath: string = DEFAULT_FAQ_PATH,
): Promise<void> {
  if (!existsSync(faqPath)) {
    const line = `FAQ file ${faqPath} not found: the assistant starts with an empty knowledge base.`;
    log(line);
    console.warn(line);
    return;
  }
  const faq = loadFaqFile(faqPath);
  const alts = loadAlternatives(DEFAULT_ALTERNATIVES_PATH);
  const counts = await deps.assistant.importEntries(faq.entries, alts.alternatives, {
    id: null,
    name: "system:seed",
  });
  log(`Imported ${counts.created} FAQ entries into the assistant's knowledge base.`);
}
