import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { loadConfig } from "../../config.ts";
import { openDatabase } from "./database.ts";

interface Tables {
  items: { name: string; n: number };
}

describe("prepared statements on SQLite (Db.prepared)", () => {
  it("write inside the caller's transaction: committed with it, rolled back with it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chuyun-prepared-"));
    const store = openDatabase<Tables>(loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent" }));
    try {
      const prepared = store.prepared;
      assert.ok(prepared, "SQLite offers prepared statements");
      await sql`CREATE TABLE items (name TEXT PRIMARY KEY, n INTEGER NOT NULL)`.execute(store.db);
      const insert = (name: string, n: number) =>
        prepared("INSERT INTO items (name, n) VALUES (?, ?) ON CONFLICT DO NOTHING").run(name, n);
      await store.db.transaction().execute(async () => {
        assert.equal(insert("a", 1).changes, 1);
        assert.equal(insert("a", 2).changes, 0, "a conflict changes nothing, and says so");
        assert.deepEqual(prepared("SELECT n FROM items WHERE name = ?").get("a"), { n: 1 });
      });
      await assert.rejects(
        store.db.transaction().execute(async () => {
          insert("b", 1);
          throw new Error("the flush failed");
        }),
      );
      const rows = await store.db.selectFrom("items").select(["name", "n"]).orderBy("name").execute();
      assert.deepEqual(rows, [{ name: "a", n: 1 }]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
