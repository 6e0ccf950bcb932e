import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  chinaDate,
  chinaDayStart,
  chinaLocalToIso,
  chinaTime,
  chinaYear,
  dayNumber,
  daysFrom,
  isDateString,
  nowIso,
  parseInstant,
  shiftDays,
} from "./china-time.ts";

describe("China time (UTC+8)", () => {
  it("gives the China date of an instant, which is a day ahead of UTC before 08:00", () => {
    assert.equal(chinaDate("2026-01-31T17:00:00Z"), "2026-02-01");
    assert.equal(chinaDate(new Date("2026-03-01T23:30:00Z")), "2026-03-02");
    assert.equal(chinaDate("2026-03-02T15:59:59Z"), "2026-03-02");
    assert.equal(chinaYear("2026-12-31T16:00:00Z"), 2027);
    assert.equal(chinaYear("2026-12-31T15:59:59Z"), 2026);
  });

  it("formats instants as China wall-clock time and reads datetime-local values back", () => {
    assert.equal(chinaTime("2026-03-01T23:30:00.000Z"), "2026-03-02 07:30");
    assert.equal(chinaTime(null), "");
    assert.equal(chinaTime("not a time"), "");
    assert.equal(chinaLocalToIso("2026-03-02T07:30"), "2026-03-01T23:30:00.000Z");
    assert.equal(chinaLocalToIso("2026-03-02T07:30:15"), "2026-03-01T23:30:15.000Z");
    assert.equal(chinaLocalToIso("2026-03-02 07:30"), null);
  });

  it("starts a China day at 16:00 UTC the day before and rejects dates that do not exist", () => {
    assert.equal(chinaDayStart("2026-03-02")?.toISOString(), "2026-03-01T16:00:00.000Z");
    assert.equal(chinaDayStart(" 2024-02-29 ")?.toISOString(), "2024-02-28T16:00:00.000Z");
    assert.equal(chinaDayStart("2025-02-29"), null);
    assert.equal(chinaDayStart("2025-2-1"), null);
    assert.equal(isDateString("2025-02-28"), true);
    assert.equal(isDateString("2025-02-30"), false);
  });

  it("shifts calendar dates across month and year ends", () => {
    assert.equal(shiftDays("2025-12-31", 1), "2026-01-01");
    assert.equal(shiftDays("2024-03-01", -1), "2024-02-29");
  });

  it("numbers dates by days since 1970, one apart from one day to the next", () => {
    assert.equal(dayNumber("1970-01-01"), 0);
    assert.equal(dayNumber("2026-12-04"), 20_791);
    for (const day of ["2024-02-28", "2025-12-31", "2026-03-08"])
      assert.equal(dayNumber(shiftDays(day, 1)) - dayNumber(day), 1, day);
  });

  it("lists every date of a range, both ends included", () => {
    assert.deepEqual(daysFrom("2024-02-28", "2024-03-01"), ["2024-02-28", "2024-02-29", "2024-03-01"]);
    assert.deepEqual(daysFrom("2026-12-01", "2026-12-01"), ["2026-12-01"]);
    assert.deepEqual(daysFrom("2026-12-02", "2026-12-01"), []);
  });

  it("reads ISO dates and times that exist, and refuses those new Date would roll over", () => {
    assert.equal(parseInstant("2026-12-01T08:30:00Z")?.toISOString(), "2026-12-01T08:30:00.000Z");
    assert.equal(parseInstant("2026-12-01T08:30:00.123+08:00")?.toISOString(), "2026-12-01T00:30:00.123Z");
    // Without a zone: China time, whatever the server's zone.
    assert.equal(parseInstant("2024-02-29")?.toISOString(), "2024-02-28T16:00:00.000Z");
    assert.equal(parseInstant("2026-12-01T08:30")?.toISOString(), "2026-12-01T00:30:00.000Z");
    for (const bad of [
      "2027-02-31",
      "2026-02-30T00:00:00Z",
      "2026-12-01T24:00:00Z",
      "2026-12-01T10:61Z",
      "昨天",
      "Dec 1 2026",
    ])
      assert.equal(parseInstant(bad), null, bad);
    assert.equal(chinaLocalToIso("2026-12-01T08:30"), "2026-12-01T00:30:00.000Z");
    assert.equal(chinaLocalToIso("2026-02-30T08:30"), null);
    assert.equal(chinaLocalToIso("2026-12-01T25:30"), null);
  });

  it("stores instants as UTC ISO strings", () => {
    assert.match(nowIso(), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});
