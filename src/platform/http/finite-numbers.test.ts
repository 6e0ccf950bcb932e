import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { finiteOnly, nonFinitePath } from "./finite-numbers.ts";

describe("finite numbers after schema validation", () => {
  it("finds the first non-finite number, however deep", () => {
    assert.equal(nonFinitePath({ page: 1, q: "1e309" }), null);
    assert.equal(nonFinitePath({ page: Infinity }), "/page");
    assert.equal(nonFinitePath({ answers: { days: [1, -Infinity] } }), "/answers/days/1");
    assert.equal(nonFinitePath([0, NaN]), "/1");
    assert.equal(nonFinitePath(null), null);
  });

  it("fails a passing validation on Infinity and keeps the validator's own errors", () => {
    const passes = Object.assign(() => true, { errors: null });
    const checked = finiteOnly(passes);
    assert.equal(checked({ page: 2 }), true);
    assert.equal(checked({ page: Infinity }), false);
    assert.deepEqual(checked.errors, [
      { instancePath: "/page", keyword: "type", params: { type: "number" }, message: "must be finite" },
    ]);
    const own = [{ instancePath: "/page", keyword: "maximum" }];
    const fails = Object.assign(() => false, { errors: own });
    const failing = finiteOnly(fails);
    assert.equal(failing({ page: 1e20 }), false);
    assert.equal(failing.errors, own);
  });
});
