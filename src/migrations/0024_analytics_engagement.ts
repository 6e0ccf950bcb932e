import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Engagement analytics (modules/analytics): each visitor-day row keeps where the visit stands (its
 * exit page, the last search term and when, views counted), so exit pages, search refinements and
 * exits from results are rolled up as the visit goes on. Rows still live two days only.
 */
export function analyticsEngagement(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable("analytics_visitor_daily")
        .addColumn("exit_path", "text", (c) => c.notNull().defaultTo(""))
        .execute();
      await db.schema.alterTable("analytics_visitor_daily").addColumn("last_term", "text").execute();
      await db.schema
        .alterTable("analytics_visitor_daily")
        .addColumn("last_second", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable("analytics_visitor_daily")
        .addColumn("views", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      // Rising topics and funnels read one dimension over a range of days.
      await db.schema
        .createIndex("analytics_dim_daily_dim")
        .on("analytics_dim_daily")
        .columns(["dim", "day"])
        .execute();
    },
  };
}
