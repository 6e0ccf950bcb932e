import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** Cookieless analytics: daily roll-ups of page views, visitor hashes and dimensions (modules/analytics). */
export function analytics(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("analytics_page_daily")
        .addColumn("day", "text", (c) => c.notNull())
        .addColumn("site_code", "text", (c) => c.notNull())
        .addColumn("path", "text", (c) => c.notNull())
        .addColumn("views", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("analytics_page_daily_pk", ["day", "site_code", "path"])
        .execute();
      // Dashboards ask for one site over a range of days.
      await db.schema
        .createIndex("analytics_page_daily_site")
        .on("analytics_page_daily")
        .columns(["site_code", "day"])
        .execute();
      await db.schema
        .createTable("analytics_visitor_daily")
        .addColumn("day", "text", (c) => c.notNull())
        .addColumn("site_code", "text", (c) => c.notNull())
        .addColumn("visitor", "text", (c) => c.notNull())
        .addColumn("entry_path", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("analytics_visitor_daily_pk", ["day", "site_code", "visitor"])
        .execute();
      await db.schema
        .createTable("analytics_dim_daily")
        .addColumn("day", "text", (c) => c.notNull())
        .addColumn("site_code", "text", (c) => c.notNull())
        .addColumn("dim", "text", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("analytics_dim_daily_pk", ["day", "site_code", "dim", "value"])
        .execute();
      await db.schema
        .createIndex("analytics_dim_daily_site")
        .on("analytics_dim_daily")
        .columns(["site_code", "day"])
        .execute();
    },
  };
}
