import { closeSync, fdatasyncSync, fstatSync, fsyncSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Durability of SQLite commits for a writer that promises "on disk". The platform runs WAL with
 * `synchronous = NORMAL`: a commit writes its frames to the WAL file (the OS page cache, which
 * survives a killed process) but does not fsync it, so a power cut may lose the last commits. A
 * writer that answers "accepted" calls `sync()` after its COMMIT, outside the write lock, and
 * answers once it returns: one fsync for every record of the transaction (group commit).
 *
 * Synchronous, for a writer on its own thread (the registration writer thread): the fsync runs on
 * that thread while the event loop keeps reading requests, and the submissions arriving meanwhile
 * form the next, larger transaction. (An fsync on libuv's thread pool, with an open and a close
 * each time, took three pool trips per batch: the answers waited ~2.5 ms for a ~1 ms fsync, and the
 * intake served a quarter fewer submissions.)
 *
 * Checkpoints need nothing from here: under NORMAL SQLite syncs the WAL before copying it into the
 * database file and syncs the database file after.
 */
export class WalSync {
  private dirSynced = false;
  private held: { fd: number; ino: number; dev: number } | null = null;
  /** fsyncs done; for tests and monitoring. */
  syncs = 0;

  constructor(private readonly databaseFile: string) {}

  /** Returns once every transaction committed before the call is on stable storage. */
  sync(): void {
    fdatasyncSync(this.currentFile());
    this.syncs++;
    if (!this.dirSynced) {
      // The WAL file's directory entry, once: it was created when the database was opened.
      const dir = openSync(dirname(this.databaseFile), "r");
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
      this.dirSynced = true;
    }
  }

  /**
   * The file to fsync, kept open between syncs: the WAL file, or the database file when there is
   * none. Opened again when the path names another file than the one held (SQLite deleted the WAL
   * when its last connection closed and a new one was made), which a stat tells in microseconds.
   * The inode cannot be reused while this descriptor holds it, so the same inode is the same file.
   */
  private currentFile(): number {
    const wal = `${this.databaseFile}-wal`;
    const onDisk = statSync(wal, { throwIfNoEntry: false }) ?? statSync(this.databaseFile);
    const held = this.held;
    if (held && held.ino === onDisk.ino && held.dev === onDisk.dev) return held.fd;
    this.close();
    let fd: number;
    try {
      fd = openSync(wal, "r+");
    } catch (error) {
      // No WAL file: nothing is waiting outside the database file (a checkpoint moved it there and
      // synced it, or the database is not in WAL mode): sync the database file itself.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      fd = openSync(this.databaseFile, "r+");
    }
    const { ino, dev } = fstatSync(fd);
    this.held = { fd, ino, dev };
    return fd;
  }

  /** Closes the file kept open for syncing. */
  close(): void {
    const held = this.held;
    this.held = null;
    if (held) closeSync(held.fd);
  }
}
