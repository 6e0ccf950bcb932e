import type { CalendarService } from "./calendar-service.ts";
import { chinaDate, shiftDays } from "../time/china-time.ts";
import type { WorkingCalendar } from "./working-days.ts";

/**
 * Working days for letter time limits, on instants (a letter is due at the same time of day, China
 * time, as it was filed). The days themselves come from the platform's Chinese calendar
 * (src/platform/calendar/: State Council holidays, make-up working days, operators' overrides), so
 * letters and service applications count working days the same way.
 */
export interface WorkingDayCalendar {
  /** The moment `days` working days after `from` (same time of day). */
  addWorkingDays(from: Date, days: number): Date;
  /** Whole working days from a to b (0 when b is not after a); the day of `a` itself does not count. */
  workingDaysBetween(a: Date, b: Date): number;
}

/** Gives the current calendar; operators may change holidays at run time, so ask per use case. */
export interface WorkingDaySource {
  current(): Promise<WorkingDayCalendar>;
}

const DAY = 86_400_000;

/** Instant-based view of one snapshot of the platform calendar. */
export class ChinaWorkingDayCalendar implements WorkingDayCalendar {
  constructor(private readonly days: WorkingCalendar) {}

  addWorkingDays(from: Date, days: number): Date {
    const n = Math.max(0, Math.floor(days));
    if (n === 0) return new Date(from.getTime());
    const start = chinaDate(from);
    const end = this.days.addWorkingDays(start, n);
    const shift = Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY);
    return new Date(from.getTime() + shift * DAY);
  }

  workingDaysBetween(a: Date, b: Date): number {
    const whole = Math.floor((b.getTime() - a.getTime()) / DAY);
    if (whole <= 0) return 0;
    const start = chinaDate(a);
    return this.days.workingDaysBetween(start, shiftDays(start, whole));
  }
}

/** The interaction centre's adapter onto the platform CalendarService. */
export class PlatformWorkingDays implements WorkingDaySource {
  constructor(private readonly platform: Pick<CalendarService, "calendar">) {}

  async current(): Promise<WorkingDayCalendar> {
    return new ChinaWorkingDayCalendar(await this.platform.calendar());
  }
}
