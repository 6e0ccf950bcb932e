import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { FastifyReply, FastifyRequest } from "fastify";
import { nonFinitePath, refuseNonFiniteNumbers } from "./finite-numbers.ts";

describe("finite numbers after schema validation", () => {
  it("finds the first non-finite number, however deep", () => {
    assert.equal(nonFinitePath({ page: 1, q: "1e309" }), null);
    assert.equal(nonFinitePath({ page: Infinity }), "/page");
    assert.equal(nonFinitePath({ answers: { days: [1, -Infinity] } }), "/answers/days/1");
    assert.equal(nonFinitePath([0, NaN]), "/1");
    assert.equal(nonFinitePath(null), null);
    assert.equal(nonFinitePath(Buffer.from("1e309")), null);
  });

  it("fails a request whose query, path or body holds one, as a validation error naming the field", () => {
    const run = (request: Partial<FastifyRequest>) => {
      let outcome: unknown = "not called";
      refuseNonFiniteNumbers(request as FastifyRequest, {} as FastifyReply, (error?: unknown) => {
        outcome = error;
      });
      return outcome as (Error & { validation?: unknown; validationContext?: string }) | undefined;
    };
    assert.equal(run({ query: { page: 2 }, params: {}, body: { n: 1 } }), undefined);
    const error = run({ query: { page: 1 }, params: {}, body: { days: -Infinity } });
    assert.equal(error?.validationContext, "body");
    assert.deepEqual(error?.validation, [
      { instancePath: "/days", keyword: "type", params: { type: "number" }, message: "must be finite" },
    ]);
    assert.equal(run({ query: { page: Infinity } })?.validationContext, "querystring");
  });
});
