/**
 * Whether to answer: a logistic model over the engine's signals (decision signals below), with
 * weights learned by `npm run train:assistant` from labelled questions (decision-model.json). The
 * model replaces hand-set caps: each signal counts as much as the data says, and the threshold is
 * chosen on sets held out from the fit (leave one set out).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The signals, in the order the model's weights use. */
export const DECISION_SIGNALS = [
  "coverage",
  "rivals",
  "noAnchor",
  "noSharedWord",
  "onlySingleCharacters",
  "missesTopicNoun",
  "missesMainConcept",
  "missesModifier",
  "missesActions",
  "missesSubject",
  "logMargin",
  "headCoverage",
  "largestMiss",
  "missedShare",
  "missedNouns",
  "bigramsInEntry",
  "bigramsInKnowledgeBase",
  "logConcepts",
  "coverageLead",
  "bigramsInHead",
  "charsInHead",
  "charsInEntry",
  "logLength",
  "figureNotGiven",
  "placeNotCovered",
] as const;

export type DecisionSignals = Record<(typeof DECISION_SIGNALS)[number], number>;

export interface DecisionModel {
  signals: string[];
  mean: number[];
  scale: number[];
  weights: number[];
  /** Includes the calibrated threshold: a probability of 0.5 is the decision point. */
  bias: number;
  /** How the model was made (sets, counts, held-out figures): for people, not read by the engine. */
  trainedOn?: unknown;
}

export const DECISION_MODEL_URL = new URL("./decision-model.json", import.meta.url);

/** Reads and checks a model file; throws (naming the command that makes one) when it is unusable. */
export function loadDecisionModel(url: URL = DECISION_MODEL_URL): DecisionModel {
  const file = fileURLToPath(url);
  const fail = (why: string): never => {
    throw new Error(`decision model ${file} ${why}; run npm run train:assistant`);
  };
  let model: DecisionModel;
  try {
    model = JSON.parse(readFileSync(file, "utf8")) as DecisionModel;
  } catch (error) {
    return fail(`cannot be read (${(error as Error).message})`);
  }
  if (typeof model !== "object" || model === null) return fail("holds no model");
  if (!Array.isArray(model.signals) || model.signals.join(",") !== DECISION_SIGNALS.join(","))
    fail("was trained on other signals");
  const size = DECISION_SIGNALS.length;
  for (const key of ["mean", "scale", "weights"] as const) {
    const values: unknown = model[key];
    if (!Array.isArray(values) || values.length !== size || !values.every((v) => Number.isFinite(v)))
      fail(`has no ${size} finite numbers in "${key}"`);
  }
  if (!Number.isFinite(model.bias)) fail('has no finite "bias"');
  if (model.scale.some((v) => v <= 0)) fail('has a "scale" that is not positive');
  return model;
}

export function signalVector(signals: DecisionSignals): number[] {
  return DECISION_SIGNALS.map((name) => signals[name]);
}

/**
 * Questions not answered whatever the model says: several entries answer about as well (a bare
 * "公积金": offering them as suggestions is better than picking one), or the question is single
 * characters only (吃什么, 没钱, 房) and the entry shares no word of two or more characters with it.
 */
export function vetoed(signals: DecisionSignals): boolean {
  return signals.rivals === 1 || (signals.onlySingleCharacters === 1 && signals.noSharedWord === 1);
}

/**
 * The sign each signal's weight must have, when the signal can only count one way: what of the question
 * is missing from the entry can only count against answering, what the entry shares with it (coverage,
 * shared characters, the lead over the next entry) only for it. Fitting keeps the weights on that side
 * of zero, so that a correlation in the training sets (long rambling questions are often answerable and
 * share few characters) never makes a missing topic a reason to answer.
 */
const SIGN: Partial<Record<(typeof DECISION_SIGNALS)[number], -1 | 1>> = {
  noAnchor: -1,
  noSharedWord: -1,
  onlySingleCharacters: -1,
  missesTopicNoun: -1,
  missesMainConcept: -1,
  missesModifier: -1,
  missesActions: -1,
  missesSubject: -1,
  figureNotGiven: -1,
  placeNotCovered: -1,
  largestMiss: -1,
  missedShare: -1,
  missedNouns: -1,
  coverage: 1,
  headCoverage: 1,
  logMargin: 1,
  coverageLead: 1,
  bigramsInEntry: 1,
  bigramsInKnowledgeBase: 1,
  bigramsInHead: 1,
  charsInHead: 1,
  charsInEntry: 1,
};
export const WEIGHT_SIGNS: number[] = DECISION_SIGNALS.map((name) => SIGN[name] ?? 0);

/** The model's probability that the best entry answers the question (0 if it cannot be computed). */
export function decide(model: DecisionModel, signals: DecisionSignals): number {
  let z = model.bias;
  DECISION_SIGNALS.forEach((name, i) => {
    z += (model.weights[i] * (signals[name] - model.mean[i])) / model.scale[i];
  });
  const probability = 1 / (1 + Math.exp(-z));
  return Number.isFinite(probability) ? probability : 0;
}

/**
 * Fits a logistic regression (standardised inputs, L2 penalty, full-batch gradient descent: small
 * data, deterministic result); `signs[j]` (1, -1 or 0 for free) keeps input j's weight on one side of zero.
 */
export function fitLogistic(
  rows: readonly number[][],
  labels: readonly number[],
  options: { l2?: number; iterations?: number; rate?: number; signs?: readonly number[] } = {},
): Omit<DecisionModel, "signals"> {
  const { l2 = 1, iterations = 3000, rate = 0.5, signs = [] } = options;
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const row of rows) row.forEach((x, j) => (mean[j] += x / n));
  for (const row of rows) row.forEach((x, j) => (scale[j] += (x - mean[j]) ** 2 / n));
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]) || 1;
  const z = rows.map((row) => row.map((x, j) => (x - mean[j]) / scale[j]));
  const weights = new Array<number>(d).fill(0);
  let bias = 0;
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d).fill(0);
    let gradBias = 0;
    for (let i = 0; i < n; i++) {
      let s = bias;
      for (let j = 0; j < d; j++) s += weights[j] * z[i][j];
      const error = 1 / (1 + Math.exp(-s)) - labels[i];
      for (let j = 0; j < d; j++) grad[j] += error * z[i][j];
      gradBias += error;
    }
    for (let j = 0; j < d; j++) weights[j] -= (rate * (grad[j] + l2 * weights[j])) / n;
    // Projected gradient: a weight with a sign stays on its side of zero.
    signs.forEach((sign, j) => {
      if (sign * weights[j] < 0) weights[j] = 0;
    });
    bias -= (rate * gradBias) / n;
  }
  return { mean, scale, weights, bias };
}
