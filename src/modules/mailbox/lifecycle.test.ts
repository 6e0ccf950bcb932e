import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chinaDate } from "../../platform/time/china-time.ts";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { fileLetter, staffPost, staffSession } from "./test-helpers.ts";

for (const engine of ENGINES) {
  describe(`interaction lifecycle on ${engine}`, () => {
    let t: TestContext;
    let op: { cookie: string; csrf: string };
    let zjt: { cookie: string; csrf: string };
    let rstHandler: { cookie: string; csrf: string };
    let rstReviewer: { cookie: string; csrf: string };
    before(async () => {
      t = await startPlatform(engine);
      op = await staffSession(t.app, t.deps, "admin");
      zjt = await staffSession(t.app, t.deps, "zjt_handler");
      rstHandler = await staffSession(t.app, t.deps, "rst_handler");
      rstReviewer = await staffSession(t.app, t.deps, "rst_reviewer");
    });
    after(async () => t?.close());

    const letterByNo = (queryNo: string) =>
      t.deps.store.db
        .selectFrom("letters")
        .selectAll()
        .where("queryNo", "=", queryNo)
        .executeTakeFirstOrThrow();

    it("drives a letter from the portal mailbox through transfer, answer, review, publication and rating", async () => {
      const portal = t.deps.sites.byCodeCached("www")!;
      const rst = t.deps.sites.byCodeCached("rst")!;
      const zjtSite = t.deps.sites.byCodeCached("zjt")!;
      const filed = await fileLetter(
        t.app,
        t.deps,
        "www",
        {
          phone: "13911112222",
          name: "钱多多",
          addressee: `leader:${portal.id}`,
          subject: "住房公积金缴存和灵活用工人员补贴<script>x()</script>",
          content: "我是钱多多，身份证420102199001011234，手机13911112222。灵活用工人员的补贴去哪里申请？",
        },
        "10.1.0.1",
      );
      assert.equal(filed.status, 200);
      let l = await letterByNo(filed.queryNo);
      assert.equal(l.status, "assigned", "routed by the keyword rule");
      assert.equal(l.ownerSiteId, zjtSite.id, "公积金 rule matched first");
      const id = l.id;

      // The console shows the letter to its owner only, with the script as text.
      const page = await t.app.inject({
        url: `/admin/interaction/letters/${id}`,
        headers: { cookie: zjt.cookie },
      });
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes("&lt;script>x()&lt;/script>"));
      assert.ok(!page.body.includes("<script>x()"));
      const other = await t.app.inject({
        url: `/admin/interaction/letters/${id}`,
        headers: { cookie: rstHandler.cookie },
      });
      assert.equal(other.statusCode, 403);

      // 首接负责: the first department asks to transfer, but owns the letter until the operator agrees.
      let res = await staffPost(t.app, zjt, `/admin/interaction/letters/${id}/transfer`, {
        toSiteId: String(rst.id),
        reason: "",
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /请写明转办理由/);
      res = await staffPost(t.app, zjt, `/admin/interaction/letters/${id}/transfer`, {
        toSiteId: String(rst.id),
        reason: "社保补贴属人社部门职责",
      });
      assert.equal(res.statusCode, 303);
      l = await letterByNo(filed.queryNo);
      assert.equal(l.ownerSiteId, zjtSite.id);
      assert.equal(l.transferToSiteId, rst.id);
      res = await staffPost(t.app, rstHandler, `/admin/interaction/letters/${id}/answer`, {
        answer: "还不能答复，因为尚未转来。",
      });
      assert.equal(res.statusCode, 403, "the target cannot answer before the transfer is accepted");
      res = await staffPost(t.app, zjt, `/admin/interaction/letters/${id}/transfer-accept`);
      assert.equal(res.statusCode, 403, "only the operator accepts transfers");
      res = await staffPost(t.app, op, `/admin/interaction/letters/${id}/transfer-accept`);
      assert.equal(res.statusCode, 303);
      l = await letterByNo(filed.queryNo);
      assert.equal(l.ownerSiteId, rst.id);
      assert.equal(l.transferCount, 1);

      // Answer, then review by a reviewer of the owner.
      res = await staffPost(t.app, rstHandler, `/admin/interaction/letters/${id}/answer`, { answer: "短" });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /答复内容至少10个字/);
      res = await staffPost(t.app, rstHandler, `/admin/interaction/letters/${id}/answer`, {
        answer:
          "您好！灵活就业人员社保补贴可在户籍地或常住地公共就业服务机构申请，联系电话13911112222的来信人请携带身份证件办理。",
      });
      assert.equal(res.statusCode, 303);
      res = await staffPost(t.app, rstHandler, `/admin/interaction/letters/${id}/approve`);
      assert.equal(res.statusCode, 403, "a handler cannot approve");
      res = await staffPost(t.app, rstReviewer, `/admin/interaction/letters/${id}/approve`);
      assert.equal(res.statusCode, 303);
      l = await letterByNo(filed.queryNo);
      assert.equal(l.status, "reviewed");
      assert.ok(l.repliedAt);

      const lookup = await t.app.inject({
        url: `/sites/www/interaction/lookup?no=${filed.queryNo}&code=${filed.lookupCode}`,
      });
      assert.match(lookup.body, /灵活就业人员社保补贴可在户籍地/);
      assert.match(lookup.body, /评价答复/);

      // Publication masks personal data even where the reviewer left it in.
      res = await staffPost(t.app, rstReviewer, `/admin/interaction/letters/${id}/publish`, {
        publicSubject: "灵活就业人员社保补贴去哪里申请",
        publicContent: l.content,
        publicAnswer: l.answer!,
      });
      assert.equal(res.statusCode, 303);
      const pub = await t.app.inject({ url: `/sites/www/interaction/letters/${id}` });
      assert.equal(pub.statusCode, 200);
      assert.ok(!pub.body.includes("420102199001011234"));
      assert.ok(!pub.body.includes("13911112222"));
      assert.ok(!pub.body.includes("钱多多"));
      assert.ok(pub.body.includes("420102********1234"));
      assert.ok(pub.body.includes("139****2222"));
      const list = await t.app.inject({ url: "/sites/rst/interaction/letters?q=社保补贴" });
      assert.ok(list.body.includes("灵活就业人员社保补贴去哪里申请"));
      const found = await t.deps.search.search({ q: "社保补贴", kinds: ["letter"] });
      assert.ok(
        found.hits.some((h) => h.url.endsWith(`/interaction/letters/${id}`)),
        "indexed as kind letter",
      );

      // A rating sent back for a missing answer keeps what the citizen chose and wrote (未解决 stays
      // 未解决); "solved" has no default and must be chosen.
      const rate = (form: Record<string, string>) =>
        t.app.inject({
          method: "POST",
          url: "/sites/www/interaction/lookup/rate",
          payload: new URLSearchParams({ no: filed.queryNo, code: filed.lookupCode, ...form }).toString(),
          headers: { "content-type": "application/x-www-form-urlencoded" },
        });
      const noRating = await rate({ solved: "0", note: "回复很及时" });
      assert.equal(noRating.statusCode, 400);
      assert.match(noRating.body, /请选择满意程度/);
      assert.match(noRating.body, /name="solved" value="0" checked/);
      assert.doesNotMatch(noRating.body, /name="solved" value="1" checked/);
      assert.match(noRating.body, /<textarea[^>]*name="note"[^>]*>回复很及时<\/textarea>/);
      const noSolved = await rate({ rating: "satisfied" });
      assert.equal(noSolved.statusCode, 400);
      assert.match(noSolved.body, /请选择问题是否已解决/);
      assert.match(noSolved.body, /name="rating" value="satisfied" checked/);
      assert.equal((await letterByNo(filed.queryNo)).ratedAt, null);

      // "Not solved" reopens once.
      res = await t.app.inject({
        method: "POST",
        url: "/sites/www/interaction/lookup/rate",
        payload: new URLSearchParams({
          no: filed.queryNo,
          code: filed.lookupCode,
          rating: "unsatisfied",
          solved: "0",
          note: "还是不知道去哪个窗口",
        }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /重新办理/);
      l = await letterByNo(filed.queryNo);
      assert.equal(l.status, "assigned");
      assert.equal(l.reopenCount, 1);
      assert.equal(l.publishedAt, null);
      const gone = await t.app.inject({ url: `/sites/www/interaction/letters/${id}` });
      assert.equal(gone.statusCode, 404);

      await staffPost(t.app, rstHandler, `/admin/interaction/letters/${id}/answer`, {
        answer: "补充答复：请到江城市政务服务中心二楼人社窗口办理灵活就业社保补贴。",
      });
      await staffPost(t.app, rstReviewer, `/admin/interaction/letters/${id}/approve`);
      res = await t.app.inject({
        method: "POST",
        url: "/sites/www/interaction/lookup/rate",
        payload: new URLSearchParams({
          no: filed.queryNo,
          code: filed.lookupCode,
          rating: "basic",
          solved: "0",
        }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(res.statusCode, 200);
      l = await letterByNo(filed.queryNo);
      assert.equal(l.status, "reviewed", "reopens only once");
      assert.equal(l.rating, "basic");
      assert.equal(l.solved, 0);

      // Every staff step is in the verifiable audit log.
      const actions = (
        await t.deps.store.db
          .selectFrom("auditLog")
          .select("action")
          .where("targetType", "=", "letter")
          .where("targetId", "=", String(id))
          .execute()
      ).map((r) => r.action);
      for (const a of [
        "letter.transfer_requested",
        "letter.transferred",
        "letter.answered",
        "letter.reviewed",
        "letter.published",
        "letter.view",
      ])
        assert.ok(actions.includes(a), a);
      assert.equal((await t.deps.audit.verify()).ok, true);
    });

    it("holds spam for screening, links near-duplicates, and lets the operator refuse", async () => {
      const spam = await fileLetter(
        t.app,
        t.deps,
        "www",
        { phone: "13911113333", subject: "优惠", content: "代开发票，加微信详谈，兼职日结，欢迎咨询。" },
        "10.1.1.1",
      );
      let l = await letterByNo(spam.queryNo);
      assert.equal(l.status, "submitted");
      assert.match(l.flags, /spam/);
      const res = await staffPost(t.app, op, `/admin/interaction/letters/${l.id}/invalid`, {
        reason: "广告信息",
      });
      assert.equal(res.statusCode, 303);
      l = await letterByNo(spam.queryNo);
      assert.equal(l.status, "invalid");
      const lookup = await t.app.inject({
        url: `/sites/www/interaction/lookup?no=${spam.queryNo}&code=${spam.lookupCode}`,
      });
      assert.match(lookup.body, /不予受理。理由：广告信息/);

      const text = "小区门口的路灯坏了一个多月了，晚上出行很不方便，老人孩子容易摔倒，请尽快维修。";
      const a = await fileLetter(
        t.app,
        t.deps,
        "jiangcheng",
        { phone: "13911114444", subject: "路灯坏了", content: text },
        "10.1.1.2",
      );
      const b = await fileLetter(
        t.app,
        t.deps,
        "jiangcheng",
        { phone: "13911115555", subject: "路灯损坏请维修", content: `${text}谢谢！` },
        "10.1.1.3",
      );
      const la = await letterByNo(a.queryNo);
      const lb = await letterByNo(b.queryNo);
      assert.equal(lb.duplicateOfId, la.id);
      assert.ok((lb.similarity ?? 0) >= 60);
      const unrelated = await fileLetter(
        t.app,
        t.deps,
        "jiangcheng",
        {
          phone: "13911116666",
          subject: "学校招生",
          content: "孩子明年上小学，想了解学区划分和入学登记的时间安排。",
        },
        "10.1.1.4",
      );
      assert.equal((await letterByNo(unrelated.queryNo)).duplicateOfId, null);
      const page = await t.app.inject({
        url: `/admin/interaction/letters/${lb.id}`,
        headers: { cookie: op.cookie },
      });
      assert.ok(page.body.includes(a.queryNo), "the console links the similar letter");
    });

    it("counts working-day limits, extends once with a reason, warns, and escalates overdue letters to 督办", async () => {
      const filed = await fileLetter(
        t.app,
        t.deps,
        "rst",
        {
          phone: "13911117777",
          kind: "help",
          subject: "工伤认定进度",
          content: "去年申请的工伤认定至今没有结果，请帮忙催办一下。",
        },
        "10.1.2.1",
      );
      let l = await letterByNo(filed.queryNo);
      assert.equal(l.limitDays, 5);
      const due = new Date(l.dueAt);
      assert.equal((await t.deps.mailbox.workingDays()).workingDaysBetween(new Date(l.createdAt), due), 5);
      const days = await t.deps.calendar.calendar();
      assert.ok(days.isWorkingDay(chinaDate(due)), "due on a working day");

      let res = await staffPost(t.app, rstHandler, `/admin/interaction/letters/${l.id}/extend`, {
        days: "3",
        reason: "",
      });
      assert.equal(res.statusCode, 400);
      // The missing reason is shown under the extension's reason, not also under the transfer's.
      const errorsUnder = (id: string) =>
        new RegExp(`class="field has-error">\\s*<label for="${id}">`).test(res.body);
      assert.ok(errorsUnder("extendReason"), "under 延期理由");
      assert.ok(!errorsUnder("transferReason"), "not under 转办理由");
      res = await staffPost(t.app, rstHandler, `/admin/interaction/letters/${l.id}/extend`, {
        days: "3",
        reason: "需要调取用人单位材料",
      });
      assert.equal(res.statusCode, 303);
      l = await letterByNo(filed.queryNo);
      assert.equal(l.extendedDays, 3);
      assert.equal((await t.deps.mailbox.workingDays()).workingDaysBetween(due, new Date(l.dueAt)), 3);
      res = await staffPost(t.app, rstHandler, `/admin/interaction/letters/${l.id}/extend`, {
        days: "2",
        reason: "再次延期",
      });
      assert.equal(res.statusCode, 400, "one extension only");

      // Make it overdue and sweep.
      await t.deps.store.db
        .updateTable("letters")
        .set({ dueAt: new Date(Date.now() - 86_400_000).toISOString() })
        .where("id", "=", l.id)
        .execute();
      const swept = await t.deps.mailbox.letters.sweep();
      assert.ok(swept.escalated >= 1);
      l = await letterByNo(filed.queryNo);
      assert.ok(l.escalatedAt);
      const overdue = await t.app.inject({
        url: "/admin/interaction?view=overdue",
        headers: { cookie: rstHandler.cookie },
      });
      assert.ok(overdue.body.includes(filed.queryNo));
      const escalated = await t.app.inject({
        url: "/admin/interaction?view=escalated",
        headers: { cookie: op.cookie },
      });
      assert.ok(escalated.body.includes(filed.queryNo));
      // The seeded overdue letter is there too.
      assert.ok(escalated.body.includes("失业保险金申领后迟迟未到账"));
    });

    it("counts letter deadlines on the Chinese calendar: National Day 2026 off, the make-up Saturday on", async () => {
      const extendFrom = async (phone: string, ip: string) => {
        const filed = await fileLetter(
          t.app,
          t.deps,
          "rst",
          {
            phone,
            kind: "help",
            subject: "国庆前的社保咨询",
            content: "节前提交的社保转移问题，请帮忙办理。",
          },
          ip,
        );
        const l = await letterByNo(filed.queryNo);
        // Due Wednesday 2026-09-30 10:00 China time, then extended by three working days.
        await t.deps.store.db
          .updateTable("letters")
          .set({ dueAt: "2026-09-30T02:00:00.000Z" })
          .where("id", "=", l.id)
          .execute();
        const res = await staffPost(t.app, rstHandler, `/admin/interaction/letters/${l.id}/extend`, {
          days: "3",
          reason: "需要调取用人单位材料",
        });
        assert.equal(res.statusCode, 303);
        return (await letterByNo(filed.queryNo)).dueAt;
      };
      // 10-01..07 off; Thursday 10-08, Friday 10-09, Saturday 10-10 (调休上班). Weekends only would give 10-05.
      assert.equal(await extendFrom("13911118881", "10.1.3.1"), "2026-10-10T02:00:00.000Z");
      // The platform calendar an operator edits is the one letters use.
      await t.deps.calendar.setDay({ date: "2026-10-10", kind: "holiday", name: "测试" }, "test");
      try {
        assert.equal(await extendFrom("13911118882", "10.1.3.2"), "2026-10-12T02:00:00.000Z");
      } finally {
        await t.deps.calendar.removeDay("2026-10-10", "test");
      }
    });

    it("keeps the console behind sign-in and CSRF", async () => {
      const anon = await t.app.inject({ url: "/admin/interaction" });
      assert.equal(anon.statusCode, 303);
      assert.match(String(anon.headers.location), /^\/admin\/login/);
      const letter = await t.deps.store.db
        .selectFrom("letters")
        .select("id")
        .where("status", "=", "screened")
        .executeTakeFirstOrThrow();
      const noCsrf = await t.app.inject({
        method: "POST",
        url: `/admin/interaction/letters/${letter.id}/screen`,
        payload: "x=1",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: op.cookie },
      });
      assert.equal(noCsrf.statusCode, 403);
    });

    it("lets the operator configure limits within 1 to 15 working days", async () => {
      const bad = await staffPost(t.app, op, "/admin/interaction/settings", {
        limit_consult: "30",
        limit_complaint: "15",
        limit_suggestion: "10",
        limit_help: "5",
        limit_other: "10",
        ratingWindowDays: "7",
        maxExtensionDays: "10",
        defaultRatingSatisfied: "1",
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /办理时限须为1至15个工作日/);
      assert.ok(bad.body.includes('value="30"'), "typed value kept");
      const ok = await staffPost(t.app, op, "/admin/interaction/settings", {
        limit_consult: "4",
        limit_complaint: "15",
        limit_suggestion: "10",
        limit_help: "5",
        limit_other: "10",
        ratingWindowDays: "7",
        maxExtensionDays: "10",
        defaultRatingSatisfied: "1",
      });
      assert.equal(ok.statusCode, 303);
      assert.equal((await t.deps.mailbox.letters.settings()).limits.consult, 4);
      const denied = await staffPost(t.app, zjt, "/admin/interaction/settings", { limit_consult: "3" });
      assert.equal(denied.statusCode, 403);
    });
  });
}
