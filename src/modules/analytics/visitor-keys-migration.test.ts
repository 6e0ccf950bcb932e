import { describe, it } from "node:test";
import { dayNumber } from "../../platform/time/china-time.ts";
import assert from "node:assert/strict";
import { hash as hashOf, randomBytes } from "node:crypto";
import { Migrator, sql, type Migration } from "kysely";
import { ENGINES, openEmptyDatabase } from "../../../test/engines.ts";
import { migrations } from "../../migrations/index.ts";
import { visitorKey } from "./service.ts";

for (const engine of ENGINES) {
  describe(`analytics visitor keys migration (${engine})`, () => {
    it("keeps today's visitors known when their keys become numbers, and when their rows become small", async () => {
      const { store, drop } = await openEmptyDatabase(engine);
      try {
        const migrator = new Migrator({
          db: store.db,
          provider: {
            getMigrations: async () => {
              const out: Record<string, Migration> = {};
              for (const [name, make] of Object.entries(migrations)) out[name] = make(store.dialect);
              return out;
            },
          },
        });
        const migrated = await migrator.migrateTo("0030_analytics_visitors_without_rowid");
        assert.equal(migrated.error, undefined);
        // Rows as the text-keyed version wrote them: the first 22 characters of the base64url digest.
        const texts = Array.from({ length: 1_203 }, (_, i) => `${randomBytes(8).toString("hex")}|${i}`);
        const rows = texts.map((text, i) => ({
          day: i % 3 === 0 ? "2026-12-02" : "2026-12-03",
          site_code: i % 2 ? "www" : "rst",
          visitor: sha256Text(text),
          entry_path: "/sites/www/",
          exit_path: `/sites/www/art/${i}.html`,
          last_term: i % 5 === 0 ? "社保" : null,
          last_second: i,
          views: i + 1,
        }));
        for (let i = 0; i < rows.length; i += 200)
          await store.db
            .insertInto("analytics_visitor_daily" as never)
            .values(rows.slice(i, i + 200) as never)
            .execute();

        assert.equal((await migrator.migrateTo("0031_analytics_visitor_keys")).error, undefined);
        const after = await store.db
          .selectFrom("analytics_visitor_daily" as never)
          .select(["visitor", "day", "exit_path", "last_term", "last_second", "views"] as never[])
          .execute();
        const byKey = new Map(after.map((r) => [Number((r as { visitor: number }).visitor), r]));
        assert.equal(byKey.size, rows.length);
        texts.forEach((text, i) => {
          const row = byKey.get(visitorKey(text));
          assert.deepEqual(row && { ...row, visitor: Number((row as { visitor: number }).visitor) }, {
            visitor: visitorKey(text),
            day: rows[i].day,
            exitPath: rows[i].exit_path,
            lastTerm: rows[i].last_term,
            lastSecond: rows[i].last_second,
            views: rows[i].views,
          });
        });

        // Then the rows become small: the day as its number, the exit page as its id in analytics_path.
        assert.equal((await migrator.migrateToLatest()).error, undefined);
        const { rows: small } = await sql<Record<string, unknown>>`
          SELECT v.visitor, v.day, p.path, v.last_term, v.last_second, v.views
          FROM analytics_visitor_daily v JOIN analytics_path p ON p.id = v.exit_page`.execute(store.db);
        const smallByKey = new Map(small.map((r) => [Number(r.visitor), r]));
        assert.equal(smallByKey.size, rows.length);
        texts.forEach((text, i) => {
          const row = smallByKey.get(visitorKey(text));
          assert.deepEqual(row && { ...row, visitor: Number(row.visitor), day: Number(row.day) }, {
            visitor: visitorKey(text),
            day: dayNumber(rows[i].day),
            path: rows[i].exit_path,
            lastTerm: rows[i].last_term,
            lastSecond: rows[i].last_second,
            views: rows[i].views,
          });
        });
      } finally {
        await drop();
      }
    });
  });
}

/** The key the text-keyed version stored: the first 22 characters of the base64url SHA-256. */
function sha256Text(text: string): string {
  return hashOf("sha256", text, "base64url").slice(0, 22);
}
