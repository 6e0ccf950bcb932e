import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Registration batch uploads (CSV/XLSX from community workers) with their per-row errors and the
 * row each one reached (resume after a failed upload), console notices for risk alerts, and where a
 * campaign's alerts are delivered (the office's site, whose staff see the notice, and a duty phone).
 */
export function registrationBatches(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("registration_batches"), dialect)
        .addColumn("campaign_id", "integer", (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull())
        .addColumn("file_name", "text", (c) => c.notNull())
        .addColumn("format", "text", (c) => c.notNull())
        .addColumn("encoding", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("total_rows", "integer", (c) => c.notNull())
        .addColumn("next_row", "integer", (c) => c.notNull())
        .addColumn("accepted", "integer", (c) => c.notNull())
        .addColumn("rejected", "integer", (c) => c.notNull())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("finished_at", "text")
        .addUniqueConstraint("registration_batches_file", ["campaign_id", "sha256"])
        .execute();
      await db.schema
        .createTable("registration_batch_errors")
        .addColumn("batch_id", "integer", (c) => c.notNull())
        .addColumn("row_no", "integer", (c) => c.notNull())
        .addColumn("field", "text", (c) => c.notNull())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("registration_batch_errors_pk", ["batch_id", "row_no", "field"])
        .execute();
      await withId(db.schema.createTable("registration_notices"), dialect)
        .addColumn("campaign_id", "integer", (c) => c.notNull())
        .addColumn("alert_id", "integer", (c) => c.notNull())
        .addColumn("site_id", "integer")
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("registration_notices_site")
        .on("registration_notices")
        .columns(["site_id", "id"])
        .execute();
      await db.schema.alterTable("registration_campaigns").addColumn("office_site_id", "integer").execute();
      await db.schema.alterTable("registration_campaigns").addColumn("office_phone", "text").execute();
    },
  };
}
