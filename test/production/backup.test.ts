import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createAppDeps } from "../../src/container.ts";
import { backup, restore } from "../../src/platform/ops/backup.ts";
import { nowIso } from "../../src/platform/time/china-time.ts";
import { createPgDatabase, ENGINES, startPlatform, type TestContext } from "../engines.ts";

for (const engine of ENGINES) {
  describe(`backup and restore on ${engine}`, { timeout: 120_000 }, () => {
    let t: TestContext;
    const dir = mkdtempSync(join(tmpdir(), "chuyun-backup-"));
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("takes a consistent backup while the site keeps writing, and restores it elsewhere", async () => {
      const db = t.deps.store.db;
      const report = (n: number) =>
        db
          .insertInto("errorReports")
          .values({
            siteId: 1,
            url: "/",
            category: "其他",
            description: `备份期间写入${n}`,
            contact: "",
            status: "open",
            createdAt: nowIso(),
          })
          .execute();
      let writing = true;
      let written = 0;
      const writer = (async () => {
        while (writing) {
          await report(written++);
          // Let other work run between writes, as requests arriving over the network would.
          await new Promise((r) => setImmediate(r));
        }
      })();
      const file = join(dir, engine === "sqlite" ? "chuyun.sqlite" : "chuyun.dump");
      await backup(t.config, file);
      writing = false;
      await writer;
      assert.ok(written > 0, "writes went on during the backup");

      const articles = Number(
        (
          await db
            .selectFrom("articles")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
      const target = engine === "postgres" ? await createPgDatabase() : null;
      const config = loadConfig(
        { DATA_DIR: join(dir, "restored"), LOG_LEVEL: "silent", SEED_DEMO: "0" },
        { databaseUrl: target?.url ?? null },
      );
      try {
        await restore(config, file);
        const restored = await createAppDeps(config);
        try {
          const count = async (table: "articles" | "errorReports") =>
            Number(
              (
                await restored.store.db
                  .selectFrom(table)
                  .select((eb) => eb.fn.countAll<number>().as("n"))
                  .executeTakeFirstOrThrow()
              ).n,
            );
          assert.equal(await count("articles"), articles, "every article is in the restored database");
          const reports = await count("errorReports");
          assert.ok(
            reports >= 0 && reports <= written,
            "reports written during the backup are there up to the snapshot",
          );
          const search = await restored.search.search({ q: "社会保险" });
          assert.ok(search.total > 0, "the restored search index answers");
          assert.equal((await restored.audit.verify()).ok, true, "the audit chain still verifies");
        } finally {
          await restored.close();
        }
      } finally {
        await target?.drop();
      }
    });

    it("refuses to restore a file that is not a backup", async () => {
      const bogus = join(dir, "bogus");
      const { writeFileSync } = await import("node:fs");
      writeFileSync(bogus, "not a database");
      const config = loadConfig(
        { DATA_DIR: join(dir, "bogus-target"), LOG_LEVEL: "silent" },
        { databaseUrl: engine === "postgres" ? t.config.databaseUrl : null },
      );
      await assert.rejects(restore(config, bogus));
    });
  });
}
