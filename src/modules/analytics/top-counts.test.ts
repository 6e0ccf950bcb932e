import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { seededRandom } from "../../platform/random/seeded-random.ts";
import { topCounts, type RankedCounts, type ValueCount } from "./top-counts.ts";

/** How values compare in SQL's ORDER BY: code points (SQLite's BINARY) unless a test says otherwise. */
type Collation = (a: string, b: string) => number;
const codePoints: Collation = (a, b) => {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};

/**
 * Daily counts held in memory behind the queries the service runs: each day's positive counts, the
 * sums of some values, and GROUP BY … HAVING sum > 0 ORDER BY sum DESC, value (the expected answer).
 */
function daysOf(counts: Map<string, number>[], collate: Collation = codePoints) {
  const days = counts.map((_c, i) => `2026-11-${String(i + 1).padStart(2, "0")}`);
  let groupedCalls = 0;
  let sumsCalls = 0;
  const inOrder = (a: ValueCount, b: ValueCount) => b.n - a.n || collate(a.value, b.value);
  const allSums = () => {
    const sums = new Map<string, number>();
    for (const day of counts) for (const [value, n] of day) sums.set(value, (sums.get(value) ?? 0) + n);
    return [...sums].map(([value, n]) => ({ value, n })).sort(inOrder);
  };
  const grouped = (limit: number) =>
    allSums()
      .filter((s) => s.n > 0)
      .slice(0, limit);
  const source: RankedCounts = {
    dayTops: async (wanted, k) =>
      wanted.flatMap((day) =>
        [...counts[days.indexOf(day)]]
          .filter(([, n]) => n > 0)
          .map(([value, n]) => ({ day, value, n }))
          .sort(inOrder)
          .slice(0, k),
      ),
    sums: async (values) => {
      sumsCalls++;
      return allSums().filter((s) => values.includes(s.value));
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
    const ways = { sums: 0, grouped: 0 };
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
      ways[groupedCalls() > 0 ? "grouped" : "sums"]++;
      assert.ok(sumsCalls() <= 1);
    }
    // Both ways of answering were taken: the sums of a few values, and grouping (on flat counts).
    assert.ok(ways.sums > 0 && ways.grouped > 0, JSON.stringify(ways));
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

  it("leaves out a value whose correction rows bring its sum to zero or below, as HAVING sum > 0 does", async () => {
    // Exit pages move with -1/+1 pairs; two instances can both move the same visit's exit page.
    const counts = [
      new Map([
        ["/x", 5],
        ["/y", 4],
        ["/z", 1],
      ]),
      new Map([["/x", -2]]),
      new Map([
        ["/z", -1],
        ["/y", 1],
      ]),
    ];
    const { days, source, expected } = daysOf(counts);
    assert.deepEqual(await topCounts(days, 1, source), [{ value: "/y", n: 5 }]);
    assert.deepEqual(await topCounts(days, 10, source), expected(10));
    assert.deepEqual(
      (await topCounts(days, 10, source)).map((v) => v.value),
      ["/y", "/x"],
    );
  });

  it("orders equal sums as the database collates them, not as JavaScript compares strings", async () => {
    // JavaScript compares UTF-16 code units ("😀" < "！"); SQLite and PostgreSQL's C collation compare
    // code points ("！" first); a language collation may order plain letters otherwise again.
    const tie = [
      new Map([
        ["😀", 3],
        ["！", 3],
        ["b", 3],
        ["B", 3],
      ]),
    ];
    for (const collate of [codePoints, (a: string, b: string) => a.localeCompare(b, "en")]) {
      const { days, source, expected } = daysOf(tie, collate);
      for (const limit of [1, 2, 4]) assert.deepEqual(await topCounts(days, limit, source), expected(limit));
    }
  });
});
