import { sql, type CreateTableBuilder, type ColumnDefinitionBuilder } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

/** An auto-incrementing integer primary key named `id`, on either engine. */
export function withId<T extends string>(table: CreateTableBuilder<T, never>, dialect: Dialect) {
  return dialect === "postgres"
    ? table.addColumn("id", "serial", (c) => c.primaryKey())
    : table.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
}

export function blobType(dialect: Dialect) {
  return dialect === "postgres" ? sql`bytea` : sql`blob`;
}

export const notNull = (c: ColumnDefinitionBuilder) => c.notNull();
