import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { ENGINES, openEmptyDatabase } from "../../../test/engines.ts";
import type { Db } from "./database.ts";
import { paginate } from "./paginate.ts";

interface ScratchTables {
  pagedItems: { id: number; shelf: string; label: string };
}

/** The ids a page shows, in the order it shows them. */
const ids = (rows: { id: number }[]) => rows.map((r) => r.id);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const engine of ENGINES) {
  describe(`paginate on ${engine}`, () => {
    let store: Db<ScratchTables>;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, drop: cleanup } = await openEmptyDatabase<ScratchTables>(engine));
      await sql`CREATE TABLE paged_items (id integer PRIMARY KEY, shelf text NOT NULL, label text NOT NULL)`.execute(
        store.db,
      );
      // 45 rows on shelf "a" (ids 1..45), 40 on shelf "b" (ids 101..140), none on shelf "c".
      const rows = [
        ...range(1, 45).map((id) => ({ id, shelf: "a", label: `a${id}` })),
        ...range(101, 140).map((id) => ({ id, shelf: "b", label: `b${id}` })),
      ];
      await store.db.insertInto("pagedItems").values(rows).execute();
    });
    after(async () => cleanup?.());

    const shelf = (name: string) =>
      store.db
        .selectFrom("pagedItems")
        .where("shelf", "=", name)
        .select(["id", "label"])
        .orderBy("id", "desc");

    it("serves an empty list as page 1 of 0, whatever page was asked for", async () => {
      for (const asked of [1, 3, 0]) {
        assert.deepEqual(await paginate(shelf("c"), asked, 20), { rows: [], total: 0, page: 1 });
      }
    });

    it("serves full pages in the query's order, then the partial last page", async () => {
      const first = await paginate(shelf("a"), 1, 20);
      assert.deepEqual(ids(first.rows), range(26, 45).reverse());
      assert.equal(first.total, 45);
      assert.deepEqual(first.rows[0], { id: 45, label: "a45" });
      const last = await paginate(shelf("a"), 3, 20);
      assert.deepEqual(ids(last.rows), [5, 4, 3, 2, 1]);
      assert.deepEqual([last.total, last.page], [45, 3]);
    });

    it("moves a page past the end to the last page, and one below 1 to the first", async () => {
      const past = await paginate(shelf("a"), 9, 20);
      assert.deepEqual([ids(past.rows), past.page], [[5, 4, 3, 2, 1], 3]);
      // 40 rows fill exactly two pages: page 3 would be empty, so page 2 is served.
      const exact = await paginate(shelf("b"), 3, 20);
      assert.deepEqual([ids(exact.rows), exact.total, exact.page], [range(101, 120).reverse(), 40, 2]);
      for (const below of [0, -4]) {
        const first = await paginate(shelf("a"), below, 20);
        assert.deepEqual([ids(first.rows), first.page], [range(26, 45).reverse(), 1]);
      }
    });

    it("counts only the rows the query's filter keeps", async () => {
      const all = store.db.selectFrom("pagedItems").selectAll().orderBy("id");
      const page = await paginate(all, 5, 20);
      assert.deepEqual([page.total, page.page, ids(page.rows)], [85, 5, range(136, 140)]);
      const filtered = all.where("label", "like", "b13%");
      const some = await paginate(filtered, 1, 20);
      assert.deepEqual([some.total, ids(some.rows)], [10, range(130, 139)]);
    });

    it("refuses a grouped query, whose count would count groups' rows", async () => {
      const grouped = store.db
        .selectFrom("pagedItems")
        .select(["shelf", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("shelf");
      await assert.rejects(paginate(grouped, 1, 20), /groups/);
    });
  });
}
