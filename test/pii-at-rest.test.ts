import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import pg from "pg";
import { loadConfig } from "../src/config.ts";
import { createAppDeps } from "../src/container.ts";
import { sqlitePath } from "../src/platform/db/database.ts";
import { idNumberProblem } from "../src/platform/validation/china-ids.ts";
import { rotateKeys } from "../src/db/keys-rotate.ts";
import { desensitise } from "../src/db/desensitise.ts";
import { keyUsage } from "../src/migrations/sealed-fields.ts";
import { DEMO_CITIZENS } from "../src/modules/onestop/seed.ts";
import { DEMO_PASSWORD } from "../src/seed/demo-password.ts";
import { citizenLogin, postApplication, VALID_APPLICATION } from "../src/modules/onestop/test-helpers.ts";
import { fileLetter } from "../src/modules/mailbox/test-helpers.ts";
import { createPgDatabase, ENGINES, startPlatform, type TestContext } from "./engines.ts";
import { postCitizenForm } from "./citizen-form.ts";

type Row = Record<string, unknown>;

/** Rows read straight from the database file or server, around the platform and its cipher. */
async function raw(config: { dataDir: string; databaseUrl: string | null }, query: string): Promise<Row[]> {
  if (!config.databaseUrl) {
    const db = new SQLite(sqlitePath(config as Parameters<typeof sqlitePath>[0]), { readonly: true });
    try {
      return db.prepare(query).all() as Row[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    return (await client.query(query)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** Every row of every table as text: what someone holding the database (or a backup) could read. */
async function everything(config: { dataDir: string; databaseUrl: string | null }): Promise<string> {
  const tables = (
    await raw(
      config,
      config.databaseUrl
        ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
        : "SELECT name FROM sqlite_master WHERE type = 'table'",
    )
  ).map((r) => String(r.name));
  const parts: string[] = [];
  for (const table of tables) {
    const rows = await raw(config, `SELECT * FROM "${table}"`);
    parts.push(JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString("latin1") : v)));
  }
  return parts.join("\n");
}

const PHONE = "13755556666";
const id17 = "11010519880808123";
const { idCheckChar } = await import("../src/platform/validation/china-ids.ts");
const ID = id17 + idCheckChar(id17);
const DEMO_ID = VALID_APPLICATION.idNumber;

for (const engine of ENGINES) {
  describe(`personal data at rest on ${engine}`, { timeout: 180_000 }, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("stores a new account's phone and ID number only as ciphertext, and still signs in by phone", async () => {
      const res = await postCitizenForm(t.app, "/sites/www/account/register", {
        kind: "person",
        name: "林静",
        idNumber: ID,
        phone: PHONE,
        password: "Chuyun#Pii2026",
        password2: "Chuyun#Pii2026",
        agree: "1",
      });
      assert.equal(res.statusCode, 303, res.body.slice(0, 300));
      const [row] = await raw(
        t.config,
        "SELECT phone, id_number, id_number_index, login_name, subject FROM accounts WHERE name = '林静'",
      );
      for (const v of Object.values(row)) {
        assert.ok(!String(v).includes(PHONE) && !String(v).includes(ID), `clear value stored: ${String(v)}`);
      }
      assert.match(String(row.phone), /^v1:/);
      assert.match(String(row.id_number), /^v1:/);
      await citizenLogin(t, PHONE, "Chuyun#Pii2026");
      await citizenLogin(t, `+86 ${PHONE}`, "Chuyun#Pii2026");
      assert.equal((await t.deps.accounts.byIdNumber(ID.toLowerCase()))?.phone, PHONE, "lookup by ID number");
      const twice = await postCitizenForm(t.app, "/sites/www/account/register", {
        kind: "person",
        name: "林静",
        idNumber: ID,
        phone: "13755557777",
        password: "Chuyun#Pii2026",
        password2: "Chuyun#Pii2026",
        agree: "1",
      });
      assert.equal(twice.statusCode, 400);
      assert.match(twice.body, /该身份证号码已注册/);
    });

    it("keeps applications and letters encrypted, with lookups by ID number and phone still working", async () => {
      const cookie = await citizenLogin(t, DEMO_CITIZENS.person.loginName);
      const item = (await t.deps.oneStop.catalogue.list({ q: "灵活就业登记" })).rows.find(
        (r) => r.name === "灵活就业登记",
      )!;
      const res = await postApplication(t, cookie, "rst", item.code, VALID_APPLICATION);
      assert.equal(res.statusCode, 303, res.body.slice(0, 300));
      const found = await t.deps.oneStop.applications.byApplicantIdNumber(DEMO_ID);
      assert.ok(found.length >= 1);
      assert.equal(found[0].data.idNumber, DEMO_ID, "the handler reads the clear form answers");
      const letter = await fileLetter(
        t.app,
        t.deps,
        "www",
        { phone: "13766667777", email: "lin@example.com" },
        "10.9.0.1",
      );
      assert.equal(letter.status, 200, letter.body.slice(0, 300));
      const [stored] = await raw(
        t.config,
        `SELECT phone, email, phone_index FROM letters WHERE query_no = '${letter.queryNo}'`,
      );
      assert.match(String(stored.phone), /^v1:/);
      assert.match(String(stored.email), /^v1:/);
      const read = await t.deps.mailbox.letters.lookup(letter.queryNo, letter.lookupCode, "127.0.0.1");
      assert.equal(read?.phone, "13766667777");
      const dump = await everything(t.config);
      for (const clear of [
        PHONE,
        ID,
        DEMO_ID,
        DEMO_CITIZENS.person.loginName,
        "13766667777",
        "lin@example.com",
      ])
        assert.equal(dump.includes(clear), false, `${clear} is stored in clear somewhere`);
    });

    it("writes a desensitised copy with consistent, valid-shaped fakes and none of the originals", async () => {
      const dir = mkdtempSync(join(tmpdir(), "chuyun-desens-test-"));
      const target = engine === "postgres" ? await createPgDatabase() : null;
      try {
        const copy = { dataDir: dir, databaseUrl: target?.url ?? null };
        await desensitise(t.config, { file: sqlitePath(loadConfig({ DATA_DIR: dir })), url: target?.url });
        const originals = await t.deps.store.db
          .selectFrom("accounts")
          .select(["id", "phone", "idNumber", "name"])
          .execute();
        const fakes = await raw(copy, "SELECT id, phone, id_number, name, login_name FROM accounts");
        assert.equal(fakes.length, originals.length);
        for (const o of originals) {
          const f = fakes.find((x) => x.id === o.id)!;
          assert.notEqual(f.phone, o.phone);
          assert.match(String(f.phone), /^1[3-9]\d{9}$/);
          assert.equal(String(f.phone).slice(0, 3), o.phone.slice(0, 3));
          if (o.idNumber) {
            const fake = String(f.id_number);
            assert.notEqual(fake, o.idNumber);
            assert.equal(idNumberProblem(fake), null, `valid check digit: ${fake}`);
            assert.equal(fake.slice(0, 10), o.idNumber.slice(0, 10), "same district and birth year");
          }
        }
        const dump = await everything(copy);
        for (const o of originals)
          for (const clear of [o.phone, o.idNumber].filter((v): v is string => !!v))
            assert.equal(dump.includes(clear), false, `${clear} survived in the copy`);
        assert.equal(dump.includes("v1:"), false, "no ciphertext needing the production keys");
        // Consistent: the demo citizen's phone has one fake, in the account and in the form answers.
        const demo = await t.deps.accounts.authenticate(DEMO_CITIZENS.person.loginName, DEMO_PASSWORD);
        const fakeDemo = fakes.find((x) => x.id === demo.id)!;
        const apps = await raw(copy, `SELECT data FROM applications WHERE account_id = ${demo.id}`);
        assert.ok(apps.length > 0);
        for (const a of apps) {
          const data = JSON.parse(String(a.data)) as Record<string, string>;
          if (data.phone) assert.equal(data.phone, fakeDemo.phone);
          if (data.idNumber) assert.equal(data.idNumber, fakeDemo.id_number);
        }
        // The copy starts as a platform of its own: it encrypts the fakes under its own keys.
        const opened = await createAppDeps(
          loadConfig(
            { DATA_DIR: dir, LOG_LEVEL: "silent", SEED_DEMO: "0" },
            { databaseUrl: copy.databaseUrl },
          ),
        );
        try {
          const signedIn = await opened.accounts.authenticate(String(fakeDemo.phone), DEMO_PASSWORD);
          assert.equal(signedIn.idNumber, fakeDemo.id_number);
        } finally {
          await opened.close();
        }
        const [resealed] = await raw(copy, `SELECT phone FROM accounts WHERE id = ${demo.id}`);
        assert.match(String(resealed.phone), /^v1:/);
      } finally {
        await target?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("rotates to a new key: everything still reads and the old key id is gone", async () => {
      const before = await keyUsage(t.deps.store.db);
      assert.equal(before.size, 1);
      const [oldKey] = [...before.keys()];
      const result = await rotateKeys(t.config, { newKey: true, retire: true, batch: 7 });
      assert.notEqual(result.currentKey, oldKey);
      assert.deepEqual([...result.usage.keys()], [result.currentKey]);
      assert.deepEqual(result.retired, [oldKey]);
      const left = (await everything(t.config)).split("\n").filter((part) => part.includes(`v1:${oldKey}:`));
      assert.equal(left.length, 0, `old key still in: ${left.map((p) => p.slice(0, 300)).join(" | ")}`);
      const again = await rotateKeys(t.config);
      assert.equal(again.rewritten, 0, "idempotent: a second run has nothing to do");
      const fresh = await createAppDeps({ ...t.config, seedDemo: false });
      try {
        const person = await fresh.accounts.authenticate(PHONE, "Chuyun#Pii2026");
        assert.equal(person.idNumber, ID);
        assert.equal(
          (await fresh.oneStop.applications.byApplicantIdNumber(DEMO_ID))[0].data.idNumber,
          DEMO_ID,
        );
      } finally {
        await fresh.close();
      }
    });

    it("refuses to start in production mode without keys, with the reason", async () => {
      const dir = mkdtempSync(join(tmpdir(), "chuyun-prod-"));
      try {
        await assert.rejects(
          createAppDeps(loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent", NODE_ENV: "production" })),
          /Production mode needs the personal-data encryption keys: set CHUYUN_DATA_KEYS/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
