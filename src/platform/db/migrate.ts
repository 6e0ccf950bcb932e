import { Migrator, type Migration, type MigrationProvider } from "kysely";
import type { AnyDb } from "./database.ts";
import { migrations } from "../../migrations/index.ts";
import { assertKeysCover, resealFields } from "../../migrations/sealed-fields.ts";

class StaticProvider implements MigrationProvider {
  constructor(private readonly db: AnyDb) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, make] of Object.entries(migrations)) out[name] = make(this.db.dialect);
    return out;
  }
}

/**
 * Brings the schema up to date, then encrypts personal data still stored in clear (rows written
 * before field encryption, or by an older instance) and refuses a database whose values are under
 * a key this process does not have.
 */
export async function migrateToLatest(db: AnyDb): Promise<string[]> {
  const migrator = new Migrator({ db: db.db, provider: new StaticProvider(db) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  await assertKeysCover(db.db, db.cipher);
  await resealFields(db.db, db.cipher, "clear");
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
