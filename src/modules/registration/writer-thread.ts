/**
 * The registration writer thread (see WriterThread in writer.ts): its own SQLite connection, the
 * platform's field cipher, and one loop — every batch that arrived since the last turn is sealed,
 * then written in one transaction, the WAL is fsynced, and each batch is answered after that fsync.
 */
import { parentPort, workerData } from "node:worker_threads";
import { FieldCipher, type DataKeys } from "../../platform/crypto/field-cipher.ts";
import { openSqliteConnection, SQLITE_BUSY_TIMEOUT_MS } from "../../platform/db/database.ts";
import { isSqliteBusy } from "../../platform/ops/unavailable.ts";
import { WalSync, WalSyncFailed } from "../../platform/db/wal-sync.ts";
import type { RecordRow } from "./tables.ts";
import {
  sealRecord,
  UPSERT_ONE,
  writeBatchEach,
  type PendingRecord,
  type ThreadAnswer,
  type ThreadRequest,
} from "./writer.ts";

const { file, keys } = workerData as { file: string; keys: DataKeys };
const port = parentPort!;
const cipher = new FieldCipher(keys);
const sqlite = openSqliteConnection(file);
// The write lock is waited for below, a millisecond at a time with the thread's loop free meanwhile
// (earlier batches' fsyncs are answered): SQLite's own wait backs off to 100 ms sleeps, and while this
// thread slept that long its submitters waited with it (start:cluster showed 400 ms tails).
sqlite.pragma("busy_timeout = 0");
const upsert = sqlite.prepare(UPSERT_ONE);
const MAX_GROUP_ROWS = 1000;
const walSync = new WalSync(file);

interface Batch {
  batch: number;
  items: PendingRecord[];
}
const waiting: Batch[] = [];
/** Batches sealed and waiting for the write lock (at most one group at a time). */
let current: { batches: Batch[]; rows: RecordRow[][]; deadline: number } | null = null;
let scheduled = false;
let closing = false;
let finished = false;

port.postMessage({ ready: true } satisfies ThreadAnswer);
port.on("message", (request: ThreadRequest) => {
  if (request === "close") closing = true;
  else waiting.push(request);
  next();
});

/** Writes what waits on the next turn (every batch already posted joins it), or closes when idle. */
function next(): void {
  if (scheduled || current) return;
  if (waiting.length > 0) {
    scheduled = true;
    setImmediate(writeWaiting);
  } else if (closing) finish();
}

function writeWaiting(): void {
  scheduled = false;
  // At most MAX_GROUP_ROWS records a transaction: the lock is held, and a failure fails, that many.
  const batches: Batch[] = [];
  for (let rows = 0; waiting.length > 0 && rows < MAX_GROUP_ROWS; rows += batches.at(-1)!.items.length)
    batches.push(waiting.shift()!);
  // After a failed fsync nothing is written (it could not be confirmed): 503 until a restart.
  if (walSync.failure) {
    answerFailed(batches, walSync.failure);
    return next();
  }
  try {
    // Sealed before the write lock is taken: the lock is held for the writes alone.
    const rows = batches.map(({ items }) => items.map((p) => sealRecord(cipher, p)));
    current = { batches, rows, deadline: performance.now() + SQLITE_BUSY_TIMEOUT_MS };
  } catch (error) {
    answerFailed(batches, error);
    return next();
  }
  writeCurrent();
}

function writeCurrent(): void {
  const { batches, rows, deadline } = current!;
  try {
    sqlite.exec("BEGIN IMMEDIATE");
  } catch (error) {
    if (isSqliteBusy(error) && performance.now() < deadline) {
      setTimeout(writeCurrent, 1);
      return;
    }
    current = null;
    answerFailed(batches, error);
    return next();
  }
  let answers: ThreadAnswer[];
  try {
    answers = batches.map(({ batch }, i) => ({ batch, results: writeBatchEach(upsert, rows[i]) }));
    sqlite.exec("COMMIT");
  } catch (error) {
    current = null;
    answerFailed(batches, error);
    try {
      if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
    } catch {
      // A connection stuck in a transaction would refuse every later batch: end the thread, and
      // the next write starts a new one with a new connection.
      walSync.close();
      process.exit(1);
    }
    return next();
  }
  current = null;
  // Answered once on stable storage: the fsync runs on this thread, after the lock is released, and
  // the batches posted meanwhile form the next transaction.
  try {
    walSync.sync();
  } catch (error) {
    answerFailed(batches, error);
    return next();
  }
  for (const answer of answers) port.postMessage(answer);
  next();
}

function answerFailed(batches: Batch[], error: unknown): void {
  const e = error as { message?: string; code?: string };
  // A failed fsync is the storage's fault, not the submission's: 503, retry later (elsewhere).
  const unavailable = error instanceof WalSyncFailed;
  for (const { batch } of batches)
    port.postMessage({
      batch,
      error: { message: String(e?.message ?? error), code: e?.code, unavailable },
    } satisfies ThreadAnswer);
}

function finish(): void {
  if (finished) return;
  finished = true;
  // Every batch was synced and answered before the writer asked to close (RecordWriter.close waits).
  try {
    walSync.close();
    sqlite.close();
  } finally {
    port.close();
  }
}
