import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { TYPESCRIPT_IMPORT } from "../../platform/runtime/node-args.ts";
import { DECISION_MODEL_URL, fitLogistic, loadDecisionModel } from "./decision-model.ts";

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

test("a model trained on other signals is refused, naming the command that makes a new one", () => {
  const dir = mkdtempSync(join(tmpdir(), "chuyun-model-"));
  try {
    const file = join(dir, "model.json");
    writeFileSync(
      file,
      JSON.stringify({ signals: ["coverage"], mean: [0], scale: [1], weights: [1], bias: 0 }),
    );
    assert.throws(() => loadDecisionModel(new URL(`file://${file}`)), /npm run train:assistant/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the shipped model is what npm run train:assistant makes from the repository's sets", () => {
  const dir = mkdtempSync(join(tmpdir(), "chuyun-model-"));
  try {
    const out = join(dir, "model.json");
    execFileSync(
      process.execPath,
      [...TYPESCRIPT_IMPORT, new URL("./train-cli.ts", import.meta.url).pathname, "--out", out],
      { stdio: "pipe" },
    );
    const made = JSON.parse(readFileSync(out, "utf8")) as ReturnType<typeof loadDecisionModel>;
    const shipped = loadDecisionModel(DECISION_MODEL_URL);
    assert.deepEqual(made.trainedOn, shipped.trainedOn);
    made.weights.forEach((w, i) => assert.ok(Math.abs(w - shipped.weights[i]) < 1e-9, `weight ${i}`));
    assert.ok(Math.abs(made.bias - shipped.bias) < 1e-9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
