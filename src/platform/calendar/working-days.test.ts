import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { WorkingCalendar, builtInDays } from "./working-days.ts";

describe("working-day calendar (built-in State Council schedules)", () => {
  const cal = new WorkingCalendar();

  it("treats public holidays as days off and make-up weekends as working days", () => {
    assert.equal(cal.isWorkingDay("2025-10-01"), false); // 国庆
    assert.equal(cal.isWorkingDay("2025-10-08"), false);
    assert.equal(cal.isWorkingDay("2025-09-28"), true); // Sunday, 调休上班
    assert.equal(cal.isWorkingDay("2025-10-11"), true); // Saturday, 调休上班
    assert.equal(cal.isWorkingDay("2026-02-14"), true); // Saturday before 春节
    assert.equal(cal.isWorkingDay("2026-02-16"), false); // 春节
    assert.equal(cal.isWorkingDay("2026-03-07"), false); // ordinary Saturday
    assert.equal(cal.isWorkingDay("2026-03-09"), true); // ordinary Monday
  });

  it("adds working days across the 2025 National Day week", () => {
    // Friday 2025-09-26 + 1 → Sunday 09-28 (make-up day); + 3 → Tuesday 09-30; + 4 → Thursday 10-09.
    assert.equal(cal.addWorkingDays("2025-09-26", 1), "2025-09-28");
    assert.equal(cal.addWorkingDays("2025-09-26", 3), "2025-09-30");
    assert.equal(cal.addWorkingDays("2025-09-26", 4), "2025-10-09");
    assert.equal(cal.addWorkingDays("2025-09-30", 2), "2025-10-10");
    assert.equal(cal.addWorkingDays("2025-10-05", 0), "2025-10-09");
  });

  it("gives 20 working days across 春节 2026 as the statutory limit would count them", () => {
    // Tuesday 2026-02-10: 02-11..14 (Sat make-up) = 4; 春节 15–23 off; 02-24..27 = 8; 02-28 (Sat
    // make-up) = 9; two full weeks = 19; Monday 03-16 = 20.
    const due = cal.addWorkingDays("2026-02-10", 20);
    assert.equal(due, "2026-03-16");
    assert.equal(cal.workingDaysBetween("2026-02-10", due), 20);
  });

  it("counts working days between two dates, negative when reversed", () => {
    assert.equal(cal.workingDaysBetween("2026-04-30", "2026-05-11"), 5); // 05-06,07,08,09(Sat),11
    assert.equal(cal.workingDaysBetween("2026-05-11", "2026-04-30"), -5);
    assert.equal(cal.workingDaysBetween("2026-05-11", "2026-05-11"), 0);
  });

  it("falls back to plain weekends for a year without a schedule", () => {
    assert.equal(cal.isWorkingDay("2030-10-01"), true);
    assert.equal(cal.addWorkingDays("2030-01-04", 1), "2030-01-07");
  });

  it("expands the built-in holiday schedules", () => {
    assert.ok(builtInDays().some((d) => d.date === "2027-02-05" && d.kind === "holiday"));
  });

  it("rejects malformed dates", () => {
    assert.throws(() => cal.addWorkingDays("2026-02-30", 1), RangeError);
  });
});

for (const engine of ENGINES) {
  describe(`calendar configuration on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine, { seed: false });
    });
    after(async () => t?.close());

    it("lets an operator configure the official 2027 schedule, overriding the provisional days", async () => {
      const before = await t.deps.calendar.calendar();
      assert.equal(before.isWorkingDay("2027-02-09"), true);
      await t.deps.calendar.setDay({ date: "2027-02-09", kind: "holiday", name: "春节" }, "test");
      await t.deps.calendar.setDay({ date: "2027-02-20", kind: "workday", name: "春节调休" }, "test");
      const cal = await t.deps.calendar.calendar();
      assert.equal(cal.isWorkingDay("2027-02-09"), false);
      assert.equal(cal.isWorkingDay("2027-02-20"), true);
      const days = await t.deps.calendar.configuredDays(2027);
      assert.deepEqual(
        days.map((d) => d.date),
        ["2027-02-09", "2027-02-20"],
      );
      await assert.rejects(
        t.deps.calendar.setDay({ date: "2027-13-01", kind: "holiday", name: "x" }, "test"),
        /日历设置有误/,
      );
      await t.deps.calendar.removeDay("2027-02-09", "test");
      assert.equal((await t.deps.calendar.calendar()).isWorkingDay("2027-02-09"), true);
    });
  });
}
