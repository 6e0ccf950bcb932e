import type { Kysely, Migration } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Dashboard ranking (modules/analytics): the top pages, entry and exit pages of a range are read from
 * each day's largest counts (see top-counts.ts), so the roll-ups get indexes ordered by count within a
 * day, for one site and for the cluster. They carry the value too, so the ranking never reads the
 * table; the narrower indexes they replace are prefixes of them.
 */
export function analyticsRankIndexes(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.dropIndex("analytics_page_daily_site").execute();
      await db.schema
        .createIndex("analytics_page_daily_site_rank")
        .on("analytics_page_daily")
        .columns(["site_code", "day", "views", "path"])
        .execute();
      await db.schema
        .createIndex("analytics_page_daily_rank")
        .on("analytics_page_daily")
        .columns(["day", "views", "site_code", "path"])
        .execute();
      await db.schema.dropIndex("analytics_dim_daily_site").execute();
      await db.schema
        .createIndex("analytics_dim_daily_site_rank")
        .on("analytics_dim_daily")
        .columns(["site_code", "dim", "day", "count", "value"])
        .execute();
      await db.schema.dropIndex("analytics_dim_daily_dim").execute();
      await db.schema
        .createIndex("analytics_dim_daily_rank")
        .on("analytics_dim_daily")
        .columns(["dim", "day", "count", "site_code", "value"])
        .execute();
    },
    async down(db: AnyDb) {
      for (const name of [
        "analytics_page_daily_site_rank",
        "analytics_page_daily_rank",
        "analytics_dim_daily_site_rank",
        "analytics_dim_daily_rank",
      ])
        await db.schema.dropIndex(name).execute();
      await db.schema
        .createIndex("analytics_page_daily_site")
        .on("analytics_page_daily")
        .columns(["site_code", "day"])
        .execute();
      await db.schema
        .createIndex("analytics_dim_daily_site")
        .on("analytics_dim_daily")
        .columns(["site_code", "day"])
        .execute();
      await db.schema
        .createIndex("analytics_dim_daily_dim")
        .on("analytics_dim_daily")
        .columns(["dim", "day"])
        .execute();
    },
  };
}
