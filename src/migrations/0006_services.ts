import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** Working-day calendar, service catalogue, accounts, forms, applications, bundles, evaluations. */
export function services(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("calendar_days")
        .addColumn("date", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("service_items"), dialect)
        .addColumn("code", "text", (c) => c.notNull().unique())
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("item_type", "text", (c) => c.notNull())
        .addColumn("for_person", "integer", (c) => c.notNull())
        .addColumn("for_legal", "integer", (c) => c.notNull())
        .addColumn("themes", "text", (c) => c.notNull())
        .addColumn("life_events", "text", (c) => c.notNull())
        .addColumn("online_depth", "text", (c) => c.notNull())
        .addColumn("visits", "integer", (c) => c.notNull())
        .addColumn("legal_limit_days", "integer", (c) => c.notNull())
        .addColumn("committed_limit_days", "integer", (c) => c.notNull())
        .addColumn("guide", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("form_version", "integer")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("service_items_site")
        .on("service_items")
        .columns(["site_id", "status"])
        .execute();

      await withId(db.schema.createTable("accounts"), dialect)
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("login_name", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("id_number", "text")
        .addColumn("credit_code", "text")
        .addColumn("contact_name", "text")
        .addColumn("phone", "text", (c) => c.notNull())
        .addColumn("password_hash", "text")
        .addColumn("verified", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("provider", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("locked_until", "text")
        .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("accounts_provider_subject", ["provider", "subject"])
        .execute();

      await withId(db.schema.createTable("service_forms"), dialect)
        .addColumn("item_code", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("schema", "text", (c) => c.notNull())
        .addColumn("note", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("service_forms_item_version", ["item_code", "version"])
        .execute();

      await withId(db.schema.createTable("service_bundles"), dialect)
        .addColumn("code", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("item_codes", "text", (c) => c.notNull())
        .addColumn("life_event", "text", (c) => c.notNull())
        .addColumn("audience", "text", (c) => c.notNull())
        .addColumn("sort", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("bundle_applications"), dialect)
        .addColumn("tracking_no", "text", (c) => c.notNull().unique())
        .addColumn("bundle_code", "text", (c) => c.notNull())
        .addColumn("account_id", "integer", (c) => c.notNull())
        .addColumn("idempotency_key", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("bundle_applications_idem", ["account_id", "idempotency_key"])
        .execute();

      await withId(db.schema.createTable("applications"), dialect)
        .addColumn("tracking_no", "text", (c) => c.notNull().unique())
        .addColumn("item_code", "text", (c) => c.notNull())
        .addColumn("item_name", "text", (c) => c.notNull())
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("account_id", "integer", (c) => c.notNull())
        .addColumn("bundle_application_id", "integer")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("suspended_from", "text")
        .addColumn("form_version", "integer", (c) => c.notNull())
        .addColumn("data", "text", (c) => c.notNull())
        .addColumn("applicant_name", "text", (c) => c.notNull())
        .addColumn("idempotency_key", "text", (c) => c.notNull())
        .addColumn("correction_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("correction_note", "text")
        .addColumn("prereview", "text", (c) => c.notNull())
        .addColumn("assignee_id", "integer")
        .addColumn("assignee_name", "text")
        .addColumn("outcome", "text")
        .addColumn("outcome_text", "text")
        .addColumn("online", "integer", (c) => c.notNull())
        .addColumn("visits", "integer", (c) => c.notNull())
        .addColumn("accepted_on", "text")
        .addColumn("due_legal", "text")
        .addColumn("due_committed", "text")
        .addColumn("due_delivery", "text")
        .addColumn("suspended_on", "text")
        .addColumn("suspended_days", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("submitted_at", "text")
        .addColumn("decided_at", "text")
        .addColumn("closed_at", "text")
        .addColumn("on_time", "integer")
        .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addUniqueConstraint("applications_idem", ["account_id", "idempotency_key"])
        .execute();
      await db.schema
        .createIndex("applications_queue")
        .on("applications")
        .columns(["site_id", "status"])
        .execute();
      await db.schema
        .createIndex("applications_account")
        .on("applications")
        .columns(["account_id", "created_at"])
        .execute();
      await db.schema
        .createIndex("applications_bundle")
        .on("applications")
        .column("bundle_application_id")
        .execute();

      await withId(db.schema.createTable("application_events"), dialect)
        .addColumn("application_id", "integer", (c) =>
          c.notNull().references("applications.id").onDelete("cascade"),
        )
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("actor_kind", "text", (c) => c.notNull())
        .addColumn("actor_name", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("from_status", "text")
        .addColumn("to_status", "text", (c) => c.notNull())
        .addColumn("note", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("application_events_app")
        .on("application_events")
        .column("application_id")
        .execute();

      await withId(db.schema.createTable("application_files"), dialect)
        .addColumn("application_id", "integer", (c) =>
          c.notNull().references("applications.id").onDelete("cascade"),
        )
        .addColumn("field", "text", (c) => c.notNull())
        .addColumn("file_name", "text", (c) => c.notNull())
        .addColumn("mime", "text", (c) => c.notNull())
        .addColumn("size", "integer", (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull().references("blobs.sha256"))
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("application_files_app")
        .on("application_files")
        .column("application_id")
        .execute();

      await withId(db.schema.createTable("evaluations"), dialect)
        .addColumn("application_id", "integer", (c) => c.notNull().unique())
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("item_code", "text", (c) => c.notNull())
        .addColumn("level", "integer", (c) => c.notNull())
        .addColumn("comment", "text", (c) => c.notNull())
        .addColumn("is_default", "integer", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("evaluations_site")
        .on("evaluations")
        .columns(["site_id", "level"])
        .execute();

      await withId(db.schema.createTable("rectifications"), dialect)
        .addColumn("evaluation_id", "integer", (c) => c.notNull().unique())
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("due_on", "text", (c) => c.notNull())
        .addColumn("result", "text")
        .addColumn("callback", "text")
        .addColumn("appeal_reason", "text")
        .addColumn("handled_by", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("done_at", "text")
        .execute();
    },
  };
}
