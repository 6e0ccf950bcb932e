import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { sql, type Kysely } from "kysely";
import type { DataKeys, FieldCipher } from "../../platform/crypto/field-cipher.ts";
import type { Db, PreparedStatement } from "../../platform/db/database.ts";
import { GroupCommitQueue } from "../../platform/db/group-commit.ts";
import { pooledRandomBytes } from "../../platform/crypto/random-pool.ts";
import { ServiceUnavailable } from "../../platform/ops/unavailable.ts";
import { TYPESCRIPT_IMPORT } from "../../platform/runtime/node-args.ts";
import { secondOfChinaDay, shiftDays } from "../../platform/time/china-time.ts";
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

/**
 * A checked submission as accepted, before its personal data is sealed (see sealRecord): the row's
 * fields with name, ID number and phone in clear, and the campaign's dedup rule.
 */
export type PendingRecord = Omit<RecordRow, "idIndex" | "personName" | "revisions"> & {
  name: string;
  /** One record per ID number and day (a later one replaces it), or every submission kept. */
  perIdPerDay: boolean;
};

/** The row to write: the ID number's blind index, and name, ID number and phone sealed. */
export function sealRecord(cipher: FieldCipher, p: PendingRecord): RecordRow {
  const index = cipher.blindIndex("id-number", p.idNumber);
  return {
    id: p.id,
    campaignId: p.campaignId,
    day: p.day,
    // Campaigns that keep every submission make each key unique (never a conflict).
    idIndex: p.perIdPerDay ? index : `${index}:${p.id}`,
    personName: cipher.seal(p.name),
    idNumber: cipher.seal(p.idNumber),
    phone: cipher.seal(p.phone),
    district: p.district,
    answers: p.answers,
    receipt: p.receipt,
    channel: p.channel,
    submittedAt: p.submittedAt,
    revisions: 0,
  };
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
export const UPSERT_ONE = `INSERT INTO registration_records (${RECORD_COLUMNS.join(", ")})
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

/** What the database holds for a written row (its id may be an earlier submission's). */
interface Written {
  id: string;
  receipt: string;
  campaignId: number;
  day: string;
  idIndex: string;
  revisions: number;
}

/**
 * A batch's rows, one per dedup key: two submissions of one person on one day in the same batch are
 * one row (the later replaces the earlier in the batch itself, as PostgreSQL's ON CONFLICT requires),
 * and both get its id. `slot[i]` is row i's place in `unique`.
 */
function groupBatch(rows: RecordRow[]): { unique: RecordRow[]; slot: number[] } {
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
  return { unique, slot };
}

/** Each submitter's answer once its batch is written. */
function answersOf(
  rows: RecordRow[],
  unique: RecordRow[],
  slot: number[],
  written: Written[],
): WriteResult[] {
  const byKey = new Map(written.map((w) => [keyOf(w), w]));
  const firstOfKey = new Set<number>();
  return rows.map((_row, i) => {
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
 * SQLite: writes one batch of sealed rows with a statement prepared once (UPSERT_ONE), run per
 * record inside the caller's transaction (a many-row VALUES list costs more per row to build and
 * prepare than the rows cost to write). A row whose new id is taken is retried under another id.
 */
export function writeBatchEach(upsert: PreparedStatement, rows: RecordRow[]): WriteResult[] {
  const { unique, slot } = groupBatch(rows);
  const written = unique.map((row, i): Written => {
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
  return answersOf(rows, unique, slot, written);
}

/** A batch for the writer thread, and its answer. */
export type ThreadRequest = { batch: number; items: PendingRecord[] } | "close";
export type ThreadAnswer =
  | { ready: true }
  | { batch: number; results: WriteResult[] }
  | { batch: number; error: { message: string; code?: string; unavailable?: boolean } };

/**
 * After a thread that could not start (it ended before it was ready), batches are refused (503) for
 * this long before another thread is started.
 */
const RESTART_BACKOFF_MS = 1000;

/**
 * SQLite: the thread that seals and writes the batches (writer-thread.ts), with its own connection
 * to the database file. Sealing and writing a record are a large share of a submission's cost
 * (~50 of ~125 µs); on the thread they use a second core, and the event loop keeps reading requests.
 * Started with the server (warmUp) or at the first write; it keeps the process alive only while a
 * batch is in flight.
 */
class WriterThread {
  private running: RunningThread | null = null;
  private nextBatch = 0;
  /** When a thread last ended before it was ready. */
  private failedStartAt = -Infinity;

  constructor(
    private readonly file: string,
    private readonly keys: DataKeys,
  ) {}

  /** Starts the thread (loading its code takes a moment); resolves once it is ready to write. */
  warmUp(): Promise<void> {
    return (this.running ??= this.start()).ready;
  }

  write(items: PendingRecord[]): Promise<WriteResult[]> {
    // A thread that cannot start (the file unopenable, its code not loading) is not restarted at every
    // batch: submitters get 503 with Retry-After meanwhile (nothing of theirs was written).
    if (!this.running && performance.now() - this.failedStartAt < RESTART_BACKOFF_MS)
      return Promise.reject(new ServiceUnavailable("registration writer thread is restarting"));
    const running = (this.running ??= this.start());
    const batch = ++this.nextBatch;
    if (running.inFlight.size === 0) running.worker.ref();
    return new Promise((resolve, reject) => {
      running.inFlight.set(batch, { resolve, reject });
      running.worker.postMessage({ batch, items } satisfies ThreadRequest);
    });
  }

  private start(): RunningThread {
    const worker = new Worker(new URL("./writer-thread.ts", import.meta.url), {
      execArgv: TYPESCRIPT_IMPORT,
      workerData: { file: this.file, keys: this.keys },
    });
    worker.unref();
    let ready!: () => void;
    let refused!: (error: unknown) => void;
    const running: RunningThread = {
      worker,
      inFlight: new Map(),
      ready: new Promise((resolve, reject) => ((ready = resolve), (refused = reject))),
    };
    // A warm-up nobody awaits must not become an unhandled rejection.
    running.ready.catch(() => {});
    let started = false;
    worker.on("message", (answer: ThreadAnswer) => {
      if ("ready" in answer) {
        started = true;
        return ready();
      }
      const waiting = running.inFlight.get(answer.batch);
      if (!waiting) return;
      running.inFlight.delete(answer.batch);
      if (running.inFlight.size === 0) worker.unref();
      if ("error" in answer)
        waiting.reject(
          answer.error.unavailable
            ? new ServiceUnavailable(answer.error.message)
            : Object.assign(new Error(answer.error.message), { code: answer.error.code }),
        );
      else waiting.resolve(answer.results);
    });
    // A thread that fails takes its own batches' answers with it (they may or may not be written:
    // their submitters get 503 and may retry; under the one-record-per-day rule a retry replaces the
    // record, in a campaign keeping every submission a batch written just before the thread ended is
    // then there twice); the next write starts a new thread. Settled once, on "error" or on "exit", whichever comes first, and never a
    // later thread's batches.
    const fail = (cause: unknown) => {
      const error = Object.assign(new ServiceUnavailable("registration writer thread ended"), { cause });
      refused(error);
      if (!started) this.failedStartAt = performance.now();
      if (this.running === running) this.running = null;
      for (const waiting of running.inFlight.values()) waiting.reject(error);
      running.inFlight.clear();
      worker.unref();
    };
    worker.once("error", fail);
    worker.once("exit", (code) => fail(new Error(`registration writer thread exited (${code})`)));
    return running;
  }

  /** Closes the thread's connection (after the last batch is answered). */
  async close(): Promise<void> {
    const running = this.running;
    this.running = null;
    if (!running) return;
    const { worker } = running;
    worker.ref();
    await new Promise<void>((resolve) => {
      worker.once("exit", () => resolve());
      worker.postMessage("close" satisfies ThreadRequest);
    });
  }
}

interface RunningThread {
  worker: Worker;
  /** Batches posted to this thread and not answered yet. */
  inFlight: Map<number, { resolve: (results: WriteResult[]) => void; reject: (error: unknown) => void }>;
  ready: Promise<void>;
}

/**
 * The durable acceptance path: submissions are grouped, each batch is written with
 * `INSERT … ON CONFLICT (campaign, day, ID index) DO UPDATE` in one transaction, and every
 * submitter is answered only after its batch is on stable storage.
 *
 * SQLite: the batches go to the writer thread (WriterThread above), which seals them, writes them
 * one prepared statement per record in one transaction with every other batch that arrived
 * meanwhile (WAL, `synchronous = NORMAL`: the frames are in the WAL file, which a killed process does
 * not lose), then fsyncs the WAL on the thread, outside the write lock (WalSync: power-loss safe,
 * as `synchronous = FULL` would be) and answers; the batches posted during that fsync form the next
 * transaction. PostgreSQL: sealed on the event loop,
 * one multi-row statement per batch in one transaction (synchronous_commit on: the commit waits for
 * its WAL flush), several batches in flight on pool connections.
 */
export class RecordWriter {
  private readonly queue: GroupCommitQueue<PendingRecord, WriteResult>;
  private readonly partitions = new Set<string>();
  private readonly thread: WriterThread | null;

  constructor(
    private readonly store: Db<RegistrationTables>,
    options: WriterOptions = {},
  ) {
    this.thread = store.sqliteFile ? new WriterThread(store.sqliteFile, store.cipher.exportKeys()) : null;
    this.queue = new GroupCommitQueue({
      flush: (items) => this.flush(items),
      capacity: options.capacity ?? 20_000,
      maxBatch: options.maxBatch ?? 500,
      // The thread writes the first submissions of a burst while the event loop reads the rest (it
      // puts every batch waiting for it into one transaction): with all of a burst in one batch, the
      // loop and the thread took turns and each was idle half the time.
      ...(this.thread ? { concurrency: 16, handOffAt: 16 } : { concurrency: 4 }),
    });
  }

  get stats() {
    return { ...this.queue.stats, depth: this.queue.depth };
  }

  /** Starts the SQLite writer thread now rather than at the first submission (server start). */
  async warmUp(): Promise<void> {
    await this.thread?.warmUp();
  }

  /** Resolves when the record is committed; rejects with QueueFull when the burst queue is full. */
  write(record: PendingRecord): Promise<WriteResult> {
    return this.queue.submit(record);
  }

  /** Waits for every queued record to be written (graceful shutdown). */
  async close(): Promise<void> {
    await this.queue.close();
    await this.thread?.close();
  }

  private async flush(items: PendingRecord[]): Promise<WriteResult[]> {
    if (this.thread) return this.thread.write(items);
    const rows = items.map((p) => sealRecord(this.store.cipher, p));
    const { unique, slot } = groupBatch(rows);
    await this.ensurePartitions(unique.map((r) => r.day));
    return answersOf(rows, unique, slot, await this.upsertMany(unique));
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

  /** PostgreSQL: the commit returns once its WAL is flushed (synchronous_commit on): on disk. */
  private durably<T>(work: (trx: Kysely<RegistrationTables>) => Promise<T>): Promise<T> {
    return this.store.db.transaction().execute(work);
  }

  /** Creates the day's partition (and the next day's, ahead of midnight) before the first insert. */
  private async ensurePartitions(days: string[]): Promise<void> {
    for (const day of new Set(days)) {
      if (this.partitions.has(day)) continue;
      const next = shiftDays(day, 1);
      const after = shiftDays(day, 2);
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
