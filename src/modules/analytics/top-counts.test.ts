import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { seededRandom } from "../../platform/random/seeded-random.ts";
import { topCounts, type RankedCounts, type ValueCount } from "./top-counts.ts";

/** Daily counts held in memory, and the answer a plain GROUP BY would give. */
function daysOf(counts: Map<string, number>[]) {
  const days = counts.map((_c, i) => `2026-11-${String(i + 1).padStart(2, "0")}`);
  let groupedCalls = 0;
  let sumsCalls = 0;
  const byCountThenValue = (a: ValueCount, b: ValueCount) => b.n - a.n || (a.value < b.value ? -1 : 1);
  const grouped = (limit: number) => {
    const sums = new Map<string, number>();
    for (const day of counts) for (const [value, n] of day) sums.set(value, (sums.get(value) ?? 0) + n);
    return [...sums]
      .map(([value, n]) => ({ value, n }))
      .sort(byCountThenValue)
      .slice(0, limit);
  };
  const source: RankedCounts = {
    dayTops: async (wanted, k) =>
      wanted.flatMap((day) =>
        [...counts[days.indexOf(day)]]
          .map(([value, n]) => ({ day, value, n }))
          .sort(byCountThenValue)
          .slice(0, k),
      ),
    sums: async (values) => {
      sumsCalls++;
      const all = grouped(Infinity);
      return all.filter((s) => values.includes(s.value));
    },
    grouped: async (limit) => {
      groupedCalls++;
      return grouped(limit);
    },
  };
  return { days, source, expected: grouped, groupedCalls: () => groupedCalls, sumsCalls: () => sumsCalls };
}

describe("top counts over a range from each day's largest counts", () => {
  it("gives the same ranking and sums as grouping every row, on skewed and on flat data", async () => {
    const random = seededRandom(5);
    const ways = { tops: 0, sums: 0, grouped: 0 };
    for (let round = 0; round < 60; round++) {
      const skew = 1 + (round % 4);
      const dayCount = 1 + (round % 9);
      const counts = Array.from({ length: dayCount }, () => {
        const day = new Map<string, number>();
        for (let i = 0; i < 400; i++) {
          const page = `/p/${Math.floor(random() ** skew * 300)}`;
          day.set(page, (day.get(page) ?? 0) + 1);
        }
        return day;
      });
      const { days, source, expected, groupedCalls, sumsCalls } = daysOf(counts);
      const limit = 5 + (round % 3) * 5;
      assert.deepEqual(await topCounts(days, limit, source, 20), expected(limit), `round ${round}`);
      ways[groupedCalls() > 0 ? "grouped" : sumsCalls() > 0 ? "sums" : "tops"]++;
    }
    // Every way of answering was taken: from the top rows alone, with the sums of a few, by grouping.
    assert.ok(ways.tops > 0 && ways.sums > 0 && ways.grouped > 0, JSON.stringify(ways));
  });

  it("falls back to grouping when a value below every day's cut-off adds up to the top", async () => {
    // "/steady" is 4th each day (below k = 3) yet first over the range.
    const counts = ["a", "b", "c"].map((day) => {
      const m = new Map<string, number>([
        [`/${day}1`, 30],
        [`/${day}2`, 29],
        [`/${day}3`, 28],
        ["/steady", 27],
      ]);
      return m;
    });
    const { days, source, expected, groupedCalls } = daysOf(counts);
    const top = await topCounts(days, 2, source, 3);
    assert.deepEqual(top, expected(2));
    assert.equal(top[0].value, "/steady");
    assert.equal(groupedCalls(), 1);
  });

  it("breaks ties by value and handles empty days and ranges", async () => {
    const counts = [
      new Map([
        ["/b", 2],
        ["/a", 2],
        ["/c", 1],
      ]),
      new Map<string, number>(),
    ];
    const { days, source, groupedCalls } = daysOf(counts);
    assert.deepEqual(await topCounts(days, 2, source, 100), [
      { value: "/a", n: 2 },
      { value: "/b", n: 2 },
    ]);
    assert.deepEqual(await topCounts([], 10, source), []);
    assert.equal(groupedCalls(), 0);
  });
});
