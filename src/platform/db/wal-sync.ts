import { closeSync, fdatasyncSync, fstatSync, fsyncSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Durability of SQLite commits for a writer that promises "on disk". The platform runs WAL with
 * `synchronous = NORMAL`: a commit writes its frames to the WAL file (the OS page cache, which
 * survives a killed process) but does not fsync it, so a power cut may lose the last commits. A
 * writer that answers "accepted" calls `sync()` after its COMMIT, outside the write lock, and
 * answers once it returns: one fsync for every record of the transaction (group commit).
 *
 * Synchronous, for a writer on its own thread (the registration writer thread) whose connection
 * stays open: the fsync runs on that thread while the event loop keeps reading requests, and the
 * submissions arriving meanwhile form the next, larger transaction. (An fsync on libuv's thread
 * pool, with an open and a close each time, took three pool trips per batch: the answers waited
 * ~2.5 ms for a ~1 ms fsync, and the intake served a quarter fewer submissions.)
 *
 * Checkpoints need nothing from here: under NORMAL SQLite syncs the WAL before copying it into the
 * database file and syncs the database file after. A WAL restart or truncation keeps the file.
 */
export class WalSync {
  private readonly wal: string;
  private held: { fd: number; ino: bigint; dev: bigint } | null = null;
  /** Once an fsync failed, every later one fails too (see sync). */
  private failed: WalSyncFailed | null = null;
  /** fsyncs done; for tests and monitoring. */
  syncs = 0;

  /** `databaseFile` is open in WAL mode on a connection of the caller's that stays open. */
  constructor(databaseFile: string) {
    this.wal = `${databaseFile}-wal`;
  }

  /**
   * Returns once every transaction committed before the call is on stable storage; throws
   * WalSyncFailed otherwise, and from then on. Linux reports a failed write-back once and marks the
   * pages clean, so a later fsync would succeed over frames that never reached the disk, and the
   * records after them would be lost with them at the next power cut: nothing is confirmed any more
   * until the process is restarted (PostgreSQL's answer to the same problem).
   */
  sync(): void {
    if (this.failed) throw this.failed;
    try {
      fdatasyncSync(this.walDescriptor());
      this.syncs++;
    } catch (error) {
      this.failed = new WalSyncFailed(this.wal, error);
      throw this.failed;
    }
  }

  /** The failure that ended syncing, or null. */
  get failure(): WalSyncFailed | null {
    return this.failed;
  }

  /**
   * The WAL file, opened at the first sync (the connection's first commit made it) and kept open.
   * Checked by a stat at every sync (microseconds): if the path no longer names the file held (it
   * was deleted or replaced under a running server), the frames SQLite writes cannot be synced
   * through this path, and that is a failure, never a reason to sync some other file.
   */
  private walDescriptor(): number {
    const onDisk = statSync(this.wal, { bigint: true });
    if (this.held) {
      if (onDisk.ino !== this.held.ino || onDisk.dev !== this.held.dev)
        throw new Error("the WAL file was deleted or replaced while the database was open");
      return this.held.fd;
    }
    const fd = openSync(this.wal, "r+");
    const { ino, dev } = fstatSync(fd, { bigint: true });
    this.held = { fd, ino, dev };
    // The WAL's directory entry, once (SQLite syncs it when it creates the file; this makes sure).
    const dir = openSync(dirname(this.wal), "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return fd;
  }

  /** Closes the WAL file kept open for syncing (twice is harmless). */
  close(): void {
    const held = this.held;
    this.held = null;
    if (held) closeSync(held.fd);
  }
}

/** An fsync of the WAL failed: what was committed since the last good one may not be on disk. */
export class WalSyncFailed extends Error {
  constructor(wal: string, cause: unknown) {
    super(`fsync of ${wal} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "WalSyncFailed";
  }
}
