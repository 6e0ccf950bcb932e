import { isDateString, shiftDays, type DateString } from "../time/china-time.ts";
import { HOLIDAY_SCHEDULES } from "./holidays.ts";

export type DayKind = "holiday" | "workday";

export interface CalendarDay {
  date: DateString;
  kind: DayKind;
  name: string;
}

function assertDate(value: string): void {
  if (!isDateString(value)) throw new RangeError(`not a date: ${value}`);
}

/** Expands the built-in schedules (holidays.ts) into single days. */
export function builtInDays(): CalendarDay[] {
  const days: CalendarDay[] = [];
  for (const s of HOLIDAY_SCHEDULES) {
    const expand = (spec: string, kind: DayKind, name: string) => {
      const [from, to = from] = spec.split("..");
      let d = `${s.year}-${from}`;
      const end = `${s.year}-${to}`;
      while (d <= end) {
        days.push({ date: d, kind, name });
        d = shiftDays(d, 1);
      }
    };
    for (const [spec, name] of s.holidays) expand(spec, "holiday", name);
    for (const [spec, name] of s.workdays) expand(spec, "workday", name);
  }
  return days;
}

/**
 * Working days on the Chinese calendar: Monday–Friday, minus public holidays, plus make-up working
 * days on weekends. Time limits count from the day after the start (期间开始的日不计算在内).
 */
export class WorkingCalendar {
  private readonly days = new Map<DateString, CalendarDay>();

  constructor(days: CalendarDay[] = builtInDays()) {
    for (const d of days) this.days.set(d.date, d);
  }

  /** Adds or replaces days (e.g. rows from the calendar_days table). */
  withOverrides(days: CalendarDay[]): WorkingCalendar {
    return new WorkingCalendar([...this.days.values(), ...days]);
  }

  dayInfo(date: DateString): CalendarDay | undefined {
    return this.days.get(date);
  }

  isWorkingDay(date: DateString): boolean {
    assertDate(date);
    const special = this.days.get(date);
    if (special) return special.kind === "workday";
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /**
   * The date `n` working days after `start` (start itself not counted). With n = 0, `start` if it
   * is a working day, else the next working day.
   */
  addWorkingDays(start: DateString, n: number): DateString {
    assertDate(start);
    if (!Number.isInteger(n) || n < 0) throw new RangeError("n must be a non-negative integer");
    let d = start;
    if (n === 0) {
      while (!this.isWorkingDay(d)) d = shiftDays(d, 1);
      return d;
    }
    let left = n;
    while (left > 0) {
      d = shiftDays(d, 1);
      if (this.isWorkingDay(d)) left--;
    }
    return d;
  }

  /**
   * Working days in (from, to]: how many working days have passed from `from` to `to`.
   * Negative when `to` is before `from`.
   */
  workingDaysBetween(from: DateString, to: DateString): number {
    assertDate(from);
    assertDate(to);
    if (to < from) return -this.workingDaysBetween(to, from);
    let count = 0;
    for (let d = shiftDays(from, 1); d <= to; d = shiftDays(d, 1)) if (this.isWorkingDay(d)) count++;
    return count;
  }
}
