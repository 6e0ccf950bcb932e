import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** Working-day calendar, service catalogue, accounts, forms, applications, bundles, evaluations. */
export function services(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable("calendar_days")
        .addColumn("date", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable("service_items"), dialect)
        .addColumn("code", "text", (c) => c.notNull().unique())
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("item_type", "text", (c) => c.notNull())
        .addColumn("for_person", "integer", (c) => c.notNull())
        .addColumn("for_legal", "integer", (c) => c.notNull())
        .addColumn("themes", "text", (c) => c.notNull())
        .addColumn("life_events", "text", (c) => c.notNull())
        .addColumn("online_depth", "text", (c) => c.notNull())
        .addColumn("visits", "integer", (c) => c.notNull())
        .addColumn("legal_limit_days", "integer", (c) => c.notNull())
        .addColumn("committed_limit_days", "integer", (c) => c.notNull())
        .addColumn("guide", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("form_version", "integer")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("service_items_site")
        .on("service_items")
        .columns(["site_id", "status"])
        .execute();
    },
  };
}
