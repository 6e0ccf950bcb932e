import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** 依申请公开: requests with their 条例 (2019) clocks, their events, and the annual reports. */
export function disclosure(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("disclosure_requests"), dialect)
        .addColumn("query_no", "text", (c) => c.notNull().unique())
        .addColumn("lookup_hash", "text", (c) => c.notNull())
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("owner_site_id", "integer", (c) => c.notNull())
        .addColumn("assignee_id", "integer")
        .addColumn("applicant_kind", "text", (c) => c.notNull())
        .addColumn("org_type", "text")
        .addColumn("applicant_name", "text", (c) => c.notNull())
        .addColumn("id_number", "text", (c) => c.notNull())
        .addColumn("phone", "text", (c) => c.notNull())
        .addColumn("email", "text", (c) => c.notNull())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("account_id", "integer")
        .addColumn("identity_method", "text", (c) => c.notNull())
        .addColumn("id_file_sha256", "text")
        .addColumn("id_file_mime", "text")
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("purpose", "text", (c) => c.notNull())
        .addColumn("delivery", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("received_at", "text", (c) => c.notNull())
        .addColumn("limit_days", "integer", (c) => c.notNull())
        .addColumn("extension_reason", "text")
        .addColumn("extension_requested_by", "integer")
        .addColumn("extension_approved_by", "integer")
        .addColumn("due_at", "text")
        .addColumn("remaining_days", "integer")
        .addColumn("paused_at", "text")
        .addColumn("correction_note", "text")
        .addColumn("correction_reply", "text")
        .addColumn("consult_party", "text")
        .addColumn("consult_due_at", "text")
        .addColumn("warned_at", "text")
        .addColumn("escalated_at", "text")
        .addColumn("documents", "text", (c) => c.notNull())
        .addColumn("outcome", "text")
        .addColumn("outcome_reason", "text")
        .addColumn("decision_text", "text")
        .addColumn("letter_no", "text")
        .addColumn("letter_html", "text")
        .addColumn("decided_at", "text")
        .addColumn("decided_by", "integer")
        .addColumn("delivered_at", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("disclosure_requests_owner")
        .on("disclosure_requests")
        .columns(["owner_site_id", "received_at"])
        .execute();
      await db.schema
        .createIndex("disclosure_requests_open")
        .on("disclosure_requests")
        .columns(["status", "due_at"])
        .execute();
      await db.schema
        .createIndex("disclosure_requests_account")
        .on("disclosure_requests")
        .column("account_id")
        .execute();
      await withId(db.schema.createTable("disclosure_events"), dialect)
        .addColumn("request_id", "integer", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("note", "text", (c) => c.notNull())
        .addColumn("public", "integer", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("disclosure_events_request")
        .on("disclosure_events")
        .column("request_id")
        .execute();
      await withId(db.schema.createTable("disclosure_reports"), dialect)
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("year", "integer", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("figures", "text", (c) => c.notNull())
        .addColumn("texts", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("article_id", "integer")
        .addColumn("generated_at", "text", (c) => c.notNull())
        .addColumn("published_at", "text")
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addUniqueConstraint("disclosure_reports_one", ["site_id", "year", "kind"])
        .execute();
    },
  };
}
