/** All timestamps are stored as ISO-8601 UTC strings so both engines compare and sort them alike. */
export function nowIso(): string {
  return new Date().toISOString();
}
