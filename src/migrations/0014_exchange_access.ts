import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * The exchange's access requests (共享申请) with their working-day clocks, a calls-per-minute limit
 * per grant (counted per minute, atomically), and signed checkpoints of the exchange audit chain head.
 */
export function exchangeAccess(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("exchange_access_requests"), dialect)
        .addColumn("member_id", "integer", (c) => c.notNull())
        .addColumn("resource_code", "text", (c) => c.notNull())
        .addColumn("fields", "text", (c) => c.notNull())
        .addColumn("purpose", "text", (c) => c.notNull())
        .addColumn("legal_basis", "text", (c) => c.notNull())
        .addColumn("expires_on", "text", (c) => c.notNull())
        .addColumn("daily_quota", "integer", (c) => c.notNull())
        .addColumn("rate_per_minute", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("applicant", "text", (c) => c.notNull())
        .addColumn("consumer_department", "text", (c) => c.notNull())
        .addColumn("provider_department", "text", (c) => c.notNull())
        .addColumn("needs_publication", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("due_at", "text")
        .addColumn("compliance_due_at", "text", (c) => c.notNull())
        .addColumn("compliance_by", "text")
        .addColumn("compliance_at", "text")
        .addColumn("compliance_note", "text")
        .addColumn("answer_due_at", "text")
        .addColumn("answered_by", "text")
        .addColumn("answered_at", "text")
        .addColumn("answer_reason", "text")
        .addColumn("disputed_at", "text")
        .addColumn("dispute_reason", "text")
        .addColumn("final_due_at", "text")
        .addColumn("final_by", "text")
        .addColumn("final_at", "text")
        .addColumn("final_note", "text")
        .addColumn("grant_id", "integer")
        .execute();
      await db.schema
        .createIndex("exchange_access_requests_status")
        .on("exchange_access_requests")
        .columns(["status", "due_at"])
        .execute();
      await db.schema
        .alterTable("exchange_grants")
        .addColumn("rate_per_minute", "integer", (c) => c.notNull().defaultTo(600))
        .execute();
      await db.schema.alterTable("exchange_grants").addColumn("request_id", "integer").execute();
      await db.schema
        .createTable("exchange_grant_minutes")
        .addColumn("grant_id", "integer", (c) => c.notNull())
        .addColumn("minute", "text", (c) => c.notNull())
        .addColumn("calls", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("exchange_grant_minutes_pk", ["grant_id", "minute"])
        .execute();
      await withId(db.schema.createTable("exchange_audit_checkpoints"), dialect)
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .addColumn("at", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("signature", "text", (c) => c.notNull())
        .execute();
    },
  };
}
