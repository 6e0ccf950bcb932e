import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { blobType, withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** Electronic licences: the licences, status lists, the RFC 9162 transparency log. */
export function licences(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("licences"), dialect)
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("holder_account_id", "integer", (c) => c.notNull())
        .addColumn("department", "text", (c) => c.notNull())
        .addColumn("issued_by", "text", (c) => c.notNull())
        .addColumn("status_list_id", "integer", (c) => c.notNull())
        .addColumn("status_idx", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("issued_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text")
        .addColumn("sd_jwt", "text", (c) => c.notNull())
        .addColumn("holder_key", "text", (c) => c.notNull())
        .addColumn("leaf_hash", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addUniqueConstraint("licences_status_entry", ["status_list_id", "status_idx"])
        .execute();
      await db.schema.createIndex("licences_holder").on("licences").columns(["holder_account_id"]).execute();
      await withId(db.schema.createTable("licence_status_lists"), dialect)
        .addColumn("size", "integer", (c) => c.notNull())
        .addColumn("bits", "integer", (c) => c.notNull())
        .addColumn("statuses", "text", (c) => c.notNull())
        .addColumn("used", "integer", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("licence_log_leaves")
        .addColumn("idx", "bigint", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("entry", "text", (c) => c.notNull())
        .addColumn("leaf_hash", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("licence_log_leaf_hash")
        .on("licence_log_leaves")
        .columns(["leaf_hash"])
        .execute();
      await db.schema
        .createTable("licence_log_nodes")
        .addColumn("level", "integer", (c) => c.notNull())
        .addColumn("idx", "bigint", (c) => c.notNull())
        .addColumn("hash", blobType(dialect), (c) => c.notNull())
        .addPrimaryKeyConstraint("licence_log_nodes_pk", ["level", "idx"])
        .execute();
      await db.schema
        .createTable("licence_tree_heads")
        .addColumn("tree_size", "bigint", (c) => c.primaryKey())
        .addColumn("root_hash", "text", (c) => c.notNull())
        .addColumn("timestamp", "bigint", (c) => c.notNull())
        .addColumn("signature", "text", (c) => c.notNull())
        .execute();
    },
  };
}
