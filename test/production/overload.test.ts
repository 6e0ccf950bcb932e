import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPlatform, type TestContext } from "../engines.ts";

/** Overload: when the event loop falls behind, requests are refused fast with 503 + Retry-After. */
describe("shedding load when the event loop is overloaded", () => {
  let t: TestContext;
  before(async () => {
    t = await startPlatform("sqlite", { config: { maxEventLoopDelayMs: 100 } });
  });
  after(async () => t?.close());

  it("answers 503 with Retry-After while overloaded and serves again afterwards", async () => {
    assert.equal((await t.app.inject({ url: "/sites/www/" })).statusCode, 200);
    // Hog the event loop for a few sampling intervals, as a burst of heavy requests would.
    for (let i = 0; i < 4; i++) {
      const until = Date.now() + 600;
      while (Date.now() < until);
      await new Promise((r) => setImmediate(r));
    }
    const busy = await t.app.inject({ url: "/sites/www/" });
    assert.equal(busy.statusCode, 503);
    assert.equal(busy.headers["retry-after"], "10");
    assert.match(busy.body, /访问人数过多/);
    let status = 0;
    const deadline = Date.now() + 10_000;
    while (status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await t.app.inject({ url: "/sites/www/" })).statusCode;
    }
    assert.equal(status, 200, "recovers by itself once the loop is idle");
  });
});
