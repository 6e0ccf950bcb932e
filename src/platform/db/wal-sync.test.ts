import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { WalSync, WalSyncFailed } from "./wal-sync.ts";

function inTempDir(test: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "chuyun-walsync-"));
  try {
    test(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openWal(file: string): SQLite.Database {
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  return db;
}

/** What this process's open descriptors name under `dir` (Linux). */
function openFilesUnder(dir: string): string[] {
  return readdirSync("/proc/self/fd")
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return "";
      }
    })
    .filter((target) => target.startsWith(dir));
}

describe("WalSync (SQLite commits made durable by the writer that promises it)", () => {
  it("fsyncs the WAL file SQLite writes, through one descriptor kept between syncs", () =>
    inTempDir((dir) => {
      const file = join(dir, "x.sqlite");
      const db = openWal(file);
      db.exec("CREATE TABLE t (v INTEGER)");
      const before = openFilesUnder(dir).filter((f) => f === `${file}-wal`).length;
      const sync = new WalSync(file);
      for (const v of [1, 2, 3]) {
        db.prepare("INSERT INTO t VALUES (?)").run(v);
        sync.sync();
      }
      assert.equal(sync.syncs, 3);
      // SQLite's own descriptor and ours, both on the live file (none on a deleted one).
      assert.equal(openFilesUnder(dir).filter((f) => f === `${file}-wal`).length, before + 1);
      assert.deepEqual(
        openFilesUnder(dir).filter((f) => f.endsWith("(deleted)")),
        [],
      );
      sync.close();
      sync.close();
      assert.equal(openFilesUnder(dir).filter((f) => f === `${file}-wal`).length, before);
      db.close();
    }));

  it("fails, and keeps failing, when the WAL was deleted or replaced under it (never syncs another file)", () =>
    inTempDir((dir) => {
      const file = join(dir, "x.sqlite");
      let db = openWal(file);
      db.exec("CREATE TABLE t (v INTEGER)");
      const sync = new WalSync(file);
      db.prepare("INSERT INTO t VALUES (1)").run();
      sync.sync();
      // The last connection closing deletes the WAL; the next connection's commit makes a new one.
      db.close();
      db = openWal(file);
      db.prepare("INSERT INTO t VALUES (2)").run();
      assert.throws(() => sync.sync(), WalSyncFailed);
      assert.ok(sync.failure instanceof WalSyncFailed);
      // Nothing is confirmed any more, even though the path names a WAL again.
      db.prepare("INSERT INTO t VALUES (3)").run();
      assert.throws(() => sync.sync(), WalSyncFailed);
      assert.equal(sync.syncs, 1);
      sync.close();
      db.close();
    }));
});
