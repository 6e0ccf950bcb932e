import { sql, type Kysely, type Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

const RECORD_COLUMNS = `
  id text NOT NULL,
  campaign_id integer NOT NULL,
  day text NOT NULL,
  id_index text NOT NULL,
  person_name text NOT NULL,
  id_number text NOT NULL,
  phone text NOT NULL,
  district text NOT NULL,
  answers text NOT NULL,
  receipt text NOT NULL,
  channel text NOT NULL,
  submitted_at text NOT NULL,
  revisions integer NOT NULL DEFAULT 0`;

/**
 * Emergency mass registration: campaigns, their records, partner keys with daily quotas, and the
 * areas flagged as elevated risk. On PostgreSQL the records table is partitioned by day (RANGE on
 * `day`): the writer creates each day's partition before its first insert, retention drops whole
 * partitions, and a DEFAULT partition catches anything else. The primary key therefore includes the
 * day (record ids start with it).
 */
export function registration(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("registration_campaigns"), dialect)
        .addColumn("code", "text", (c) => c.notNull().unique())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("summary", "text", (c) => c.notNull())
        .addColumn("form", "text", (c) => c.notNull())
        .addColumn("audience", "text", (c) => c.notNull())
        .addColumn("dedup", "text", (c) => c.notNull())
        .addColumn("retention_days", "integer", (c) => c.notNull())
        .addColumn("opens_at", "text", (c) => c.notNull())
        .addColumn("closes_at", "text")
        .addColumn("thresholds", "text", (c) => c.notNull())
        .addColumn("office", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      if (dialect === "postgres") {
        await sql
          .raw(
            `CREATE TABLE registration_records (${RECORD_COLUMNS}, PRIMARY KEY (day, id)) PARTITION BY RANGE (day)`,
          )
          .execute(db);
        await sql
          .raw("CREATE TABLE registration_records_default PARTITION OF registration_records DEFAULT")
          .execute(db);
      } else {
        await sql.raw(`CREATE TABLE registration_records (${RECORD_COLUMNS}, PRIMARY KEY (id))`).execute(db);
      }
      await db.schema
        .createIndex("registration_records_dedup")
        .on("registration_records")
        .columns(["campaign_id", "day", "id_index"])
        .unique()
        .execute();
      await db.schema
        .createIndex("registration_records_district")
        .on("registration_records")
        .columns(["campaign_id", "district"])
        .execute();
      await withId(db.schema.createTable("registration_api_keys"), dialect)
        .addColumn("campaign_id", "integer", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("key_hash", "text", (c) => c.notNull().unique())
        .addColumn("daily_quota", "integer", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("revoked_at", "text")
        .execute();
      await db.schema
        .createTable("registration_key_usage")
        .addColumn("key_id", "integer", (c) => c.notNull())
        .addColumn("day", "text", (c) => c.notNull())
        .addColumn("calls", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("registration_key_usage_pk", ["key_id", "day"])
        .execute();
      await withId(db.schema.createTable("registration_alerts"), dialect)
        .addColumn("campaign_id", "integer", (c) => c.notNull())
        .addColumn("district", "text", (c) => c.notNull())
        .addColumn("day", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .addColumn("office", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("registration_alerts_once", ["campaign_id", "district", "day", "reason"])
        .execute();
    },
  };
}
