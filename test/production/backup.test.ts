import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createAppDeps } from "../../src/container.ts";
import { DEMO_KEY_FILE } from "../../src/platform/crypto/data-keys.ts";
import { DEMO_CITIZENS } from "../../src/modules/onestop/seed.ts";
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
      // Personal data in the backup is ciphertext: the restored platform needs the same data keys.
      const keys = { CHUYUN_DATA_KEY_FILE: join(t.config.dataDir, DEMO_KEY_FILE) };
      const config = loadConfig(
        { DATA_DIR: join(dir, "restored"), LOG_LEVEL: "silent", SEED_DEMO: "0", ...keys },
        { databaseUrl: target?.url ?? null },
      );
      try {
        await restore(config, file);
        const withoutKeys = loadConfig(
          { DATA_DIR: join(dir, "restored-no-keys"), LOG_LEVEL: "silent", SEED_DEMO: "0" },
          { databaseUrl: target?.url ?? null },
        );
        if (engine === "sqlite") await restore(withoutKeys, file);
        await assert.rejects(
          createAppDeps(withoutKeys),
          /not configured/,
          "other keys: a clear startup error",
        );
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
          const person = await restored.accounts.authenticate(DEMO_CITIZENS.person.loginName, "Chuyun@2026");
          assert.match(person.idNumber ?? "", /^42010219900307003/, "personal data reads back with the keys");
          const bytes = readFileSync(file);
          for (const clear of [person.idNumber!, DEMO_CITIZENS.person.loginName])
            assert.equal(bytes.indexOf(clear), -1, `the backup holds no clear ${clear}`);
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
