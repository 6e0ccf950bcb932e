import { createHmac } from "node:crypto";
import { sql } from "kysely";
import type { AnyView } from "../db/database.ts";

/** How many secrets may be tried before a lock, and for how long the lock holds. */
export interface AttemptPolicy {
  max: number;
  lockMinutes: number;
}

/**
 * Where a failure counter lives: the `failed_logins` / `locked_until` columns of an account row
 * (staff_users, accounts), or of a `login_attempts` row for a submitted name that matches no account.
 */
export type AttemptTarget =
  { table: "staff_users" | "accounts"; id: number } | { table: "login_attempts"; key: string };

/** What reserving an attempt found: the secret may be checked, or the name is locked. */
export type Reservation = "check" | "locked";

/**
 * Sign-in attempt limits that hold under parallel requests. An attempt is reserved with one atomic
 * `UPDATE … SET failed_logins = failed_logins + 1 … RETURNING` BEFORE the secret is compared, so a
 * burst of guesses sent at once is counted as it arrives: only the first `max` are ever compared,
 * the rest are refused without a check. A failed check that used the last attempt locks the name;
 * a success resets the counter. Unknown names count in `login_attempts` exactly like real accounts,
 * so the answers (and the work done) do not tell which names exist.
 */
export class AttemptLimiter {
  constructor(
    private readonly db: AnyView,
    private readonly policy: AttemptPolicy,
    /** Keys the hash of unknown names, so the table does not reveal what was typed. */
    private readonly secret: string,
  ) {}

  /** The `login_attempts` target of a name that matches no account. */
  unknownName(scope: string, normalisedName: string): AttemptTarget {
    const key = createHmac("sha256", this.secret).update(`${scope}:${normalisedName}`).digest("hex");
    return { table: "login_attempts", key };
  }

  /** Takes one attempt, or answers "locked" (locked now, or the attempts are all taken). */
  async reserve(target: AttemptTarget, now = new Date()): Promise<Reservation> {
    const at = now.toISOString();
    const until = new Date(now.getTime() + this.policy.lockMinutes * 60_000).toISOString();
    if (target.table === "login_attempts")
      await sql`INSERT INTO login_attempts (key, failed_logins) VALUES (${target.key}, 0)
        ON CONFLICT (key) DO NOTHING`.execute(this.db);
    const expired = sql`locked_until IS NOT NULL AND locked_until <= ${at}`;
    const count = sql`CASE WHEN ${expired} THEN 1 ELSE failed_logins + 1 END`;
    // A lock that has run out starts a fresh count; a reservation beyond the limit locks at once.
    const result = await sql<{ n: number }>`UPDATE ${sql.table(target.table)}
      SET failed_logins = ${count},
          locked_until = CASE WHEN ${count} > ${this.policy.max} THEN ${until} ELSE NULL END
      WHERE ${where(target)} AND (locked_until IS NULL OR locked_until <= ${at})
      RETURNING failed_logins AS n`.execute(this.db);
    const row = result.rows[0];
    return row && Number(row.n) <= this.policy.max ? "check" : "locked";
  }

  /** A reserved attempt failed: locks the name when it was the last one. True when now locked. */
  async failed(target: AttemptTarget, now = new Date()): Promise<boolean> {
    const until = new Date(now.getTime() + this.policy.lockMinutes * 60_000).toISOString();
    const at = now.toISOString();
    const result = await sql<{ n: number }>`UPDATE ${sql.table(target.table)}
      SET locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until > ${at}
                              THEN locked_until ELSE ${until} END
      WHERE ${where(target)} AND failed_logins >= ${this.policy.max}
      RETURNING failed_logins AS n`.execute(this.db);
    return result.rows.length > 0;
  }

  /** A first factor succeeded but the sign-in is not complete: gives the reserved attempt back. */
  async release(target: AttemptTarget): Promise<void> {
    await sql`UPDATE ${sql.table(target.table)}
      SET failed_logins = CASE WHEN failed_logins > 0 THEN failed_logins - 1 ELSE 0 END
      WHERE ${where(target)} AND locked_until IS NULL`.execute(this.db);
  }

  /** A completed sign-in (or an operator's unlock): the count starts again. */
  async reset(target: AttemptTarget): Promise<void> {
    await sql`UPDATE ${sql.table(target.table)} SET failed_logins = 0, locked_until = NULL
      WHERE ${where(target)}`.execute(this.db);
  }
}

function where(target: AttemptTarget) {
  return target.table === "login_attempts" ? sql`key = ${target.key}` : sql`id = ${target.id}`;
}
