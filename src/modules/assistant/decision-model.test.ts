import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { test } from "node:test";
import { TYPESCRIPT_IMPORT } from "../../platform/runtime/node-args.ts";
import {
  decide,
  DECISION_MODEL_URL,
  DECISION_SIGNALS,
  fitLogistic,
  loadDecisionModel,
  type DecisionSignals,
} from "./decision-model.ts";

test("the fitted model separates what its signals separate", () => {
  // Answerable questions have high coverage; the second signal is noise.
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 200; i++) {
    const answerable = i % 2;
    rows.push([answerable ? 0.6 + (i % 7) / 20 : 0.1 + (i % 7) / 20, (i * 37) % 11]);
    labels.push(answerable);
  }
  const model = fitLogistic(rows, labels);
  assert.ok(model.weights[0] > 2, `coverage weight ${model.weights[0]}`);
  assert.ok(Math.abs(model.weights[1]) < 0.5, `noise weight ${model.weights[1]}`);
});

test("an unusable model file is refused at load, naming the command that makes a new one", () => {
  const dir = mkdtempSync(join(tmpdir(), "chuyun-model-"));
  try {
    const shipped = loadDecisionModel();
    const write = (model: unknown) => {
      const file = join(dir, "model.json");
      writeFileSync(file, typeof model === "string" ? model : JSON.stringify(model));
      return pathToFileURL(file);
    };
    for (const broken of [
      { ...shipped, signals: ["coverage"] },
      { ...shipped, weights: shipped.weights.slice(1) },
      { ...shipped, scale: shipped.scale.map(() => 0) },
      { ...shipped, bias: null },
      "{ not json",
    ])
      assert.throws(() => loadDecisionModel(write(broken)), /npm run train:assistant/);
    assert.throws(
      () => loadDecisionModel(pathToFileURL(join(dir, "missing.json"))),
      /npm run train:assistant/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fitting keeps a signed weight on its side of zero", () => {
  // The second input is what the data would weigh positively; its sign says it may only count against.
  const rows = Array.from({ length: 100 }, (_v, i) => [i % 2, i % 2]);
  const labels = rows.map((r) => r[0]);
  const free = fitLogistic(rows, labels);
  const signed = fitLogistic(rows, labels, { signs: [0, -1] });
  assert.ok(free.weights[1] > 0);
  assert.equal(signed.weights[1], 0);
  assert.ok(signed.weights[0] > free.weights[0]);
});

test("a probability that cannot be computed is 0, never NaN", () => {
  const model = { ...loadDecisionModel(), bias: NaN };
  const signals = Object.fromEntries(DECISION_SIGNALS.map((name) => [name, 0])) as DecisionSignals;
  assert.equal(decide(model, signals), 0);
});

test("the shipped model is what npm run train:assistant makes from the repository's sets", () => {
  const dir = mkdtempSync(join(tmpdir(), "chuyun-model-"));
  try {
    const out = join(dir, "model.json");
    execFileSync(
      process.execPath,
      [...TYPESCRIPT_IMPORT, fileURLToPath(new URL("./train-cli.ts", import.meta.url)), "--out", out],
      { stdio: "pipe" },
    );
    const made = JSON.parse(readFileSync(out, "utf8")) as ReturnType<typeof loadDecisionModel>;
    const shipped = loadDecisionModel(DECISION_MODEL_URL);
    assert.deepEqual(made.trainedOn, shipped.trainedOn);
    for (const key of ["weights", "mean", "scale"] as const)
      made[key].forEach((w, i) => assert.ok(Math.abs(w - shipped[key][i]) < 1e-9, `${key} ${i}`));
    assert.ok(Math.abs(made.bias - shipped.bias) < 1e-9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
