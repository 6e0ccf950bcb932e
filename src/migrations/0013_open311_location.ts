import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Where an Open311 (GeoReport v2) request is about: WGS-84 latitude/longitude, the free-text
 * `address_string`, the client's `address_id` and a postal code. Kept apart from a letter's `address`,
 * which is the writer's own contact address and never public. Null for letters from the web form.
 */
export function open311Location(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable("letters").addColumn("lat", "double precision").execute();
      await db.schema.alterTable("letters").addColumn("long", "double precision").execute();
      await db.schema.alterTable("letters").addColumn("location", "text").execute();
      await db.schema.alterTable("letters").addColumn("address_id", "text").execute();
      await db.schema.alterTable("letters").addColumn("zipcode", "text").execute();
    },
  };
}
