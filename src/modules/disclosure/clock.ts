import type { WorkingDayCalendar } from "../../platform/calendar/platform-working-days.ts";
import { CLOCK } from "./model.ts";

/**
 * The 条例 (2019) clock on the platform's working-day calendar, as pure functions over instants so the
 * service, the sweep and the tests agree.
 */

/** When the answer is due: `days` working days after `from` (receipt, or receipt of the 补正). */
export function dueFrom(calendar: WorkingDayCalendar, from: Date, days: number): Date {
  return calendar.addWorkingDays(from, days);
}

/** Working days left when the clock stops at `now` (0 when already due). */
export function remainingAt(calendar: WorkingDayCalendar, now: Date, due: Date): number {
  return due <= now ? 0 : Math.max(1, calendar.workingDaysBetween(now, due));
}

/** Whether a 补正 may still be asked: within 7 working days of receipt (art. 30). */
export function correctionAllowed(calendar: WorkingDayCalendar, receivedAt: Date, now: Date): boolean {
  return calendar.workingDaysBetween(receivedAt, now) <= CLOCK.correctionWithinDays;
}

/** Working days from formed to published above the limit: late proactive disclosure (art. 26). */
export function proactiveLate(calendar: WorkingDayCalendar, formed: Date, published: Date): number {
  const days = calendar.workingDaysBetween(formed, published);
  return days > CLOCK.proactiveDays ? days : 0;
}
