import { Migrator, type Migration, type MigrationProvider } from "kysely";
import type { AnyDb } from "./database.ts";
import { migrations } from "../../migrations/index.ts";

class StaticProvider implements MigrationProvider {
  constructor(private readonly db: AnyDb) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, make] of Object.entries(migrations)) out[name] = make(this.db.dialect);
    return out;
  }
}

export async function migrateToLatest(db: AnyDb): Promise<string[]> {
  const migrator = new Migrator({ db: db.db, provider: new StaticProvider(db) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
