import { after, before, describe, it } from "node:test";

import assert from "node:assert/strict";
import { Migrator, type Migration } from "kysely";

import { ENGINES, openEmptyDatabase } from "../../../test/engines.ts";

import { migrations } from "../../migrations/index.ts";

import type { Db } from "../db/database.ts";

import { KvStore } from "./kv-store.ts";

import type { KvTables } from "./tables.ts";

for (const engine of ENGINES) {
  describe(`kv scopes on ${engine}`, () => {
    let store: Db<KvTables>;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, drop: cleanup } = await openEmptyDatabase<KvTables>(engine));
    });
    after(async () => cleanup?.());

    const migrateTo = async (last: string) => {
      const all = Object.entries(migrations).filter(([name]) => name <= last);
      const provider = {
        getMigrations: async () =>
          Object.fromEntries(all.map(([name, make]) => [name, make(store.dialect)])) as Record<
            string,
            Migration
          >,
      };
      const { error } = await new Migrator({ db: store.db, provider }).migrateToLatest();
      if (error) throw error;
    };

    it("moves the keys written before scopes existed into their owners' scopes", async () => {
      await migrateTo("0008_workflow");
      await store.db
        .insertInto("kv")
        .values([
          { key: "cookie_secret", value: "ab12" },
          { key: "demo_seeded", value: "2026-01-01T00:00:00.000Z" },
          { key: "interaction.settings", value: '{"warnDays":2}' },
          { key: "assistant_kb_version", value: "1700000000000-ab" },
          { key: "assistant.letter_faq:12", value: "faq-001" },
          { key: "service_form_draft:X-1:7", value: '{"base":1,"fields":[]}' },
        ])
        .execute();
      await migrateTo("9999");
      const kv = new KvStore(store.db);
      assert.equal(await kv.scope<{ "cookie-secret": string }>("app").get("cookie-secret"), "ab12");
      assert.equal(await kv.scope<{ claim: string }>("seed").get("claim"), "2026-01-01T00:00:00.000Z");
      assert.deepEqual(await kv.scope<{ settings: object }>("mailbox").get("settings"), { warnDays: 2 });
      const assistant = kv.scope<Record<string, string>>("assistant");
      assert.equal(await assistant.get("kb-version"), "1700000000000-ab");
      assert.equal(await assistant.get("letter-faq:12"), "faq-001");
      assert.deepEqual(await assistant.keys("letter-faq:"), ["letter-faq:12"]);
      assert.deepEqual(await kv.scope<Record<string, object>>("onestop").get("form-draft:X-1:7"), {
        base: 1,
        fields: [],
      });
    });

    it("keeps owners apart and types values as JSON", async () => {
      const kv = new KvStore(store.db);
      const a = kv.scope<{ n: number; list: string[] }>("alpha");
      const b = kv.scope<{ n: number }>("beta");
      await a.set("n", 1);
      await b.set("n", 2);
      await a.set("list", ["x"]);
      assert.equal(await a.get("n"), 1);
      assert.equal(await b.get("n"), 2);
      assert.deepEqual(await a.get("list"), ["x"]);
      assert.equal(await b.setIfAbsent("n", 3), false);
      await b.delete("n");
      assert.equal(await b.get("n"), undefined);
      assert.equal(await b.setIfAbsent("n", 3), true);
      assert.deepEqual(await a.keys(), ["list", "n"].sort());
    });

    it("counts atomically: parallel increments each see their own new value", async () => {
      const c = new KvStore(store.db).scope<{ hits: number; other: number }>("counter");
      const seen = await Promise.all(Array.from({ length: 25 }, () => c.increment("hits")));
      assert.deepEqual(
        seen.sort((x, y) => x - y),
        Array.from({ length: 25 }, (_, i) => i + 1),
      );
      assert.equal(await c.get("hits"), 25);
      assert.equal(await c.increment("hits", -5), 20);
      assert.equal(await c.increment("other", 3), 3, "an absent counter starts at zero");
    });
  });
}
