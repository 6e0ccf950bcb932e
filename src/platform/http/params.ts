import { Type } from "typebox";

/** A page number from the query string: a positive integer up to `max`, else 1. */
export function pageParam(value: unknown, max = 10000): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : 1;
}

/** A year from the query string (1949 to 2100), else `fallback`. */
export function yearParam(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1949 && n <= 2100 ? n : fallback;
}

/** A positive database id from a path or form value (1 to 9 digits), else null. */
export function idParam(value: unknown): number | null {
  return typeof value === "string" && /^\d{1,9}$/.test(value) && Number(value) > 0 ? Number(value) : null;
}

/** A database id in a path: any short string reaches the handler, which answers 404 for a non-id (idParam). */
export const IdParams = Type.Object({ id: Type.String({ maxLength: 20 }) });

/** What a page says after a redirect (?saved=1, ?done=…): unknown values show nothing, never an error. */
export const NoticeQuery = Type.Object({
  saved: Type.Optional(Type.String({ maxLength: 40 })),
  done: Type.Optional(Type.String({ maxLength: 40 })),
});
