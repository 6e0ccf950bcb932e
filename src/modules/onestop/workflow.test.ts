import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import {
  citizenLogin,
  FORM,
  hiddenValue,
  staffCookie,
  trackingFrom,
  urlencoded,
  postApplication,
  principalOf,
  VALID_APPLICATION,
} from "./test-helpers.ts";
import { chinaDate, shiftDays } from "../../platform/time/china-time.ts";
import { InvalidError } from "./errors.ts";

const valid = VALID_APPLICATION;

for (const engine of ENGINES) {
  describe(`handling applications on ${engine}`, () => {
    let t: TestContext;
    let citizen: string;
    let code: string;
    let handler: { cookie: string; csrf: string; id: number };
    let stranger: { cookie: string; csrf: string; id: number };
    let leader: { cookie: string; csrf: string; id: number };
    let appId: number;
    let trackingNo: string;

    before(async () => {
      t = await startPlatform(engine);
      citizen = await citizenLogin(t, "13900000001");
      code = (await t.deps.oneStop.catalogue.list({ q: "灵活就业登记" })).rows.find(
        (r) => r.name === "灵活就业登记",
      )!.code;
      handler = await staffCookie(t, "rst_handler");
      stranger = await staffCookie(t, "scjg_handler");
      leader = await staffCookie(t, "rst_leader");
    });
    after(async () => t?.close());

    async function submit(): Promise<string> {
      const res = await postApplication(t, citizen, "rst", code, valid);
      assert.equal(res.statusCode, 303);
      return trackingFrom(res.headers.location as string);
    }
    const act = (who: { cookie: string; csrf: string }, data: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/admin/services/applications/${appId}/act`,
        headers: { cookie: who.cookie, ...FORM },
        payload: urlencoded({ _csrf: who.csrf, ...data }),
      });
    const receipt = () =>
      t.app.inject({ url: `/sites/rst/services/receipt/${trackingNo}`, headers: { cookie: citizen } });

    it("puts a submitted application in its department's queue and nowhere else", async () => {
      trackingNo = await submit();
      appId = (await t.deps.oneStop.applications.byTrackingNo(trackingNo))!.id;
      const queue = await t.app.inject({ url: "/admin/services", headers: { cookie: handler.cookie } });
      assert.equal(queue.statusCode, 200);
      assert.match(queue.body, new RegExp(trackingNo));
      assert.match(queue.body, /待认领/);
      const other = await t.app.inject({ url: "/admin/services", headers: { cookie: stranger.cookie } });
      assert.doesNotMatch(other.body, new RegExp(trackingNo));
      const peek = await t.app.inject({
        url: `/admin/services/applications/${appId}`,
        headers: { cookie: stranger.cookie },
      });
      assert.equal(peek.statusCode, 403);
      const meddle = await act(stranger, { action: "accept" });
      assert.equal(meddle.statusCode, 403);
      const editor = await staffCookie(t, "rst_editor");
      const noRole = await t.app.inject({ url: "/admin/services", headers: { cookie: editor.cookie } });
      assert.equal(noRole.statusCode, 403);
      const anon = await t.app.inject({ url: "/admin/services" });
      assert.equal(anon.statusCode, 303);
    });

    it("asks for correction once, listing all problems, and the applicant sees it and resubmits", async () => {
      const detail = await t.app.inject({
        url: `/admin/services/applications/${appId}`,
        headers: { cookie: handler.cookie },
      });
      assert.equal(detail.statusCode, 200);
      assert.match(detail.body, /一次性告知补正/);
      assert.match(detail.body, new RegExp(valid.idNumber)); // handler sees the full data (audited)
      const empty = await act(handler, { action: "correction", note: "" });
      assert.equal(empty.statusCode, 400);
      assert.match(empty.body, /请逐条列出需要补正的全部问题/);
      const ok = await act(handler, {
        action: "correction",
        note: "1. 居住地址请写到门牌号\n2. 开始日期与社保记录不一致",
      });
      assert.equal(ok.statusCode, 303);
      const r = await receipt();
      assert.match(r.body, /待补正/);
      assert.match(r.body, /1\. 居住地址请写到门牌号\n2\. 开始日期与社保记录不一致/);
      const page = await t.app.inject({
        url: `/sites/rst/services/apply/${code}?app=${appId}`,
        headers: { cookie: citizen },
      });
      assert.match(page.body, /请按以下意见一次性补正后重新提交/);
      const res = await postApplication(
        t,
        citizen,
        "rst",
        code,
        { ...valid, "address.detail": "江滨路1号3栋201" },
        `?app=${appId}`,
      );
      assert.equal(res.statusCode, 303);
      assert.equal(trackingFrom(res.headers.location as string), trackingNo);
      const again = await act(handler, { action: "correction", note: "再补一次" });
      assert.equal(again.statusCode, 409);
      assert.match(again.body, /补正只能一次性告知/);
    });

    it("accepts with due dates on the working-day calendar, stops the clock while suspended", async () => {
      assert.equal((await act(handler, { action: "accept" })).statusCode, 303);
      const cal = await t.deps.calendar.calendar();
      let a = (await t.deps.oneStop.applications.byId(appId))!;
      assert.equal(a.status, "review");
      assert.equal(a.acceptedOn, chinaDate());
      assert.equal(a.dueCommitted, cal.addWorkingDays(chinaDate(), 1));
      assert.equal(a.dueLegal, cal.addWorkingDays(chinaDate(), 5));
      assert.equal(a.assigneeId, handler.id);
      const noReason = await act(handler, { action: "suspend" });
      assert.equal(noReason.statusCode, 400);
      assert.equal((await act(handler, { action: "suspend", note: "需专家评审" })).statusCode, 303);
      // Pretend the suspension began 3 working days ago.
      const started = (() => {
        let d = chinaDate();
        for (let n = 0; n < 3;) {
          d = shiftDays(d, -1);
          if (cal.isWorkingDay(d)) n++;
        }
        return d;
      })();
      const paused = cal.workingDaysBetween(started, chinaDate());
      await t.deps.store.db
        .updateTable("applications")
        .set({ suspendedOn: started })
        .where("id", "=", appId)
        .execute();
      const before = (await t.deps.oneStop.applications.byId(appId))!;
      assert.equal((await act(handler, { action: "resume" })).statusCode, 303);
      a = (await t.deps.oneStop.applications.byId(appId))!;
      assert.equal(a.status, "review");
      assert.equal(a.suspendedDays, paused);
      assert.equal(a.dueCommitted, cal.addWorkingDays(before.dueCommitted!, paused));
      assert.equal(a.dueLegal, cal.addWorkingDays(before.dueLegal!, paused));
    });

    it("flags overdue applications in the queue", async () => {
      await t.deps.store.db
        .updateTable("applications")
        .set({ dueCommitted: "2020-01-06" })
        .where("id", "=", appId)
        .execute();
      const q = await t.app.inject({
        url: "/admin/services?limit=overdue",
        headers: { cookie: handler.cookie },
      });
      assert.match(q.body, new RegExp(trackingNo));
      assert.match(q.body, /已超期\d+个工作日/);
      await t.deps.store.db
        .updateTable("applications")
        .set({ dueCommitted: "2099-12-31" })
        .where("id", "=", appId)
        .execute();
    });

    it("answers input an action does not take with a 4xx in Chinese, changing nothing", async () => {
      const apps = t.deps.oneStop.applications;
      const before = (await apps.byId(appId))!;
      const unknown = await act(handler, { action: "approve_all" });
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.body, /未知的办理操作/);
      const outcome = await act(leader, { action: "decide", outcome: "maybe" });
      assert.equal(outcome.statusCode, 400);
      assert.match(outcome.body, /请选择准予或不予办理/);
      // The form only posts numbers as ids; a direct caller's other values are refused by the schema.
      const staff = await principalOf(t, "rst_handler");
      await assert.rejects(
        apps.act(staff, appId, "transfer", { groupId: "办理组" }),
        (e) => e instanceof InvalidError && e.fields.groupId === "应为整数",
      );
      assert.equal((await apps.byId(appId))!.version, before.version);
    });

    it("refuses a stale page, then decides, returns, decides, delivers and closes — each step visible to the applicant and audited", async () => {
      const stale = await act(handler, { action: "decide", outcome: "approved", version: "1" });
      assert.equal(stale.statusCode, 409);
      assert.match(stale.body, /刚刚被他人处理过/);
      const skip = await act(handler, { action: "close" });
      assert.equal(skip.statusCode, 409);
      // The default workflow: 业务审查组 reviews, 分管领导 decides, 窗口受理组 delivers.
      const early = await act(leader, { action: "decide", outcome: "approved" });
      assert.equal(early.statusCode, 409);
      assert.match(early.body, /没有可作出决定的环节/);
      assert.equal((await act(handler, { action: "complete", note: "材料齐全" })).statusCode, 303);
      const notLeader = await act(handler, { action: "decide", outcome: "approved" });
      assert.equal(notLeader.statusCode, 403);
      assert.match(notLeader.body, /不在该办理组/);
      // A decision sent back (no outcome chosen) keeps the leader's note on the decision's form.
      const noOutcome = await act(leader, { action: "decide", note: "同意，材料齐全" });
      assert.equal(noOutcome.statusCode, 400);
      assert.match(noOutcome.body, /<textarea[^>]*name="note"[^>]*>同意，材料齐全<\/textarea>/);
      assert.equal((await act(leader, { action: "decide", outcome: "approved" })).statusCode, 303);
      assert.equal((await act(handler, { action: "return", note: "材料需复核" })).statusCode, 303);
      assert.equal((await act(handler, { action: "complete" })).statusCode, 303);
      assert.equal(
        (await act(leader, { action: "decide", outcome: "approved", note: "准予登记" })).statusCode,
        303,
      );
      assert.equal((await act(handler, { action: "deliver" })).statusCode, 303);
      const page = () =>
        t.app.inject({ url: `/admin/services/applications/${appId}`, headers: { cookie: handler.cookie } });
      // Delivered, as the applicant's receipt says; the task stays open only for 办结.
      assert.match((await page()).body, /<td>制证送达<\/td>[\s\S]*?已送达，待办结/);
      assert.equal((await act(handler, { action: "close" })).statusCode, 303);
      // Closed: the limits it had and that it kept them, not "timing starts on acceptance".
      const closed = (await page()).body;
      assert.match(closed, /承诺：2099-12-31[\s\S]{0,80}（按时办结）/);
      assert.doesNotMatch(closed, /受理后开始计时/);
      const a = (await t.deps.oneStop.applications.byId(appId))!;
      assert.equal(a.status, "closed");
      assert.equal(a.onTime, true);
      const r = await receipt();
      for (const s of [
        "提交申请",
        "一次性告知补正",
        "补正后重新提交",
        "受理",
        "挂起（计时暂停）",
        "恢复办理（计时继续）",
        "退回重新审查",
        "作出决定",
        "制证送达",
        "办结",
        "已办结",
      ])
        assert.ok(r.body.includes(s), s);
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("targetId", "=", trackingNo)
        .execute();
      const actions = audit.map((x) => x.action);
      for (const s of [
        "application.view",
        "application.correction",
        "application.accept",
        "application.suspend",
        "application.resume",
        "application.decide",
        "application.return",
        "application.deliver",
        "application.close",
      ])
        assert.ok(actions.includes(s), s);
      assert.equal((await t.deps.audit.verify()).ok, true);
    });

    it("lets the applicant withdraw a pending application but not a closed one", async () => {
      const no = await submit();
      const page = await t.app.inject({
        url: `/sites/rst/services/receipt/${no}`,
        headers: { cookie: citizen },
      });
      const w = await t.app.inject({
        method: "POST",
        url: `/sites/rst/services/receipt/${no}/withdraw`,
        headers: { cookie: citizen, ...FORM },
        payload: urlencoded({ _csrf: hiddenValue(page.body, "_csrf"), reason: "不需要了" }),
      });
      assert.equal(w.statusCode, 303);
      assert.equal((await t.deps.oneStop.applications.byTrackingNo(no))!.status, "withdrawn");
      const closed = await t.app.inject({
        method: "POST",
        url: `/sites/rst/services/receipt/${trackingNo}/withdraw`,
        headers: { cookie: citizen, ...FORM },
        payload: urlencoded({ _csrf: hiddenValue(page.body, "_csrf") }),
      });
      assert.equal(closed.statusCode, 409);
    });

    it("transfers to another handler of the department only", async () => {
      const no = await submit();
      appId = (await t.deps.oneStop.applications.byTrackingNo(no))!.id;
      assert.equal((await act(handler, { action: "claim" })).statusCode, 303);
      const bad = await act(handler, { action: "transfer", assigneeId: String(stranger.id) });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /转办对象须为本部门的承办人/);
    });

    it("lets a site admin version the form in the console with validation; drafts keep their version", async () => {
      const admin = await staffCookie(t, "rst_admin");
      const url = `/admin/service-items/${code}/form`;
      const page = await t.app.inject({ url, headers: { cookie: admin.cookie } });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /当前为第1版/);
      const bad = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie: admin.cookie, ...FORM },
        payload: urlencoded({
          _csrf: admin.csrf,
          schema: '{"fields":[{"name":"Bad Name","label":"","type":"colour"}]}',
        }),
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /name 须以小写字母开头/);
      assert.match(bad.body, /类型 type 无效/);
      const broken = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie: admin.cookie, ...FORM },
        payload: urlencoded({ _csrf: admin.csrf, schema: "{not json" }),
      });
      assert.match(broken.body, /JSON 格式错误/);
      const schema = JSON.stringify({
        fields: [
          { name: "applicantName", label: "姓名", type: "text", required: true },
          { name: "skills", label: "职业技能", type: "text" },
        ],
      });
      const ok = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie: admin.cookie, ...FORM },
        payload: urlencoded({ _csrf: admin.csrf, schema, note: "精简" }),
      });
      assert.equal(ok.statusCode, 303);
      const apply = await t.app.inject({
        url: `/sites/rst/services/apply/${code}`,
        headers: { cookie: citizen },
      });
      assert.match(apply.body, /职业技能/);
      const old = await t.app.inject({
        url: `/sites/rst/services/receipt/${trackingNo}`,
        headers: { cookie: citizen },
      });
      assert.match(old.body, /就业形式/); // shown with the form version it was submitted on
      const otherDept = await t.app.inject({
        url: `/admin/service-items/${code}/form`,
        headers: { cookie: stranger.cookie },
      });
      assert.equal(otherDept.statusCode, 403);
    });

    it("runs the guide checker when a site admin saves a guide in the console", async () => {
      const admin = await staffCookie(t, "rst_admin");
      const item = (await t.deps.oneStop.catalogue.byCode(code))!;
      const json = JSON.stringify({
        name: item.name,
        itemType: item.itemType,
        guide: { ...item.guide, conditions: [...item.guide.conditions, "法律法规规定的其他条件"], fees: "" },
      });
      const res = await t.app.inject({
        method: "POST",
        url: `/admin/service-items/${code}`,
        headers: { cookie: admin.cookie, ...FORM },
        payload: urlencoded({ _csrf: admin.csrf, schema: json }),
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /兜底/);
      assert.match(res.body, /不收费/);
      const list = await t.app.inject({ url: "/admin/service-items", headers: { cookie: admin.cookie } });
      assert.match(list.body, /均通过检查/);
    });
  });
}
