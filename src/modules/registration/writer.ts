import { createHash } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Db, PreparedStatement } from "../../platform/db/database.ts";
import { GroupCommitQueue } from "../../platform/db/group-commit.ts";
import { pooledRandomBytes } from "../../platform/crypto/random-pool.ts";
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

const keyOf = (r: Pick<RecordRow, "campaignId" | "day" | "idIndex">) =>
  `${r.campaignId}|${r.day}|${r.idIndex}`;

/**
 * A record id: R, the China day (a lookup by id finds its PostgreSQL partition), then 12 hex
 * digits. A seed (a batch row) gives the same id each time, so a row written again replaces itself.
 * Otherwise the second of the day comes first (5 digits), so new ids land at the end of the id
 * index instead of at random pages all over it, then 28 random bits; the rare id already taken is
 * drawn again by the writer.
 */
export function newRecordId(day: string, seed?: string): string {
  const tail = seed
    ? createHash("sha256").update(seed).digest("hex").slice(0, 12)
    : secondOfChinaDay().toString(16).padStart(5, "0") + pooledRandomBytes(4).toString("hex").slice(1);
  return `R${day.replaceAll("-", "")}${tail.toUpperCase()}`;
}

function secondOfChinaDay(): number {
  return Math.floor((Date.now() / 1000 + 8 * 3600) % 86_400);
}

/** The row under a fresh id (its id was taken); a kept-every-submission index ends with the id. */
function withNewId(row: RecordRow): RecordRow {
  const id = newRecordId(row.day);
  const suffix = `:${row.id}`;
  const idIndex = row.idIndex.endsWith(suffix)
    ? `${row.idIndex.slice(0, -suffix.length)}:${id}`
    : row.idIndex;
  return { ...row, id, idIndex };
}

const RECORD_COLUMNS = [
  "id",
  "campaign_id",
  "day",
  "id_index",
  "person_name",
  "id_number",
  "phone",
  "district",
  "answers",
  "receipt",
  "channel",
  "submitted_at",
  "revisions",
] as const;
/** The replacing columns of a same-day resubmission (the id and receipt stay the first one's). */
const REPLACED = ["person_name", "id_number", "phone", "district", "answers", "channel", "submitted_at"];
const UPSERT_ONE = `INSERT INTO registration_records (${RECORD_COLUMNS.join(", ")})
  VALUES (${RECORD_COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (campaign_id, day, id_index) DO UPDATE SET
  ${REPLACED.map((c) => `${c} = excluded.${c}`).join(", ")},
  revisions = registration_records.revisions + 1 + excluded.revisions
  RETURNING id, receipt, revisions`;

/** Whether a write failed because a record id is already taken (not the dedup key). */
function idTaken(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e.code === "SQLITE_CONSTRAINT_PRIMARYKEY") return true;
  return e.code === "23505" && /pkey/.test(e.constraint ?? e.message ?? "");
}

/**
 * The durable acceptance path: submissions are grouped, each batch is written with
 * `INSERT … ON CONFLICT (campaign, day, ID index) DO UPDATE` in one transaction (one prepared
 * statement per record on SQLite, one multi-row statement on PostgreSQL), and every submitter is
 * answered only after its batch is on stable storage.
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
    const prepared = this.store.prepared;
    let written: {
      id: string;
      receipt: string;
      campaignId: number;
      day: string;
      idIndex: string;
      revisions: number;
    }[];
    if (prepared) {
      written = await this.durably(async () => this.upsertEach(prepared, unique));
    } else {
      await this.ensurePartitions(unique.map((r) => r.day));
      written = await this.upsertMany(unique);
    }
    const byKey = new Map(written.map((w) => [keyOf(w), w]));
    const firstOfKey = new Set<number>();
    return rows.map((row, i) => {
      const u = unique[slot[i]];
      const w = byKey.get(keyOf(u));
      if (!w) throw new Error("registration batch: a record was not written");
      // The first submission of a key in this batch is new when the database had none before: the
      // row was inserted, not updated (an update adds at least one revision to what was sent).
      const firstInBatch = !firstOfKey.has(slot[i]);
      firstOfKey.add(slot[i]);
      return { id: w.id, receipt: w.receipt, created: firstInBatch && Number(w.revisions) === u.revisions };
    });
  }

  /**
   * SQLite: one prepared statement run per record in the batch's transaction (a many-row VALUES
   * list costs more per row to build and prepare than the rows cost to write). A row whose new id is
   * taken is retried under another id; `unique` is updated so its submitter gets the id written.
   */
  private upsertEach(prepared: (source: string) => PreparedStatement, unique: RecordRow[]) {
    const upsert = prepared(UPSERT_ONE);
    return unique.map((row, i) => {
      for (let attempt = 0; ; attempt++) {
        try {
          const w = upsert.get(
            row.id,
            row.campaignId,
            row.day,
            row.idIndex,
            row.personName,
            row.idNumber,
            row.phone,
            row.district,
            row.answers,
            row.receipt,
            row.channel,
            row.submittedAt,
            row.revisions,
          ) as { id: string; receipt: string; revisions: number };
          return { ...w, campaignId: row.campaignId, day: row.day, idIndex: row.idIndex };
        } catch (error) {
          if (!idTaken(error) || attempt >= 5) throw error;
          row = unique[i] = withNewId(row);
        }
      }
    });
  }

  /** PostgreSQL: one multi-row upsert per batch; the rare batch holding a taken id is retried. */
  private async upsertMany(unique: RecordRow[]) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.durably((trx) =>
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
            .returning(["id", "receipt", "campaignId", "day", "idIndex", "revisions"])
            .execute(),
        );
      } catch (error) {
        if (!idTaken(error) || attempt >= 5) throw error;
        // The error names no row: only the rows whose id another record holds (or an earlier row
        // of this batch) are drawn again; a row written again keeps its id and replaces itself.
        for (const i of await this.rowsWithTakenIds(unique)) unique[i] = withNewId(unique[i]);
      }
    }
  }

  private async rowsWithTakenIds(unique: RecordRow[]): Promise<number[]> {
    const holders = await this.store.db
      .selectFrom("registrationRecords")
      .select(["id", "campaignId", "day", "idIndex"])
      .where("day", "in", [...new Set(unique.map((r) => r.day))])
      .where(
        "id",
        "in",
        unique.map((r) => r.id),
      )
      .execute();
    const holder = new Map(holders.map((h) => [h.id, keyOf(h)]));
    // A row whose id is its own record's (written again) keeps it first; then the others in order.
    const own = (row: RecordRow) => holder.get(row.id) === keyOf(row);
    const order = [...unique.keys()].sort((a, b) => Number(own(unique[b])) - Number(own(unique[a])));
    const kept = new Set<string>();
    const taken: number[] = [];
    for (const i of order) {
      const row = unique[i];
      const held = holder.get(row.id);
      if (kept.has(row.id) || (held !== undefined && held !== keyOf(row))) taken.push(i);
      else kept.add(row.id);
    }
    return taken;
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
