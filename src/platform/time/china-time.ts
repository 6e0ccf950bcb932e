/**
 * Time on the platform. Instants are stored as ISO-8601 UTC strings; what people see and what
 * numbers carry (query numbers, tracking numbers, 索引号 years, working days) is China Standard Time
 * (UTC+8, no daylight saving). Every conversion between the two goes through this file.
 */

/** A calendar date "YYYY-MM-DD" (China local date, no time zone). */
export type DateString = string;

/** China Standard Time's offset from UTC. */
export const CHINA_OFFSET_MS = 8 * 3600_000;
export const CHINA_ZONE = "+08:00";
const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** All timestamps are stored as ISO-8601 UTC strings so both engines compare and sort them alike. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** A real calendar date "YYYY-MM-DD" (rejects 2025-02-30 and the like). */
export function isDateString(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** The calendar date `days` days after (or before, when negative) `date`. */
export function shiftDays(date: DateString, days: number): DateString {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** A calendar date as a number: days since 1970-01-01 (visitors' rows store their day so). */
export function dayNumber(date: DateString): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** Every calendar date from `from` to `to`, both included (none when `to` is earlier). */
export function daysFrom(from: DateString, to: DateString): DateString[] {
  const days: DateString[] = [];
  for (let day = from; day <= to; day = shiftDays(day, 1)) days.push(day);
  return days;
}

/** An instant shifted so that its UTC fields read as China wall-clock time. */
function chinaWallClock(instant: Date | string): Date {
  const t = typeof instant === "string" ? Date.parse(instant) : instant.getTime();
  return new Date(t + CHINA_OFFSET_MS);
}

/** The China-local (UTC+8) calendar date of an instant. */
export function chinaDate(instant: Date | string = new Date()): DateString {
  return chinaWallClock(instant).toISOString().slice(0, 10);
}

/** Whole seconds since China-local midnight (0 … 86,399). */
export function secondOfChinaDay(now = Date.now()): number {
  return Math.floor(((now + CHINA_OFFSET_MS) % DAY_MS) / 1000);
}

/** Seconds until the next China-local midnight (1 … 86,400): when a daily quota renews. */
export function secondsToChinaMidnight(now = Date.now()): number {
  return Math.max(1, Math.ceil((DAY_MS - ((now + CHINA_OFFSET_MS) % DAY_MS)) / 1000));
}

/** The China-local year of an instant. */
export function chinaYear(instant: Date | string = new Date()): number {
  return chinaWallClock(instant).getUTCFullYear();
}

/** Formats an ISO instant as China time "YYYY-MM-DD HH:MM" ("" when missing or malformed). */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = chinaWallClock(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().slice(0, 16).replace("T", " ");
}

/** A calendar date (China time) as the instant its day starts, or null when not a real date. */
export function chinaDayStart(date: string): Date | null {
  const value = date.trim();
  return isDateString(value) ? new Date(`${value}T00:00:00${CHINA_ZONE}`) : null;
}

/** A datetime-local value (China time, no zone) as an ISO instant, or null when malformed. */
export function chinaLocalToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  return parseInstant(value)?.toISOString() ?? null;
}

const INSTANT =
  /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$/;

/**
 * An ISO 8601 date or date-time ("2026-12-01", "2026-12-01T08:30:00Z", "…+08:00") as an instant, or
 * null. Dates and times that do not exist (2026-02-30, 24:00, 10:61) are refused: `new Date` would roll
 * them over into the next day or month. A value without a zone is China time (a date: its midnight),
 * whatever the server's own zone.
 */
export function parseInstant(text: string): Date | null {
  const value = text.trim();
  const m = INSTANT.exec(value);
  if (!m || !isDateString(m[1])) return null;
  if (m[2] !== undefined && (Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4] ?? 0) > 59)) return null;
  const zoned = m[5] !== undefined ? value : `${value}${m[2] === undefined ? "T00:00:00" : ""}${CHINA_ZONE}`;
  const d = new Date(zoned);
  return Number.isNaN(d.getTime()) ? null : d;
}
