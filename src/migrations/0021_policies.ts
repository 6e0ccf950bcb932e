import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** 惠企政策: benefits, rule versions, enterprise profiles, matches, pushes, 免申即享 grants, the re-match queue. */
export function policies(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("policy_benefits"), dialect)
        .addColumn("code", "text", (c) => c.notNull().unique())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("summary", "text", (c) => c.notNull())
        .addColumn("department", "text", (c) => c.notNull())
        .addColumn("stage", "text", (c) => c.notNull())
        .addColumn("policy_article_id", "integer")
        .addColumn("interpretation_article_id", "integer")
        .addColumn("service_item_code", "text")
        .addColumn("amount", "text", (c) => c.notNull())
        .addColumn("matched_version_id", "integer")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await withId(db.schema.createTable("policy_rule_versions"), dialect)
        .addColumn("benefit_id", "integer", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("effective_from", "text", (c) => c.notNull())
        .addColumn("conditions", "text", (c) => c.notNull())
        .addColumn("test_cases", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("published_at", "text")
        .addUniqueConstraint("policy_rule_versions_no", ["benefit_id", "version"])
        .execute();
      await db.schema
        .createTable("enterprise_profiles")
        .addColumn("account_id", "integer", (c) => c.primaryKey())
        .addColumn("credit_code", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("fields", "text", (c) => c.notNull())
        .addColumn("registry_fetched_at", "text")
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("policy_matches")
        .addColumn("account_id", "integer", (c) => c.notNull())
        .addColumn("benefit_id", "integer", (c) => c.notNull())
        .addColumn("version_id", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("trace", "text", (c) => c.notNull())
        .addColumn("matched_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("policy_matches_pk", ["account_id", "benefit_id"])
        .execute();
      await db.schema
        .createIndex("policy_matches_version")
        .on("policy_matches")
        .columns(["version_id"])
        .execute();
      await withId(db.schema.createTable("policy_pushes"), dialect)
        .addColumn("account_id", "integer", (c) => c.notNull())
        .addColumn("benefit_id", "integer", (c) => c.notNull())
        .addColumn("version_id", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("opened_at", "text")
        .addColumn("applied_at", "text")
        .addUniqueConstraint("policy_pushes_once", ["account_id", "version_id"])
        .execute();
      await withId(db.schema.createTable("policy_grants"), dialect)
        .addColumn("account_id", "integer", (c) => c.notNull())
        .addColumn("benefit_id", "integer", (c) => c.notNull())
        .addColumn("version_id", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("noticed_at", "text", (c) => c.notNull())
        .addColumn("objection_until", "text", (c) => c.notNull())
        .addColumn("granted_at", "text")
        .addColumn("pay_due", "text")
        .addColumn("paid_at", "text")
        .addColumn("objection", "text")
        .addUniqueConstraint("policy_grants_once", ["account_id", "version_id"])
        .execute();
      await db.schema
        .createTable("policy_rematch_queue")
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("ref_id", "integer", (c) => c.notNull())
        .addColumn("enqueued_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("policy_rematch_queue_pk", ["kind", "ref_id"])
        .execute();
      await withId(db.schema.createTable("policy_email_outbox"), dialect)
        .addColumn("address", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("sent_at", "text")
        .execute();
    },
  };
}
