import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Consultations and surveys get a draft → published step; comments get a moderation reason and a
 * three-way adoption (adopted / partly / not adopted) in place of the 0/1 `adopted` flag; responses
 * and comments keep a keyed hash of the client address for flood limits. One column per ALTER
 * (SQLite adds one at a time).
 */
export function consultations(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      const add = async (
        table: string,
        column: string,
        type: "text" | "integer",
        defaultValue?: string,
      ): Promise<void> => {
        await db.schema
          .alterTable(table)
          .addColumn(column, type, (c) =>
            defaultValue === undefined ? c : c.notNull().defaultTo(defaultValue),
          )
          .execute();
      };
      await add("consultations", "status", "text", "draft");
      await add("consultations", "published_at", "text");
      await add("consultations", "updated_at", "text");
      await add("consultations", "updated_by", "integer");
      await db.schema
        .createIndex("consultations_site")
        .on("consultations")
        .columns(["site_id", "status", "closes_at"])
        .execute();

      await db.schema.alterTable("consultation_comments").dropColumn("adopted").execute();
      await add("consultation_comments", "adoption", "text");
      await add("consultation_comments", "reject_reason", "text");
      await add("consultation_comments", "moderated_by", "integer");
      await add("consultation_comments", "ip_hash", "text", "");
      await db.schema
        .createIndex("consultation_comments_phone")
        .on("consultation_comments")
        .columns(["phone", "created_at"])
        .execute();

      await add("surveys", "status", "text", "draft");
      await add("surveys", "published_at", "text");
      await add("surveys", "created_by", "integer");
      await add("surveys", "updated_at", "text");
      await db.schema
        .createIndex("surveys_site")
        .on("surveys")
        .columns(["site_id", "status", "closes_at"])
        .execute();

      await add("survey_responses", "ip_hash", "text", "");
      await db.schema
        .createIndex("survey_responses_ip")
        .on("survey_responses")
        .columns(["ip_hash", "created_at"])
        .execute();
    },
  };
}
