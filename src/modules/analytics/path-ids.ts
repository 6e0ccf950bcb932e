import type { Transaction } from "kysely";
import type { PreparedStatement } from "../../platform/db/database.ts";
import type { AnalyticsTables } from "./tables.ts";

/** Paths cached at most (a cache: past it, it starts afresh). */
const MAX_CACHED = 200_000;

/**
 * The ids of the paths visits end on (`analytics_path`), for visitors' rows. Ids learned inside a write
 * are cached only once it commits: a rolled-back insert's id could be given to another path.
 */
export class PathIds {
  private readonly ids = new Map<string, number>();
  private readonly paths = new Map<number, string>();
  private pending = new Map<string, number>();

  /** Starts a write: what the last one learned without committing is forgotten. */
  begin(): void {
    this.pending = new Map();
  }

  /** The write committed: what it learned is cached. */
  commit(): void {
    if (this.ids.size + this.pending.size > MAX_CACHED) {
      this.ids.clear();
      this.paths.clear();
    }
    for (const [path, id] of this.pending) this.remember(path, id);
    this.pending = new Map();
  }

  /** A path's id on SQLite (in the write's transaction), added to the dictionary if new. */
  idOf(prepared: (source: string) => PreparedStatement, path: string): number {
    const known = this.ids.get(path) ?? this.pending.get(path);
    if (known !== undefined) return known;
    prepared("INSERT INTO analytics_path (path) VALUES (?) ON CONFLICT DO NOTHING").run(path);
    const { id } = prepared("SELECT id FROM analytics_path WHERE path = ?").get(path) as { id: number };
    this.pending.set(path, id);
    return id;
  }

  /** The path of an id read from a committed row, on SQLite ("" if the dictionary lacks it). */
  pathOf(prepared: (source: string) => PreparedStatement, id: number): string {
    const known = this.paths.get(id);
    if (known !== undefined) return known;
    const row = prepared("SELECT path FROM analytics_path WHERE id = ?").get(id) as
      { path: string } | undefined;
    if (row) this.pending.set(row.path, id);
    return row?.path ?? "";
  }

  /** The ids of paths, added to the dictionary if new (any engine). */
  async idsOf(trx: Transaction<AnalyticsTables>, paths: Iterable<string>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const missing: string[] = [];
    for (const path of new Set(paths)) {
      const known = this.ids.get(path) ?? this.pending.get(path);
      if (known === undefined) missing.push(path);
      else out.set(path, known);
    }
    if (missing.length === 0) return out;
    // Sorted: concurrent writers adding the same paths lock them in the same order.
    missing.sort();
    await trx
      .insertInto("analyticsPath")
      .values(missing.map((path) => ({ path })))
      .onConflict((oc) => oc.column("path").doNothing())
      .execute();
    const rows = await trx
      .selectFrom("analyticsPath")
      .where("path", "in", missing)
      .select(["id", "path"])
      .execute();
    for (const row of rows) {
      out.set(row.path, Number(row.id));
      this.pending.set(row.path, Number(row.id));
    }
    return out;
  }

  /** The paths of ids read from committed rows (any engine; "" for an id the dictionary lacks). */
  async pathsOf(trx: Transaction<AnalyticsTables>, ids: Iterable<number>): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    const missing: number[] = [];
    for (const id of new Set(ids)) {
      const known = this.paths.get(id);
      if (known === undefined) missing.push(id);
      else out.set(id, known);
    }
    if (missing.length > 0)
      for (const row of await trx
        .selectFrom("analyticsPath")
        .where("id", "in", missing)
        .select(["id", "path"])
        .execute()) {
        out.set(Number(row.id), row.path);
        this.pending.set(row.path, Number(row.id));
      }
    return out;
  }

  private remember(path: string, id: number): void {
    this.ids.set(path, id);
    this.paths.set(id, path);
  }
}
