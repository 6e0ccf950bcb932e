import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { KeyCounts } from "./key-counts.ts";
import { seededRandom } from "../../platform/random/seeded-random.ts";

describe("KeyCounts", () => {
  it("answers like a Map of numbers through growth, overwrites, key 0, the largest keys and clear", () => {
    const random = seededRandom(7);
    const counts = new KeyCounts(8);
    const reference = new Map<number, number>();
    const keys = [0, 1, 2 ** 52 - 1, 2 ** 52 - 2, 8, 16, 24];
    for (let i = 0; i < 20_000; i++) keys.push(Math.floor(random() * 2 ** 52));
    for (const [round, key] of keys.entries()) {
      const value = (round % 300) + (round % 7) * 2 ** 26;
      counts.set(key, value);
      reference.set(key, value);
      if (round % 3 === 0) {
        counts.set(key, value + 1);
        reference.set(key, value + 1);
      }
    }
    assert.equal(counts.size, reference.size);
    for (const [key, value] of reference) assert.equal(counts.get(key), value);
    // Keys never stored read as 0, also ones that collide with stored ones in the table.
    assert.equal(counts.get(3), 0);
    assert.equal(counts.get(2 ** 52 - 3), 0);
    counts.clear();
    assert.equal(counts.size, 0);
    assert.equal(counts.get(keys[10]), 0);
    counts.set(keys[10], 5);
    assert.equal(counts.get(keys[10]), 5);
  });
});
