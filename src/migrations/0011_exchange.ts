import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** The data-sharing exchange: catalogue, member systems, grants, replay nonces, its own audit chain, base registries. */
export function exchange(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("exchange_resources"), dialect)
        .addColumn("code", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("provider", "text", (c) => c.notNull())
        .addColumn("summary", "text", (c) => c.notNull())
        .addColumn("share_class", "text", (c) => c.notNull())
        .addColumn("legal_basis", "text")
        .addColumn("update_cycle", "text", (c) => c.notNull())
        .addColumn("fields", "text", (c) => c.notNull())
        .addColumn("sample", "text", (c) => c.notNull())
        .addColumn("published_at", "text", (c) => c.notNull())
        .execute();
      await withId(db.schema.createTable("exchange_members"), dialect)
        .addColumn("code", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("department", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull().unique())
        .addColumn("alg", "text", (c) => c.notNull())
        .addColumn("public_jwk", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .execute();
      await withId(db.schema.createTable("exchange_grants"), dialect)
        .addColumn("member_id", "integer", (c) => c.notNull())
        .addColumn("resource_code", "text", (c) => c.notNull())
        .addColumn("fields", "text", (c) => c.notNull())
        .addColumn("purpose", "text", (c) => c.notNull())
        .addColumn("legal_basis", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .addColumn("daily_quota", "integer", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("exchange_grants_member")
        .on("exchange_grants")
        .columns(["member_id", "resource_code"])
        .execute();
      await db.schema
        .createTable("exchange_grant_usage")
        .addColumn("grant_id", "integer", (c) => c.notNull())
        .addColumn("day", "text", (c) => c.notNull())
        .addColumn("calls", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("exchange_grant_usage_pk", ["grant_id", "day"])
        .execute();
      await db.schema
        .createTable("exchange_nonces")
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("nonce", "text", (c) => c.notNull())
        .addColumn("seen_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("exchange_nonces_pk", ["key_id", "nonce"])
        .execute();
      await db.schema.createIndex("exchange_nonces_seen").on("exchange_nonces").column("seen_at").execute();
      await db.schema
        .createTable("exchange_audit")
        .addColumn("seq", "integer", (c) => c.primaryKey())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("member", "text", (c) => c.notNull())
        .addColumn("resource", "text", (c) => c.notNull())
        .addColumn("fields", "text", (c) => c.notNull())
        .addColumn("purpose_case", "text", (c) => c.notNull())
        .addColumn("purpose_basis", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("result", "text", (c) => c.notNull())
        .addColumn("status", "integer", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("request_digest", "text", (c) => c.notNull())
        .addColumn("response_digest", "text", (c) => c.notNull())
        .addColumn("latency_ms", "integer", (c) => c.notNull())
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("exchange_audit_subject").on("exchange_audit").column("subject").execute();
      // ID numbers and addresses are sealed (encrypted at rest) and found by their blind index.
      await withId(db.schema.createTable("registry_people"), dialect)
        .addColumn("id_number", "text", (c) => c.notNull())
        .addColumn("id_number_index", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("gender", "text", (c) => c.notNull())
        .addColumn("birth_date", "text", (c) => c.notNull())
        .addColumn("nation", "text", (c) => c.notNull())
        .addColumn("district_code", "text", (c) => c.notNull())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("household_no", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("registry_entities")
        .addColumn("credit_code", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("legal_representative", "text", (c) => c.notNull())
        .addColumn("registered_capital", "integer", (c) => c.notNull())
        .addColumn("founded_on", "text", (c) => c.notNull())
        .addColumn("district_code", "text", (c) => c.notNull())
        .addColumn("industry_code", "text", (c) => c.notNull())
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .execute();
      await withId(db.schema.createTable("registry_licences"), dialect)
        .addColumn("licence_no", "text", (c) => c.notNull().unique())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("holder_id", "text", (c) => c.notNull())
        .addColumn("holder_index", "text", (c) => c.notNull())
        .addColumn("holder_name", "text", (c) => c.notNull())
        .addColumn("issuer", "text", (c) => c.notNull())
        .addColumn("issued_on", "text", (c) => c.notNull())
        .addColumn("valid_until", "text")
        .addColumn("status", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("registry_licences_holder")
        .on("registry_licences")
        .column("holder_id")
        .execute();
    },
  };
}
