import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { PNG } from "../onestop/test-helpers.ts";
import type { StaffPrincipal } from "../staff/index.ts";
import { APPLY_FIELDS } from "./fixtures.test.ts";
import type { DisclosureRequests } from "./requests.ts";

/** China 10:00 on a date, as an instant. */
const at = (date: string, hour = 10) => new Date(`${date}T${String(hour - 8).padStart(2, "0")}:00:00Z`);

for (const engine of ENGINES) {
  describe(`条例 2019 clocks on the working-day calendar on ${engine}`, () => {
    let t: TestContext;
    let requests: DisclosureRequests;
    let handler: StaffPrincipal;
    let reviewer: StaffPrincipal;
    const principal = async (username: string) => {
      const u = await t.deps.store.db
        .selectFrom("staffUsers")
        .select("id")
        .where("username", "=", username)
        .executeTakeFirstOrThrow();
      return (await t.deps.staff.principal(u.id))!;
    };
    const file = async (received: Date) => {
      const { id } = await requests.submit(
        {
          ...APPLY_FIELDS,
          siteId: t.deps.sites.byCodeCached("rst")!.id,
          account: null,
          files: [{ fileName: "id.png", bytes: PNG }],
        },
        received,
      );
      return id;
    };
    const due = async (id: number) => requests.publicStatus(await requests.get(id)).dueDate;

    before(async () => {
      t = await startPlatform(engine);
      requests = t.deps.disclosure.requests;
      handler = await principal("rst_handler");
      reviewer = await principal("rst_reviewer");
      // A week of holidays (Mon 1 – Fri 5 March 2027) and a make-up working Saturday (6 March).
      for (const d of ["01", "02", "03", "04", "05"])
        await t.deps.calendar.setDay({ date: `2027-03-${d}`, kind: "holiday", name: "测试假期" }, "test");
      await t.deps.calendar.setDay({ date: "2027-03-06", kind: "workday", name: "测试调休" }, "test");
    });
    after(async () => t?.close());

    it("answers within 20 working days of receipt, skipping holidays and counting make-up days", async () => {
      const id = await file(at("2027-02-22"));
      // Without the holiday week it would be 22 March; with it (and the working Saturday) 26 March.
      assert.equal(await due(id), "2027-03-26");
    });

    it("stops the clock for a 补正 asked within 7 working days; the 20 days count again from the answer", async () => {
      const id = await file(at("2027-02-22"));
      await requests.requestCorrection(id, "请写明所需文件的年份和名称", handler, at("2027-02-24"));
      const paused = await requests.get(id);
      assert.equal(paused.status, "correction");
      assert.equal(requests.publicStatus(paused).dueDate, null);
      // Art. 30: counted again from the day the correction arrives (10 March), Qingming (5 April) skipped.
      await requests.answerCorrection(paused, "需要2025年就业补助资金分配文件", at("2027-03-10"));
      assert.equal(await due(id), "2027-04-08");
      const events = await requests.events(id, false);
      assert.ok(events.some((e) => e.action === "corrected" && e.note.includes("2027-04-08")));
    });

    it("refuses a 补正 asked more than 7 working days after receipt", async () => {
      const id = await file(at("2027-02-22"));
      await assert.rejects(
        requests.requestCorrection(id, "请写明所需文件的年份和名称", handler, at("2027-03-10")),
        /7个工作日内/,
      );
      assert.equal((await requests.get(id)).status, "received");
      assert.equal(await due(id), "2027-03-26");
    });

    it("does not count third-party consultation; 15 working days without an answer resume the clock", async () => {
      const answered = await file(at("2027-02-22"));
      await requests.startConsultation(answered, "某某科技有限公司", handler, at("2027-03-08"));
      assert.equal(await due(answered), null);
      // 14 working days were left on 8 March; the third party answers on 15 March.
      await requests.endConsultation(answered, "第三方不同意公开", handler, at("2027-03-15"));
      assert.equal(await due(answered), "2027-04-02");

      const silent = await file(at("2027-02-22"));
      await requests.startConsultation(silent, "某某科技有限公司", handler, at("2027-03-08"));
      assert.equal((await requests.get(silent)).consultDueAt!.slice(0, 10), "2027-03-29");
      const swept = await requests.sweep(at("2027-03-30"));
      assert.ok(swept.resumed >= 1);
      assert.equal(await due(silent), "2027-04-20");
    });

    it("extends by 20 working days with another person's approval and tells the applicant", async () => {
      const id = await file(at("2027-02-22"));
      await requests.requestExtension(id, "涉及多个处室，需要调取档案", handler, at("2027-03-19"));
      await assert.rejects(
        requests.decideExtension(id, true, handler, at("2027-03-19")),
        /负责人|承办人以外/,
      );
      await requests.decideExtension(id, true, reviewer, at("2027-03-19"));
      assert.equal(await due(id), "2027-04-26");
      const told = await requests.events(id, false);
      assert.ok(
        told.some((e) => e.action === "extended" && e.note.includes("2027-04-26")),
        "public event",
      );
    });

    it("refuses an extension asked after the limit passed, losing nothing", async () => {
      const id = await file(at("2027-02-22"));
      await assert.rejects(
        requests.requestExtension(id, "涉及多个处室，需要调取档案", handler, at("2027-03-29")),
        (e: Error) => {
          assert.match(e.message, /答复期限已过，不能再延长/);
          return true;
        },
      );
      const r = await requests.get(id);
      assert.equal(r.status, "received");
      assert.equal(r.extensionReason, null);
      assert.equal(await due(id), "2027-03-26");
    });

    it("warns 3 working days before the limit and escalates to 督办 after it", async () => {
      const id = await file(at("2027-02-22"));
      await requests.sweep(at("2027-03-22"));
      assert.equal((await requests.get(id)).warnedAt, null, "4 working days left: no warning yet");
      await requests.sweep(at("2027-03-23"));
      assert.ok((await requests.get(id)).warnedAt);
      assert.equal((await requests.get(id)).escalatedAt, null);
      await requests.sweep(at("2027-03-27"));
      assert.ok((await requests.get(id)).escalatedAt);
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("targetType", "=", "disclosure_request")
        .where("targetId", "=", String(id))
        .execute();
      assert.ok(audit.some((a) => a.action === "disclosure.escalated"));
    });
  });
}
