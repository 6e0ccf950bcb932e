import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Sign-in hardening: the last TOTP time step a staff member used (a code is accepted once, RFC 6238
 * §5.2), and failed-attempt counters for submitted names that match no account (platform/auth
 * attempts.ts), keyed by a keyed hash of the normalised name so the table holds no login names.
 */
export function loginHardening(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable("staff_users").addColumn("last_totp_step", "integer").execute();
      await db.schema
        .createTable("login_attempts")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("locked_until", "text")
        .execute();
    },
  };
}
