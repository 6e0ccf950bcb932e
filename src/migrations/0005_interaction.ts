import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** The interaction centre: letters (mailbox), phone codes, consultations, surveys, Open311 keys. */
export function interaction(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("letters"), dialect)
        .addColumn("query_no", "text", (c) => c.notNull().unique())
        .addColumn("lookup_hash", "text", (c) => c.notNull())
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("addressee_kind", "text", (c) => c.notNull())
        .addColumn("addressee_site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("content", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("phone", "text", (c) => c.notNull())
        .addColumn("email", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("address", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("publish_consent", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("flags", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("simhash", "text", (c) => c.notNull())
        .addColumn("duplicate_of_id", "integer", (c) => c.references("letters.id"))
        .addColumn("similarity", "integer")
        .addColumn("owner_site_id", "integer", (c) => c.references("sites.id"))
        .addColumn("transfer_to_site_id", "integer", (c) => c.references("sites.id"))
        .addColumn("transfer_reason", "text")
        .addColumn("transfer_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("limit_days", "integer", (c) => c.notNull())
        .addColumn("extended_days", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("extension_reason", "text")
        .addColumn("due_at", "text", (c) => c.notNull())
        .addColumn("warned_at", "text")
        .addColumn("escalated_at", "text")
        .addColumn("escalation_note", "text")
        .addColumn("answer", "text")
        .addColumn("answered_at", "text")
        .addColumn("answered_by", "integer")
        .addColumn("replied_at", "text")
        .addColumn("reviewed_by", "integer")
        .addColumn("public_subject", "text")
        .addColumn("public_content", "text")
        .addColumn("public_answer", "text")
        .addColumn("published_at", "text")
        .addColumn("rating", "text")
        .addColumn("solved", "integer")
        .addColumn("rating_note", "text")
        .addColumn("rated_at", "text")
        .addColumn("reopen_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("invalid_reason", "text")
        .addColumn("ip_hash", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("source", "text", (c) => c.notNull().defaultTo("web"))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("letters_status").on("letters").columns(["status", "due_at"]).execute();
      await db.schema
        .createIndex("letters_owner")
        .on("letters")
        .columns(["owner_site_id", "status"])
        .execute();
      await db.schema.createIndex("letters_site").on("letters").columns(["site_id", "created_at"]).execute();
      await db.schema.createIndex("letters_published").on("letters").column("published_at").execute();
      await db.schema.createIndex("letters_phone").on("letters").columns(["phone", "created_at"]).execute();

      await withId(db.schema.createTable("letter_attachments"), dialect)
        .addColumn("letter_id", "integer", (c) => c.notNull().references("letters.id").onDelete("cascade"))
        .addColumn("file_name", "text", (c) => c.notNull())
        .addColumn("mime", "text", (c) => c.notNull())
        .addColumn("size", "integer", (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull().references("blobs.sha256"))
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("letter_attachments_letter")
        .on("letter_attachments")
        .column("letter_id")
        .execute();

      await withId(db.schema.createTable("letter_events"), dialect)
        .addColumn("letter_id", "integer", (c) => c.notNull().references("letters.id").onDelete("cascade"))
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("note", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("public", "integer", (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .createIndex("letter_events_letter")
        .on("letter_events")
        .columns(["letter_id", "id"])
        .execute();

      await withId(db.schema.createTable("letter_rules"), dialect)
        .addColumn("keyword", "text", (c) => c.notNull())
        .addColumn("target_site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("letter_drafts")
        .addColumn("token", "text", (c) => c.primaryKey())
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("shown_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("first_shown_at", "text")
        .addColumn("filed_at", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("letter_drafts_site")
        .on("letter_drafts")
        .columns(["site_id", "created_at"])
        .execute();

      await withId(db.schema.createTable("phone_codes"), dialect)
        .addColumn("phone", "text", (c) => c.notNull())
        .addColumn("purpose", "text", (c) => c.notNull())
        .addColumn("code_hash", "text", (c) => c.notNull())
        .addColumn("ip_hash", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("used_at", "text")
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("phone_codes_phone")
        .on("phone_codes")
        .columns(["phone", "created_at"])
        .execute();
      await db.schema
        .createIndex("phone_codes_ip")
        .on("phone_codes")
        .columns(["ip_hash", "created_at"])
        .execute();

      await withId(db.schema.createTable("sms_outbox"), dialect)
        .addColumn("phone", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("sent_at", "text")
        .execute();

      await withId(db.schema.createTable("consultations"), dialect)
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("draft_text", "text", (c) => c.notNull())
        .addColumn("opens_at", "text", (c) => c.notNull())
        .addColumn("closes_at", "text", (c) => c.notNull())
        .addColumn("summary", "text")
        .addColumn("summary_published_at", "text")
        .addColumn("created_by", "integer")
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("consultation_comments"), dialect)
        .addColumn("consultation_id", "integer", (c) =>
          c.notNull().references("consultations.id").onDelete("cascade"),
        )
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("phone", "text", (c) => c.notNull())
        .addColumn("content", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("adopted", "integer")
        .addColumn("adoption_note", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("moderated_at", "text")
        .execute();
      await db.schema
        .createIndex("consultation_comments_c")
        .on("consultation_comments")
        .columns(["consultation_id", "status"])
        .execute();

      await withId(db.schema.createTable("surveys"), dialect)
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("opens_at", "text", (c) => c.notNull())
        .addColumn("closes_at", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("survey_questions"), dialect)
        .addColumn("survey_id", "integer", (c) => c.notNull().references("surveys.id").onDelete("cascade"))
        .addColumn("sort", "integer", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("options", "text", (c) => c.notNull())
        .addColumn("required", "integer", (c) => c.notNull().defaultTo(1))
        .execute();

      await withId(db.schema.createTable("survey_responses"), dialect)
        .addColumn("survey_id", "integer", (c) => c.notNull().references("surveys.id").onDelete("cascade"))
        .addColumn("person_hash", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("survey_responses_once", ["survey_id", "person_hash"])
        .execute();

      await db.schema
        .createTable("survey_answers")
        .addColumn("response_id", "integer", (c) =>
          c.notNull().references("survey_responses.id").onDelete("cascade"),
        )
        .addColumn("question_id", "integer", (c) => c.notNull().references("survey_questions.id"))
        .addColumn("value", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("survey_answers_q").on("survey_answers").column("question_id").execute();

      await withId(db.schema.createTable("open311_keys"), dialect)
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("key_hash", "text", (c) => c.notNull().unique())
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .execute();
    },
  };
}
