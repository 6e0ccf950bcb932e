/**
 * Working days for letter time limits. The platform's Chinese-calendar implementation (holidays and
 * make-up working days) lives in src/platform/calendar/ on another branch; until it is merged this
 * module uses the weekend-only calendar below behind the same small interface.
 */
export interface WorkingDayCalendar {
  /** The moment `days` working days after `from` (same time of day). */
  addWorkingDays(from: Date, days: number): Date;
  /** Whole working days from a to b (0 when b is not after a); the day of `a` itself does not count. */
  workingDaysBetween(a: Date, b: Date): number;
}

const DAY = 86_400_000;
/** Dates are judged in China time (UTC+8): a letter filed at 01:00 Monday local time is a Monday letter. */
const CN_OFFSET = 8 * 3600_000;

function isWeekend(t: number): boolean {
  const day = new Date(t + CN_OFFSET).getUTCDay();
  return day === 0 || day === 6;
}

export class WeekendCalendar implements WorkingDayCalendar {
  addWorkingDays(from: Date, days: number): Date {
    let t = from.getTime();
    let left = Math.max(0, Math.floor(days));
    while (left > 0) {
      t += DAY;
      if (!isWeekend(t)) left--;
    }
    return new Date(t);
  }

  workingDaysBetween(a: Date, b: Date): number {
    const start = a.getTime();
    const end = b.getTime();
    if (end <= start) return 0;
    let n = 0;
    for (let t = start + DAY; t <= end; t += DAY) if (!isWeekend(t)) n++;
    return n;
  }
}
