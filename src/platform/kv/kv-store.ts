import { sql } from "kysely";
import { tablesOf, type AnyView } from "../db/database.ts";

import type { KvTables } from "./tables.ts";

/**
 * The `kv` table with an owner per key: each feature gets a scope (`kv.scope<Keys>("mailbox")`) whose
 * keys are stored as "<owner>:<key>" and whose values are JSON, typed per key by `Keys`. Owners never
 * see each other's keys. Migration 0009 moved the keys written before scopes existed.
 */
export class KvStore {
  private readonly db: AnyView;

  /** Takes any owner's handle: the kv table is in every database. */
  constructor(db: AnyView) {
    this.db = db;
  }

  scope<Keys extends object>(owner: string): KvScope<Keys> {
    if (!/^[a-z][a-z0-9-]*$/.test(owner)) throw new Error(`bad kv owner "${owner}"`);
    return new KvScope<Keys>(this.db, `${owner}:`);
  }
}

type Key<Keys> = keyof Keys & string;
/** The keys whose values are counters (numbers), which `increment` may change. */
type CounterKey<Keys> = { [K in Key<Keys>]: Keys[K] extends number ? K : never }[Key<Keys>];

export class KvScope<Keys extends object> {
  constructor(
    private readonly handle: AnyView,
    private readonly prefix: string,
  ) {}

  private db(trx?: AnyView) {
    return tablesOf<KvTables>(trx ?? this.handle);
  }

  async get<K extends Key<Keys>>(key: K, trx?: AnyView): Promise<Keys[K] | undefined> {
    const row = await this.db(trx)
      .selectFrom("kv")
      .select("value")
      .where("key", "=", this.prefix + key)
      .executeTakeFirst();
    if (!row) return undefined;
    try {
      return JSON.parse(row.value) as Keys[K];
    } catch {
      return undefined;
    }
  }

  async set<K extends Key<Keys>>(key: K, value: Keys[K], trx?: AnyView): Promise<void> {
    const json = JSON.stringify(value);
    await this.db(trx)
      .insertInto("kv")
      .values({ key: this.prefix + key, value: json })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: json }))
      .execute();
  }

  /** Stores the value only when the key is absent; true when this call stored it (a claim). */
  async setIfAbsent<K extends Key<Keys>>(key: K, value: Keys[K], trx?: AnyView): Promise<boolean> {
    const result = await this.db(trx)
      .insertInto("kv")
      .values({ key: this.prefix + key, value: JSON.stringify(value) })
      .onConflict((oc) => oc.column("key").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /**
   * Adds `by` to a counter key (absent counts as 0) in one statement, and returns the new count. Two
   * concurrent calls never both see the same value (INSERT … ON CONFLICT DO UPDATE … RETURNING on both
   * engines), so a limit checked on the result holds under concurrency.
   */
  async increment<K extends CounterKey<Keys>>(key: K, by = 1, trx?: AnyView): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new Error("kv increment must be an integer");
    const row = await this.db(trx)
      .insertInto("kv")
      .values({ key: this.prefix + key, value: String(by) })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet({
          value: sql<string>`CAST(CAST(kv.value AS INTEGER) + ${by} AS TEXT)`,
        }),
      )
      .returning("value")
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }

  async delete(key: Key<Keys>, trx?: AnyView): Promise<void> {
    await this.db(trx)
      .deleteFrom("kv")
      .where("key", "=", this.prefix + key)
      .execute();
  }

  /** Deletes the given keys of this scope (in chunks: one statement per 500). */
  async deleteKeys(keys: Key<Keys>[], trx?: AnyView): Promise<void> {
    for (let i = 0; i < keys.length; i += 500)
      await this.db(trx)
        .deleteFrom("kv")
        .where(
          "key",
          "in",
          keys.slice(i, i + 500).map((k) => this.prefix + k),
        )
        .execute();
  }

  /** The keys of this scope starting with `start` (without the owner prefix). */
  async keys(start = ""): Promise<Key<Keys>[]> {
    // "_" and "%" in the pattern may match more than meant; the prefix check below keeps it exact.
    const like = `${this.prefix}${start}%`;
    const rows = await this.db()
      .selectFrom("kv")
      .select("key")
      .where((eb) => eb("key", "like", like))
      .orderBy("key")
      .execute();
    return rows
      .map((r) => r.key)
      .filter((k) => k.startsWith(this.prefix + start))
      .map((k) => k.slice(this.prefix.length) as Key<Keys>);
  }
}
