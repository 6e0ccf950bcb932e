import { sql, type Kysely } from "kysely";
import type { Db } from "../../platform/db/database.ts";
import { GroupCommitQueue } from "../../platform/db/group-commit.ts";
import type { RecordRow, RegistrationTables } from "./tables.ts";

/** What the writer tells each submitter once its batch is on disk. */
export interface WriteResult {
  id: string;
  receipt: string;
  /** false when a same-day record of the same ID number was replaced (the answer keeps its id). */
  created: boolean;
}

export interface WriterOptions {
  /** Submissions waiting for a batch before new ones get 503 (Retry-After). */
  capacity?: number;
  maxBatch?: number;
}

const keyOf = (r: RecordRow) => `${r.campaignId}|${r.day}|${r.idIndex}`;

/**
 * The durable acceptance path: submissions are grouped, each batch is one multi-row
 * `INSERT … ON CONFLICT (campaign, day, ID index) DO UPDATE` in one transaction, and every submitter
 * is answered only after its batch is on stable storage.
 *
 * SQLite (WAL, `synchronous = NORMAL`): the batch commits (its frames are in the WAL file, which a
 * killed process does not lose), then `syncCommitted()` fsyncs the WAL on the thread pool and the
 * batch is answered after that fsync — power-loss safe, as `synchronous = FULL` would be, but the
 * event loop keeps reading requests during the fsync and the next batch commits meanwhile; one
 * fsync covers every batch committed before it started. PostgreSQL: one transaction per batch
 * (synchronous_commit on: the commit waits for its WAL flush). Either way several batches may be in
 * flight at once (SQLite's run one after another on its single connection; PostgreSQL's on pool
 * connections).
 */
export class RecordWriter {
  private readonly queue: GroupCommitQueue<RecordRow, WriteResult>;
  private readonly partitions = new Set<string>();

  constructor(
    private readonly store: Db<RegistrationTables>,
    options: WriterOptions = {},
  ) {
    this.queue = new GroupCommitQueue({
      flush: (rows) => this.flush(rows),
      capacity: options.capacity ?? 20_000,
      maxBatch: options.maxBatch ?? 500,
      concurrency: 4,
    });
  }

  get stats() {
    return { ...this.queue.stats, depth: this.queue.depth };
  }

  /** Resolves when the record is committed; rejects with QueueFull when the burst queue is full. */
  write(row: RecordRow): Promise<WriteResult> {
    return this.queue.submit(row);
  }

  /** Waits for every queued record to be written (graceful shutdown). */
  close(): Promise<void> {
    return this.queue.close();
  }

  private async flush(rows: RecordRow[]): Promise<WriteResult[]> {
    // Two submissions of one person on one day in the same batch: the later replaces the earlier in
    // the batch itself (one row per key, as PostgreSQL's ON CONFLICT requires), both get its id.
    const unique: RecordRow[] = [];
    const slot: number[] = [];
    const seen = new Map<string, number>();
    for (const row of rows) {
      const j = seen.get(keyOf(row));
      if (j === undefined) {
        seen.set(keyOf(row), unique.length);
        slot.push(unique.length);
        unique.push(row);
      } else {
        const first = unique[j];
        unique[j] = { ...row, id: first.id, receipt: first.receipt, revisions: first.revisions + 1 };
        slot.push(j);
      }
    }
    if (this.store.dialect === "postgres") await this.ensurePartitions(unique.map((r) => r.day));
    const written = await this.durably((trx) =>
      trx
        .insertInto("registrationRecords")
        .values(unique)
        .onConflict((oc) =>
          oc.columns(["campaignId", "day", "idIndex"]).doUpdateSet((eb) => ({
            personName: eb.ref("excluded.personName"),
            idNumber: eb.ref("excluded.idNumber"),
            phone: eb.ref("excluded.phone"),
            district: eb.ref("excluded.district"),
            answers: eb.ref("excluded.answers"),
            channel: eb.ref("excluded.channel"),
            submittedAt: eb.ref("excluded.submittedAt"),
            revisions: sql<number>`registration_records.revisions + 1 + excluded.revisions`,
          })),
        )
        .returning(["id", "receipt", "campaignId", "day", "idIndex"])
        .execute(),
    );
    const byKey = new Map(written.map((w) => [`${w.campaignId}|${w.day}|${w.idIndex}`, w]));
    const firstOfKey = new Set<number>();
    return rows.map((row, i) => {
      const u = unique[slot[i]];
      const w = byKey.get(keyOf(u));
      if (!w) throw new Error("registration batch: a record was not written");
      // The first submission of a key in this batch is new when the database had none before.
      const firstInBatch = !firstOfKey.has(slot[i]);
      firstOfKey.add(slot[i]);
      return { id: w.id, receipt: w.receipt, created: firstInBatch && w.id === u.id };
    });
  }

  private async durably<T>(work: (trx: Kysely<RegistrationTables>) => Promise<T>): Promise<T> {
    const result = await this.store.db.transaction().execute(work);
    await this.store.syncCommitted();
    return result;
  }

  /** Creates the day's partition (and the next day's, ahead of midnight) before the first insert. */
  private async ensurePartitions(days: string[]): Promise<void> {
    for (const day of new Set(days)) {
      if (this.partitions.has(day)) continue;
      const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      const after = new Date(Date.parse(`${day}T00:00:00Z`) + 2 * 86_400_000).toISOString().slice(0, 10);
      for (const [from, to] of [
        [day, next],
        [next, after],
      ]) {
        const name = `registration_records_p${from.replaceAll("-", "")}`;
        try {
          await sql
            .raw(
              `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF registration_records FOR VALUES FROM ('${from}') TO ('${to}')`,
            )
            .execute(this.store.db);
        } catch {
          // Another instance created it meanwhile, or the DEFAULT partition already holds rows of
          // that day: the rows go to the existing partition either way.
        }
      }
      this.partitions.add(day);
    }
  }
}
