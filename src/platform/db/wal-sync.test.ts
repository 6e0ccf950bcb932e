import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { WalSync } from "./wal-sync.ts";

describe("WalSync (SQLite commits made durable off the event loop)", () => {
  it("shares one fsync among the callers that arrive while one runs, never an earlier one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chuyun-walsync-"));
    try {
      const file = join(dir, "x.sqlite");
      const db = new SQLite(file);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.exec("CREATE TABLE t (v INTEGER)");
      const sync = new WalSync(file);
      const first = sync.sync();
      // Committed while the first fsync may already run: these wait for the next one, together.
      db.prepare("INSERT INTO t VALUES (1)").run();
      const later = Array.from({ length: 50 }, () => sync.sync());
      assert.notEqual(later[0], first);
      assert.ok(later.every((p) => p === later[0]));
      await Promise.all([first, ...later]);
      assert.equal(sync.syncs, 2);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("syncs the database file when there is no WAL file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chuyun-walsync-"));
    try {
      const file = join(dir, "plain.sqlite");
      writeFileSync(file, "");
      const sync = new WalSync(file);
      await sync.sync();
      assert.equal(sync.syncs, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
