import { type Kysely, type Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Personal data at rest (see sealed-fields.ts): blind-index columns beside the encrypted ones that
 * the platform looks up or deduplicates by, indexes on them, and the old indexes on the clear
 * phone columns dropped (ciphertext is random per value, so they index nothing useful). The values
 * themselves are encrypted by the pass migrateToLatest runs after every migration (it needs the keys).
 */
export function sealedFields(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable("accounts").addColumn("id_number_index", "text").execute();
      await db.schema
        .createIndex("accounts_id_number_index")
        .on("accounts")
        .column("id_number_index")
        .execute();
      await db.schema.alterTable("applications").addColumn("applicant_id_index", "text").execute();
      await db.schema
        .createIndex("applications_applicant_id")
        .on("applications")
        .column("applicant_id_index")
        .execute();
      await db.schema.alterTable("letters").addColumn("phone_index", "text").execute();
      await db.schema.dropIndex("letters_phone").ifExists().execute();
      await db.schema
        .createIndex("letters_phone_index")
        .on("letters")
        .columns(["phone_index", "created_at"])
        .execute();
      await db.schema.alterTable("consultation_comments").addColumn("phone_index", "text").execute();
      await db.schema.dropIndex("consultation_comments_phone").ifExists().execute();
      await db.schema
        .createIndex("consultation_comments_phone_index")
        .on("consultation_comments")
        .columns(["phone_index", "created_at"])
        .execute();
      await db.schema.alterTable("sms_outbox").addColumn("phone_index", "text").execute();
      // Codes now find their phone by a keyed hash; the few live ones (10 minutes) are simply reissued.
      await db.deleteFrom("phone_codes").execute();
    },
  };
}
