/**
 * Learns the assistant's decision model (whether to answer) from labelled question sets and writes
 * decision-model.json beside the engine.
 *   npm run train:assistant [-- --out FILE.json] [--set QUESTIONS.jsonl:FAQ.jsonl[:alternatives]]...
 * (--out from the current folder; --set paths from the repository's root, as the tuning sets are.)
 * Without --set it trains on the repository's tuning sets (TUNING_SETS). Each questions file in turn is
 * scored by a model fitted on the others (held out from the fit); the threshold is the one that does best
 * on those scores, and the figures printed are at that threshold (held out from the fit, not from the
 * threshold's choice). The sets in data/eval/blind2 are never trained on: they measure the result.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  decide,
  DECISION_MODEL_URL,
  DECISION_SIGNALS,
  fitLogistic,
  signalVector,
  vetoed,
  WEIGHT_SIGNS,
} from "./decision-model.ts";
import type { DecisionModel, DecisionSignals } from "./decision-model.ts";
import { AssistantEngine } from "./engine.ts";
import { parseEvalJsonl } from "./eval.ts";
import { DEFAULT_FAQ_PATH, loadAlternatives, loadFaqFile, REPO_ROOT, withAlternatives } from "./faq-file.ts";

interface TrainingSet {
  questions: string;
  faq: string;
  alternatives: boolean;
}

const TUNING_SETS: TrainingSet[] = [
  { questions: "data/assistant-eval.jsonl", faq: DEFAULT_FAQ_PATH, alternatives: true },
  // The same knowledge base without its alternative phrasings: a department's FAQ often has none.
  { questions: "data/assistant-eval.jsonl", faq: DEFAULT_FAQ_PATH, alternatives: false },
  { questions: "data/assistant-eval-fresh.jsonl", faq: DEFAULT_FAQ_PATH, alternatives: true },
  { questions: "data/assistant-eval-holdout.jsonl", faq: DEFAULT_FAQ_PATH, alternatives: true },
  { questions: "data/eval/blind/assistant-paraphrases.jsonl", faq: DEFAULT_FAQ_PATH, alternatives: true },
  { questions: "data/eval/blind/kb2/eval.jsonl", faq: "data/eval/blind/kb2/faq.jsonl", alternatives: false },
  { questions: "data/eval/dev3/assistant-paraphrases.jsonl", faq: DEFAULT_FAQ_PATH, alternatives: true },
  { questions: "data/eval/dev3/kb5/eval.jsonl", faq: "data/eval/dev3/kb5/faq.jsonl", alternatives: false },
];

/** A question's signals for its best entry; answerable: the best entry is the expected one. */
interface Example {
  signals: DecisionSignals | null;
  answerable: boolean;
  /** The line expects an answer (false: out of scope). */
  expectsAnswer: boolean;
}

const NEUTRAL: DecisionModel = {
  signals: [...DECISION_SIGNALS],
  mean: DECISION_SIGNALS.map(() => 0),
  scale: DECISION_SIGNALS.map(() => 1),
  weights: DECISION_SIGNALS.map(() => 0),
  bias: 0,
};

function examplesOf(set: TrainingSet): Example[] {
  const faq = loadFaqFile(resolve(REPO_ROOT, set.faq));
  const alternatives = set.alternatives ? loadAlternatives().alternatives : new Map<string, string[]>();
  const engine = new AssistantEngine(withAlternatives(faq.entries, alternatives), { decisionModel: NEUTRAL });
  const { lines } = parseEvalJsonl(readFileSync(resolve(REPO_ROOT, set.questions), "utf8"));
  return lines.map((line) => {
    const found = engine.signalsFor(line.q);
    return {
      // A question sharing nothing with any entry is refused whatever the model says.
      signals: found?.signals ?? null,
      answerable: found !== null && found.faqId === line.expect,
      expectsAnswer: line.expect !== null,
    };
  });
}

/** The engine's confidence at the model's own scale: 0 when refused without it or vetoed. */
function probability(model: DecisionModel, example: Example): number {
  return example.signals && !vetoed(example.signals) ? decide(model, example.signals) : 0;
}

function figures(examples: Example[], scores: number[], threshold: number) {
  let expects = 0;
  let right = 0;
  let outOfScope = 0;
  let refused = 0;
  examples.forEach((e, i) => {
    if (e.expectsAnswer) {
      expects++;
      if (e.answerable && scores[i] >= threshold) right++;
    } else {
      outOfScope++;
      if (scores[i] < threshold) refused++;
    }
  });
  // A figure a set cannot have (no answerable or no out-of-scope lines) is left out, not counted as 0.
  return {
    top1: expects > 0 ? right / expects : null,
    refusals: outOfScope > 0 ? refused / outOfScope : null,
  };
}

/** The weaker of a set's two figures (the one it has, when it has one). */
function weaker(f: { top1: number | null; refusals: number | null }): number {
  return Math.min(f.top1 ?? Infinity, f.refusals ?? Infinity);
}

/** Fits on the questions the model decides (not those refused before it or vetoed). */
function fit(examples: Example[]): DecisionModel {
  const usable = examples.filter((e) => e.signals !== null && !vetoed(e.signals));
  const fitted = fitLogistic(
    usable.map((e) => signalVector(e.signals!)),
    usable.map((e) => (e.answerable ? 1 : 0)),
    { signs: WEIGHT_SIGNS },
  );
  return { signals: [...DECISION_SIGNALS], ...fitted };
}

function main(argv: string[]): void {
  let out = fileURLToPath(DECISION_MODEL_URL);
  const sets: TrainingSet[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = resolve(argv[++i]);
    else if (argv[i] === "--set") {
      const [questions, faq, alternatives] = (argv[++i] ?? "").split(":");
      if (!questions || !faq) throw new Error("--set QUESTIONS.jsonl:FAQ.jsonl[:alternatives]");
      sets.push({ questions, faq, alternatives: alternatives === "alternatives" });
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  const chosen = sets.length > 0 ? sets : TUNING_SETS;
  // A questions file asked of two knowledge bases (with and without alternatives) is held out as one.
  const fileOf = (set: TrainingSet) => resolve(REPO_ROOT, set.questions);
  if (new Set(chosen.map(fileOf)).size < 2)
    throw new Error("training needs at least two questions files (each is held out in turn)");
  const bySet = chosen.map((set) => ({ set, examples: examplesOf(set) }));
  // Held-out scores: each set scored by a model fitted on the other questions files.
  const heldOut = bySet.map(({ set, examples }) => {
    const model = fit(bySet.filter((other) => fileOf(other.set) !== fileOf(set)).flatMap((s) => s.examples));
    return examples.map((e) => probability(model, e));
  });
  // The threshold that does best on held-out sets: the mean over sets of the weaker of the two figures.
  let best = { threshold: 0.5, score: -1 };
  for (let t = 0.05; t < 0.951; t += 0.01) {
    const threshold = Math.round(t * 100) / 100;
    const score =
      bySet.reduce((sum, { examples }, k) => {
        return sum + weaker(figures(examples, heldOut[k], threshold));
      }, 0) / bySet.length;
    if (score > best.score + 1e-9) best = { threshold, score };
  }
  const final = fit(bySet.flatMap((s) => s.examples));
  // Shift the bias so that the chosen threshold is the engine's 0.5.
  final.bias -= Math.log(best.threshold / (1 - best.threshold));
  const pct = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 10);
  const report = bySet.map(({ set, examples }, k) => {
    const f = figures(examples, heldOut[k], best.threshold);
    return {
      questions: set.questions,
      faq: relative(REPO_ROOT, resolve(REPO_ROOT, set.faq)),
      alternatives: set.alternatives,
      lines: examples.length,
      heldOutTop1: pct(f.top1),
      heldOutRefusals: pct(f.refusals),
    };
  });
  const model: DecisionModel = { ...final, trainedOn: { threshold: best.threshold, sets: report } };
  writeFileSync(out, JSON.stringify(model, null, 2) + "\n");
  console.log(
    `threshold ${best.threshold} (held out, mean of the weaker figure per set ${pct(best.score)}%)`,
  );
  for (const r of report)
    console.log(
      `  ${r.questions}${r.alternatives ? " (with alternatives)" : ""}: ${r.lines} lines, ` +
        `held out top-1 ${r.heldOutTop1 ?? "–"}%, refusals ${r.heldOutRefusals ?? "–"}%`,
    );
  console.log(`wrote ${out}`);
}

main(process.argv.slice(2));
