import { describe, it } from "node:test";
import assert from "node:assert/strict";
import SQLite from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { FifoSqliteDialect } from "./sqlite-dialect.ts";

interface Tables {
  counter: { n: number };
  turns: { who: number };
}

describe("FifoSqliteDialect (one SQLite connection, handed over first come first served)", () => {
  it("keeps transactions apart and serves waiting callers in the order they asked", async () => {
    const db = new Kysely<Tables>({ dialect: new FifoSqliteDialect({ database: new SQLite(":memory:") }) });
    try {
      await sql`CREATE TABLE counter (n INTEGER)`.execute(db);
      await sql`CREATE TABLE turns (who INTEGER)`.execute(db);
      await db.insertInto("counter").values({ n: 0 }).execute();
      // Read, yield to the event loop, write: without mutual exclusion increments would be lost.
      await Promise.all(
        Array.from({ length: 40 }, (_, who) =>
          db.transaction().execute(async (trx) => {
            await trx.insertInto("turns").values({ who }).execute();
            const { n } = await trx.selectFrom("counter").select("n").executeTakeFirstOrThrow();
            await new Promise((resolve) => setImmediate(resolve));
            await trx
              .updateTable("counter")
              .set({ n: n + 1 })
              .execute();
          }),
        ),
      );
      const { n } = await db.selectFrom("counter").select("n").executeTakeFirstOrThrow();
      assert.equal(n, 40);
      const turns = (await db.selectFrom("turns").select("who").execute()).map((r) => r.who);
      assert.deepEqual(
        turns,
        Array.from({ length: 40 }, (_, i) => i),
      );
      // A failed transaction gives the connection back too.
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await trx.insertInto("turns").values({ who: -1 }).execute();
          throw new Error("boom");
        }),
      );
      assert.equal((await db.selectFrom("turns").select("who").where("who", "=", -1).execute()).length, 0);
    } finally {
      await db.destroy();
    }
  });
});
