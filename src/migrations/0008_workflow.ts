import type { Kysely, Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { withId } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * Configurable handling workflows (一网通办): department role groups and their members, versioned
 * workflow definitions per service item, tasks per step, legal-limit extensions with approval, and
 * time-limit warnings/escalations (督办). Applications keep the workflow version they started with.
 */
export function workflow(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await withId(db.schema.createTable("service_groups"), dialect)
        .addColumn("site_id", "integer", (c) => c.notNull().references("sites.id"))
        .addColumn("code", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("service_groups_site_code", ["site_id", "code"])
        .execute();

      await db.schema
        .createTable("service_group_members")
        .addColumn("group_id", "integer", (c) =>
          c.notNull().references("service_groups.id").onDelete("cascade"),
        )
        .addColumn("user_id", "integer", (c) => c.notNull().references("staff_users.id").onDelete("cascade"))
        .addPrimaryKeyConstraint("service_group_members_pk", ["group_id", "user_id"])
        .execute();

      await withId(db.schema.createTable("service_workflows"), dialect)
        .addColumn("item_code", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("definition", "text", (c) => c.notNull())
        .addColumn("note", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("service_workflows_item_version", ["item_code", "version"])
        .execute();

      await withId(db.schema.createTable("application_tasks"), dialect)
        .addColumn("application_id", "integer", (c) =>
          c.notNull().references("applications.id").onDelete("cascade"),
        )
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("stage_no", "integer", (c) => c.notNull())
        .addColumn("step_no", "integer", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("group_id", "integer", (c) => c.notNull())
        .addColumn("assignee_id", "integer")
        .addColumn("assignee_name", "text")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("claimed_at", "text")
        .addColumn("done_at", "text")
        .addColumn("done_by_name", "text")
        .execute();
      await db.schema
        .createIndex("application_tasks_app")
        .on("application_tasks")
        .columns(["application_id", "status"])
        .execute();
      await db.schema
        .createIndex("application_tasks_group")
        .on("application_tasks")
        .columns(["group_id", "status"])
        .execute();

      await withId(db.schema.createTable("application_extensions"), dialect)
        .addColumn("application_id", "integer", (c) =>
          c.notNull().references("applications.id").onDelete("cascade"),
        )
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("days", "integer", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("requested_by", "integer", (c) => c.notNull())
        .addColumn("requested_by_name", "text", (c) => c.notNull())
        .addColumn("requested_at", "text", (c) => c.notNull())
        .addColumn("decided_by", "integer")
        .addColumn("decided_by_name", "text")
        .addColumn("decided_at", "text")
        .addColumn("decision_note", "text")
        .addColumn("due_before", "text")
        .addColumn("due_after", "text")
        .execute();
      await db.schema
        .createIndex("application_extensions_app")
        .on("application_extensions")
        .columns(["application_id", "status"])
        .execute();

      await withId(db.schema.createTable("application_alerts"), dialect)
        .addColumn("application_id", "integer", (c) =>
          c.notNull().references("applications.id").onDelete("cascade"),
        )
        .addColumn("site_id", "integer", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("limit_kind", "text", (c) => c.notNull())
        .addColumn("due", "text", (c) => c.notNull())
        .addColumn("group_id", "integer", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addUniqueConstraint("application_alerts_once", ["application_id", "kind", "limit_kind", "due"])
        .execute();
      await db.schema
        .createIndex("application_alerts_group")
        .on("application_alerts")
        .columns(["group_id", "kind", "created_at"])
        .execute();

      // One column per ALTER (SQLite adds one at a time).
      await db.schema.alterTable("applications").addColumn("workflow_version", "integer").execute();
      await db.schema.alterTable("applications").addColumn("suspend_kind", "text").execute();
      await db.schema
        .alterTable("applications")
        .addColumn("extended_days", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
