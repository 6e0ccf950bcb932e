import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ExpiringCache } from "./expiring-cache.ts";

describe("ExpiringCache", () => {
  it("forgets an entry once it is older than the TTL", () => {
    const cache = new ExpiringCache<string, string>({ ttlMs: 100, maxWeight: 10, weigh: () => 1 });
    cache.set("a", "x", 1_000);
    assert.equal(cache.get("a", 1_099), "x");
    assert.equal(cache.get("a", 1_100), undefined);
  });

  it("keeps its weight and entry count under their bounds, dropping the entries kept longest", () => {
    const cache = new ExpiringCache<string, string>({
      ttlMs: 60_000,
      maxWeight: 10,
      maxEntries: 3,
      weigh: (v) => v.length,
    });
    cache.set("a", "xxxx");
    cache.set("b", "xxxx");
    cache.set("a", "xxxx"); // kept again: now the newest
    cache.set("c", "xxxx"); // 12 > 10: the oldest, b, goes
    assert.deepEqual(
      ["a", "b", "c"].map((k) => cache.get(k) !== undefined),
      [true, false, true],
    );
    cache.set("d", "x");
    cache.set("e", "x"); // four entries > 3: a goes
    assert.deepEqual(
      ["a", "c", "d", "e"].map((k) => cache.get(k) !== undefined),
      [false, true, true, true],
    );
    cache.set("big", "x".repeat(11)); // heavier than the bound alone: nothing stays
    assert.equal(cache.get("big"), undefined);
    assert.equal(cache.get("e"), undefined);
  });
});
