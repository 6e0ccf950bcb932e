import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { WalCheckpointer } from "./wal-checkpointer.ts";
import pg from "pg";
import { Kysely, PostgresDialect, CamelCasePlugin } from "kysely";
import { FifoSqliteDialect } from "./sqlite-dialect.ts";
import type { Config } from "../../config.ts";
import { ReplicaRouter, RoutingDialect } from "./replica.ts";
import { FieldCipher } from "../crypto/field-cipher.ts";
import { resolveDataKeys } from "../crypto/data-keys.ts";
import { SEALED_PROPERTIES } from "../../migrations/sealed-fields.ts";

export type Dialect = "sqlite" | "postgres";

/**
 * The database as one owner sees it: `DB` lists the tables it may query (its own `tables.ts`), so a
 * query on another owner's table does not compile. Every view shares one connection; only the
 * container opens it, typed to the whole schema (src/db/schema.ts), and hands each service its view
 * (a `Db<All>` is assignable to a `Db<Own>` when `All` includes `Own`).
 */
export interface Db<DB> {
  db: Kysely<DB>;
  /**
   * The same database as `db` (kept for call sites that only read). With a read replica configured
   * both route per request: see ReplicaRouter for what may read from the replica.
   */
  read: Kysely<DB>;
  dialect: Dialect;
  /** The read replica's router and monitor when DATABASE_REPLICA_URL is set, else null. */
  replica: ReplicaRouter | null;
  /**
   * Runs fn with all its queries on the primary, in its own routing context: for caches every visitor
   * shares, and for writes nobody reads back on a public page (analytics logs), which therefore do
   * not count as the request having written (read-your-own-writes).
   */
  onPrimary<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Encryption of personal data at rest: repositories seal the columns of SEALED_FIELDS on write
   * (`cipher.seal`, and `cipher.blindIndex` for lookups); reads through `db` come back decrypted.
   */
  cipher: FieldCipher;
  /**
   * SQLite only (null on PostgreSQL): a statement prepared once on the connection, run one row at a
   * time — for bulk writes where Kysely's cost per statement, or a many-row VALUES list, would cost
   * more than the rows. Run it only inside a transaction callback of `db` (which holds the one
   * connection); names are the tables' own (snake_case) and sealed columns are not sealed.
   */
  prepared: ((source: string) => PreparedStatement) | null;
  /** SQLite only (null on PostgreSQL): the database file, for a worker thread with its own connection. */
  sqliteFile: string | null;
  close(): Promise<void>;
}

export type SqlValue = string | number | bigint | Buffer | null;

export interface PreparedStatement {
  run(...params: SqlValue[]): { changes: number };
  get(...params: SqlValue[]): unknown;
}

/**
 * The one place a handle changes its compile-time view: infrastructure that joins a caller's
 * transaction (audit records, search index updates, blobs) sees it typed to its own tables. Safe
 * because every view is the same connection to the one migrated database, which has every table;
 * the schema test checks each declaration against it.
 */
export function tablesOf<Own>(handle: AnyView): Kysely<Own> {
  return handle as Kysely<Own>;
}

/** Any owner's view of the database, or a transaction on it (all views share one connection). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tables seen do not matter here
export type AnyView = Kysely<any>;

/** A database opened with any owner's view (for infrastructure that runs raw SQL or migrations). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as AnyView
export type AnyDb = Db<any>;

// PostgreSQL BIGINT (count(*) etc.) as JS numbers: our counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export function sqlitePath(config: Config): string {
  return join(config.dataDir, "chuyun.sqlite");
}

/**
 * The field cipher for this configuration (see resolveDataKeys); the first start of a demo writes
 * its key file into the data directory and says so.
 */
export function openFieldCipher(config: Config): FieldCipher {
  const { keys, source } = resolveDataKeys(config);
  if (source.kind === "file" && source.generated && config.logLevel !== "silent")
    console.warn(
      `Generated the demo personal-data encryption keys in ${source.file} (keep it with the data; ` +
        "production needs CHUYUN_DATA_KEYS/CHUYUN_DATA_INDEX_KEY or CHUYUN_DATA_KEY_FILE)",
    );
  return new FieldCipher(keys);
}

/** How long a SQLite statement waits for another process's write lock (blocking the event loop). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** 64 MB of 4 KB pages (see the checkpointer's 4 MB threshold). */
const WAL_BACKSTOP_PAGES = 16_384;

/**
 * A connection to the platform's SQLite file with the platform's settings (the main connection, and a
 * worker thread's own: see RecordWriter in modules/registration).
 */
export function openSqliteConnection(file: string): SQLite.Database {
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  // Read through the OS page cache without copying (large search indexes), and keep more pages.
  sqlite.pragma("mmap_size = 1073741824");
  sqlite.pragma("cache_size = -65536");
  // Checkpoints run on a worker thread, not inside a commit on the event loop (see WalCheckpointer).
  // SQLite's own, inside a commit, stays as the backstop at 64 MB: a batch job that never yields to
  // the event loop never runs the worker's timer, and a WAL of gigabytes slows every read.
  sqlite.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
  return sqlite;
}

export function openDatabase<DB>(config: Config, cipher: FieldCipher = openFieldCipher(config)): Db<DB> {
  const plugins = [new CamelCasePlugin(), cipher.plugin(SEALED_PROPERTIES)];
  if (config.databaseUrl) {
    const makePool = (url: string, applicationName: string, connectTimeoutMs: number, max = 10) => {
      const pool = new pg.Pool({
        connectionString: url,
        max,
        connectionTimeoutMillis: connectTimeoutMs,
        statement_timeout: 15000,
        // Shows in pg_stat_activity which pool a session belongs to.
        application_name: applicationName,
      });
      // An idle connection dropped by a server restart must not crash the process; the pool replaces it.
      pool.on("error", () => {});
      // The same for a checked-out connection that dies between queries; its next query fails instead.
      pool.on("connect", (client) => client.on("error", () => {}));
      return pool;
    };
    const pool = makePool(config.databaseUrl, "chuyun", 3000);
    if (!config.databaseReplicaUrl) {
      const db = new Kysely<DB>({
        dialect: new PostgresDialect({ pool }),
        plugins,
      });
      return {
        db,
        read: db,
        dialect: "postgres",
        replica: null,
        onPrimary: (fn) => fn(),
        prepared: null,
        sqliteFile: null,
        cipher,
        async close() {
          await db.destroy();
        },
      };
    }
    // A replica that does not answer quickly is skipped (the primary serves) rather than waited for.
    const replicaPool = makePool(config.databaseReplicaUrl, "chuyun-replica", 1000);
    // The monitor has a connection of its own on each side, so a busy pool never starves it (which
    // would make a healthy replica look stale exactly under load).
    const router = new ReplicaRouter(
      makePool(config.databaseUrl, "chuyun-monitor", 1000, 1),
      makePool(config.databaseReplicaUrl, "chuyun-monitor", 1000, 1),
      config.replicaMaxLagSeconds * 1000,
    );
    const db = new Kysely<DB>({
      dialect: new RoutingDialect(pool, replicaPool, router),
      plugins,
    });
    router.start();
    return {
      db,
      read: db,
      dialect: "postgres",
      replica: router,
      onPrimary: (fn) => router.onPrimary(fn),
      prepared: null,
      sqliteFile: null,
      cipher,
      async close() {
        await router.stop();
        await db.destroy();
      },
    };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const sqlite = openSqliteConnection(sqlitePath(config));
  const checkpointer = new WalCheckpointer(sqlitePath(config));
  const statements = withStatementCache(sqlite);
  const db = new Kysely<DB>({
    dialect: new FifoSqliteDialect({ database: statements }),
    plugins,
  });
  return {
    db,
    read: db,
    dialect: "sqlite",
    replica: null,
    onPrimary: (fn) => fn(),
    cipher,
    prepared: (source) => statements.prepare(source),
    sqliteFile: sqlitePath(config),
    async close() {
      await checkpointer.close();
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, so keep the compiled
 * ones by SQL text (a bounded map). A statement still busy iterating is never handed out twice.
 */
function withStatementCache(sqlite: SQLite.Database, max = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = (source: string): SQLite.Statement => {
    const hit = cache.get(source);
    if (hit && !hit.busy) return hit;
    const statement = sqlite.prepare(source);
    if (!hit) {
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(source, statement);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property === "prepare") return prepare;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
