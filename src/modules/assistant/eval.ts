import { AssistantEngine } from "./engine.ts";
import type { FaqEntry } from "./faq-file.ts";

/** One line of an evaluation file: a question and the entry it should find (null: must not answer). */
export interface EvalLine {
  q: string;
  expect: string | null;
}

export interface EvalMiss {
  q: string;
  expect: string | null;
  got: string | null;
  confidence: number;
  /** Best entry even when not answered (for diagnosing threshold misses). */
  top: string | null;
}

export interface EvalReport {
  answerable: number;
  /** Answerable lines answered with the expected entry. */
  correct: number;
  /** top-1 accuracy on answerable lines (answered and right). */
  top1Accuracy: number;
  /** Answerable lines not answered (handed off). */
  refusedAnswerable: number;
  /** Handed-off answerable lines whose best entry was the expected one (the decision, not the ranking, missed). */
  handedOffRankedRight: number;
  /** Answerable lines answered with a wrong entry. */
  wrongAnswer: number;
  unanswerable: number;
  correctRefusals: number;
  refusalRate: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  misses: EvalMiss[];
}

export interface EvalLineError {
  line: number;
  message: string;
}

/** Parses an evaluation .jsonl file ({"q": "...", "expect": "faq-001" | null} per line). */
export function parseEvalJsonl(text: string): { lines: EvalLine[]; errors: EvalLineError[] } {
  const lines: EvalLine[] = [];
  const errors: EvalLineError[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (!trimmed) return;
    try {
      const value = JSON.parse(trimmed) as { q?: unknown; expect?: unknown };
      if (typeof value.q !== "string") throw new Error("q must be a string");
      if (value.expect !== null && typeof value.expect !== "string")
        throw new Error("expect must be a string or null");
      lines.push({ q: value.q, expect: value.expect });
    } catch (error) {
      errors.push({ line: index + 1, message: (error as Error).message });
    }
  });
  return { lines, errors };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Runs every line through the engine (one fresh conversation per line) and scores the results. */
export function evaluateAssistant(engine: AssistantEngine, lines: readonly EvalLine[]): EvalReport {
  const times: number[] = [];
  const misses: EvalMiss[] = [];
  let answerable = 0;
  let correct = 0;
  let refusedAnswerable = 0;
  let handedOffRankedRight = 0;
  let wrongAnswer = 0;
  let unanswerable = 0;
  let correctRefusals = 0;
  for (const line of lines) {
    const started = performance.now();
    const result = engine.ask(line.q);
    times.push(performance.now() - started);
    const got = result.answered ? result.faqId : null;
    const top = result.faqId ?? result.suggestions[0]?.faqId ?? null;
    if (line.expect === null) {
      unanswerable++;
      if (got === null) correctRefusals++;
      else misses.push({ q: line.q, expect: null, got, confidence: result.confidence, top });
    } else {
      answerable++;
      if (got === line.expect) correct++;
      else {
        if (got === null) {
          refusedAnswerable++;
          if (top === line.expect) handedOffRankedRight++;
        } else wrongAnswer++;
        misses.push({ q: line.q, expect: line.expect, got, confidence: result.confidence, top });
      }
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    answerable,
    correct,
    top1Accuracy: answerable ? correct / answerable : 0,
    refusedAnswerable,
    handedOffRankedRight,
    wrongAnswer,
    unanswerable,
    correctRefusals,
    refusalRate: unanswerable ? correctRefusals / unanswerable : 0,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    maxMs: sorted.at(-1) ?? 0,
    misses,
  };
}

/**
 * Calibrates the refusal threshold on held-out lines: the threshold (0.30–0.90) that maximises the
 * mean of top-1 accuracy and correct refusals, ties broken towards the default.
 */
export function calibrateThreshold(
  entries: ConstructorParameters<typeof AssistantEngine>[0],
  lines: readonly EvalLine[],
): { threshold: number; top1: number; refusals: number } {
  const engine = new AssistantEngine(entries, { threshold: 0 });
  const scored = lines.map((line) => {
    const r = engine.ask(line.q);
    return { expect: line.expect, top: r.faqId, confidence: r.confidence };
  });
  const answerable = scored.filter((s) => s.expect !== null);
  const unanswerable = scored.filter((s) => s.expect === null);
  let best = { threshold: 0.5, top1: 0, refusals: 0, score: -1 };
  for (let t = 0.3; t <= 0.9001; t += 0.01) {
    const threshold = Math.round(t * 100) / 100;
    const top1 =
      answerable.filter((s) => s.confidence >= threshold && s.top === s.expect).length /
      Math.max(answerable.length, 1);
    const refusals =
      unanswerable.filter((s) => s.confidence < threshold).length / Math.max(unanswerable.length, 1);
    const score = (top1 + refusals) / 2;
    if (
      score > best.score + 1e-9 ||
      (Math.abs(score - best.score) < 1e-9 && Math.abs(threshold - 0.5) < Math.abs(best.threshold - 0.5))
    )
      best = { threshold, top1, refusals, score };
  }
  return { threshold: best.threshold, top1: best.top1, refusals: best.refusals };
}

/**
 * Cross-validation on the knowledge base itself, with no evaluation set: each entry's alternative
 * phrasings serve as held-out questions. Top-1: fold k removes every entry's k-th phrasing from the
 * engine and asks it (the entry must answer). Refusals: fold k removes a fifth of the entries
 * entirely and asks their phrasings and questions (nothing may answer: the topic is gone, though
 * neighbours remain, which makes these hard out-of-scope questions). Entries need ≥ 2 phrasings.
 */
export function crossValidate(
  entries: readonly FaqEntry[],
  options: { threshold?: number; folds?: number } = {},
): { top1: EvalReport; refusals: EvalReport } {
  const folds = options.folds ?? 4;
  const engineOptions = options.threshold === undefined ? {} : { threshold: options.threshold };
  const top1Lines: { engine: AssistantEngine; lines: EvalLine[] }[] = [];
  for (let k = 0; k < folds; k++) {
    const lines: EvalLine[] = [];
    const kept = entries.map((e) => {
      const alts = e.alternatives ?? [];
      if (alts.length < 2 || k >= alts.length) return e;
      lines.push({ q: alts[k], expect: e.id });
      return { ...e, alternatives: alts.filter((_, i) => i !== k) };
    });
    top1Lines.push({ engine: new AssistantEngine(kept, engineOptions), lines });
  }
  const refusalRuns: { engine: AssistantEngine; lines: EvalLine[] }[] = [];
  const entryFolds = 5;
  for (let k = 0; k < entryFolds; k++) {
    const held = entries.filter((_, i) => i % entryFolds === k);
    const rest = entries.filter((_, i) => i % entryFolds !== k);
    const lines = held.flatMap((e) =>
      [e.question, ...(e.alternatives ?? [])].map((q) => ({ q, expect: null })),
    );
    refusalRuns.push({ engine: new AssistantEngine(rest, engineOptions), lines });
  }
  const merge = (runs: { engine: AssistantEngine; lines: EvalLine[] }[]): EvalReport => {
    const reports = runs.map((r) => evaluateAssistant(r.engine, r.lines));
    const sum = (f: (r: EvalReport) => number) => reports.reduce((a, r) => a + f(r), 0);
    const answerable = sum((r) => r.answerable);
    const unanswerable = sum((r) => r.unanswerable);
    return {
      ...reports[0],
      answerable,
      unanswerable,
      correct: sum((r) => r.correct),
      wrongAnswer: sum((r) => r.wrongAnswer),
      refusedAnswerable: sum((r) => r.refusedAnswerable),
      handedOffRankedRight: sum((r) => r.handedOffRankedRight),
      correctRefusals: sum((r) => r.correctRefusals),
      top1Accuracy: answerable ? sum((r) => r.correct) / answerable : 0,
      refusalRate: unanswerable ? sum((r) => r.correctRefusals) / unanswerable : 0,
      p95Ms: Math.max(...reports.map((r) => r.p95Ms)),
      misses: reports.flatMap((r) => r.misses),
    };
  };
  return { top1: merge(top1Lines), refusals: merge(refusalRuns) };
}
