import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { staffPost, staffSession } from "../mailbox/test-helpers.ts";
import { fileRequest } from "./fixtures.test.ts";
import { DisclosureService } from "./service.ts";
import { PlatformWorkingDays } from "../../platform/calendar/platform-working-days.ts";
import { DomainError, httpStatusOf } from "../../platform/http/errors.ts";

for (const engine of ENGINES) {
  describe(`disclosure handling in the console on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    const idOf = async (queryNo: string) =>
      (
        await t.deps.store.db
          .selectFrom("disclosureRequests")
          .select("id")
          .where("queryNo", "=", queryNo)
          .executeTakeFirstOrThrow()
      ).id;

    it("assigns, finds library documents, refuses a decision without its reason class, decides, and delivers the letter", async () => {
      const filed = await fileRequest(t, "rst", { description: "社会保险相关政策文件" });
      const id = await idOf(filed.queryNo);
      const handler = await staffSession(t.app, t.deps, "rst_handler");
      const base = `/admin/disclosure/requests/${id}`;

      const queue = await t.app.inject({ url: "/admin/disclosure", headers: { cookie: handler.cookie } });
      assert.equal(queue.statusCode, 200);
      assert.ok(queue.body.includes(filed.queryNo));

      assert.equal((await staffPost(t.app, handler, `${base}/assign`)).statusCode, 303);
      const found = await t.app.inject({
        url: `${base}?find=${encodeURIComponent("社会保险")}`,
        headers: { cookie: handler.cookie },
      });
      assert.equal(found.statusCode, 200);
      assert.match(found.body, /name="doc" value="0"/, "library documents offered");
      // The history names the applicant and the handler in Chinese, never by a login name.
      const history = found.body.slice(found.body.indexOf("<h2>办理记录</h2>"));
      assert.match(history, /申请人/);
      const handlerName = (await t.deps.staff.byUsername("rst_handler"))!.displayName;
      assert.ok(history.includes(`由${handlerName}承办`), history.slice(0, 600));
      assert.doesNotMatch(history, /applicant|rst_handler/);
      const title0 = /name="title0" value="([^"]+)"/.exec(found.body)![1];
      const url0 = /name="url0" value="([^"]+)"/.exec(found.body)![1];
      assert.equal(
        (await staffPost(t.app, handler, `${base}/documents`, { doc: "0", title0, url0 })).statusCode,
        303,
      );

      // 予以公开 with a reason class of 不予公开 contradicts itself: refused with a clear message, the form
      // comes back with the choices and the typed answer kept, nothing decided (the class not dropped).
      const grantedText = "经审查，您申请的信息予以公开，现将相关文件提供给您。";
      for (const [outcome, outcomeReason, message] of [
        ["granted", "state_secret", /理由类别“属于国家秘密”属于“不予公开”，与办理结果“予以公开”矛盾/],
        ["partial", "third_party", /与办理结果“部分公开”矛盾/],
        ["unavailable", "state_secret", /与办理结果“无法提供”矛盾.*请选择“无法提供”的理由类别/],
        ["granted", "no-such-class", /没有“no-such-class”这一理由类别/],
      ] as const) {
        const contradiction = await staffPost(t.app, handler, `${base}/decide`, {
          outcome,
          outcomeReason,
          text: grantedText,
        });
        assert.equal(contradiction.statusCode, 400, `${outcome}+${outcomeReason}`);
        assert.match(contradiction.body, message);
        assert.ok(contradiction.body.includes(grantedText), "typed answer kept");
        assert.match(contradiction.body, new RegExp(`value="${outcome}" selected`));
        if (outcomeReason !== "no-such-class")
          assert.match(contradiction.body, new RegExp(`value="${outcomeReason}" selected`));
        assert.equal((await t.deps.disclosure.requests.get(id)).status, "assigned");
      }
      const staffPrincipal = await t.deps.staff.principal((await t.deps.staff.byUsername("rst_handler"))!.id);
      await assert.rejects(
        t.deps.disclosure.requests.decide(
          id,
          { outcome: "granted", outcomeReason: "state_secret", text: grantedText },
          staffPrincipal!,
        ),
        (e: unknown) =>
          e instanceof DomainError && httpStatusOf(e) === 400 && e.reason === "reason_class_mismatch",
      );

      // 不予公开 without its reason class: refused, typed answer kept, nothing decided.
      const text = "经审查，您申请的信息涉及第三方商业秘密，依法不予公开。";
      const refused = await staffPost(t.app, handler, `${base}/decide`, {
        outcome: "refused",
        outcomeReason: "",
        text,
      });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /须选择具体的理由类别/);
      assert.ok(refused.body.includes(text));
      assert.equal((await t.deps.disclosure.requests.get(id)).status, "assigned");

      const decided = await staffPost(t.app, handler, `${base}/decide`, {
        outcome: "partial",
        outcomeReason: "",
        text: "经审查，现向您提供相关文件，其中涉及个人信息的部分已作区分处理。",
      });
      assert.equal(decided.statusCode, 303);
      const r = await t.deps.disclosure.requests.get(id);
      assert.equal(r.status, "decided");
      assert.equal(r.outcome, "partial");
      assert.match(r.letterHtml!, /政府信息公开申请答复书/);
      assert.match(r.letterHtml!, /Noto Serif CJK SC/);
      assert.ok(r.letterHtml!.includes(title0), "chosen document listed in the letter");
      assert.ok(!r.letterHtml!.includes("李四光"), "name masked in the letter");
      assert.ok(r.deliveredAt, "electronic delivery is immediate");

      // The applicant sees the outcome and the letter with the lookup code.
      const api = await t.app.inject({
        url: `/api/disclosure/requests/${filed.queryNo}?code=${filed.lookupCode}`,
      });
      assert.deepEqual([api.json().status, api.json().outcome], ["decided", "partial"]);
      const letter = await t.app.inject({
        url: `/sites/rst/disclosure/letter?no=${filed.queryNo}&code=${filed.lookupCode}`,
      });
      assert.equal(letter.statusCode, 200);
      assert.match(letter.body, /部分公开/);

      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("targetType", "=", "disclosure_request")
        .where("targetId", "=", String(id))
        .execute();
      const actions = audit.map((a) => a.action);
      for (const a of [
        "disclosure.view",
        "disclosure.assigned",
        "disclosure.documents",
        "disclosure.decided",
      ])
        assert.ok(actions.includes(a), `${a} audited`);
    });

    it("prints the letter to PDF with Chromium, and says so clearly when Chromium is missing", async () => {
      const filed = await fileRequest(t);
      const id = await idOf(filed.queryNo);
      const handler = await staffSession(t.app, t.deps, "rst_handler");
      await staffPost(t.app, handler, `/admin/disclosure/requests/${id}/decide`, {
        outcome: "granted",
        text: "经审查，您申请的信息予以公开，详见附件及以下获取途径。",
      });
      const pdf = await t.app.inject({
        url: `/sites/rst/disclosure/letter?no=${filed.queryNo}&code=${filed.lookupCode}&format=pdf`,
      });
      assert.equal(pdf.statusCode, 200, pdf.body.slice(0, 300));
      assert.equal(pdf.headers["content-type"], "application/pdf");
      assert.equal(pdf.rawPayload.subarray(0, 5).toString("latin1"), "%PDF-");
      assert.ok(pdf.rawPayload.includes("Noto"), "the CJK font is embedded");

      const noChromium = new DisclosureService({
        store: t.deps.store,
        audit: t.deps.audit,
        search: t.deps.search,
        sites: t.deps.sites,
        content: t.deps.content,
        calendar: new PlatformWorkingDays(t.deps.calendar),
        // Only the letter's PDF is asked of this one: the report's activity is never read.
        activity: { activity: () => Promise.reject(new Error("not read by this test")) },
        options: { chromiumPath: "/nonexistent/chromium" },
      });
      await assert.rejects(
        noChromium.requests.letterPdf(await noChromium.requests.get(id)),
        /暂时无法生成 PDF/,
      );
    });

    it("refuses an extension once the limit has passed, showing the form again with the reason kept", async () => {
      const filed = await fileRequest(t);
      const id = await idOf(filed.queryNo);
      await t.deps.store.db
        .updateTable("disclosureRequests")
        .set({ dueAt: new Date(Date.now() - 86_400_000).toISOString() })
        .where("id", "=", id)
        .execute();
      const handler = await staffSession(t.app, t.deps, "rst_handler");
      const reason = "需要调取多年档案并会同多个处室研究";
      const res = await staffPost(t.app, handler, `/admin/disclosure/requests/${id}/extend`, { reason });
      assert.equal(res.statusCode, 409);
      assert.match(res.body, /答复期限已过，不能再延长答复期限/);
      assert.ok(res.body.includes(reason), "the typed reason is kept");
      const r = await t.deps.disclosure.requests.get(id);
      assert.equal(r.limitDays, 20);
      assert.equal(r.extensionReason, null);
    });

    it("lets only an operator transfer to another department, and keeps staff of other departments out", async () => {
      const filed = await fileRequest(t);
      const id = await idOf(filed.queryNo);
      const other = await staffSession(t.app, t.deps, "zjt_handler");
      const denied = await t.app.inject({
        url: `/admin/disclosure/requests/${id}`,
        headers: { cookie: other.cookie },
      });
      assert.equal(denied.statusCode, 403);
      const admin = await staffSession(t.app, t.deps, "admin");
      const zjt = t.deps.sites.byCodeCached("zjt")!.id;
      assert.equal(
        (
          await staffPost(t.app, admin, `/admin/disclosure/requests/${id}/assign`, {
            ownerSiteId: String(zjt),
          })
        ).statusCode,
        303,
      );
      assert.equal((await t.deps.disclosure.requests.get(id)).ownerSiteId, zjt);
      const now = await t.app.inject({
        url: `/admin/disclosure/requests/${id}`,
        headers: { cookie: other.cookie },
      });
      assert.equal(now.statusCode, 200);
    });
  });
}
