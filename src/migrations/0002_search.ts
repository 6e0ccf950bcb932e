import { sql, type Kysely, type Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

export function search(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("search_docs"), dialect)
        .addColumn("doc_key", "text", (c) => c.notNull().unique())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("year", "integer", (c) => c.notNull())
        .addColumn("published_at", "text", (c) => c.notNull())
        .addColumn("tokens", "text", (c) => c.notNull())
        .addColumn("title_tokens", "text", (c) => c.notNull())
        .addColumn("meta", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("search_docs_pub").on("search_docs").column("published_at").execute();

      await db.schema
        .createTable("search_doc_sites")
        .addColumn("doc_id", "integer", (c) => c.notNull().references("search_docs.id").onDelete("cascade"))
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("search_doc_sites_pk", ["doc_id", "site_id"])
        .execute();
      await db.schema
        .createIndex("search_doc_sites_site")
        .on("search_doc_sites")
        .columns(["site_id", "doc_id"])
        .execute();

      await db.schema
        .createTable("search_terms")
        .addColumn("term", "text", (c) => c.primaryKey())
        .addColumn("df", "integer", (c) => c.notNull())
        .addColumn("pinyin", "text", (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("search_log"), dialect)
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("query", "text", (c) => c.notNull())
        .addColumn("site_code", "text")
        .addColumn("kind", "text")
        .addColumn("total", "integer", (c) => c.notNull())
        .execute();

      if (dialect === "sqlite") {
        await sql`CREATE VIRTUAL TABLE search_fts USING fts5(title_tokens, tokens, tokenize = 'unicode61 remove_diacritics 0')`.execute(
          db,
        );
      } else {
        await sql`ALTER TABLE search_docs ADD COLUMN tsv tsvector`.execute(db);
        await sql`CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv)`.execute(db);
      }
    },
  };
}
