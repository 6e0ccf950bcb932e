/** Errors that mean a backing service is down or overloaded (answer 503 + Retry-After, not 500). */
const PG_UNAVAILABLE = /^(08|57P0|53)/; // connection exceptions, admin shutdown / cannot connect now, insufficient resources

/** A backing service (session store, cache) did not answer; the request may be retried. */
export class ServiceUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServiceUnavailable";
  }
}

/** Whether a SQLite statement failed because another connection held the lock (any SQLITE_BUSY_*). */
export function isSqliteBusy(error: unknown): boolean {
  return String((error as { code?: unknown } | null)?.code ?? "").startsWith("SQLITE_BUSY");
}

export function isServiceUnavailable(error: unknown): boolean {
  if (error instanceof ServiceUnavailable) return true;
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const message = typeof e.message === "string" ? e.message : "";
  if (PG_UNAVAILABLE.test(code) || isSqliteBusy(error)) return true;
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"].includes(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|Stream isn't writeable|the database system is (starting up|shutting down)|terminating connection/i.test(
    message,
  );
}

/**
 * A value the database refused as out of range or malformed (PostgreSQL SQLSTATE class 22, e.g. an
 * id beyond the integer range typed into an address). That is bad input, not a server fault.
 */
export function isDataException(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code);
}
