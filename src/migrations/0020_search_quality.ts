import { sql, type Kysely, type Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Search quality: a third indexed field for 发文字号, issuer and keywords (own weight, and kept out of
 * the snippet text), the site a document belongs to (facets count each document once), and the
 * synonym candidates mined from the platform's own text, reviewed in the console before use.
 */
export function searchQuality(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable("search_docs")
        .addColumn("meta_tokens", "text", (c) => c.notNull().defaultTo(""))
        .execute();
      await db.schema.alterTable("search_docs").addColumn("site_id", "integer").execute();
      // Facets read the owner site of every candidate: keep it in the narrow covering index.
      await db.schema
        .createIndex("search_docs_facet_site")
        .on("search_docs")
        .columns(["id", "site_id", "kind", "year", "published_at"])
        .execute();
      await sql`UPDATE search_docs SET site_id = (SELECT min(site_id) FROM search_doc_sites s WHERE s.doc_id = search_docs.id)`.execute(
        db,
      );
      if (dialect === "sqlite") {
        await sql`DROP TABLE search_fts`.execute(db);
        await sql`CREATE VIRTUAL TABLE search_fts USING fts5(title_tokens, meta_tokens, tokens, tokenize = 'unicode61 remove_diacritics 0')`.execute(
          db,
        );
        await sql`INSERT INTO search_fts (rowid, title_tokens, meta_tokens, tokens)
          SELECT id, title_tokens, meta_tokens, tokens FROM search_docs`.execute(db);
      }
      await withId(db.schema.createTable("search_synonyms"), dialect)
        .addColumn("word", "text", (c) => c.notNull())
        .addColumn("canonical", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("score", "double precision", (c) => c.notNull())
        .addColumn("evidence", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("decided_by", "text")
        .addColumn("decided_at", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("search_synonyms_pair", ["word", "canonical"])
        .execute();
      await db.schema
        .createIndex("search_synonyms_status")
        .on("search_synonyms")
        .columns(["status", "score"])
        .execute();
    },
  };
}
