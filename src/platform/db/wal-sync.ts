import { open } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Durability of SQLite commits without blocking the event loop. The platform runs WAL with
 * `synchronous = NORMAL`: a commit writes its frames to the WAL file (the OS page cache, which
 * survives a killed process) but does not fsync it, so a power cut may lose the last commits. Code
 * that promises "on disk" calls `sync()` after its commit and answers once it resolves: the WAL file
 * is fsynced on libuv's thread pool (fsync acts on the file, so our own descriptor covers SQLite's
 * writes), while the event loop keeps reading requests and the writer commits the next batch.
 *
 * Group commit on the fsync itself: a caller arriving while an fsync runs waits for the next one
 * (the running one may have started before its commit was written), and every caller arriving
 * meanwhile shares that next one — at most one fsync running and one waiting, however many commits.
 * Checkpoints need nothing from here: under NORMAL SQLite syncs the WAL before copying it into the
 * database file and syncs the database file after.
 */
export class WalSync {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private dirSynced = false;
  /** fsyncs done (each may cover many commits); for the bench and monitoring. */
  syncs = 0;

  constructor(private readonly databaseFile: string) {}

  /** Resolves once every transaction committed before this call is on stable storage. */
  sync(): Promise<void> {
    if (!this.running) return this.start();
    // Callers arriving from now until the next fsync starts share it (it starts after their commits).
    this.next ??= this.running.then(
      () => this.startNext(),
      () => this.startNext(),
    );
    return this.next;
  }

  private startNext(): Promise<void> {
    this.next = null;
    return this.start();
  }

  private start(): Promise<void> {
    const run = this.fsyncWal().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async fsyncWal(): Promise<void> {
    let handle;
    try {
      handle = await open(`${this.databaseFile}-wal`, "r+");
    } catch (error) {
      // No WAL file: nothing is waiting outside the database file (a checkpoint moved it there and
      // synced it, or the database is not in WAL mode): sync the database file itself.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      handle = await open(this.databaseFile, "r+");
    }
    try {
      await handle.sync();
      this.syncs++;
    } finally {
      await handle.close();
    }
    if (!this.dirSynced) {
      // The WAL file's directory entry, once: it was created when the database was opened.
      const dir = await open(dirname(this.databaseFile), "r");
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      this.dirSynced = true;
    }
  }
}
