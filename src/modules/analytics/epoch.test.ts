import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Epoch, Visit } from "./epoch.ts";
import { NONE } from "./hit-buffer.ts";
import { WrittenRows } from "./written-rows.ts";

const visitOf = (visit: Visit) => {
  const steps: [string, string | null, number][] = [];
  for (let s = visit.first; s !== NONE; s = visit.next(s))
    steps.push([visit.path(s), visit.term(s), visit.second(s)]);
  return { day: visit.day, siteCode: visit.siteCode, views: visit.views, steps };
};

describe("Epoch", () => {
  it("keeps each visitor's pages in order when visitors take turns, past every column's first size", () => {
    const paths = ["/sites/a/", "/sites/a/1.html", "/sites/b/search"];
    const epoch = new Epoch(paths);
    const d = epoch.dayOfTime(Date.parse("2026-12-03T02:00:00Z"));
    const siteA = epoch.sites.number("a");
    const siteB = epoch.sites.number("b");
    const visitors: number[] = [];
    // 3,000 visitors (columns start at 1,024) reading 3 pages each, in turns (steps start at 4,096).
    for (let round = 0; round < 3; round++)
      for (let slot = 0; slot < 3000; slot++) {
        const site = slot % 2 === 0 ? siteA : siteB;
        let v = epoch.visitorOf(slot, site, d);
        if (round === 0) {
          assert.equal(v, NONE);
          const address = epoch.addAddress(slot, 1e12 + slot, 0, 0);
          const visitor = { key: 2 ** 40 + slot, site, d, address, views: 0, beacons: 0, device: 1 };
          v = epoch.addVisitor(slot, visitor);
          visitors.push(v);
        }
        assert.equal(v, visitors[slot]);
        epoch.addStep(v, (slot + round) % 3, round === 1 ? `词${slot}` : null, 100 * round + slot);
      }
    assert.equal(epoch.stepCount, 9000);
    // The same slot on another site is another visitor.
    assert.equal(epoch.visitorOf(7, siteA, d), NONE);
    for (const slot of [0, 1, 1023, 1024, 2999]) {
      const visit = visitOf(new Visit(epoch, visitors[slot]));
      assert.deepEqual(visit, {
        day: "2026-12-03",
        siteCode: slot % 2 === 0 ? "a" : "b",
        views: 3,
        steps: [0, 1, 2].map((round) => [
          paths[(slot + round) % 3],
          round === 1 ? `词${slot}` : null,
          100 * round + slot,
        ]),
      });
    }
    // Written in key order: the visitors with steps, by visitor key.
    const order = [...epoch.visitorsInKeyOrder()];
    assert.equal(order.length, 3000);
    assert.deepEqual(
      order.map((v) => epoch.visitorKey[v]),
      [...order.map((v) => epoch.visitorKey[v])].sort((x, y) => x - y),
    );
  });
});

describe("WrittenRows", () => {
  it("answers like a Map of rows through growth, overwrites and clear", () => {
    const rows = new WrittenRows();
    const reference = new Map<
      number,
      { exitPath: string; lastTerm: string | null; lastSecond: number; views: number }
    >();
    for (let i = 0; i < 10_000; i++) {
      const visitor = (i * 2_654_435_761) % 2 ** 52;
      const row = {
        exitPath: `/sites/a/${i % 7}.html`,
        lastTerm: i % 3 ? null : `t${i}`,
        lastSecond: i,
        views: i + 1,
      };
      rows.set(visitor, row);
      reference.set(visitor, row);
      if (i % 5 === 0) {
        const again = { ...row, views: row.views + 10, exitPath: "/sites/a/" };
        rows.set(visitor, again);
        reference.set(visitor, again);
      }
    }
    assert.equal(rows.size, reference.size);
    for (const [visitor, row] of reference) assert.deepEqual(rows.get(visitor), row);
    assert.equal(rows.get(12_345), undefined);
    rows.clear();
    assert.equal(rows.size, 0);
    assert.equal(rows.get([...reference.keys()][3]), undefined);
  });

  it("counts the terms it holds in its size, so one visitor's endless new terms are bounded too", () => {
    const rows = new WrittenRows();
    for (let i = 0; i < 500; i++)
      rows.set(42, { exitPath: "/sites/a/search", lastTerm: `词${i}`, lastSecond: i, views: i + 1 });
    assert.equal(rows.size, 500);
    assert.deepEqual(rows.get(42), {
      exitPath: "/sites/a/search",
      lastTerm: "词499",
      lastSecond: 499,
      views: 500,
    });
  });
});
