import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** 跨省通办: trusted peers, offered and federated items, forwarded applications, inbox and outbox. */
export function federation(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("federation_peers"), dialect)
        .addColumn("code", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("base_url", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("public_jwk", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("imported_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await withId(db.schema.createTable("federation_offers"), dialect)
        .addColumn("item_code", "text", (c) => c.notNull().unique())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await withId(db.schema.createTable("federation_items"), dialect)
        .addColumn("peer_code", "text", (c) => c.notNull())
        .addColumn("item_code", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("department", "text", (c) => c.notNull())
        .addColumn("guide", "text", (c) => c.notNull())
        .addColumn("form", "text", (c) => c.notNull())
        .addColumn("form_version", "integer", (c) => c.notNull())
        .addColumn("synced_at", "text", (c) => c.notNull())
        .addUniqueConstraint("federation_items_peer_item", ["peer_code", "item_code"])
        .execute();
      await withId(db.schema.createTable("federation_applications"), dialect)
        .addColumn("number", "text", (c) => c.notNull().unique())
        .addColumn("account_id", "integer", (c) => c.notNull())
        .addColumn("form_key", "text", (c) => c.notNull())
        .addColumn("peer_code", "text", (c) => c.notNull())
        .addColumn("item_code", "text", (c) => c.notNull())
        .addColumn("item_name", "text", (c) => c.notNull())
        .addColumn("data", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("remote_no", "text")
        .addColumn("remote_status", "text")
        .addColumn("remote_status_label", "text")
        .addColumn("last_seq", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("refusal", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addUniqueConstraint("federation_applications_form_key", ["account_id", "form_key"])
        .execute();
      await db.schema
        .createIndex("federation_applications_account")
        .on("federation_applications")
        .columns(["account_id", "id"])
        .execute();
      await withId(db.schema.createTable("federation_events"), dialect)
        .addColumn("application_id", "integer", (c) => c.notNull())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("label", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("note", "text")
        .addColumn("at", "text", (c) => c.notNull())
        .addUniqueConstraint("federation_events_app_seq", ["application_id", "seq"])
        .execute();
      await withId(db.schema.createTable("federation_inbound"), dialect)
        .addColumn("application_id", "integer", (c) => c.notNull().unique())
        .addColumn("peer_code", "text", (c) => c.notNull())
        .addColumn("origin_no", "text", (c) => c.notNull())
        .addColumn("sent_events", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("federation_inbound_origin", ["peer_code", "origin_no"])
        .execute();
      await withId(db.schema.createTable("federation_inbox"), dialect)
        .addColumn("peer_code", "text", (c) => c.notNull())
        .addColumn("idempotency_key", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("status", "integer", (c) => c.notNull())
        .addColumn("answer", "text", (c) => c.notNull())
        .addColumn("received_at", "text", (c) => c.notNull())
        .addUniqueConstraint("federation_inbox_key", ["peer_code", "idempotency_key"])
        .execute();
      await withId(db.schema.createTable("federation_outbox"), dialect)
        .addColumn("peer_code", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
        .addColumn("purpose_case", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_attempt_at", "text", (c) => c.notNull())
        .addColumn("last_error", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("delivered_at", "text")
        .execute();
      await db.schema
        .createIndex("federation_outbox_due")
        .on("federation_outbox")
        .columns(["status", "next_attempt_at"])
        .execute();
    },
    async down(db: AnyDb) {
      for (const table of [
        "federation_outbox",
        "federation_inbox",
        "federation_inbound",
        "federation_events",
        "federation_applications",
        "federation_items",
        "federation_offers",
        "federation_peers",
      ])
        await db.schema.dropTable(table).execute();
    },
  };
}
