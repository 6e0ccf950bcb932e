import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";
import {
  PostgresDialect,
  PostgresDriver,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { isServiceUnavailable } from "../ops/unavailable.ts";
import { withTimeout } from "../ops/with-timeout.ts";

/**
 * Read replica routing (DATABASE_REPLICA_URL).
 *
 * What goes where:
 * - Only requests to routes marked `config: { readReplica: true }` (read-heavy public pages) may read
 *   from the replica; everything else — writes, the staff console, a visitor's own data, jobs, the CLI —
 *   uses the primary. Inside a marked request only plain SELECTs outside transactions go to the
 *   replica; a write or a transaction goes to the primary, and after the first write every later read
 *   of that request goes to the primary too.
 *
 * Read-your-own-writes, without a query per write: a monitor samples the primary's WAL position
 * (pg_current_wal_lsn) every half second, remembering when each sample was taken, and reads the
 * replica's replay position (pg_last_wal_replay_lsn). When the replica has replayed past the sample
 * taken at time T, it holds every transaction committed before T: the replica is "fresh as of T".
 * - A request that wrote sets a cookie holding the time the response was sent (after its commits).
 *   That visitor reads from the replica only once the replica is fresh as of that time, so they
 *   always see their own change; the cookie lives as long as the maximum lag allowed (below), after
 *   which the replica is either fresh past the write or not used at all.
 * - Every public change already announces itself on the invalidation bus (it clears page caches);
 *   the time it was heard counts like a write for everybody, so no cache is refilled from a replica
 *   that has not replayed the change yet.
 * - A replica that is unreachable, not a standby, or not fresh within `maxLagMs` (e.g. replay
 *   stopped, or the link to the primary broke) is not used; a query that fails on the replica because
 *   it went away is re-run on the primary. /readyz reports the replica's state without failing on it.
 * Clocks: the cookie is compared with this instance's clock; instances on one host or NTP agree to
 * well within the half-second sampling step.
 */

export const PIN_COOKIE = "cy_rw";

export type ReplicaStatus = "starting" | "ok" | "lagging" | "unreachable" | "not_standby";

export interface ReplicaState {
  status: ReplicaStatus;
  /** The replica holds every commit made on the primary before this time (ms since epoch; 0 = unknown). */
  freshAsOf: number;
  /** Seconds since the last replayed transaction's commit time (pg_last_xact_replay_timestamp). */
  replayAgeSeconds: number | null;
  error: string | null;
}

interface RouteContext {
  replica: boolean;
  wrote: boolean;
}

interface LsnSample {
  at: number;
  lsn: bigint;
}

export function parseLsn(text: string): bigint {
  const [hi, lo] = text.split("/");
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

const WRITE_WORDS = /\b(insert|update|delete|merge|truncate|nextval|setval|pg_advisory\w*|for\s+share)\b/i;

/** True for a query the replica can answer: a SELECT (or a WITH/SELECT text) that changes nothing. */
export function isReadOnlyQuery(query: CompiledQuery): boolean {
  const kind = query.query.kind;
  if (kind === "SelectQueryNode") return !WRITE_WORDS.test(query.sql);
  if (kind === "RawNode")
    return /^\s*(\(\s*)*(select|with)\b/i.test(query.sql) && !WRITE_WORDS.test(query.sql);
  return false;
}

export class ReplicaRouter {
  private readonly als = new AsyncLocalStorage<RouteContext>();
  private samples: LsnSample[] = [];
  private state: ReplicaState = { status: "starting", freshAsOf: 0, replayAgeSeconds: null, error: null };
  private lastPublicChange = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private checking: Promise<void> | null = null;

  /** `primary` and `replica` are the monitor's own small pools (closed by stop()). */
  constructor(
    private readonly primary: pg.Pool,
    private readonly replica: pg.Pool,
    readonly maxLagMs: number,
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.checking = this.check().finally(() => {
        this.checking = null;
        if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs).unref();
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.checking;
    await Promise.all([this.primary.end(), this.replica.end()]).catch(() => {});
  }

  current(): ReplicaState {
    const s = { ...this.state };
    if (s.status === "ok" && Date.now() - s.freshAsOf > this.maxLagMs) s.status = "lagging";
    return s;
  }

  /** One monitor step: the primary's WAL position now, then how far the replica has replayed. */
  async check(): Promise<void> {
    const at = Date.now();
    try {
      const { rows } = await withTimeout(
        this.primary.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn"),
        2000,
      );
      this.samples.push({ at, lsn: parseLsn(rows[0].lsn) });
      const keepFrom = Date.now() - this.maxLagMs - 5000;
      while (this.samples.length > 2 && this.samples[0].at < keepFrom) this.samples.shift();
    } catch {
      // Primary unreachable: no new sample, so the replica's freshness stops advancing.
    }
    try {
      const { rows } = await withTimeout(
        this.replica.query<{ standby: boolean; replay: string | null; age: number | null }>(
          `SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replay,
             extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS age`,
        ),
        2000,
      );
      const { standby, replay, age } = rows[0];
      if (!standby || !replay) {
        // A promoted or misconfigured server may have diverged from the primary: never read from it.
        this.state = { status: "not_standby", freshAsOf: 0, replayAgeSeconds: null, error: null };
        return;
      }
      const replayed = parseLsn(replay);
      let freshAsOf = this.state.freshAsOf;
      for (const s of this.samples) if (s.lsn <= replayed && s.at > freshAsOf) freshAsOf = s.at;
      this.state = { status: "ok", freshAsOf, replayAgeSeconds: age, error: null };
    } catch (error) {
      this.state = { ...this.state, status: "unreachable", error: (error as Error).message };
    }
  }

  /** A replica query failed because the server went away: stop using it until the monitor sees it again. */
  markUnreachable(error: unknown): void {
    this.state = { ...this.state, status: "unreachable", error: (error as Error).message };
  }

  /** Something public changed (heard on the invalidation bus): reads wait for the replica to replay it. */
  notePublicChange(at = Date.now()): void {
    this.lastPublicChange = Math.max(this.lastPublicChange, at);
  }

  /** May a request whose visitor last wrote at `lastWrite` read from the replica now? */
  usable(lastWrite = 0): boolean {
    const { status, freshAsOf } = this.state;
    const since = Math.max(lastWrite, this.lastPublicChange);
    return status === "ok" && freshAsOf >= since && Date.now() - freshAsOf <= this.maxLagMs;
  }

  run<T>(replica: boolean, fn: () => T): T {
    return this.als.run({ replica, wrote: false }, fn);
  }

  /**
   * Runs fn with every query on the primary in a context of its own: caches shared by all visitors,
   * and analytics writes that must not mark the request as a write (see Db.onPrimary).
   */
  onPrimary<T>(fn: () => Promise<T>): Promise<T> {
    return this.als.run({ replica: false, wrote: false }, fn);
  }

  /** The current request's routing (undefined outside a request). */
  context(): RouteContext | undefined {
    return this.als.getStore();
  }
}

/** Errors after which a query is worth re-running on the primary. */
function replicaTrouble(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // 40001: canceled by a recovery conflict on the standby.
  return isServiceUnavailable(error) || code === "40001";
}

/** A connection that picks its server per query (see ReplicaRouter), acquired lazily on each side. */
class RoutedConnection implements DatabaseConnection {
  primaryConnection: DatabaseConnection | null = null;
  replicaConnection: DatabaseConnection | null = null;
  inTransaction = false;

  constructor(private readonly driver: RoutingDriver) {}

  async onPrimary(): Promise<DatabaseConnection> {
    this.primaryConnection ??= await this.driver.primary.acquireConnection();
    return this.primaryConnection;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const ctx = this.driver.router.context();
    const readOnly = isReadOnlyQuery(query);
    if (ctx && !readOnly) ctx.wrote = true;
    if (ctx?.replica && !ctx.wrote && readOnly && !this.inTransaction && this.driver.router.usable()) {
      try {
        this.replicaConnection ??= await this.driver.replica.acquireConnection();
        return await this.replicaConnection.executeQuery<R>(query);
      } catch (error) {
        if (!replicaTrouble(error)) throw error;
        this.driver.router.markUnreachable(error);
        await this.releaseReplica();
      }
    }
    return (await this.onPrimary()).executeQuery<R>(query);
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    yield* (await this.onPrimary()).streamQuery<R>(query, chunkSize);
  }

  async releaseReplica(): Promise<void> {
    const c = this.replicaConnection;
    this.replicaConnection = null;
    if (c) await this.driver.replica.releaseConnection(c as never).catch(() => {});
  }
}

class RoutingDriver implements Driver {
  readonly primary: PostgresDriver;
  readonly replica: PostgresDriver;

  constructor(
    primaryPool: pg.Pool,
    replicaPool: pg.Pool,
    readonly router: ReplicaRouter,
  ) {
    this.primary = new PostgresDriver({ pool: primaryPool });
    this.replica = new PostgresDriver({ pool: replicaPool });
  }

  async init(): Promise<void> {
    await this.primary.init();
    await this.replica.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as RoutedConnection;
    c.inTransaction = true;
    const ctx = this.router.context();
    if (ctx) ctx.wrote = true;
    await this.primary.beginTransaction(await c.onPrimary(), settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as RoutedConnection;
    await this.primary.commitTransaction(await c.onPrimary());
    c.inTransaction = false;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as RoutedConnection;
    // PostgresDriver's signature names its own connection class; ours is the same at run time.
    await this.primary.rollbackTransaction((await c.onPrimary()) as never);
    c.inTransaction = false;
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    await this.primary.savepoint(await (connection as RoutedConnection).onPrimary(), name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ) {
    await this.primary.rollbackToSavepoint(await (connection as RoutedConnection).onPrimary(), name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ) {
    await this.primary.releaseSavepoint(await (connection as RoutedConnection).onPrimary(), name, compile);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as RoutedConnection;
    await c.releaseReplica();
    const p = c.primaryConnection;
    c.primaryConnection = null;
    if (p) await this.primary.releaseConnection(p as never);
  }

  async destroy(): Promise<void> {
    await this.primary.destroy();
    await this.replica.destroy();
  }
}

/** PostgreSQL dialect whose queries are routed between a primary and a replica pool. */
export class RoutingDialect extends PostgresDialect {
  constructor(
    private readonly primaryPool: pg.Pool,
    private readonly replicaPool: pg.Pool,
    private readonly router: ReplicaRouter,
  ) {
    super({ pool: primaryPool });
  }

  override createDriver(): Driver {
    return new RoutingDriver(this.primaryPool, this.replicaPool, this.router);
  }
}
