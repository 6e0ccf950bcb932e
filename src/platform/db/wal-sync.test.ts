import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { WalSync } from "./wal-sync.ts";

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

describe("WalSync (SQLite commits made durable by the writer that promises it)", () => {
  it("syncs the WAL file after commits, and the WAL SQLite makes after the last connection deleted it", () =>
    inTempDir((dir) => {
      const file = join(dir, "x.sqlite");
      let db = openWal(file);
      db.exec("CREATE TABLE t (v INTEGER)");
      const sync = new WalSync(file);
      db.prepare("INSERT INTO t VALUES (1)").run();
      sync.sync();
      db.prepare("INSERT INTO t VALUES (2)").run();
      sync.sync();
      assert.equal(sync.syncs, 2);
      // The last connection closing removes the WAL; the next connection writes a new file.
      db.close();
      assert.equal(existsSync(`${file}-wal`), false);
      sync.sync(); // the database file (no WAL now)
      db = openWal(file);
      db.prepare("INSERT INTO t VALUES (3)").run();
      assert.equal(existsSync(`${file}-wal`), true);
      sync.sync();
      assert.equal(sync.syncs, 4);
      sync.close();
      db.close();
      assert.deepEqual(
        new SQLite(file)
          .prepare("SELECT v FROM t ORDER BY v")
          .all()
          .map((r) => (r as { v: number }).v),
        [1, 2, 3],
      );
    }));

  it("syncs the database file when there is no WAL file", () =>
    inTempDir((dir) => {
      const file = join(dir, "plain.sqlite");
      writeFileSync(file, "");
      const sync = new WalSync(file);
      sync.sync();
      sync.close();
      assert.equal(sync.syncs, 1);
    }));
});
