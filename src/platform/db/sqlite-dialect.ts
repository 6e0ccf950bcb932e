import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from "kysely";

/**
 * Kysely's SQLite driver guards its one connection with a mutex whose every release wakes every
 * waiter, and all but one go back to sleep: with 64 requests in flight each query costs 64 wake-ups,
 * and who gets the connection next is not strictly first come. Under load that made the CPU cost
 * of a query grow with the number of requests waiting and stretched the latency tail. This driver
 * hands the connection straight to the longest waiting caller (a FIFO queue), one wake-up per
 * query. Statements still run through Kysely's own SQLite connection.
 */
class FifoSqliteDriver extends SqliteDriver {
  private connection: DatabaseConnection | null = null;
  private held = false;
  private readonly waiting: ((connection: DatabaseConnection) => void)[] = [];

  override async init(): Promise<void> {
    await super.init();
    // The parent's connection, taken once through its own mutex (free at this point).
    const connection = await super.acquireConnection();
    await super.releaseConnection();
    this.connection = connection;
  }

  override acquireConnection(): Promise<DatabaseConnection> {
    const connection = this.connection;
    if (!connection) return Promise.reject(new Error("SQLite driver used before init"));
    if (!this.held) {
      this.held = true;
      return Promise.resolve(connection);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /**
   * Transactions take the write lock when they begin (BEGIN IMMEDIATE), waiting for it as long as
   * busy_timeout allows. Another connection writes beside this one (the registration writer thread,
   * the workers of start:cluster): a deferred transaction that read and then wrote after such a
   * commit failed at once with "database is locked" (its snapshot was stale; no waiting helps).
   */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  override async releaseConnection(): Promise<void> {
    const next = this.waiting.shift();
    if (next) next(this.connection!);
    else this.held = false;
  }
}

/** Kysely's SQLite dialect with the FIFO driver above. */
export class FifoSqliteDialect extends SqliteDialect {
  constructor(private readonly options: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(options);
  }

  override createDriver(): Driver {
    return new FifoSqliteDriver(this.options);
  }
}
