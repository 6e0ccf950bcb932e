/**
 * Whether to answer: a logistic model over the engine's signals (decision signals below), with
 * weights learned by `npm run train:assistant` from labelled questions (decision-model.json). The
 * model replaces hand-set caps: each signal counts as much as the data says, and the threshold is
 * chosen on sets held out from the fit (leave one set out).
 */
import { readFileSync } from "node:fs";

/** The signals, in the order the model's weights use. */
export const DECISION_SIGNALS = [
  "coverage",
  "rivals",
  "noAnchor",
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

export function loadDecisionModel(url: URL = DECISION_MODEL_URL): DecisionModel {
  const model = JSON.parse(readFileSync(url, "utf8")) as DecisionModel;
  const names = DECISION_SIGNALS.join(",");
  if (model.signals.join(",") !== names)
    throw new Error(
      `decision model ${url.pathname} was trained on other signals; run npm run train:assistant`,
    );
  return model;
}

export function signalVector(signals: DecisionSignals): number[] {
  return DECISION_SIGNALS.map((name) => signals[name]);
}

/** Confidence a question left ambiguous is held to: below the decision point, whatever the model says. */
const AMBIGUOUS_CONFIDENCE = 0.45;

/**
 * The model's probability that the best entry answers the question. A question several entries
 * answer about as well (a bare "公积金") is not answered: offering them as suggestions is better than
 * picking one, however likely the first is.
 */
export function decide(model: DecisionModel, signals: DecisionSignals): number {
  let z = model.bias;
  DECISION_SIGNALS.forEach((name, i) => {
    z += (model.weights[i] * (signals[name] - model.mean[i])) / model.scale[i];
  });
  const probability = 1 / (1 + Math.exp(-z));
  return signals.rivals ? Math.min(probability, AMBIGUOUS_CONFIDENCE) : probability;
}

/**
 * Fits a logistic regression (standardised inputs, L2 penalty, full-batch gradient descent: small
 * data, deterministic result).
 */
export function fitLogistic(
  rows: readonly number[][],
  labels: readonly number[],
  options: { l2?: number; iterations?: number; rate?: number } = {},
): Omit<DecisionModel, "signals"> {
  const { l2 = 1, iterations = 3000, rate = 0.5 } = options;
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
    bias -= (rate * gradBias) / n;
  }
  return { mean, scale, weights, bias };
}
