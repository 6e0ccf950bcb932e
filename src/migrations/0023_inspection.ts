import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** Site inspection (网站巡检): runs with progress and results, and availability probes. */
export function inspection(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("inspection_runs"), dialect)
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("requested_by", "text", (c) => c.notNull())
        .addColumn("phase", "text", (c) => c.notNull())
        .addColumn("progress_done", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("progress_total", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("score", "double precision")
        .addColumn("passed", "integer")
        .addColumn("veto_count", "integer")
        .addColumn("result", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("started_at", "text")
        .addColumn("finished_at", "text")
        .execute();
      await db.schema
        .createIndex("inspection_runs_site")
        .on("inspection_runs")
        .columns(["site_id", "created_at"])
        .execute();
      await db.schema.createIndex("inspection_runs_status").on("inspection_runs").column("status").execute();
      await withId(db.schema.createTable("inspection_probes"), dialect)
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("ok", "integer", (c) => c.notNull())
        .addColumn("ms", "integer", (c) => c.notNull())
        .addColumn("status", "integer")
        .execute();
      await db.schema
        .createIndex("inspection_probes_site_at")
        .on("inspection_probes")
        .columns(["site_id", "at"])
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable("inspection_probes").execute();
      await db.schema.dropTable("inspection_runs").execute();
    },
  };
}
