import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";
import { idCheckChar } from "../../platform/validation/china-ids.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectSheet, MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS, sniffUpload, UploadRefused } from "./batch-file.ts";
import type { Campaign } from "./service.ts";

/** A valid ID number; `seq` up to 999,999 gives distinct people (birth year and sequence vary). */
function personId(seq: number, birth?: string, region = "420106"): string {
  const b = birth ?? `${1950 + (Math.floor(seq / 1000) % 50)}0612`;
  const first17 = `${region}${b}${String(seq % 1000).padStart(3, "0")}`;
  return first17 + idCheckChar(first17);
}

const HEADER = "姓名,身份证号,手机号,所在地区,今天是否有以下症状,是否需要帮助,备注";
const line = (cells: string[]) =>
  cells.map((c) => (/[,"]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(",");

describe("reading uploads", () => {
  it("knows CSV from XLSX and refuses other content", () => {
    assert.equal(sniffUpload(Buffer.from("姓名,身份证号\n")), "csv");
    assert.equal(sniffUpload(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2])), "xlsx");
    assert.equal(sniffUpload(Buffer.from("%PDF-1.7 ...")), null);
    assert.equal(sniffUpload(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0, 0])), null);
  });

  it("refuses more rows than the limit with a clear message (100,000 rows: npm run bench -- --registration)", async () => {
    assert.equal(MAX_UPLOAD_ROWS, 100_000);
    const dir = mkdtempSync(join(tmpdir(), "chuyun-sheet-test-"));
    try {
      const file = (name: string, text: string) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const ok = await inspectSheet(file("ok.csv", `a,b\n${"1,2\n".repeat(1000)}`), "csv", 1000);
      assert.deepEqual([ok.header, ok.totalRows, ok.encoding], [["a", "b"], 1000, "UTF-8"]);
      await assert.rejects(
        inspectSheet(file("big.csv", `a,b\n${"1,2\n".repeat(1001)}`), "csv", 1000),
        (e: unknown) => {
          assert.ok(e instanceof UploadRefused);
          assert.match(e.message, /超过 1,000 行/);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const engine of ENGINES) {
  describe(`registration batch uploads on ${engine}`, () => {
    let t: TestContext;
    let worker: StaffSession;
    let c: Campaign;
    let rstSiteId: number;
    before(async () => {
      t = await startPlatform(engine);
      rstSiteId = t.deps.sites.byCodeCached("rst")!.id;
      c = await t.deps.registration.saveCampaign(
        {
          code: "batch-test",
          title: "社区批量登记测试",
          summary: "",
          form: {
            fields: [
              {
                name: "symptoms",
                label: "今天是否有以下症状",
                type: "multiselect",
                options: ["发热", "咳嗽", "无以上症状"],
                required: true,
              },
              { name: "help", label: "是否需要帮助", type: "select", options: ["否", "是"], required: true },
              { name: "note", label: "备注", type: "text" },
            ],
          },
          audience: "anyone",
          dedup: "none",
          retentionDays: 30,
          opensAt: "2026-01-01T00:00:00.000Z",
          closesAt: null,
          thresholds: [{ field: "help", value: "是", count: 3 }],
          office: "人社厅应急办",
          officeSiteId: rstSiteId,
          officePhone: "13800000042",
        },
        "test",
      );
      worker = await StaffSession.login(t.app, "rst_handler");
    });
    after(async () => t?.close());

    async function upload(bytes: Buffer, fileName: string) {
      const res = await worker.postMultipart(`/admin/registration-batches/${c.code}`, {}, [
        { field: "file", fileName, bytes },
      ]);
      const id = /\/(\d+)\?n=(\w+)$/.exec(String(res.headers.location ?? ""));
      if (id) await t.deps.registration.batches.settled(Number(id[1]));
      return { res, id: id ? Number(id[1]) : null, note: id?.[2] };
    }
    const batch = async (id: number) => (await t.deps.registration.batches.batch(c, id))!;
    const errorsCsv = async (id: number) => {
      const res = await worker.get(`/admin/registration-batches/${c.code}/${id}/errors.csv`);
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers["content-type"]), /text\/csv/);
      return res.body;
    };

    it("imports a GBK CSV and reports every bad row, with formulas neutralised in the report", async () => {
      const wrongCheck = personId(2).slice(0, 17) + (personId(2).endsWith("1") ? "2" : "1");
      const csv = [
        HEADER,
        line(["王小明", personId(1), "13912340001", "420106", "发热、咳嗽", "否", "独居老人"]),
        line(["李小红", personId(2), "13912340002", "武汉市江岸区", "无以上症状", "否", ""]),
        line(["张错位", wrongCheck, "13912340003", "420106", "发热", "否", ""]),
        line(["赵未来", personId(4, "20991231"), "13912340004", "420106", "发热", "否", ""]),
        line(["钱外省", personId(5), "13912340005", "110101", "发热", "否", ""]),
        line(["王小明", personId(1), "13912340006", "420106", "咳嗽", "否", "又登记一次"]),
        line(["孙公式", personId(7), "13912340007", "420106", "发热", "否", "=cmd|' /C calc'!A0"]),
        line(["周科学", "4.20106E+17", "13912340008", "420106", "发热", "否", ""]),
      ].join("\r\n");
      const { res, id, note } = await upload(iconv.encode(csv, "gbk"), "社区登记.csv");
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(note, "started");
      const b = await batch(id!);
      assert.equal(b.status, "done", b.message);
      assert.equal(b.encoding, "GB18030");
      assert.deepEqual([b.totalRows, b.accepted, b.rejected], [8, 2, 6]);
      const page = await worker.get(`/admin/registration-batches/${c.code}/${id}`);
      assert.match(page.body, /已完成/);
      assert.match(page.body, /<progress id="batch-bar" max="8" value="8"/);
      const report = await errorsCsv(id!);
      assert.match(report, /^\uFEFF行号,列,问题/);
      assert.match(report, /\r\n4,身份证号,[^\r]*校验/);
      assert.match(report, /\r\n5,身份证号,[^\r]*出生日期/);
      assert.match(report, /\r\n6,所在地区,[^\r]*行政区划代码/);
      assert.match(report, /\r\n7,身份证号,与第 2 行是同一人/);
      assert.match(report, /\r\n8,备注,[^\r]*公式[^\r]*,"'=cmd\|' \/C calc'!A0"/);
      assert.match(report, /\r\n9,身份证号,[^\r]*科学计数法/);
      // ID numbers in the report are masked.
      assert.doesNotMatch(report, new RegExp(personId(1)));
      assert.equal(await t.deps.registration.recordCount(c), 2);
    });

    it("imports a UTF-8 CSV with a BOM and an XLSX workbook (a formula cell is refused)", async () => {
      const csv = `\uFEFF${HEADER}\n${line(["周一", personId(11), "13912340011", "420102", "咳嗽", "否", ""])}\n`;
      const one = await upload(Buffer.from(csv, "utf8"), "bom.csv");
      const b1 = await batch(one.id!);
      assert.equal(b1.encoding, "UTF-8 (BOM)");
      assert.deepEqual([b1.status, b1.accepted, b1.rejected], ["done", 1, 0]);

      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet("登记");
      ws.addRow(["姓名", "身份证号", "手机号", "区划代码", "今天是否有以下症状", "是否需要帮助", "备注"]);
      ws.addRow(["吴二", personId(21), "13912340021", "420102", "发热", "否", "xlsx"]);
      ws.addRow(["郑三", personId(22), 13912340022, 420103, "无以上症状", "否", ""]);
      ws.addRow(["冯四", personId(23), "13912340023", "420102", "发热", "否", { formula: "1+1", result: 2 }]);
      // An ID number typed into a General-format column: Excel keeps 15 digits of it, as a number (this
      // one, rounded, still passes the check digit: it would be imported as another person).
      ws.addRow(["陈五", Number(personId(24)), "13912340024", "420102", "发热", "否", ""]);
      const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
      const two = await upload(xlsx, "登记.xlsx");
      const b2 = await batch(two.id!);
      assert.equal(b2.format, "xlsx");
      assert.deepEqual([b2.status, b2.totalRows, b2.accepted, b2.rejected], ["done", 4, 2, 2]);
      const errors = await errorsCsv(two.id!);
      assert.match(errors, /\r\n4,备注,[^\r]*公式/);
      assert.match(errors, /\r\n5,身份证号,[^\r]*存成了数字[^\r]*文本/);
    });

    it("refuses content that is not CSV or XLSX, and a file without the needed columns", async () => {
      const pdf = await upload(Buffer.from("%PDF-1.7\n%binary"), "scan.pdf");
      assert.equal(pdf.res.statusCode, 400);
      assert.match(pdf.res.body, /只能上传 CSV 或 XLSX 文件/);
      const noHeader = await upload(Buffer.from("名字,电话\n张三,13900000000\n"), "wrong.csv");
      const b = await batch(noHeader.id!);
      assert.equal(b.status, "failed");
      assert.match(b.message, /缺少列：姓名、身份证号、手机号、所在地区/);
      const page = await worker.get(`/admin/registration-batches/${c.code}/${noHeader.id}`);
      assert.match(page.body, /缺少列/);
    });

    it("says an empty file is empty (not that no file was chosen)", async () => {
      const { res, id } = await upload(Buffer.alloc(0), "空表.csv");
      assert.equal(id, null);
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /文件是空的/);
      assert.doesNotMatch(res.body, /请选择要上传/);
    });

    it("resumes a failed upload from the row it reached when the same file is uploaded again", async () => {
      const rows = Array.from({ length: 1200 }, (_x, i) =>
        line([
          `居民${"甲乙丙丁"[i % 4]}`,
          personId(1000 + i),
          "13912345678",
          "420111",
          "无以上症状",
          "否",
          "",
        ]),
      );
      const bytes = Buffer.from([HEADER, ...rows].join("\n"));
      const writer = t.deps.registration.writer;
      const original = writer.write.bind(writer);
      let calls = 0;
      writer.write = (row) => (++calls > 700 ? Promise.reject(new Error("disk full")) : original(row));
      let first;
      try {
        first = await upload(bytes, "big.csv");
      } finally {
        writer.write = original;
      }
      const failed = await batch(first.id!);
      assert.equal(failed.status, "failed");
      assert.equal(failed.nextRow, 500);
      assert.equal(failed.accepted, 500);
      assert.match(failed.message, /重新上传同一文件/);
      const again = await upload(bytes, "big-again.csv");
      assert.equal(again.id, first.id);
      assert.equal(again.note, "resumed");
      const done = await batch(first.id!);
      assert.deepEqual([done.status, done.nextRow, done.accepted, done.rejected], ["done", 1200, 1200, 0]);
      // Rows written before the failure were written again under the same ids: no duplicates,
      // even though this campaign keeps every submission.
      assert.equal(await t.deps.registration.recordCount(c, "420111"), 1200);
      const third = await upload(bytes, "big.csv");
      assert.equal(third.note, "known");
      assert.equal(await t.deps.registration.recordCount(c, "420111"), 1200);
    });

    it("notifies the office once per district, threshold and day: console notice, SMS, audit", async () => {
      const csv = [
        HEADER,
        ...[31, 32, 33, 34].map((n) =>
          line([`求助者`, personId(n), "13912340031", "420114", "无以上症状", "是", ""]),
        ),
      ].join("\n");
      await upload(Buffer.from(csv), "help.csv");
      const flagged = await Promise.all([
        t.deps.registration.checkThresholds(c),
        t.deps.registration.checkThresholds(c),
        t.deps.registration.checkThresholds(c),
      ]);
      const counted = flagged.reduce((a, b) => a + b, 0);
      // The background check scheduled after the writes may have flagged it first.
      assert.ok(counted <= 1);
      assert.equal(await t.deps.registration.checkThresholds(c), 0);
      const db = t.deps.store.db;
      const sms = await db.selectFrom("smsOutbox").select("body").where("body", "like", "%蔡甸区%").execute();
      assert.equal(sms.length, 1);
      assert.match(sms[0].body, /社区批量登记测试：武汉市蔡甸区今日“是否需要帮助”答“是”的已达 4 人/);
      const audits = await db
        .selectFrom("auditLog")
        .select("detail")
        .where("action", "=", "registration.alert")
        .where("targetId", "=", c.code)
        .execute();
      assert.equal(audits.filter((a) => a.detail.includes("420114")).length, 1);
      const page = await worker.get("/admin/registration-notices");
      assert.equal(page.statusCode, 200);
      assert.equal((page.body.match(/武汉市蔡甸区今日/g) ?? []).length, 1);
      // Staff of another office do not see it.
      const other = await StaffSession.login(t.app, "zjt_handler");
      const theirs = await other.get("/admin/registration-notices");
      assert.doesNotMatch(theirs.body, /武汉市蔡甸区今日/);
    });

    it("streams a multi-thousand-row file through in chunks, every row accounted for", async () => {
      const rows = Array.from({ length: 6000 }, (_x, i) => {
        // Every 97th row has a wrong check character; every 250th repeats the person of the row before.
        let id = personId(20_000 + (i % 250 === 249 ? i - 1 : i));
        if (i % 97 === 96) id = id.slice(0, 17) + (id.endsWith("1") ? "2" : "1");
        return line([`居民${"甲乙丙丁"[i % 4]}`, id, "13912345678", "420115", "无以上症状", "否", ""]);
      });
      const bytes = iconv.encode([HEADER, ...rows].join("\r\n"), "gb18030");
      const { id } = await upload(bytes, "六千行.csv");
      const b = await batch(id!);
      const wrong = rows.filter((_r, i) => i % 97 === 96).length;
      const repeated = rows.filter((_r, i) => i % 250 === 249 && (i - 1) % 97 !== 96 && i % 97 !== 96).length;
      assert.deepEqual(
        [b.status, b.encoding, b.totalRows, b.nextRow, b.accepted, b.rejected],
        ["done", "GB18030", 6000, 6000, 6000 - wrong - repeated, wrong + repeated],
      );
      assert.equal(await t.deps.registration.recordCount(c, "420115"), 6000 - wrong - repeated);
      const report = await errorsCsv(id!);
      assert.match(report, /\r\n98,身份证号,[^\r]*校验/);
      assert.match(report, /\r\n251,身份证号,与第 250 行是同一人/);
    });

    it("refuses a file over the size limit with a Chinese message, importing nothing", async () => {
      const before = await t.deps.registration.batches.batches(c, 1, 100);
      const big = Buffer.alloc(MAX_UPLOAD_BYTES + 1024, "1,");
      const res = await upload(Buffer.concat([Buffer.from(`${HEADER}\n`), big]), "太大.csv");
      assert.equal(res.res.statusCode, 413);
      assert.match(res.res.body, /文件超过 20 MB，请拆分为几个较小的文件分批上传/);
      assert.equal((await t.deps.registration.batches.batches(c, 1, 100)).total, before.total);
    });

    it("lets only permitted roles upload", async () => {
      const editor = await StaffSession.login(t.app, "rst_editor");
      const res = await editor.get(`/admin/registration-batches/${c.code}`);
      assert.equal(res.statusCode, 403);
      const ok = await worker.get(`/admin/registration-batches/${c.code}`);
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /enctype="multipart\/form-data"/);
    });

    it("keeps a row written again as one record when its batch also holds a row with a taken id", async () => {
      const person = (seq: number) => ({
        name: "陈七",
        idNumber: personId(seq, "19660606"),
        phone: "13912345678",
        district: "420106",
        answers: { symptoms: ["无以上症状"], help: "否" },
      });
      const first = await t.deps.registration.accept(c, person(501), "upload", "resume-seed");
      // One batch: another person's row whose seeded id is the same record id, and the same row
      // written again (a resumed upload), in that order.
      const [other, again] = await Promise.all([
        t.deps.registration.accept(c, person(502), "upload", "resume-seed"),
        t.deps.registration.accept(c, person(501), "upload", "resume-seed"),
      ]);
      assert.equal(again.id, first.id);
      assert.equal(again.created, false);
      assert.notEqual(other.id, first.id);
      const recordsOf = (seq: number) =>
        t.deps.registration.records(c, { page: 1, perPage: 10, idNumber: personId(seq, "19660606") });
      assert.deepEqual(
        (await recordsOf(501)).map((r) => r.id),
        [first.id],
      );
      assert.deepEqual(
        (await recordsOf(502)).map((r) => r.id),
        [other.id],
      );
    });
  });
}
