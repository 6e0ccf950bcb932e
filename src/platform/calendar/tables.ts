import type { DayKind } from "./working-days.ts";

/** Tables platform/calendar owns: the official holidays and make-up working days. */
export interface CalendarTables {
  calendarDays: CalendarDayRow;
}

export interface CalendarDayRow {
  date: string;
  kind: DayKind;
  name: string;
}
