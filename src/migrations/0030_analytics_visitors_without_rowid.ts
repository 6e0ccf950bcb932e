import { sql, type Kysely, type Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Counting page views (modules/analytics) adds a row per new visitor at a random place of its key (the
 * visitor is a hash). On SQLite a table with a composite primary key is two B-trees, the rows by rowid
 * and the key's index, so each new visitor dirtied pages in both; as a WITHOUT ROWID table the rows
 * live in the key's B-tree alone. PostgreSQL has no such choice and keeps its table. The rows (today's
 * and yesterday's visitors) are copied, so no visitor counts twice across the change.
 */
export function analyticsVisitorsWithoutRowid(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      if (dialect !== "sqlite") return;
      await sql`CREATE TABLE analytics_visitor_daily_keyed (
        day text NOT NULL,
        site_code text NOT NULL,
        visitor text NOT NULL,
        entry_path text NOT NULL,
        exit_path text NOT NULL DEFAULT '',
        last_term text,
        last_second integer NOT NULL DEFAULT 0,
        views integer NOT NULL DEFAULT 0,
        CONSTRAINT analytics_visitor_daily_pk PRIMARY KEY (day, site_code, visitor)
      ) WITHOUT ROWID`.execute(db);
      await sql`INSERT INTO analytics_visitor_daily_keyed
        (day, site_code, visitor, entry_path, exit_path, last_term, last_second, views)
        SELECT day, site_code, visitor, entry_path, exit_path, last_term, last_second, views
        FROM analytics_visitor_daily`.execute(db);
      await sql`DROP TABLE analytics_visitor_daily`.execute(db);
      await sql`ALTER TABLE analytics_visitor_daily_keyed RENAME TO analytics_visitor_daily`.execute(db);
    },
  };
}
