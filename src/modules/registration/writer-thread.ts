/**
 * The registration writer thread (see WriterThread in writer.ts): its own SQLite connection, the
 * platform's field cipher, and one loop — every batch that arrived since the last turn is sealed and
 * written in one transaction, the WAL is fsynced, and each batch is answered after that fsync.
 */
import { parentPort, workerData } from "node:worker_threads";
import { FieldCipher, type DataKeys } from "../../platform/crypto/field-cipher.ts";
import { openSqliteConnection, SQLITE_BUSY_TIMEOUT_MS } from "../../platform/db/database.ts";
import { WalSync } from "../../platform/db/wal-sync.ts";
import { UPSERT_ONE, writeBatchEach, type ThreadAnswer, type ThreadRequest } from "./writer.ts";

const { file, keys } = workerData as { file: string; keys: DataKeys };
const port = parentPort!;
const cipher = new FieldCipher(keys);
const sqlite = openSqliteConnection(file);
// The write lock is waited for below, in short steps: SQLite's own wait backs off to 100 ms sleeps,
// and while this thread sleeps that long its submitters wait with it (start:cluster, where the
// other processes' threads write the same file, showed 400 ms tails).
sqlite.pragma("busy_timeout = 0");
const LOCK_WAIT_MS = SQLITE_BUSY_TIMEOUT_MS;
const pause = new Int32Array(new SharedArrayBuffer(4));
const upsert = sqlite.prepare(UPSERT_ONE);
const walSync = new WalSync(file);
const waiting: { batch: number; items: PendingItems }[] = [];
let scheduled = false;
let closing = false;

type PendingItems = Extract<ThreadRequest, { batch: number }>["items"];

port.postMessage({ ready: true } satisfies ThreadAnswer);
port.on("message", (request: ThreadRequest) => {
  if (request === "close") {
    closing = true;
    if (!scheduled) finish();
    return;
  }
  waiting.push(request);
  if (!scheduled) {
    // The next turn, so that every batch already posted joins this transaction.
    scheduled = true;
    setImmediate(writeWaiting);
  }
});

function writeWaiting(): void {
  scheduled = false;
  const batches = waiting.splice(0);
  let answers: ThreadAnswer[];
  try {
    beginImmediate();
    try {
      answers = batches.map(({ batch, items }) => ({
        batch,
        results: writeBatchEach(cipher, upsert, items),
      }));
      sqlite.exec("COMMIT");
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
      throw error;
    }
  } catch (error) {
    const e = error as { message?: string; code?: string };
    for (const { batch } of batches)
      port.postMessage({ batch, error: { message: String(e.message ?? error), code: e.code } });
    if (closing) finish();
    return;
  }
  // Answered once on stable storage; the next transaction may commit while this fsync runs.
  walSync.sync().then(
    () => answers.forEach((a) => port.postMessage(a)),
    (error: unknown) => {
      for (const { batch } of batches) port.postMessage({ batch, error: { message: String(error) } });
    },
  );
  if (closing) finish();
}

/** BEGIN IMMEDIATE, retried every quarter millisecond while another connection holds the lock. */
function beginImmediate(): void {
  const deadline = performance.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      sqlite.exec("BEGIN IMMEDIATE");
      return;
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? "");
      if (!code.startsWith("SQLITE_BUSY") || performance.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, 0.25);
    }
  }
}

function finish(): void {
  // Every batch was answered before the writer asked to close (RecordWriter.close waits for them).
  void walSync.sync().finally(() => {
    sqlite.close();
    port.close();
  });
}
