import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * 三审: how many review stages (1 to 3: 初审, 复审, 终审) a site's articles pass, with a per-channel
 * override; the stage a submitted article waits at; and the review trail (who passed, returned or
 * overrode the content check at which stage of which round).
 */
export function reviewStages(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable("sites")
        .addColumn("review_stages", "integer", (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable("channels").addColumn("review_stages", "integer").execute();
      await db.schema
        .alterTable("articles")
        .addColumn("review_stage", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable("articles")
        .addColumn("review_stages", "integer", (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .alterTable("articles")
        .addColumn("review_round", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await withId(db.schema.createTable("article_reviews"), dialect)
        .addColumn("article_id", "integer", (c) => c.notNull())
        .addColumn("round", "integer", (c) => c.notNull())
        .addColumn("stage", "integer", (c) => c.notNull())
        .addColumn("stages", "integer", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("actor_id", "integer")
        .addColumn("actor_name", "text", (c) => c.notNull())
        .addColumn("note", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("article_reviews_article")
        .on("article_reviews")
        .columns(["article_id", "round", "stage"])
        .execute();
      await db.schema
        .createIndex("articles_review_queue")
        .on("articles")
        .columns(["status", "review_stage"])
        .execute();
    },
  };
}
