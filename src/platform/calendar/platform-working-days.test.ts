import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WorkingCalendar } from "./working-days.ts";
import { PlatformWorkingDays } from "./platform-working-days.ts";

/** China time (UTC+8) instant. */
const cn = (local: string) => new Date(`${local}+08:00`);

describe("interaction working days on the platform calendar", () => {
  const source = new PlatformWorkingDays({ calendar: async () => new WorkingCalendar() });

  it("skips the 2026 National Day week and counts the make-up Saturday, keeping the time of day", async () => {
    const cal = await source.current();
    // Wednesday 09-30 10:00: 10-01..07 off, Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 make-up (3).
    assert.deepEqual(cal.addWorkingDays(cn("2026-09-30T10:00:00"), 3), cn("2026-10-10T10:00:00"));
    assert.deepEqual(cal.addWorkingDays(cn("2026-09-30T10:00:00"), 4), cn("2026-10-12T10:00:00"));
    // Sunday 09-20 is a make-up day too: filed Friday 09-18 evening, one working day later is Sunday.
    assert.deepEqual(cal.addWorkingDays(cn("2026-09-18T20:30:00"), 1), cn("2026-09-20T20:30:00"));
    assert.equal(cal.workingDaysBetween(cn("2026-09-30T10:00:00"), cn("2026-10-10T10:00:00")), 3);
  });

  it("skips Spring Festival 2026 and counts the Saturdays before and after it", async () => {
    const cal = await source.current();
    // Friday 02-13 + 1 = Saturday 02-14 (make-up); + 2 = Tuesday 02-24 after 春节 (02-15..23).
    assert.deepEqual(cal.addWorkingDays(cn("2026-02-13T09:00:00"), 1), cn("2026-02-14T09:00:00"));
    assert.deepEqual(cal.addWorkingDays(cn("2026-02-13T09:00:00"), 2), cn("2026-02-24T09:00:00"));
    // Tuesday 02-24 + 5: 25, 26, 27, Sat 28 (make-up), Mon 03-02.
    assert.deepEqual(cal.addWorkingDays(cn("2026-02-24T09:00:00"), 5), cn("2026-03-02T09:00:00"));
  });

  it("judges the day in China time and counts whole days only", async () => {
    const cal = await source.current();
    // 2026-09-30T17:00Z is already 10-01 01:00 in China: a holiday, so +1 is 10-08.
    assert.deepEqual(cal.addWorkingDays(new Date("2026-09-30T17:00:00Z"), 1), cn("2026-10-08T01:00:00"));
    assert.equal(cal.workingDaysBetween(cn("2026-03-09T10:00:00"), cn("2026-03-10T09:00:00")), 0);
    assert.equal(cal.workingDaysBetween(cn("2026-03-10T10:00:00"), cn("2026-03-09T10:00:00")), 0);
    assert.deepEqual(cal.addWorkingDays(cn("2026-10-03T10:00:00"), 0), cn("2026-10-03T10:00:00"));
  });

  it("follows days an operator configured", async () => {
    const custom = new PlatformWorkingDays({
      calendar: async () =>
        new WorkingCalendar().withOverrides([{ date: "2030-03-11", kind: "holiday", name: "测试" }]),
    });
    const cal = await custom.current();
    // Friday 2030-03-08 + 1: Monday 03-11 is configured off → Tuesday 03-12.
    assert.deepEqual(cal.addWorkingDays(cn("2030-03-08T09:00:00"), 1), cn("2030-03-12T09:00:00"));
  });
});
