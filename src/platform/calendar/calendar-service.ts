import type { Kysely } from "kysely";

import type { CalendarTables } from "./tables.ts";

import type { AuditLog } from "../audit/audit-log.ts";

import { Invalid } from "../http/errors.ts";

import { HOLIDAY_SCHEDULES } from "./holidays.ts";

import { isDateString } from "../time/china-time.ts";

import { WorkingCalendar, type CalendarDay, type DayKind } from "./working-days.ts";

export { WorkingCalendar } from "./working-days.ts";

/**
 * The platform's working-day calendar: the built-in State Council schedules (holidays.ts) plus the
 * days operators configure in the `calendar_days` table, which win for the same date.
 */
export class CalendarService {
  private cached: WorkingCalendar | null = null;
  private loadedAt = 0;

  constructor(
    private readonly db: Kysely<CalendarTables>,
    private readonly audit: AuditLog,
  ) {}

  /** The current calendar (reloaded at most every 30 s so other instances' edits arrive). */
  async calendar(): Promise<WorkingCalendar> {
    if (this.cached && Date.now() - this.loadedAt < 30000) return this.cached;
    const rows = await this.db.selectFrom("calendarDays").select(["date", "kind", "name"]).execute();
    this.cached = new WorkingCalendar().withOverrides(
      rows.map((r) => ({ date: r.date, kind: r.kind as DayKind, name: r.name })),
    );
    this.loadedAt = Date.now();
    return this.cached;
  }

  /** Whether a year has an official (non-provisional) schedule, built in or configured. */
  async yearStatus(year: number): Promise<{ configured: number; builtIn: boolean; provisional: boolean }> {
    const s = HOLIDAY_SCHEDULES.find((x) => x.year === year);
    const n = await this.db
      .selectFrom("calendarDays")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("date", ">=", `${year}-01-01`)
      .where("date", "<=", `${year}-12-31`)
      .executeTakeFirstOrThrow();
    return { configured: Number(n.n), builtIn: !!s, provisional: s ? s.provisional : true };
  }

  async configuredDays(year: number): Promise<CalendarDay[]> {
    const rows = await this.db
      .selectFrom("calendarDays")
      .select(["date", "kind", "name"])
      .where("date", ">=", `${year}-01-01`)
      .where("date", "<=", `${year}-12-31`)
      .orderBy("date")
      .execute();
    return rows.map((r) => ({ date: r.date, kind: r.kind as DayKind, name: r.name }));
  }

  /** Configures one day as a holiday or a make-up working day (overrides the built-in schedule). */
  async setDay(day: CalendarDay, actor: string): Promise<void> {
    const errors: Record<string, string> = {};
    if (!isDateString(day.date)) errors.date = "请填写有效日期，如 2027-02-05";
    if (day.kind !== "holiday" && day.kind !== "workday") errors.kind = "请选择放假或上班";
    if (!day.name.trim() || day.name.length > 30) errors.name = "请填写名称（30字以内）";
    if (Object.keys(errors).length) throw new Invalid("日历设置有误", errors);
    await this.db
      .insertInto("calendarDays")
      .values({ date: day.date, kind: day.kind, name: day.name.trim() })
      .onConflict((oc) => oc.column("date").doUpdateSet({ kind: day.kind, name: day.name.trim() }))
      .execute();
    await this.audit.record({
      actor,
      action: "calendar.set",
      targetType: "calendar_day",
      targetId: day.date,
      detail: { kind: day.kind, name: day.name },
    });
    this.cached = null;
  }

  async removeDay(date: string, actor: string): Promise<void> {
    await this.db.deleteFrom("calendarDays").where("date", "=", date).execute();
    await this.audit.record({ actor, action: "calendar.remove", targetType: "calendar_day", targetId: date });
    this.cached = null;
  }
}
