import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { sql } from "kysely";
import type { AnyDb } from "../src/platform/db/database.ts";
import { migrateToLatest } from "../src/platform/db/migrate.ts";
import { ENGINES, openEmptyDatabase, type Engine } from "./engines.ts";

/**
 * The declared tables (src/db/schema.ts, the intersection of every owner's tables.ts) against the
 * migrated database, on each engine: every declared table and column exists with a compatible type
 * and the same nullability, and every migrated column is declared. The declared shape is read with
 * the TypeScript compiler from the `Database` type itself, so there is no second list to drift.
 */

const SCHEMA_FILE = resolve(fileURLToPath(import.meta.url), "../../src/db/schema.ts");

/** What a column holds, as far as both sides can tell. */
type Kind = "number" | "string" | "bytes";
interface Column {
  kind: Kind;
  nullable: boolean;
}
type Shape = Map<string, Map<string, Column>>;

/** Migrated objects the row types do not declare, each reached in raw SQL only (platform/search). */
const UNDECLARED_TABLES = /^(search_fts(_\w+)?|sqlite_\w+|kysely_migration(_lock)?)$/;
const UNDECLARED_COLUMNS: Record<string, string[]> = { search_docs: ["tsv"] };

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Table → column → shape, from the `Database` type of src/db/schema.ts (camelCase names). */
export function declaredShape(file = SCHEMA_FILE): Shape {
  const program = ts.createProgram([file], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  assert.ok(source, `cannot read ${file}`);
  const alias = source.statements.find(
    (s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === "Database",
  );
  assert.ok(alias, "src/db/schema.ts must declare `type Database`");
  const database = checker.getTypeAtLocation(alias.name);
  const shape: Shape = new Map();
  for (const table of checker.getPropertiesOfType(database)) {
    const row = checker.getTypeOfSymbol(table);
    const columns = new Map<string, Column>();
    for (const column of checker.getPropertiesOfType(row))
      columns.set(
        column.name,
        columnOf(checker, checker.getTypeOfSymbol(column), `${table.name}.${column.name}`),
      );
    shape.set(table.name, columns);
  }
  return shape;
}

function columnOf(checker: ts.TypeChecker, type: ts.Type, where: string): Column {
  // Generated<T> / ColumnType<S, I, U>: what a select returns is the column's type.
  const selected = type.getProperty("__select__");
  if (selected) type = checker.getTypeOfSymbol(selected);
  const parts = type.isUnion() ? type.types : [type];
  let nullable = false;
  const kinds = new Set<Kind>();
  for (const part of parts) {
    if (part.flags & ts.TypeFlags.Null) nullable = true;
    else if (part.flags & ts.TypeFlags.Undefined) continue;
    else if (part.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike)) kinds.add("number");
    else if (part.flags & ts.TypeFlags.StringLike) kinds.add("string");
    else if (["Buffer", "Uint8Array"].includes(part.getSymbol()?.name ?? "")) kinds.add("bytes");
    else assert.fail(`${where}: unsupported column type ${checker.typeToString(part)}`);
  }
  assert.equal(kinds.size, 1, `${where}: one kind of value per column, got ${[...kinds].join(" | ")}`);
  return { kind: [...kinds][0], nullable };
}

/** What the engine's column type stores, or null when no declared kind fits it. */
function kindOfSqlType(type: string): Kind | null {
  const t = type.toLowerCase();
  if (/^(integer|int|bigint|smallint|real|double precision|numeric|boolean)/.test(t)) return "number";
  if (/^(text|character varying|varchar)/.test(t)) return "string";
  if (/^(blob|bytea)$/.test(t)) return "bytes";
  return null;
}

/** Table → column → { SQL type, nullable }, from the migrated database (snake_case names). */
async function migratedShape(
  store: AnyDb,
): Promise<Map<string, Map<string, { type: string; nullable: boolean }>>> {
  const out = new Map<string, Map<string, { type: string; nullable: boolean }>>();
  const add = (table: string, column: string, type: string, nullable: boolean) => {
    if (UNDECLARED_TABLES.test(table) || UNDECLARED_COLUMNS[table]?.includes(column)) return;
    if (!out.has(table)) out.set(table, new Map());
    out.get(table)!.set(column, { type, nullable });
  };
  if (store.dialect === "sqlite") {
    const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(
      store.db,
    );
    for (const { name } of tables.rows) {
      if (UNDECLARED_TABLES.test(name)) continue;
      const columns = await sql<{ name: string; type: string; notnull: number; pk: number }>`
        SELECT name, type, "notnull", pk FROM pragma_table_info(${name})`.execute(store.db);
      // A primary key never holds NULL here (rowid aliases; text keys are always given).
      for (const c of columns.rows) add(name, c.name, c.type, c.notnull === 0 && c.pk === 0);
    }
  } else {
    // Aliases without underscores: the CamelCasePlugin renames result keys.
    const columns = await sql<{ tname: string; cname: string; ctype: string; nullable: string }>`
      SELECT table_name AS tname, column_name AS cname, data_type AS ctype, is_nullable AS nullable
      FROM information_schema.columns WHERE table_schema = 'public'
        -- Partitions (registration records by day) are parts of their declared parent table.
        AND table_name NOT IN (SELECT c.relname FROM pg_class c WHERE c.relispartition)`.execute(store.db);
    for (const c of columns.rows) add(c.tname, c.cname, c.ctype, c.nullable === "YES");
  }
  return out;
}

/** Every difference between the declaration and the migrated database, as readable lines. */
export function differences(
  declared: Shape,
  migrated: Map<string, Map<string, { type: string; nullable: boolean }>>,
): string[] {
  const problems: string[] = [];
  const migratedByCamel = new Map(
    [...migrated].map(([table, columns]) => [camel(table), { table, columns }]),
  );
  for (const [table, columns] of declared) {
    const found = migratedByCamel.get(table);
    if (!found) {
      problems.push(`${table}: declared, but no migration creates it`);
      continue;
    }
    const byCamel = new Map([...found.columns].map(([name, c]) => [camel(name), { name, ...c }]));
    for (const [column, want] of columns) {
      const got = byCamel.get(column);
      if (!got) {
        problems.push(`${table}.${column}: declared, but ${found.table} has no such column`);
        continue;
      }
      const kind = kindOfSqlType(got.type);
      if (kind !== want.kind)
        problems.push(
          `${table}.${column}: declared ${want.kind}, migrated ${found.table}.${got.name} is ${got.type}`,
        );
      if (got.nullable !== want.nullable)
        problems.push(
          `${table}.${column}: declared ${want.nullable ? "nullable" : "not null"}, migrated column is ${got.nullable ? "nullable" : "not null"}`,
        );
    }
    for (const [name] of found.columns)
      if (!columns.has(camel(name)))
        problems.push(`${table}.${camel(name)}: migrated (${found.table}.${name}) but not declared`);
  }
  for (const [camelName, { table }] of migratedByCamel)
    if (!declared.has(camelName)) problems.push(`${table}: migrated, but no tables.ts declares it`);
  return problems;
}

describe("declared tables match the migrated schema", () => {
  let declared: Shape;
  before(() => {
    declared = declaredShape();
  });

  it("reads every owner's tables from src/db/schema.ts", () => {
    assert.ok(declared.size >= 50, `only ${declared.size} tables declared`);
    assert.deepEqual(declared.get("sessions")?.get("kind"), { kind: "string", nullable: false });
    assert.deepEqual(declared.get("articles")?.get("id"), { kind: "number", nullable: false });
    assert.deepEqual(declared.get("blobs")?.get("bytes"), { kind: "bytes", nullable: false });
    assert.deepEqual(declared.get("letters")?.get("rating"), { kind: "string", nullable: true });
  });

  for (const engine of ENGINES as Engine[]) {
    describe(`on ${engine}`, () => {
      let store: AnyDb;
      let cleanup: () => Promise<void>;
      before(async () => {
        ({ store, drop: cleanup } = await openEmptyDatabase(engine));
        await migrateToLatest(store);
      });
      after(async () => cleanup?.());

      it("has every declared table and column, with compatible types, and declares every column", async () => {
        assert.deepEqual(differences(declared, await migratedShape(store)), []);
      });
    });
  }
});
