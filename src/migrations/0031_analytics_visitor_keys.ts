import { sql, type Kysely, type Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

const BATCH = 500;

/** A visitor's old text key (base64url SHA-256, 22 characters) as its number: the first 52 bits. */
function numericKey(visitor: string): number {
  const digest = Buffer.from(visitor.slice(0, 12), "base64url");
  return digest.readUIntBE(0, 6) * 16 + (digest[6] >> 4);
}

/**
 * Counting page views (modules/analytics) looks up or adds one row per visitor. The row was keyed by
 * day, site and a 22-character hash; it is now keyed by a number taken from the same hash (which is
 * salted per day and names the site), and the entry page, which nothing read back, is no longer
 * stored. On SQLite the number is the rowid (`INTEGER PRIMARY KEY`), so a row lives in one B-tree
 * keyed by 8 bytes; pruning old days scans the table (in ranges of visitor numbers) instead of keeping an index on the day
 * that every new visitor would write. PostgreSQL keeps its heap, the key and a day index (appended).
 * Today's and yesterday's rows are copied with their numbers, so no visitor counts twice.
 */
export function analyticsVisitorKeys(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable("analytics_visitor_daily")
        .renameTo("analytics_visitor_daily_text")
        .execute();
      await db.schema
        .createTable("analytics_visitor_daily")
        .addColumn("visitor", dialect === "sqlite" ? "integer" : "bigint", (c) => c.primaryKey())
        .addColumn("day", "text", (c) => c.notNull())
        .addColumn("exit_path", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("last_term", "text")
        .addColumn("last_second", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("views", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      if (dialect !== "sqlite")
        await db.schema
          .createIndex("analytics_visitor_daily_day")
          .on("analytics_visitor_daily")
          .column("day")
          .execute();
      let after: { day: string; siteCode: string; visitor: string } | null = null;
      for (;;) {
        let query = db
          .selectFrom("analytics_visitor_daily_text")
          .select([
            "day",
            "site_code as siteCode",
            "visitor",
            "exit_path as exitPath",
            "last_term as lastTerm",
            "last_second as lastSecond",
            "views",
          ])
          .orderBy("day")
          .orderBy("site_code")
          .orderBy("visitor")
          .limit(BATCH);
        if (after) {
          // A row-value comparison, which both engines read as a range of the primary key.
          const { day, siteCode, visitor } = after;
          query = query.where(sql<boolean>`(day, site_code, visitor) > (${day}, ${siteCode}, ${visitor})`);
        }
        const rows = await query.execute();
        if (rows.length === 0) break;
        await db
          .insertInto("analytics_visitor_daily")
          .values(
            rows.map((r) => ({
              visitor: numericKey(r.visitor),
              day: r.day,
              exit_path: r.exitPath,
              last_term: r.lastTerm,
              last_second: r.lastSecond,
              views: r.views,
            })),
          )
          .onConflict((oc) => oc.column("visitor").doNothing())
          .execute();
        after = rows[rows.length - 1];
      }
      await db.schema.dropTable("analytics_visitor_daily_text").execute();
    },
  };
}
