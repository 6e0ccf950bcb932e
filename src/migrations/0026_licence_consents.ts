import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** Holder consents to fetch a licence over the hub, the log of every fetch, member systems' issuer grants. */
export function licenceConsents(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("licence_consents"), dialect)
        .addColumn("licence_id", "integer", (c) => c.notNull())
        .addColumn("holder_account_id", "integer", (c) => c.notNull())
        .addColumn("grantee_kind", "text", (c) => c.notNull())
        .addColumn("grantee", "text", (c) => c.notNull())
        .addColumn("grantee_name", "text", (c) => c.notNull())
        .addColumn("purpose", "text", (c) => c.notNull())
        .addColumn("case_no", "text")
        .addColumn("valid_from", "text", (c) => c.notNull())
        .addColumn("valid_until", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .execute();
      await db.schema
        .createIndex("licence_consents_licence")
        .on("licence_consents")
        .columns(["licence_id"])
        .execute();
      await db.schema
        .createIndex("licence_consents_holder")
        .on("licence_consents")
        .columns(["holder_account_id"])
        .execute();
      await withId(db.schema.createTable("licence_fetches"), dialect)
        .addColumn("licence_id", "integer", (c) => c.notNull())
        .addColumn("holder_account_id", "integer", (c) => c.notNull())
        .addColumn("consent_id", "integer")
        .addColumn("member", "text", (c) => c.notNull())
        .addColumn("member_name", "text", (c) => c.notNull())
        .addColumn("department", "text", (c) => c.notNull())
        .addColumn("case_no", "text", (c) => c.notNull())
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("result", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("licence_fetches_holder")
        .on("licence_fetches")
        .columns(["holder_account_id", "id"])
        .execute();
      await withId(db.schema.createTable("licence_issuer_grants"), dialect)
        .addColumn("member", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("granted_by", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .execute();
      await db.schema
        .createIndex("licence_issuer_grants_member")
        .on("licence_issuer_grants")
        .columns(["member", "kind"])
        .execute();
    },
  };
}
