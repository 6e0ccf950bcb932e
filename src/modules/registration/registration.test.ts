import { after, before, describe, it } from "node:test";
import SQLite from "better-sqlite3";
import iconv from "iconv-lite";
import { sql } from "kysely";
import type { Worker } from "node:worker_threads";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { idCheckChar } from "../../platform/validation/china-ids.ts";
import { districtLabel } from "./validation.ts";
import { GroupCommitQueue, QueueFull } from "../../platform/db/group-commit.ts";
import { csvCell } from "../../platform/csv/csv.ts";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StaffSession } from "../../../test/staff-session.ts";
import { citizenLogin } from "../onestop/test-helpers.ts";
import { registrationExportCommand } from "./export-cli.ts";
import { isServiceUnavailable, ServiceUnavailable } from "../../platform/ops/unavailable.ts";
import { RecordWriter, type PendingRecord } from "./writer.ts";

/** A valid ID number born on the given date in the given district, with a sequence number. */
function idNumber(seq: number, birth = "19850612", region = "420106"): string {
  const first17 = `${region}${birth}${String(seq % 1000).padStart(3, "0")}`;
  return first17 + idCheckChar(first17);
}

/** A checked submission of the demo campaign (for `accept`), born on `birth`. */
const checkedPerson = (seq: number, birth: string, name: string) => ({
  name,
  idNumber: idNumber(seq, birth),
  phone: "13912345678",
  district: "420106",
  answers: { symptoms: ["无以上症状"], contact: "否" },
});

const body = (over: Record<string, unknown> = {}) => ({
  name: "李四",
  idNumber: idNumber(1),
  phone: "13912345678",
  district: "420106",
  answers: { symptoms: ["发热", "咳嗽"], contact: "否", temperature: "37.8" },
  ...over,
});

describe("district names", () => {
  it("names a county with its city, and a city the province governs directly alone", () => {
    assert.equal(districtLabel("421102"), "黄冈市黄州区");
    assert.equal(districtLabel("429005"), "潜江市");
  });
});

describe("CSV cells", () => {
  it("neutralise formulas and quote separators", () => {
    assert.equal(csvCell("=cmd|' /C calc'!A0"), `"'=cmd|' /C calc'!A0"`);
    assert.equal(csvCell("+1"), `"'+1"`);
    assert.equal(csvCell("@SUM(A1)"), `"'@SUM(A1)"`);
    assert.equal(csvCell('a,"b"'), '"a,""b"""');
    assert.equal(csvCell("发热"), "发热");
  });
});

describe("the group-commit queue", () => {
  it("writes waiting items together and refuses beyond its capacity", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new GroupCommitQueue<number, number>({
      flush: async (items) => {
        await gate;
        batches.push(items);
        return items.map((i) => i * 10);
      },
      capacity: 3,
      maxBatch: 10,
      concurrency: 1,
    });
    // Items submitted in the same turn of the event loop form one batch.
    const first = [q.submit(1), q.submit(2), q.submit(3)];
    await assert.rejects(q.submit(4), QueueFull);
    await new Promise((r) => setImmediate(r));
    // While that batch is being written, new items wait and form the next batch together.
    const second = [q.submit(5), q.submit(6)];
    release();
    assert.deepEqual(await Promise.all([...first, ...second]), [10, 20, 30, 50, 60]);
    assert.deepEqual(batches, [
      [1, 2, 3],
      [5, 6],
    ]);
  });
});

describe("the group-commit queue with a hand-off size", () => {
  it("starts a batch as soon as that many items wait, without waiting for the next turn", async () => {
    const batches: number[][] = [];
    const q = new GroupCommitQueue<number, number>({
      flush: async (items) => {
        batches.push(items);
        return items;
      },
      capacity: 100,
      maxBatch: 100,
      concurrency: 8,
      handOffAt: 3,
    });
    const all = [1, 2, 3, 4, 5, 6, 7].map((i) => q.submit(i));
    // Two batches were handed off in this very turn; the last item waits for the next turn.
    assert.deepEqual(batches, [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(await Promise.all(all), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(batches.at(-1), [7]);
  });
});

for (const engine of ENGINES) {
  describe(`emergency registration on ${engine}`, () => {
    let t: TestContext;
    let admin: StaffSession;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    const post = (payload: unknown, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: "POST",
        url: "/api/registration/campaigns/demo-health/submissions",
        headers,
        payload: payload as Record<string, unknown>,
      });

    it("describes the demo campaign with a valid example that it accepts", async () => {
      const res = await t.app.inject({ url: "/api/registration/campaigns/demo-health" });
      assert.equal(res.statusCode, 200);
      const c = res.json() as { fields: { name: string }[]; example: Record<string, unknown>; open: boolean };
      assert.ok(c.open);
      assert.ok(c.fields.some((f) => f.name === "symptoms"));
      const sent = await post(c.example);
      assert.equal(sent.statusCode, 201, sent.body);
    });

    it("answers 201 with an id, then 200 with the same id for a same-day replacement", async () => {
      const first = await post(body({ idNumber: idNumber(11) }));
      assert.equal(first.statusCode, 201, first.body);
      const a = first.json() as { id: string; receipt: string };
      assert.match(a.id, /^R\d{8}[0-9A-F]{12}$/);
      const second = await post(
        body({ idNumber: idNumber(11), answers: { symptoms: ["无以上症状"], contact: "否" } }),
      );
      assert.equal(second.statusCode, 200, second.body);
      assert.equal((second.json() as { id: string }).id, a.id);
      const c = (await t.deps.registration.campaign("demo-health"))!;
      const rows = await t.deps.registration.records(c, { page: 1, perPage: 10, idNumber: idNumber(11) });
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0].answers.symptoms, ["无以上症状"]);
      assert.equal(rows[0].revisions, 1);
    });

    it("keeps a submission whose record id is already taken, under a new id", async () => {
      const c = (await t.deps.registration.campaign("demo-health"))!;
      const person = (seq: number) => checkedPerson(seq, "19700101", "王五");
      // The same seed gives the same id: the second person's record collides with the first's id.
      const a = await t.deps.registration.accept(c, person(21), "upload", "colliding-seed");
      const [b, d] = await Promise.all([
        t.deps.registration.accept(c, person(22), "upload", "colliding-seed"),
        t.deps.registration.accept(c, person(23), "upload", "colliding-seed"),
      ]);
      assert.ok(a.created && b.created && d.created);
      assert.equal(new Set([a.id, b.id, d.id]).size, 3);
      for (const [seq, id] of [
        [21, a.id],
        [22, b.id],
        [23, d.id],
      ] as const) {
        const rows = await t.deps.registration.records(c, {
          page: 1,
          perPage: 10,
          idNumber: idNumber(seq, "19700101"),
        });
        assert.deepEqual(
          rows.map((r) => r.id),
          [id],
        );
      }
    });

    it("keeps the event loop's own read-then-write transactions working while a burst is written", async () => {
      const c = (await t.deps.registration.campaign("demo-health"))!;
      const person = (seq: number) => checkedPerson(seq, "19750303", "赵六");
      // On SQLite the records are written by a thread with its own connection: a transaction of the
      // event loop that reads, waits, then writes must not fail because that thread committed meanwhile.
      const burst = Array.from({ length: 600 }, (_v, i) => t.deps.registration.accept(c, person(i), "api"));
      const edits = Array.from({ length: 15 }, () =>
        t.deps.store.db.transaction().execute(async (trx) => {
          await sql`SELECT count(*) AS n FROM registration_records`.execute(trx);
          await new Promise((r) => setTimeout(r, 3));
          await sql`UPDATE registration_campaigns SET updated_at = updated_at WHERE id = ${c.id}`.execute(
            trx,
          );
        }),
      );
      const results = await Promise.allSettled([...burst, ...edits]);
      const failed = results.filter((r) => r.status === "rejected");
      assert.deepEqual(
        failed.map((r) => String((r as PromiseRejectedResult).reason)),
        [],
      );
      const rows = await t.deps.registration.records(c, {
        page: 1,
        perPage: 1,
        idNumber: idNumber(599, "19750303"),
      });
      assert.equal(rows.length, 1);
    });

    if (engine === "sqlite")
      it("accepts submissions again after its writer thread died, through a new thread", async () => {
        const c = (await t.deps.registration.campaign("demo-health"))!;
        const person = (seq: number) => checkedPerson(seq, "19660909", "钱七");
        assert.ok((await t.deps.registration.accept(c, person(1), "api")).created);
        // Reaching into the writer for its thread: a crash cannot be caused from outside.
        const thread = (t.deps.registration.writer as unknown as { thread: { running: { worker: Worker } } })
          .thread;
        await thread.running.worker.terminate();
        const after = await t.deps.registration.accept(c, person(2), "api");
        assert.ok(after.created);
        const rows = await t.deps.registration.records(c, {
          page: 1,
          perPage: 1,
          idNumber: idNumber(2, "19660909"),
        });
        assert.equal(rows[0]?.id, after.id);
      });

    if (engine === "sqlite")
      it("answers 503, not 500, while its writer thread cannot start, without starting one per batch", async () => {
        // A database file the thread cannot open (its folder is gone).
        const store = Object.create(t.deps.store, { sqliteFile: { value: "/nonexistent-dir/records.db" } });
        const writer = new RecordWriter(store as typeof t.deps.store);
        await assert.rejects(writer.warmUp(), (error) => isServiceUnavailable(error));
        // Within the back-off the next batch is refused at once, without a new thread.
        const started = performance.now();
        await assert.rejects(writer.write({} as PendingRecord), (error) => isServiceUnavailable(error));
        assert.ok(performance.now() - started < 200, "refused without starting a thread");
        await writer.close();
      });

    if (engine === "sqlite")
      it("answers 503 with Retry-After while the database stays locked, and accepts once it is free", async () => {
        const other = new SQLite(t.deps.store.sqliteFile!);
        other.exec("BEGIN IMMEDIATE");
        try {
          const res = await post(body({ idNumber: idNumber(31) }));
          assert.equal(res.statusCode, 503, res.body);
          assert.ok(Number(res.headers["retry-after"]) > 0);
        } finally {
          other.exec("ROLLBACK");
          other.close();
        }
        const again = await post(body({ idNumber: idNumber(31) }));
        assert.equal(again.statusCode, 201, again.body);
      });

    it("refuses bad input with a Chinese message per field", async () => {
      const wrongCheck = idNumber(12).slice(0, 17) + (idNumber(12).endsWith("1") ? "2" : "1");
      const res = await post(
        body({ idNumber: wrongCheck, phone: "12345", district: "110101", answers: { symptoms: ["瞎编"] } }),
      );
      assert.equal(res.statusCode, 400);
      const e = (res.json() as { error: { code: string; fields: Record<string, string> } }).error;
      assert.equal(e.code, "invalid_submission");
      assert.match(e.fields.idNumber, /校验位/);
      assert.match(e.fields.phone, /手机/);
      assert.match(e.fields.district, /行政区划代码/);
      assert.match(e.fields.symptoms, /选项无效/);
      assert.match(e.fields.contact, /请选择/);
      // A question the form does not have is named, not dropped without a word.
      const extra = await post(body({ answers: { symptoms: ["发热"], contact: "否", evil: "x" } }));
      assert.equal(extra.statusCode, 400, extra.body);
      assert.match(
        (extra.json() as { error: { fields: Record<string, string> } }).error.fields["answers.evil"],
        /登记表没有“evil”这一项/,
      );
      const future = await post(body({ idNumber: idNumber(13, "20991231") }));
      assert.match(
        (future.json() as { error: { fields: Record<string, string> } }).error.fields.idNumber,
        /出生日期/,
      );
      const region = await post(body({ idNumber: idNumber(14, "19850612", "990101") }));
      assert.match(
        (region.json() as { error: { fields: Record<string, string> } }).error.fields.idNumber,
        /行政区划/,
      );
      // Full-width digits and letters (a Chinese input method, a spreadsheet) are read as ASCII, and a
      // landline with its area code is a phone too; a phone that is neither says so.
      const wide = (s: string) => s.replace(/[0-9X-]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
      const fullWidth = await post(
        body({
          idNumber: wide(idNumber(15, "19850612")),
          phone: wide("027-87654321"),
          district: wide("420106"),
          answers: { symptoms: ["无以上症状"], contact: "否", temperature: wide("36") + "．８" },
        }),
      );
      assert.equal(fullWidth.statusCode, 201, fullWidth.body);
      const record = await t.deps.store.db
        .selectFrom("registrationRecords")
        .select(["district", "answers"])
        .where("id", "=", (fullWidth.json() as { id: string }).id)
        .executeTakeFirstOrThrow();
      assert.equal(record.district, "420106");
      assert.equal(JSON.parse(record.answers).temperature, "36.8");
      // "None of the above" cannot come with a symptom (it would count the person under both).
      const contradictory = await post(
        body({ idNumber: idNumber(17), answers: { symptoms: ["发热", "无以上症状"], contact: "否" } }),
      );
      assert.equal(contradictory.statusCode, 400);
      assert.match(
        (contradictory.json() as { error: { fields: Record<string, string> } }).error.fields.symptoms,
        /“无以上症状”不能与其他选项同时选择/,
      );
      const garbage = await post(body({ idNumber: idNumber(16), phone: "abc" }));
      assert.equal(
        (garbage.json() as { error: { fields: Record<string, string> } }).error.fields.phone,
        "请填写11位手机号码或带区号的固定电话",
      );
      // Wrong JSON types are errors, not values to convert ("王五" from ["王五"], "true" from true), and
      // every wrong field is named at once.
      const types = await post(body({ name: ["王五"], phone: true, district: 420106 }));
      assert.equal(types.statusCode, 400, types.body);
      assert.deepEqual(
        Object.keys((types.json() as { error: { fields: Record<string, string> } }).error.fields).sort(),
        ["district", "name", "phone"],
      );
      assert.match(types.body, /应为文本/);
      // A body in GBK is read as GBK when it says so, and refused (never stored garbled) when it does not.
      const gbk = (charset: string | null, seq: number) =>
        t.app.inject({
          method: "POST",
          url: "/api/registration/campaigns/demo-health/submissions",
          headers: { "content-type": `application/json${charset ? `; charset=${charset}` : ""}` },
          payload: iconv.encode(JSON.stringify(body({ name: "欧阳娜娜", idNumber: idNumber(seq) })), "gbk"),
        });
      const declared = await gbk("GBK", 18);
      assert.equal(declared.statusCode, 201, declared.body);
      const stored = await t.deps.registration.records((await t.deps.registration.campaign("demo-health"))!, {
        page: 1,
        perPage: 1,
        idNumber: idNumber(18),
      });
      assert.equal(stored[0].name, "欧阳娜娜");
      const undeclared = await gbk(null, 19);
      assert.equal(undeclared.statusCode, 400, undeclared.body);
      assert.match(undeclared.body, /不是有效的 UTF-8 编码[\s\S]*charset=gbk/);
      const unknownCharset = await gbk("x-klingon", 19);
      assert.equal(unknownCharset.statusCode, 415, unknownCharset.body);
      assert.match(unknownCharset.body, /不支持的字符编码 x-klingon/);
      // An older client's ASCII label for a plain-ASCII body is fine.
      const ascii = await t.app.inject({
        method: "POST",
        url: "/api/registration/campaigns/demo-health/submissions",
        headers: { "content-type": "application/json; charset=US-ASCII" },
        payload: JSON.stringify(body({ name: "Li Si", idNumber: idNumber(20), answers: {} })),
      });
      assert.equal(ascii.statusCode, 400, ascii.body);
      assert.equal((ascii.json() as { error: { code: string } }).error.code, "invalid_submission");
      const unknown = await t.app.inject({
        method: "POST",
        url: "/api/registration/campaigns/no-such/submissions",
        payload: body(),
      });
      assert.equal(unknown.statusCode, 404);
    });

    it("answers 503 with Retry-After when the burst queue is full, and keeps the form's input", async () => {
      const writer = t.deps.registration.writer;
      const original = writer.write.bind(writer);
      writer.write = () => Promise.reject(new QueueFull(1));
      try {
        const res = await post(body({ idNumber: idNumber(15) }));
        assert.equal(res.statusCode, 503);
        assert.equal(res.headers["retry-after"], "1");
        assert.equal((res.json() as { error: { code: string } }).error.code, "queue_full");
        const page = await t.app.inject({
          method: "POST",
          url: "/sites/www/registration/demo-health",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: `name=${encodeURIComponent("王五")}&idNumber=${idNumber(16)}&phone=13912345678&district=420106&contact=${encodeURIComponent("否")}&symptoms=${encodeURIComponent("发热")}`,
        });
        assert.equal(page.statusCode, 503);
        assert.match(page.body, /尚未受理/);
        assert.match(page.body, new RegExp(`value="${idNumber(16)}"`));
      } finally {
        writer.write = original;
      }
    });

    it("answers 503 while the writer is unavailable: the form keeps its input, a partner's quota is not spent", async () => {
      const c = (await t.deps.registration.campaign("demo-health"))!;
      const key = await t.deps.registration.createKey(c, "区级系统", 1, "admin");
      const writer = t.deps.registration.writer;
      const original = writer.write.bind(writer);
      writer.write = () => Promise.reject(new ServiceUnavailable("registration writer thread ended"));
      try {
        const res = await post(body({ idNumber: idNumber(17) }), { "x-api-key": key });
        assert.equal(res.statusCode, 503);
        assert.ok(Number(res.headers["retry-after"]) > 0);
        const page = await t.app.inject({
          method: "POST",
          url: "/sites/www/registration/demo-health",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: `name=${encodeURIComponent("王五")}&idNumber=${idNumber(18)}&phone=13912345678&district=420106&contact=${encodeURIComponent("否")}&symptoms=${encodeURIComponent("发热")}`,
        });
        assert.equal(page.statusCode, 503);
        assert.ok(Number(page.headers["retry-after"]) > 0);
        assert.match(page.body, /尚未受理/);
        assert.match(page.body, new RegExp(`value="${idNumber(18)}"`));
      } finally {
        writer.write = original;
      }
      // The refused call was given back: the key's one submission of the day is still there.
      assert.equal((await post(body({ idNumber: idNumber(17) }), { "x-api-key": key })).statusCode, 201);
    });

    it("refuses a 10 MB body with 413, never a 500", async () => {
      const res = await post(body({ name: "张".repeat(5_000_000) }));
      assert.equal(res.statusCode, 413);
    });

    it("takes partner submissions only within a key's daily quota, counted atomically", async () => {
      const c = (await t.deps.registration.campaign("demo-health"))!;
      const key = await t.deps.registration.createKey(c, "社区系统", 5, "admin");
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_x, i) =>
          post(body({ idNumber: idNumber(100 + i) }), { "x-api-key": key }),
        ),
      );
      const codes = answers.map((r) => r.statusCode).sort();
      assert.equal(codes.filter((s) => s === 201).length, 5, codes.join(","));
      assert.equal(codes.filter((s) => s === 429).length, 7);
      const bad = await post(body(), { "x-api-key": "reg_nope" });
      assert.equal(bad.statusCode, 401);
    });

    it("does not spend a partner's quota on submissions it refused", async () => {
      const c = (await t.deps.registration.campaign("demo-health"))!;
      const key = await t.deps.registration.createKey(c, "街道系统", 2, "admin");
      const refused = await post(body({ idNumber: "420102199001011234" }), { "x-api-key": key });
      assert.equal(refused.statusCode, 400);
      const first = await post(body({ idNumber: idNumber(300) }), { "x-api-key": key });
      const second = await post(body({ idNumber: idNumber(301) }), { "x-api-key": key });
      assert.deepEqual([first.statusCode, second.statusCode], [201, 201]);
      const over = await post(body({ idNumber: idNumber(302) }), { "x-api-key": key });
      assert.equal(over.statusCode, 429);
      // The quota starts again at China midnight: the partner is told when.
      const wait = Number(over.headers["retry-after"]);
      assert.ok(wait >= 1 && wait <= 86_400, `Retry-After ${over.headers["retry-after"]}`);
    });

    it("serves the public form without JavaScript, keeps input and explains errors in Chinese", async () => {
      const page = await t.app.inject({ url: "/sites/www/registration/demo-health" });
      assert.equal(page.statusCode, 200);
      // What a phone downloads: the page and its stylesheets and scripts, as sent to a browser.
      const assets = [...page.body.matchAll(/(?:href|src)="(\/(?:static|sites)\/[^"]+\.(?:css|js))"/g)];
      assert.ok(assets.length >= 2, "the page's stylesheet and scripts");
      let weight = page.rawPayload.length;
      for (const [, url] of assets)
        weight += (await t.app.inject({ url, headers: { "accept-encoding": "gzip, deflate, br" } }))
          .rawPayload.length;
      assert.ok(weight < 30 * 1024, `page with its assets is ${weight} bytes`);
      assert.match(page.body, /<form method="post"/);
      const elder = await t.app.inject({
        url: "/sites/www/registration/demo-health",
        headers: { cookie: "elder=1" },
      });
      assert.match(elder.body, /<html lang="zh-CN" class="elder"/);
      const res = await t.app.inject({
        method: "POST",
        url: "/sites/www/registration/demo-health",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          name: "王五",
          idNumber: "420106198506120001",
          phone: "13912345678",
          district: "420106",
          contact: "否",
        }).toString(),
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /校验位不正确/);
      assert.match(res.body, /value="王五"/);
      const ok = await t.app.inject({
        method: "POST",
        url: "/sites/www/registration/demo-health",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: `name=${encodeURIComponent("王五")}&idNumber=${idNumber(200)}&phone=13912345678&district=420106&contact=${encodeURIComponent("否")}&symptoms=${encodeURIComponent("发热")}`,
      });
      assert.equal(ok.statusCode, 303, ok.body);
      const receipt = await t.app.inject({ url: ok.headers.location as string });
      assert.equal(receipt.statusCode, 200);
      assert.match(receipt.body, /登记成功/);
    });

    it("lets an operator define a campaign in the console, with per-field errors and a preview", async () => {
      admin = await StaffSession.login(t.app, "admin");
      const form = {
        code: "flood-2026",
        title: "洪涝受灾群众登记",
        summary: "受灾群众请登记，以便安置和救助。",
        audience: "partners",
        dedup: "per_id_per_day",
        retentionDays: "90",
        opensAt: "2026-01-01T08:00",
        closesAt: "",
        office: "省应急管理厅",
        thresholds: "need=转移安置>=5",
        form: JSON.stringify({
          fields: [
            {
              name: "need",
              label: "需要的帮助",
              type: "select",
              options: ["转移安置", "医疗", "物资"],
              required: true,
            },
          ],
        }),
        action: "save",
      };
      const bad = await admin.post("/admin/registration", {
        ...form,
        retentionDays: "0",
        thresholds: "need=飞行>=5",
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /保存期限应为1～3650天/);
      assert.match(bad.body, /不是问题/);
      assert.match(bad.body, /洪涝受灾群众登记/, "input kept");
      const preview = await admin.post("/admin/registration", { ...form, action: "preview" });
      assert.match(preview.body, /表单预览/);
      assert.match(preview.body, /需要的帮助/);
      const ok = await admin.post("/admin/registration", form);
      assert.equal(ok.statusCode, 303, ok.body);
      const api = await t.app.inject({ url: "/api/registration/campaigns/flood-2026" });
      assert.equal((api.json() as { audience: string }).audience, "partners");
      // Partners only: no key, no submission.
      const anon = await t.app.inject({
        method: "POST",
        url: "/api/registration/campaigns/flood-2026/submissions",
        payload: body({ answers: { need: "医疗" } }),
      });
      assert.equal(anon.statusCode, 401);
      // The public page says so instead of showing a form that would be refused.
      const page = await t.app.inject({ url: "/sites/www/registration/flood-2026" });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /接入系统统一报送，个人无需在此填报/);
      assert.ok(!page.body.includes('id="idNumber"'), "no form");

      // Real-name only: signed out, a sign-in link; signed in and verified, the form with the account's identity.
      const verified = await admin.post("/admin/registration", {
        ...form,
        code: "verified-2026",
        audience: "verified",
      });
      assert.equal(verified.statusCode, 303, verified.body);
      const signedOut = await t.app.inject({ url: "/sites/www/registration/verified-2026" });
      assert.match(signedOut.body, /须由实名认证的本人填报，请先<a href="[^"]*account\/login\?next=/);
      assert.ok(!signedOut.body.includes('id="idNumber"'), "no form signed out");
      assert.equal(signedOut.headers["cache-control"], "no-store", "a page that depends on who is signed in");
      // Signed in but not real-name verified: asked to verify, not to sign in.
      await t.deps.accounts.register({
        kind: "person",
        name: "王未认证",
        idNumber: idNumber(950),
        phone: "13712340950",
        password: "Chuyun#Test2026",
        password2: "Chuyun#Test2026",
        agree: "1",
      });
      const unverified = await citizenLogin(t, "13712340950", "Chuyun#Test2026");
      const notVerified = await t.app.inject({
        url: "/sites/www/registration/verified-2026",
        headers: { cookie: unverified },
      });
      assert.match(notVerified.body, /您的账号尚未实名认证，请先在<a href="[^"]*account\/">我的账号<\/a>/);
      assert.ok(!notVerified.body.includes('id="idNumber"'), "no form before verification");
      const cookie = await citizenLogin(t, "13900000001");
      const signedIn = await t.app.inject({
        url: "/sites/www/registration/verified-2026",
        headers: { cookie },
      });
      assert.ok(signedIn.body.includes('id="idNumber"'), "the form for the verified citizen");
      assert.match(signedIn.body, /value="张三"/);
    });

    it(
      "masks records in the console, audits a full view and an export with a reason",
      { timeout: 60_000 },
      async () => {
        const sent = await post(
          body({
            idNumber: idNumber(400),
            answers: { symptoms: ["发热"], contact: "否", note: "=cmd|' /C calc'!A0" },
          }),
        );
        assert.equal(sent.statusCode, 201, sent.body);
        const c = (await t.deps.registration.campaign("demo-health"))!;
        const page = await admin.get("/admin/registration/demo-health");
        assert.equal(page.statusCode, 200);
        assert.ok(!page.body.includes(idNumber(400)), "ID number masked");
        assert.ok(page.body.includes(`420106********${idNumber(400).slice(-4)}`));
        assert.ok(!page.body.includes("13912345678"));
        const [rec] = await t.deps.registration.records(c, { page: 1, perPage: 1, idNumber: idNumber(400) });
        const noReason = await admin.post(`/admin/registration/demo-health/records/${rec.id}/reveal`, {
          reason: "",
        });
        assert.equal(noReason.statusCode, 400);
        assert.match(noReason.body, new RegExp(`href="#reason-${rec.id}">查看完整信息须填写事由`));
        const full = await admin.post(`/admin/registration/demo-health/records/${rec.id}/reveal`, {
          reason: "流调核实密接人员",
        });
        assert.equal(full.statusCode, 200);
        assert.ok(full.body.includes(idNumber(400)));
        const audit = await t.deps.store.db
          .selectFrom("auditLog")
          .select(["action", "detail"])
          .where("targetId", "=", rec.id)
          .execute();
        assert.ok(
          audit.some((a) => a.action === "registration.record.view_full" && a.detail.includes("流调核实")),
        );
        const editor = await StaffSession.login(t.app, "rst_editor");
        assert.equal((await editor.get("/admin/registration/demo-health")).statusCode, 403);
        // A data officer reads the records (masked) and may not manage campaigns.
        const officer = await StaffSession.login(t.app, "www_data");
        const records = await officer.get("/admin/registration/demo-health");
        assert.equal(records.statusCode, 200);
        assert.ok(!records.body.includes(idNumber(400)), "masked");
        assert.ok(records.body.includes(`420106********${idNumber(400).slice(-4)}`));
        assert.equal((await officer.get("/admin/registration/new")).statusCode, 403);

        const dir = mkdtempSync(join(tmpdir(), "reg-export-"));
        const saved = { ...process.env };
        try {
          Object.assign(process.env, {
            DATA_DIR: t.config.dataDir,
            DATABASE_URL: t.config.databaseUrl ?? "",
            LOG_LEVEL: "silent",
          });
          if (!t.config.databaseUrl) delete process.env.DATABASE_URL;
          assert.equal(
            await registrationExportCommand(["--campaign", "demo-health", "--out", join(dir, "m.csv")]),
            0,
          );
          const masked = readFileSync(join(dir, "m.csv"), "utf8");
          assert.ok(masked.startsWith("\uFEFF登记编号"));
          assert.ok(masked.includes(rec.id));
          assert.ok(!masked.includes(idNumber(400)));
          assert.ok(!/(^|,)=/m.test(masked), "no cell starts with a formula");
          assert.equal(
            await registrationExportCommand([
              "--campaign",
              "demo-health",
              "--out",
              join(dir, "f.csv"),
              "--full",
            ]),
            2,
          );
          assert.equal(
            await registrationExportCommand([
              "--campaign",
              "demo-health",
              "--out",
              join(dir, "f.csv"),
              "--full",
              "--reason",
              "移交疾控中心流调",
            ]),
            0,
          );
          const fullCsv = readFileSync(join(dir, "f.csv"), "utf8");
          assert.equal(statSync(join(dir, "f.csv")).mode & 0o777, 0o600, "clear personal data: owner only");
          assert.ok(fullCsv.includes(idNumber(400)));
          assert.ok(fullCsv.includes(`"'=cmd|' /C calc'!A0"`), "formula neutralised");
          // A file that cannot be written is an error, and no export is on record for it.
          const nowhere = join(dir, "no-such-folder", "x.csv");
          const quiet = console.error;
          console.error = () => {};
          try {
            assert.equal(await registrationExportCommand(["--campaign", "demo-health", "--out", nowhere]), 1);
          } finally {
            console.error = quiet;
          }
          const exports = await t.deps.store.db
            .selectFrom("auditLog")
            .select(["action", "detail"])
            .where("action", "like", "registration.export.%")
            .execute();
          assert.ok(!exports.some((a) => a.detail.includes("no-such-folder")), "no audit of a failed export");
          assert.ok(
            exports.some(
              (a) => a.action === "registration.export.full" && a.detail.includes("移交疾控中心流调"),
            ),
          );
        } finally {
          process.env = saved;
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );

    it("flags a district that crosses its threshold with the day's last submissions, no later one needed", async () => {
      const c = (await t.deps.registration.campaign("demo-health"))!;
      const fever = (i: number) =>
        post(
          body({
            idNumber: idNumber(700 + i),
            district: "421221",
            answers: { symptoms: ["发热"], contact: "否" },
          }),
        );
      // The first submission starts a check; the rest arrive after it has run.
      await fever(0);
      await new Promise((r) => setTimeout(r, 1500));
      for (let i = 1; i < 20; i++) await fever(i);
      const flagged = async () =>
        (await t.deps.registration.figures(c, 0)).alerts.some((a) => a.district === "421221");
      const deadline = Date.now() + 20_000;
      while (!(await flagged()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      assert.ok(await flagged(), "嘉鱼县 flagged without another submission");
    });

    it("counts an option named twice in one submission once", async () => {
      const c = (await t.deps.registration.campaign("demo-health"))!;
      const diarrhoea = async () =>
        (await t.deps.registration.figures(c, 0)).byAnswer
          .find((a) => a.field === "symptoms")!
          .counts.find((x) => x.value === "腹泻")!.count;
      const before = await diarrhoea();
      const res = await post(
        body({ idNumber: idNumber(760), answers: { symptoms: ["腹泻", "腹泻", "腹泻"], contact: "否" } }),
      );
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(await diarrhoea(), before + 1);
    });

    it("counts figures by district and answer and flags a district over a threshold", async () => {
      const c = (await t.deps.registration.campaign("demo-health"))!;
      for (let i = 0; i < 20; i++)
        await post(
          body({
            idNumber: idNumber(300 + i),
            district: "421102",
            answers: { symptoms: ["发热"], contact: "否" },
          }),
        );
      assert.ok((await t.deps.registration.checkThresholds(c)) >= 1);
      const f = await t.deps.registration.figures(c, 0);
      assert.ok(f.byDistrict.find((d) => d.district === "421102")!.total >= 20);
      assert.ok(
        f.byAnswer.find((a) => a.field === "symptoms")!.counts.find((x) => x.value === "发热")!.count >= 20,
      );
      assert.ok(f.alerts.some((a) => a.district === "421102"));
      const page = await t.app.inject({ url: "/sites/www/registration/demo-health/figures" });
      assert.match(page.body, /黄冈市黄州区/);
      assert.match(page.body, /黄冈市黄州区<\/th>\s*<td>\d+<\/td>\s*<td>\d+<\/td>\s*<td>风险较高/);
      const svg = await t.app.inject({ url: "/sites/www/registration/demo-health/figures/symptoms.svg" });
      assert.equal(svg.statusCode, 200);
      assert.match(svg.body, /<svg/);
      // The same people register again without fever: the area is no longer flagged, the alert stays on record.
      for (let i = 0; i < 20; i++)
        await post(
          body({
            idNumber: idNumber(300 + i),
            district: "421102",
            answers: { symptoms: ["无以上症状"], contact: "否" },
          }),
        );
      const after = await t.deps.registration.figures(c, 0);
      assert.ok(!after.elevated.includes("421102"), after.elevated.join());
      assert.ok(after.alerts.some((a) => a.district === "421102"));
      const again = await t.app.inject({ url: "/sites/www/registration/demo-health/figures" });
      assert.doesNotMatch(again.body, /黄冈市黄州区<\/th>\s*<td>\d+<\/td>\s*<td>\d+<\/td>\s*<td>风险较高/);
      assert.match(again.body, /风险提示记录[\s\S]*黄冈市黄州区/);
    });
  });
}
