import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { chinaDate } from "../../platform/time/china-time.ts";
import { lastSmsCode, staffPost, staffSession } from "../mailbox/test-helpers.ts";

const form = { "content-type": "application/x-www-form-urlencoded" };
const DAY = 86_400_000;
const day = (offset: number) => chinaDate(new Date(Date.now() + offset * DAY).toISOString());

for (const engine of ENGINES) {
  describe(`consultations on ${engine}`, () => {
    let t: TestContext;
    let editor: { cookie: string; csrf: string };
    let rstId: number;
    before(async () => {
      t = await startPlatform(engine);
      editor = await staffSession(t.app, t.deps, "rst_editor");
      rstId = t.deps.sites.byCodeCached("rst")!.id;
    });
    after(async () => t?.close());

    /** Comments like a citizen: request a code on the page, read it from the outbox, submit. */
    async function comment(id: number, fields: { name: string; phone: string; content: string }, ip: string) {
      const url = `/sites/rst/interaction/consultations/${id}/comment`;
      const codeRes = await t.app.inject({
        method: "POST",
        url,
        payload: new URLSearchParams({ ...fields, action: "code" }).toString(),
        headers: form,
        remoteAddress: ip,
      });
      assert.equal(codeRes.statusCode, 200, codeRes.body.slice(0, 300));
      assert.ok(
        codeRes.body.includes(fields.content.slice(0, 5)),
        "typed comment kept after the code request",
      );
      const code = await lastSmsCode(t.deps, fields.phone);
      return t.app.inject({
        method: "POST",
        url,
        payload: new URLSearchParams({ ...fields, code, action: "submit" }).toString(),
        headers: form,
        remoteAddress: ip,
      });
    }

    async function createConsultation(title: string): Promise<number> {
      const res = await staffPost(t.app, editor, "/admin/interaction/consultations/new", {
        siteId: String(rstId),
        title,
        draftText: `<h2>第一条</h2><p>为规范职业技能培训补贴发放，制定本办法。</p><script>alert("x")</script><p onclick="evil()">第二段</p>`,
        startDate: day(0),
        endDate: day(10),
      });
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      const m = /\/admin\/interaction\/consultations\/(\d+)\?done=create/.exec(
        res.headers.location as string,
      );
      assert.ok(m);
      return Number(m[1]);
    }

    async function commentIds(id: number): Promise<number[]> {
      const rows = await t.deps.store.db
        .selectFrom("consultationComments")
        .select("id")
        .where("consultationId", "=", id)
        .orderBy("id")
        .execute();
      return rows.map((r) => r.id);
    }

    it("runs the whole lifecycle: create, publish, comment, moderate, close, feedback with counts", async () => {
      // Bad staff input keeps what was typed and names the fields.
      const bad = await staffPost(t.app, editor, "/admin/interaction/consultations/new", {
        siteId: String(rstId),
        title: "保留的标题",
        draftText: "短",
        startDate: day(5),
        endDate: day(1),
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /结束日期不能早于开始日期/);
      assert.match(bad.body, /请填写征求意见稿正文/);
      assert.ok(bad.body.includes('value="保留的标题"'));

      const id = await createConsultation("《职业技能培训补贴管理办法（征求意见稿）》公开征求意见");
      const publicUrl = `/sites/rst/interaction/consultations/${id}`;
      assert.equal((await t.app.inject({ url: publicUrl })).statusCode, 404, "a draft is not public");

      const published = await staffPost(t.app, editor, `/admin/interaction/consultations/${id}/publish`);
      assert.equal(published.statusCode, 303);
      const page = await t.app.inject({ url: publicUrl });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /职业技能培训补贴管理办法/);
      assert.match(page.body, /为规范职业技能培训补贴发放/);
      assert.ok(!page.body.includes('alert("x")') && !page.body.includes("onclick"), "draft text sanitised");
      assert.match(page.body, /征集中/);
      const list = await t.app.inject({ url: "/sites/rst/interaction/consultations?status=open" });
      assert.ok(list.body.includes(`/sites/rst/interaction/consultations/${id}"`));
      const centre = await t.app.inject({ url: "/sites/rst/interaction/" });
      assert.ok(centre.body.includes(`/interaction/consultations/${id}"`), "listed on the centre page");
      const other = await t.app.inject({ url: `/sites/zjt/interaction/consultations/${id}` });
      assert.equal(other.statusCode, 404, "not shown under another department's site");

      const first = await comment(
        id,
        {
          name: "王小二",
          phone: "13911110001",
          content: `建议补贴标准随物价调整。<b>加粗</b><script>alert(1)</script>我的电话13911110001`,
        },
        "10.9.0.1",
      );
      assert.equal(first.statusCode, 303, first.body.slice(0, 300));
      const second = await comment(
        id,
        { name: "李四", phone: "13911110002", content: "建议简化申领材料，实行网上申领。" },
        "10.9.0.2",
      );
      assert.equal(second.statusCode, 303);
      const third = await comment(
        id,
        { name: "赵六", phone: "13911110003", content: "广告：低价代办各类证书，联系微信。" },
        "10.9.0.3",
      );
      assert.equal(third.statusCode, 303);
      const wrongCode = await t.app.inject({
        method: "POST",
        url: `${publicUrl}/comment`,
        payload: new URLSearchParams({
          name: "周七",
          phone: "13911110004",
          content: "验证码错误时意见内容不能丢失",
          code: "000000",
          action: "submit",
        }).toString(),
        headers: form,
        remoteAddress: "10.9.0.4",
      });
      assert.equal(wrongCode.statusCode, 400);
      assert.match(wrongCode.body, /验证码/);
      assert.ok(wrongCode.body.includes("验证码错误时意见内容不能丢失"), "input kept");

      const [c1, c2, c3] = await commentIds(id);
      const before = await t.app.inject({ url: publicUrl });
      assert.ok(!before.body.includes("建议补贴标准随物价调整"), "pending comments are not shown");

      assert.equal(
        (await staffPost(t.app, editor, `/admin/interaction/consultations/${id}/comments/${c1}/approve`))
          .statusCode,
        303,
      );
      assert.equal(
        (await staffPost(t.app, editor, `/admin/interaction/consultations/${id}/comments/${c2}/approve`))
          .statusCode,
        303,
      );
      const noReason = await staffPost(
        t.app,
        editor,
        `/admin/interaction/consultations/${id}/comments/${c3}/reject`,
        { reason: "" },
      );
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.body, /请填写不予公开的理由/);
      assert.equal(
        (
          await staffPost(t.app, editor, `/admin/interaction/consultations/${id}/comments/${c3}/reject`, {
            reason: "与征集内容无关的广告",
          })
        ).statusCode,
        303,
      );
      const again = await staffPost(
        t.app,
        editor,
        `/admin/interaction/consultations/${id}/comments/${c3}/approve`,
      );
      assert.equal(again.statusCode, 409, "a moderated comment stays decided");

      const shown = await t.app.inject({ url: publicUrl });
      assert.ok(
        shown.body.includes("建议补贴标准随物价调整。&lt;b>加粗&lt;/b>&lt;script>"),
        "HTML shown as text",
      );
      assert.ok(!shown.body.includes("<b>加粗</b>") && !shown.body.includes("<script>alert(1)"));
      assert.ok(shown.body.includes("139****0001") && !shown.body.includes("13911110001"), "phone masked");
      assert.ok(shown.body.includes("王*二") && !shown.body.includes("王小二"), "name masked");
      assert.ok(!shown.body.includes("低价代办"), "rejected comment not shown");

      const early = await staffPost(
        t.app,
        editor,
        `/admin/interaction/consultations/${id}/comments/${c1}/adopt`,
        {
          adoption: "adopted",
          note: "已采纳",
        },
      );
      assert.equal(early.statusCode, 409);
      assert.match(early.body, /征集结束后才能填写意见采纳情况/);

      // The period passes.
      await t.deps.store.db
        .updateTable("consultations")
        .set({
          opensAt: new Date(Date.now() - 20 * DAY).toISOString(),
          closesAt: new Date(Date.now() - DAY).toISOString(),
        })
        .where("id", "=", id)
        .execute();
      const late = await t.app.inject({
        method: "POST",
        url: `${publicUrl}/comment`,
        payload: new URLSearchParams({
          name: "迟到",
          phone: "13911110005",
          content: "征集结束后提交的意见",
          code: "123456",
          action: "submit",
        }).toString(),
        headers: form,
        remoteAddress: "10.9.0.5",
      });
      assert.equal(late.statusCode, 409);
      assert.match(late.body, /本次意见征集已于\d{4}-\d{2}-\d{2}结束，不再接收意见/);
      const lateCode = await t.app.inject({
        method: "POST",
        url: `${publicUrl}/comment`,
        payload: new URLSearchParams({ phone: "13911110005", action: "code" }).toString(),
        headers: form,
        remoteAddress: "10.9.0.5",
      });
      assert.equal(lateCode.statusCode, 409, "no code is sent for a closed consultation");
      assert.equal((await commentIds(id)).length, 3, "nothing stored after the period");
      const closedPage = await t.app.inject({ url: publicUrl });
      assert.match(closedPage.body, /已结束/);
      assert.ok(!closedPage.body.includes('action="/sites/rst/interaction/consultations'), "no comment form");

      const undecided = await staffPost(t.app, editor, `/admin/interaction/consultations/${id}/summary`, {
        summary: "感谢社会各界的关心和支持，现将意见采纳情况反馈如下。",
      });
      assert.equal(undecided.statusCode, 409);
      assert.match(undecided.body, /还有2条已公开的意见未填写采纳情况/);
      assert.ok(undecided.body.includes("感谢社会各界的关心和支持"), "typed summary kept");

      const noNote = await staffPost(
        t.app,
        editor,
        `/admin/interaction/consultations/${id}/comments/${c1}/adopt`,
        {
          adoption: "adopted",
          note: "",
        },
      );
      assert.equal(noNote.statusCode, 400);
      assert.match(noNote.body, /请填写采纳或不采纳的理由/);
      for (const [cid, adoption, note] of [
        [c1, "adopted", "已在第五条增加补贴标准动态调整机制"],
        [c2, "partly", "网上申领已采纳，材料精简需与财政部门另行研究"],
      ] as const) {
        const res = await staffPost(
          t.app,
          editor,
          `/admin/interaction/consultations/${id}/comments/${cid}/adopt`,
          {
            adoption,
            note,
          },
        );
        assert.equal(res.statusCode, 303);
      }
      const summary = await staffPost(t.app, editor, `/admin/interaction/consultations/${id}/summary`, {
        summary: "感谢社会各界的关心和支持，现将意见采纳情况反馈如下。",
      });
      assert.equal(summary.statusCode, 303);

      const final = await t.app.inject({ url: publicUrl });
      assert.match(final.body, /意见采纳情况反馈/);
      const count = (cls: string) => new RegExp(`class="${cls}">(\\d+)<`).exec(final.body)?.[1];
      assert.equal(count("count-received"), "3");
      assert.equal(count("count-approved"), "2");
      assert.equal(count("count-adopted"), "1");
      assert.equal(count("count-partly"), "1");
      assert.equal(count("count-not-adopted"), "0");
      assert.match(final.body, /<strong>采纳<\/strong>：已在第五条增加补贴标准动态调整机制/);
      assert.match(final.body, /<strong>部分采纳<\/strong>：网上申领已采纳/);
      const closedList = await t.app.inject({ url: "/sites/rst/interaction/consultations?status=closed" });
      assert.match(closedList.body, /已公布采纳情况/);

      const actions = (
        await t.deps.store.db
          .selectFrom("auditLog")
          .select("action")
          .where("action", "like", "consultation.%")
          .execute()
      ).map((r) => r.action);
      for (const a of [
        "consultation.create",
        "consultation.publish",
        "consultation.comment_approve",
        "consultation.comment_reject",
        "consultation.comment_adoption",
        "consultation.summary",
      ])
        assert.ok(actions.includes(a), a);
      assert.equal((await t.deps.audit.verify()).ok, true, "audit chain intact");
    });

    it("shows the last page of public comments when the page asked for is past the end", async () => {
      const id = await createConsultation("关于职业培训补贴分页展示的征求意见");
      await staffPost(t.app, editor, `/admin/interaction/consultations/${id}/publish`);
      const now = new Date().toISOString();
      await t.deps.store.db
        .insertInto("consultationComments")
        .values(
          Array.from({ length: 25 }, (_, i) => ({
            consultationId: id,
            name: "居民",
            phone: t.deps.store.cipher.seal("13911110000"),
            phoneIndex: t.deps.store.cipher.blindIndex("phone", "13911110000"),
            content: `第${i + 1}号公开意见内容`,
            status: "approved",
            adoption: null,
            adoptionNote: null,
            rejectReason: null,
            createdAt: now,
            moderatedAt: now,
            moderatedBy: null,
            ipHash: "",
          })),
        )
        .execute();
      // Approved comments read oldest first, 20 a page: page 2 holds the 21st to the 25th.
      const past = await t.app.inject({ url: `/sites/rst/interaction/consultations/${id}?page=9` });
      assert.equal(past.statusCode, 200);
      assert.match(past.body, /第25号公开意见内容/);
      assert.doesNotMatch(past.body, /第20号公开意见内容/);
      assert.match(past.body, /<span aria-current="page">2<\/span>/);
    });

    it("keeps other sites' staff out and limits comment floods per phone", async () => {
      const id = await createConsultation("关于就业补助资金管理的征求意见");
      await staffPost(t.app, editor, `/admin/interaction/consultations/${id}/publish`);
      const outsider = await staffSession(t.app, t.deps, "www_editor");
      const denied = await staffPost(t.app, outsider, `/admin/interaction/consultations/${id}/publish`);
      assert.equal(denied.statusCode, 403);
      const view = await t.app.inject({
        url: `/admin/interaction/consultations/${id}`,
        headers: { cookie: outsider.cookie },
      });
      assert.equal(view.statusCode, 403);
      const noCsrf = await t.app.inject({
        method: "POST",
        url: `/admin/interaction/consultations/${id}/publish`,
        payload: "",
        headers: { ...form, cookie: editor.cookie },
      });
      assert.equal(noCsrf.statusCode, 403);

      // A phone that already sent five comments today is told to wait, before any code is used.
      const phone = "13911119999";
      const now = new Date().toISOString();
      await t.deps.store.db
        .insertInto("consultationComments")
        .values(
          Array.from({ length: 5 }, () => ({
            consultationId: id,
            name: "刷屏",
            phone: t.deps.store.cipher.seal(phone),
            phoneIndex: t.deps.store.cipher.blindIndex("phone", phone),
            content: "重复的意见内容",
            status: "pending",
            adoption: null,
            adoptionNote: null,
            rejectReason: null,
            createdAt: now,
            moderatedAt: null,
            moderatedBy: null,
            ipHash: "",
          })),
        )
        .execute();
      const res = await comment(id, { name: "刷屏", phone, content: "第六条重复的意见内容" }, "10.9.1.1");
      assert.equal(res.statusCode, 429);
      assert.match(res.body, /同一手机号24小时内最多提交5条意见/);
    });
  });
}
