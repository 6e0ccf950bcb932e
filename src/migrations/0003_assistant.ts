import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/** The assistant: FAQ knowledge base (per site, reviewed), conversations, turns, hand-offs. */
export function assistant(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("assistant_faqs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("department", "text", (c) => c.notNull())
        .addColumn("category", "text", (c) => c.notNull())
        .addColumn("question", "text", (c) => c.notNull())
        .addColumn("alternatives", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("answer", "text", (c) => c.notNull())
        .addColumn("keywords", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("links", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("published_json", "text")
        .addColumn("published_at", "text")
        .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("created_by", "integer")
        .addColumn("reviewed_by", "integer")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("assistant_faqs_site")
        .on("assistant_faqs")
        .columns(["site_id", "status"])
        .execute();

      await db.schema
        .createTable("assistant_conversations")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("site_id", "integer")
        .addColumn("context", "text")
        .addColumn("turn_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("assistant_turns"), dialect)
        .addColumn("conversation_id", "text", (c) => c.notNull().references("assistant_conversations.id"))
        .addColumn("question", "text", (c) => c.notNull())
        .addColumn("faq_id", "text")
        .addColumn("answered", "integer", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("confidence", "real", (c) => c.notNull())
        .addColumn("used_context", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("rating", "integer")
        .addColumn("resolved", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("assistant_turns_conv")
        .on("assistant_turns")
        .column("conversation_id")
        .execute();
      await db.schema
        .createIndex("assistant_turns_created")
        .on("assistant_turns")
        .column("created_at")
        .execute();

      await withId(db.schema.createTable("assistant_handoffs"), dialect)
        .addColumn("conversation_id", "text", (c) => c.notNull())
        .addColumn("site_id", "integer")
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("contact", "text", (c) => c.notNull())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("transcript", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable("assistant_handoffs").execute();
      await db.schema.dropTable("assistant_turns").execute();
      await db.schema.dropTable("assistant_conversations").execute();
      await db.schema.dropTable("assistant_faqs").execute();
    },
  };
}
