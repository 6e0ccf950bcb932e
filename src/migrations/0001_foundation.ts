import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { blobType, withId } from "./helpers.ts";

// Migrations see the schema as it was, not as tables.ts says it is now: untyped on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function foundation(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("sites"), dialect)
        .addColumn("code", "text", (c) => c.notNull().unique())
        .addColumn("site_code", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("parent_id", "integer")
        .addColumn("host", "text", (c) => c.notNull().unique())
        .addColumn("theme_color", "text", (c) => c.notNull())
        .addColumn("logo_text", "text", (c) => c.notNull())
        .addColumn("sponsor", "text", (c) => c.notNull())
        .addColumn("organizer", "text", (c) => c.notNull())
        .addColumn("contact", "text", (c) => c.notNull())
        .addColumn("icp", "text", (c) => c.notNull())
        .addColumn("police_record", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("sort", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("channels"), dialect)
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("parent_id", "integer", (c) => c.references("channels.id"))
        .addColumn("slug", "text", (c) => c.notNull())
        .addColumn("path", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("sort", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("channels_site_path", ["site_id", "path"])
        .execute();

      await db.schema
        .createTable("redirects")
        .addColumn("from_path", "text", (c) => c.primaryKey())
        .addColumn("to_path", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("issuers"), dialect)
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("code", "text", (c) => c.notNull())
        .addColumn("doc_prefix", "text", (c) => c.notNull())
        .addColumn("index_format", "text", (c) => c.notNull())
        .addColumn("site_id", "integer", (c) => c.references("sites.id"))
        .execute();

      await db.schema
        .createTable("index_sequences")
        .addColumn("issuer_id", "integer", (c) => c.notNull())
        .addColumn("year", "integer", (c) => c.notNull())
        .addColumn("next", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("index_sequences_pk", ["issuer_id", "year"])
        .execute();

      await withId(db.schema.createTable("articles"), dialect)
        .addColumn("external_id", "text", (c) => c.unique())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("summary", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("body_html", "text", (c) => c.notNull())
        .addColumn("body_text", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("keywords", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("author", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("owner_site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("unpublish_reason", "text")
        .addColumn("unpublish_note", "text")
        .addColumn("redirect_to", "text")
        .addColumn("published_at", "text")
        .addColumn("scheduled_at", "text")
        .addColumn("doc_number", "text")
        .addColumn("index_no", "text", (c) => c.unique())
        .addColumn("issuer", "text")
        .addColumn("issuer_id", "integer", (c) => c.references("issuers.id"))
        .addColumn("written_at", "text")
        .addColumn("theme", "text")
        .addColumn("validity", "text")
        .addColumn("validity_note", "text")
        .addColumn("policy_id", "integer", (c) => c.references("articles.id"))
        .addColumn("table_json", "text")
        .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("created_by", "integer")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("articles_status_pub")
        .on("articles")
        .columns(["status", "published_at"])
        .execute();
      await db.schema.createIndex("articles_doc_number").on("articles").column("doc_number").execute();
      await db.schema.createIndex("articles_policy").on("articles").column("policy_id").execute();
      await db.schema
        .createIndex("articles_scheduled")
        .on("articles")
        .columns(["status", "scheduled_at"])
        .execute();

      await db.schema
        .createTable("article_channels")
        .addColumn("article_id", "integer", (c) => c.notNull().references("articles.id").onDelete("cascade"))
        .addColumn("channel_id", "integer", (c) => c.notNull().references("channels.id").onDelete("cascade"))
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addPrimaryKeyConstraint("article_channels_pk", ["article_id", "channel_id"])
        .execute();
      await db.schema
        .createIndex("article_channels_channel")
        .on("article_channels")
        .column("channel_id")
        .execute();
      await db.schema.createIndex("article_channels_site").on("article_channels").column("site_id").execute();

      await withId(db.schema.createTable("article_versions"), dialect)
        .addColumn("article_id", "integer", (c) => c.notNull().references("articles.id").onDelete("cascade"))
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("body_html", "text", (c) => c.notNull())
        .addColumn("snapshot", "text", (c) => c.notNull())
        .addColumn("note", "text", (c) => c.notNull())
        .addColumn("created_by", "integer")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("article_versions_uq", ["article_id", "version"])
        .execute();

      await db.schema
        .createTable("blobs")
        .addColumn("sha256", "text", (c) => c.primaryKey())
        .addColumn("bytes", blobType(dialect), (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("attachments"), dialect)
        .addColumn("article_id", "integer", (c) => c.references("articles.id").onDelete("cascade"))
        .addColumn("file_name", "text", (c) => c.notNull())
        .addColumn("mime", "text", (c) => c.notNull())
        .addColumn("size", "integer", (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull().references("blobs.sha256"))
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("attachments_article").on("attachments").column("article_id").execute();

      await withId(db.schema.createTable("staff_users"), dialect)
        .addColumn("username", "text", (c) => c.notNull().unique())
        .addColumn("display_name", "text", (c) => c.notNull())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("is_operator", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("totp_secret", "text")
        .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("locked_until", "text")
        .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("staff_roles")
        .addColumn("user_id", "integer", (c) => c.notNull().references("staff_users.id").onDelete("cascade"))
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("role", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("staff_roles_pk", ["user_id", "site_id", "role"])
        .execute();

      await db.schema
        .createTable("sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "integer", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("csrf", "text", (c) => c.notNull())
        .addColumn("data", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("audit_log"), dialect)
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target_type", "text", (c) => c.notNull())
        .addColumn("target_id", "text", (c) => c.notNull())
        .addColumn("detail", "text", (c) => c.notNull())
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull().unique())
        .execute();

      await withId(db.schema.createTable("error_reports"), dialect)
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("category", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("contact", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("reply", "text")
        .addColumn("answered_by", "integer")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("answered_at", "text")
        .execute();

      await db.schema
        .createTable("kv")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .execute();
    },
  };
}
