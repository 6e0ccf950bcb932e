import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * A narrow covering index for search ranking and facets: reading kind, year and date of thousands of
 * matches no longer walks the wide rows (body, tokens) of search_docs.
 */
export function searchFacets(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createIndex("search_docs_facets")
        .on("search_docs")
        .columns(["id", "kind", "year", "published_at"])
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropIndex("search_docs_facets").execute();
    },
  };
}
