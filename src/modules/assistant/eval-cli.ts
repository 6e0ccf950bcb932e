/**
 * Evaluates the assistant on a .jsonl file of {"q", "expect"} lines.
 *   tsx src/modules/assistant/eval-cli.ts FILE.jsonl [--faq /path/faq.jsonl] [--threshold 0.5] [--misses]
 *   tsx src/modules/assistant/eval-cli.ts --cv [--faq /path/faq.jsonl] [--threshold 0.5]  (cross-validation
 *   on the knowledge base's own phrasings, no evaluation set: see crossValidate in eval.ts)
 * The FAQ defaults to data/faq.jsonl, the demo knowledge base in the repository.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { AssistantEngine } from "./engine.ts";
import { calibrateThreshold, crossValidate, evaluateAssistant, parseEvalJsonl } from "./eval.ts";
import { DEFAULT_FAQ_PATH, loadAlternatives, loadFaqFile, withAlternatives } from "./faq-file.ts";

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    "usage: tsx src/modules/assistant/eval-cli.ts FILE.jsonl [--faq faq.jsonl] [--threshold 0.5 | --calibrate HELD-OUT.jsonl] [--misses] [--no-alternatives]",
  );
  process.exit(2);
}

function main(argv: string[]): void {
  let file: string | undefined;
  let faqPath = DEFAULT_FAQ_PATH;
  let threshold: number | undefined;
  let showMisses = false;
  let useAlternatives = true;
  let calibrateOn: string | undefined;
  let cv = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--faq") faqPath = resolve(argv[++i] ?? usage("--faq needs a path"));
    else if (arg === "--threshold") {
      threshold = Number(argv[++i]);
      if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) usage("--threshold must be in 0..1");
    } else if (arg === "--misses") showMisses = true;
    else if (arg === "--no-alternatives") useAlternatives = false;
    else if (arg === "--cv") cv = true;
    else if (arg === "--calibrate")
      calibrateOn = resolve(argv[++i] ?? usage("--calibrate needs a held-out file"));
    else if (arg === "--help" || arg === "-h") usage();
    else if (arg.startsWith("--")) usage(`unknown option ${arg}`);
    else if (file === undefined) file = arg;
    else usage(`unexpected argument ${arg}`);
  }
  if (cv) {
    const faq = loadFaqFile(faqPath);
    const alternatives = useAlternatives ? loadAlternatives().alternatives : new Map<string, string[]>();
    const entries = withAlternatives(faq.entries, alternatives);
    const { top1, refusals } = crossValidate(entries, threshold === undefined ? {} : { threshold });
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    console.log(`cross-validation on ${faqPath} (${entries.length} entries)`);
    console.log(
      `top-1, each phrasing held out: ${pct(top1.top1Accuracy)} (${top1.correct}/${top1.answerable}; ` +
        `${top1.wrongAnswer} wrong, ${top1.refusedAnswerable} handed off)`,
    );
    console.log(
      `refusals, whole entries held out: ${pct(refusals.refusalRate)} (${refusals.correctRefusals}/${refusals.unanswerable})`,
    );
    console.log(`latency p95 ${Math.max(top1.p95Ms, refusals.p95Ms).toFixed(2)} ms`);
    if (showMisses)
      for (const m of [...top1.misses, ...refusals.misses])
        console.log(`  miss: ${JSON.stringify(m.q)} expect=${m.expect} got=${m.got} conf=${m.confidence}`);
    return;
  }
  if (!file) usage("missing FILE.jsonl");

  const faq = loadFaqFile(faqPath);
  for (const error of faq.errors) console.error(`${faqPath}:${error.line}: ${error.message}`);
  if (faq.entries.length === 0) usage(`no FAQ entries in ${faqPath}`);
  const parsed = parseEvalJsonl(readFileSync(file, "utf8"));
  for (const error of parsed.errors) console.error(`${file}:${error.line}: ${error.message}`);

  const alternatives = useAlternatives ? loadAlternatives().alternatives : new Map<string, string[]>();
  const entries = withAlternatives(faq.entries, alternatives);
  if (calibrateOn) {
    // The threshold is chosen on held-out lines (never on the file being reported).
    const heldOut = parseEvalJsonl(readFileSync(calibrateOn, "utf8")).lines;
    const calibrated = calibrateThreshold(entries, heldOut);
    console.log(
      `calibrated on ${calibrateOn} (${heldOut.length} lines): threshold ${calibrated.threshold} ` +
        `(there: top-1 ${(calibrated.top1 * 100).toFixed(1)}%, refusals ${(calibrated.refusals * 100).toFixed(1)}%)`,
    );
    threshold = calibrated.threshold;
  }
  const engine = new AssistantEngine(entries, threshold === undefined ? {} : { threshold });
  // Warm up (jieba and pinyin dictionaries load lazily) so latency reflects a running server.
  engine.ask("公积金怎么提取");
  const report = evaluateAssistant(engine, parsed.lines);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(
    `faq: ${faqPath} (${faq.entries.length} entries, ${faq.entries.filter((e) => alternatives.has(e.id)).length} with repository alternatives), eval: ${file} (${parsed.lines.length} lines)`,
  );
  console.log(`threshold: ${engine.threshold}`);
  console.log(
    `top-1 accuracy (answerable): ${pct(report.top1Accuracy)} (${report.correct}/${report.answerable}; ` +
      `${report.wrongAnswer} wrong, ${report.refusedAnswerable} handed off, ` +
      `${report.handedOffRankedRight} of them with the expected entry ranked first)`,
  );
  console.log(
    `correct refusals (expect null): ${pct(report.refusalRate)} (${report.correctRefusals}/${report.unanswerable})`,
  );
  console.log(
    `latency: p50 ${report.p50Ms.toFixed(2)} ms, p95 ${report.p95Ms.toFixed(2)} ms, max ${report.maxMs.toFixed(2)} ms`,
  );
  if (showMisses) {
    for (const m of report.misses)
      console.log(
        `  miss: ${JSON.stringify(m.q)} expect=${m.expect} got=${m.got} top=${m.top} conf=${m.confidence}`,
      );
  }
}

main(process.argv.slice(2));
