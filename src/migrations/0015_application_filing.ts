import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Who filed an application and for whom (本人 / 代办 with the principal and their authorisation), the
 * applicant's consent to once-only fetching, and each fetched material with its exchange audit seq
 * and the fields read. JSON, sealed at rest like the form answers (it holds ID numbers and records).
 */
export function applicationFiling(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable("applications").addColumn("filing", "text").execute();
    },
  };
}
