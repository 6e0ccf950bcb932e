import type { Kysely, Migration } from "kysely";

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
 * salted per day and names the site), so the key's B-tree is a quarter of the size and a new visitor's
 * row is appended, and the entry page, which nothing read back, is no longer stored. Today's and
 * yesterday's rows are copied with their numbers, so no visitor counts twice across the change.
 */
export function analyticsVisitorKeys(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable("analytics_visitor_daily")
        .renameTo("analytics_visitor_daily_text")
        .execute();
      await db.schema
        .createTable("analytics_visitor_daily")
        .addColumn("visitor", "bigint", (c) => c.primaryKey())
        .addColumn("day", "text", (c) => c.notNull())
        .addColumn("exit_path", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("last_term", "text")
        .addColumn("last_second", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("views", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
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
          const { day, siteCode, visitor } = after;
          query = query.where((eb) =>
            eb.or([
              eb("day", ">", day),
              eb.and([eb("day", "=", day), eb("site_code", ">", siteCode)]),
              eb.and([eb("day", "=", day), eb("site_code", "=", siteCode), eb("visitor", ">", visitor)]),
            ]),
          );
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
