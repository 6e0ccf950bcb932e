import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { sql } from "kysely";
import { loadConfig } from "../../config.ts";
import { openDatabase, sqlitePath } from "./database.ts";
import { WalCheckpointer } from "./wal-checkpointer.ts";

function walDatabase(dir: string): { file: string; db: SQLite.Database } {
  const file = join(dir, "x.sqlite");
  const db = new SQLite(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("wal_autocheckpoint = 0");
  db.exec("CREATE TABLE t (v TEXT)");
  return { file, db };
}

const fill = (db: SQLite.Database, rows: number) => {
  const insert = db.prepare("INSERT INTO t VALUES (?)");
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`${i}`.padEnd(1000, "x"));
  })();
};

describe("WalCheckpointer (SQLite checkpoints off the event loop)", () => {
  it("copies a grown WAL into the database file from its worker, so the WAL starts over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chuyun-walckpt-"));
    const { file, db } = walDatabase(dir);
    const checkpointer = new WalCheckpointer(file, { thresholdBytes: 1024 * 1024, intervalMs: 60_000 });
    try {
      fill(db, 3000);
      const before = statSync(file).size;
      await checkpointer.tick();
      assert.equal(checkpointer.checkpoints, 1);
      // The rows are now in the database file itself, copied by the worker's connection.
      assert.ok(statSync(file).size > before + 2_000_000, `database file ${statSync(file).size} bytes`);
      // A commit after a complete checkpoint writes from the WAL's start: the file does not grow.
      const walSize = statSync(`${file}-wal`).size;
      fill(db, 500);
      assert.equal(statSync(`${file}-wal`).size, walSize);
      assert.equal((db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 3500);
    } finally {
      await checkpointer.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves a WAL under the threshold alone and starts no worker", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chuyun-walckpt-"));
    const { file, db } = walDatabase(dir);
    const checkpointer = new WalCheckpointer(file, { thresholdBytes: 64 * 1024 * 1024, intervalMs: 60_000 });
    try {
      fill(db, 100);
      await checkpointer.tick();
      assert.equal(checkpointer.checkpoints, 0);
    } finally {
      await checkpointer.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the WAL bounded for a batch job that never lets the event loop run the worker's timer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chuyun-walckpt-"));
    const store = openDatabase(loadConfig({ DATA_DIR: dir }));
    try {
      await sql`CREATE TABLE t (v TEXT)`.execute(store.db);
      const row = "x".repeat(4000);
      // 100 MB in transactions that only ever await settled promises: no timer can fire meanwhile.
      for (let batch = 0; batch < 50; batch++)
        await store.db.transaction().execute(async (trx) => {
          for (let i = 0; i < 500; i++) await sql`INSERT INTO t VALUES (${row})`.execute(trx);
        });
      assert.ok(statSync(`${sqlitePath(loadConfig({ DATA_DIR: dir }))}-wal`).size < 80 * 1024 * 1024);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
