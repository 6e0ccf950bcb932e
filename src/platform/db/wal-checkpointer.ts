import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL past 1,000 pages: on the
 * event loop, copying pages into the database file and fsyncing both files, which stalls every
 * request behind that commit for tens to hundreds of milliseconds under a write burst (registration,
 * analytics flushes). The platform raises it to 64 MB (a backstop for batch jobs) and checkpoints here
 * instead: a timer on the loop only looks at the WAL's size; past `thresholdBytes` a worker thread
 * with its own connection runs `wal_checkpoint(PASSIVE)`, which never waits for readers or writers,
 * so the loop keeps answering while the pages are copied and synced. Once a checkpoint has copied
 * the whole WAL, the next commit starts the file over. Small databases (tests, a quiet demo) never
 * reach the threshold and never start the worker; closing the last connection checkpoints as usual.
 */
export interface WalCheckpointerOptions {
  thresholdBytes?: number;
  intervalMs?: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma("busy_timeout = 1000");
parentPort.on("message", (message) => {
  if (message === "close") {
    db.close();
    parentPort.close();
    return;
  }
  let result = null;
  try {
    result = db.pragma("wal_checkpoint(PASSIVE)")[0];
  } catch (error) {
    result = { error: String(error && error.message) };
  }
  parentPort.postMessage(result);
});
`;

export class WalCheckpointer {
  private worker: Worker | null = null;
  private busy = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  /** Checkpoints run (for tests and monitoring). */
  checkpoints = 0;

  constructor(
    private readonly databaseFile: string,
    private readonly options: WalCheckpointerOptions = {},
  ) {
    this.timer = setInterval(() => void this.tick(), options.intervalMs ?? 500).unref();
  }

  /** Checks the WAL's size and checkpoints in the worker when it is past the threshold. */
  async tick(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      const size = await stat(`${this.databaseFile}-wal`).then(
        (s) => s.size,
        () => 0,
      );
      if (size >= (this.options.thresholdBytes ?? 4 * 1024 * 1024) && !this.closed) await this.checkpoint();
    } finally {
      this.busy = false;
    }
  }

  private checkpoint(): Promise<void> {
    const worker = (this.worker ??= this.startWorker());
    this.hold(worker);
    return new Promise((resolve) => {
      const done = () => {
        worker.off("exit", done);
        this.release(worker);
        this.checkpoints++;
        resolve();
      };
      worker.once("message", done);
      worker.once("exit", done);
      worker.postMessage("checkpoint");
    });
  }

  /** The worker keeps the process alive only while a checkpoint or close is in flight. */
  private holds = 0;

  private hold(worker: Worker): void {
    if (this.holds++ === 0) worker.ref();
  }

  private release(worker: Worker): void {
    if (--this.holds === 0) worker.unref();
  }

  private startWorker(): Worker {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, file: this.databaseFile },
    });
    worker.unref();
    // A failed worker is dropped; the next tick starts a new one.
    worker.on("error", () => {
      if (this.worker === worker) this.worker = null;
    });
    return worker;
  }

  /** Stops the timer and the worker's connection (before the main connection closes). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    this.hold(worker);
    await new Promise<void>((resolve) => {
      worker.once("exit", () => resolve());
      worker.postMessage("close");
    });
  }
}
