import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { minimalPdf } from "../../seed/sample-files.ts";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { DEMO_PASSWORD, StaffSession } from "../../../test/staff-session.ts";
import { checkText } from "./content-check.ts";

describe("content check (words)", () => {
  const leaders = [
    { name: "林振华", titles: ["省长"] },
    { name: "王晓梅", titles: ["副省长"] },
    { name: "陈思远", titles: ["常务副省长"] },
  ];
  it("finds wrongly written fixed expressions, banned words and leaders with a wrong title", () => {
    const found = checkText(
      "关于贯彻落实中华人民共合国就业促进法的通知",
      "<p>副省长林振华出席会议，王晓梅副省长讲话。产品绝对安全无风险。截止目前已完成。</p>",
      leaders,
    );
    const by = (kind: string) => found.filter((f) => f.kind === kind);
    assert.equal(by("expression").find((f) => f.found === "中华人民共合国")?.severity, "serious");
    assert.match(by("expression").find((f) => f.found === "截止目前")!.message, /截至目前/);
    assert.equal(by("banned").length, 1);
    const wrong = by("leader");
    assert.equal(wrong.length, 1, "王晓梅 is 副省长: only 林振华's title is wrong");
    assert.match(wrong[0].message, /林振华的职务为“省长”/);
    assert.deepEqual(checkText("省长林振华调研", "<p>常务副省长陈思远主持。</p>", leaders), []);
  });

  it("knows the national leaders, common misspellings of fixed expressions and sensitive terms", () => {
    const found = checkText(
      "学习贯彻会议精神",
      "<p>国务院总理习近平指出，国家主席李强强调，中华名族伟大复兴，坚持一国两治，台湾总统选举。" +
        "习近平总书记、李强总理出席。</p>",
    );
    const leaders = found.filter((f) => f.kind === "leader").map((f) => f.found);
    assert.deepEqual(leaders.sort(), ["国务院总理习近平", "国家主席李强"].sort());
    const expressions = found.filter((f) => f.kind === "expression" && f.severity === "serious");
    assert.deepEqual(expressions.map((f) => f.found).sort(), ["一国两治", "中华名族", "台湾总统"].sort());
    assert.deepEqual(
      checkText("通知", "<p>坚决反对“台独”分裂行径。</p>").map((f) => f.severity),
      ["warning"],
    );
    // A county's 副市长 may share a national leader's common name: a warning to look at, not a veto.
    assert.deepEqual(
      checkText("调研", "<p>副市长李强调研。</p>").map((f) => [f.kind, f.severity]),
      [["leader", "warning"]],
    );
    // A national leader given another national title is the 严重表述错误 the inspection vetoes.
    for (const text of ["国务院副总理李强出席。", "全国政协主席赵乐际讲话。", "李强国家主席强调。"])
      assert.deepEqual(
        checkText("会议", `<p>${text}</p>`).map((f) => [f.kind, f.severity]),
        [["leader", "serious"]],
        text,
      );
    const atTitle = checkText("学习", "<p>国务院总理习近平指出。</p>").find((f) => f.kind === "leader");
    assert.equal(atTitle?.severity, "serious");
    assert.equal(
      checkText("会议", "<p>国务院副总理李强出席。</p>")[0].message,
      "李强的职务为“国务院总理”，不是“国务院副总理”",
      "a title once, not with its short form",
    );
  });

  it("finds regions listed as countries and illegal services planted on a page", () => {
    const serious = (body: string) =>
      checkText("通知", `<p>${body}</p>`)
        .filter((f) => f.severity === "serious")
        .map((f) => f.found);
    assert.deepEqual(serious("吸引香港、澳门与中国等国家的投资。"), ["香港、澳门与中国等国家"]);
    assert.deepEqual(serious("面向美国、台湾等国家和地区招商。"), [], "国家和地区 is right");
    assert.deepEqual(serious("出口到香港等地区。"), []);
    assert.deepEqual(
      serious("专业代开发票，网络赌博刷单兼职。").sort(),
      ["代开发票", "刷单兼职", "网络赌博"].sort(),
    );
  });

  it("reads titles as 领导之窗 keeps them: several in one, or qualified by the organisation", () => {
    const kept = [
      { name: "王建国", titles: ["省委副书记、省长"] },
      { name: "杨国平", titles: ["省政府秘书长"] },
      { name: "王晓梅", titles: ["副省长"] },
    ];
    const text = "<p>省长王建国、省委副书记王建国，秘书长杨国平出席。</p>";
    assert.deepEqual(checkText("会议", text, kept), []);
    const wrong = checkText("会议", "<p>省长王晓梅、副秘书长杨国平出席。</p>", kept);
    assert.deepEqual(
      wrong.map((f) => `${f.found} ${f.severity}`).sort(),
      ["副秘书长杨国平 serious", "省长王晓梅 serious"].sort(),
    );
  });
});

for (const engine of ENGINES) {
  describe(`content check before review on ${engine}`, () => {
    let t: TestContext;
    let editor: StaffSession;
    let reviewer: StaffSession;
    before(async () => {
      t = await startPlatform(engine);
      editor = await StaffSession.login(t.app, "rst_editor", { remoteAddress: "10.1.3.1" });
      reviewer = await StaffSession.login(t.app, "rst_reviewer", { remoteAddress: "10.1.3.2" });
    });
    after(async () => t?.close());

    it("checks leaders' titles against the 领导之窗 of the article's site and the portal", async () => {
      const rst = t.deps.sites.byCodeCached("rst")!;
      const portal = t.deps.sites.portalSite()!;
      const own = (await t.deps.sites.portalContent.extras(rst.code)).leaders[0];
      const governor = (await t.deps.sites.portalContent.extras(portal.code)).leaders.find(
        (l) => l.title === "省长",
      )!;
      const wrong = `副${own.title}`;
      const findings = await t.deps.content.checkWords({
        title: "工作动态",
        bodyHtml: `<p>副省长${governor.name}调研，${own.name}${wrong}陪同；${own.name}${own.title}主持。</p>`,
        ownerSiteId: rst.id,
      });
      assert.deepEqual(
        findings.filter((f) => f.kind === "leader").map((f) => f.found),
        [`副省长${governor.name}`, `${own.name}${wrong}`],
      );
    });

    it("blocks a submission with a 严重表述错误 until a reviewer overrides it with a reason (audited)", async () => {
      const rst = t.deps.sites.byCodeCached("rst")!;
      const channel = (await t.deps.sites.repo.channelByPath(rst.id, "gzdt"))!.id;
      // A server on the platform's own network, linked from the article.
      let asked = 0;
      const outside = createServer((req, res) => {
        asked++;
        if (req.url === "/gone") res.writeHead(404).end();
        else if (req.method === "HEAD") res.writeHead(405).end();
        else res.writeHead(200, { "content-type": "text/html" }).end("<p>ok</p>");
      });
      await new Promise<void>((resolve) => outside.listen(0, "127.0.0.1", resolve));
      after(() => outside.close());
      const origin = `http://127.0.0.1:${(outside.address() as AddressInfo).port}`;
      const res = await editor.postMultipart("/admin/articles/new", {
        kind: "news",
        title: "学习中华人民共合国宪法",
        ownerSiteId: rst.id,
        bodyHtml:
          '<p>详见<a href="/sites/rst/no-such-page">原文</a>和<a href="/sites/rst/">首页</a>，' +
          `参阅<a href="${origin}/gone">外站旧页</a>、<a href="${origin}/live">外站新页</a>` +
          '和<a href="http://127.0.0.1:1/closed">停用的网站</a>。</p>',
        channelIds: [channel],
        action: "submit",
      });
      assert.equal(res.statusCode, 303, res.body.slice(0, 300));
      const id = Number(
        /\/admin\/articles\/(\d+)\/review\?done=blocked/.exec(res.headers.location as string)![1],
      );
      assert.equal((await t.deps.content.repo.byId(id))!.status, "draft", "saved but not submitted");

      const blockedPage = await editor.get(res.headers.location as string);
      assert.match(blockedPage.body, /内容检查发现严重表述错误，未能提交审核/);
      assert.match(blockedPage.body, /修改后才能提交审核/);
      const blocked = await editor.post(`/admin/articles/${id}/submit`, {});
      assert.equal(blocked.statusCode, 400);
      assert.match(blocked.body, /严重表述错误/);
      assert.equal(
        (await editor.post(`/admin/articles/${id}/submit`, { override: "引用原文" })).statusCode,
        403,
        "an editor may not override",
      );

      const page = await reviewer.get(`/admin/review/${id}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /发布前内容检查/);
      assert.match(page.body, /“中华人民共合国”应为“中华人民共和国”/);
      assert.match(page.body, /链接无法打开（404）：\/sites\/rst\/no-such-page/);
      assert.doesNotMatch(page.body, /链接无法打开（\d+）：\/sites\/rst\/</, "the live link is not reported");
      // Outside links are asked for (see link-status.test.ts), but never on the platform's own
      // network: such a link is reported, and the server behind it is not asked.
      for (const link of [`${origin}/gone`, `${origin}/live`, "http://127.0.0.1:1/closed"])
        assert.ok(page.body.includes(`链接无法打开（指向内部网络地址，公众无法访问）：${link}`), link);
      assert.equal(asked, 0, "the intranet server was not asked");

      const noReason = await reviewer.post(`/admin/articles/${id}/submit`, { override: "  " });
      assert.equal(noReason.statusCode, 400);
      const done = await reviewer.post(`/admin/articles/${id}/submit`, { override: "照录历史文件原文" });
      assert.equal(done.statusCode, 303);
      assert.equal((await t.deps.content.repo.byId(id))!.status, "submitted");
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select(["action", "actor"])
        .where("targetType", "=", "article")
        .where("targetId", "=", String(id))
        .where("action", "=", "article.check.override")
        .execute();
      assert.deepEqual(audit, [{ action: "article.check.override", actor: "rst_reviewer" }]);
      const published = await reviewer.post(`/admin/review/${id}/publish`, {});
      assert.equal(published.statusCode, 303, "the override holds for this round");
      assert.equal((await t.deps.content.repo.byId(id))!.status, "published");
      const trail = await reviewer.get(`/admin/review/${id}`);
      assert.match(trail.body, /放行内容检查问题[\s\S]*照录历史文件原文（放行：中华人民共合国）/);
    });

    it("runs 三审 on a three-stage channel: three different reviewers, each step in the trail", async () => {
      const rst = t.deps.sites.byCodeCached("rst")!;
      const channel = (await t.deps.sites.repo.channelByPath(rst.id, "tzgg"))!;
      const admin = await StaffSession.login(t.app, "rst_admin", { remoteAddress: "10.1.3.3" });
      const bad = await admin.post(`/admin/channels/${channel.id}/review-stages`, { reviewStages: "7" });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /审核级数须为1、2或3/);
      const set = await admin.post(`/admin/channels/${channel.id}/review-stages`, { reviewStages: "3" });
      assert.equal(set.statusCode, 303);
      for (const name of ["rst_rev2", "rst_rev3"]) {
        const u = await t.deps.staff.create(
          { username: name, displayName: name, password: DEMO_PASSWORD },
          "test",
        );
        await t.deps.staff.grantRole(u.id, rst.id, "reviewer", "test");
      }
      const second = await StaffSession.login(t.app, "rst_rev2", { remoteAddress: "10.1.3.4" });
      const third = await StaffSession.login(t.app, "rst_rev3", { remoteAddress: "10.1.3.5" });

      const res = await editor.postMultipart("/admin/articles/new", {
        kind: "notice",
        title: "关于三审流程的通知",
        ownerSiteId: rst.id,
        bodyHtml: "<p>按初审、复审、终审发布。</p>",
        channelIds: [channel.id],
        action: "submit",
      });
      assert.equal(res.statusCode, 303);
      const id = Number(/\/admin\/articles\/(\d+)/.exec(res.headers.location as string)![1]);
      const state = async () => {
        const a = (await t.deps.content.repo.byId(id))!;
        return `${a.status}:${a.reviewStage}/${a.reviewStages}`;
      };
      assert.equal(await state(), "submitted:1/3");
      const queue = await reviewer.get("/admin/review?status=submitted&stage=1");
      assert.match(queue.body, /关于三审流程的通知[\s\S]*待初审（第1\/3审）/);

      assert.equal((await reviewer.post(`/admin/review/${id}/publish`, {})).statusCode, 303);
      assert.equal(await state(), "submitted:2/3");
      const again = await reviewer.post(`/admin/review/${id}/publish`, {});
      assert.equal(again.statusCode, 400);
      assert.match(again.body, /您已完成本信息的初审，复审须由另一位审核员进行/);
      assert.doesNotMatch(
        (await reviewer.get("/admin/review")).body,
        /关于三审流程的通知/,
        "not in my queue",
      );
      assert.match((await second.get("/admin/review?stage=2")).body, /关于三审流程的通知/);

      assert.equal((await second.post(`/admin/review/${id}/publish`, {})).statusCode, 303);
      assert.equal(await state(), "submitted:3/3");
      assert.equal((await third.post(`/admin/review/${id}/publish`, {})).statusCode, 303);
      assert.equal(await state(), "published:0/3");

      const trail = await t.deps.content.reviewTrail(id);
      assert.deepEqual(
        trail.map((r) => `${r.action}:${r.stage}:${r.actorName}`),
        ["submit:0:rst_editor", "pass:1:rst_reviewer", "pass:2:rst_rev2", "pass:3:rst_rev3"],
      );
      const page = await editor.get(`/admin/articles/${id}/review`);
      // People by name (the seeded reviewer's is 人社厅审核员; the two made here are named as their logins).
      assert.match(page.body, /初审[\s\S]*人社厅审核员[\s\S]*复审[\s\S]*rst_rev2[\s\S]*终审[\s\S]*rst_rev3/);
      assert.doesNotMatch(page.body, /<td>rst_reviewer<\/td>/);
      const audits = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("targetType", "=", "article")
        .where("targetId", "=", String(id))
        .orderBy("id")
        .execute();
      assert.deepEqual(
        audits.map((a) => a.action).filter((a) => a.startsWith("article.review") || a === "article.publish"),
        ["article.review.pass", "article.review.pass", "article.review.pass", "article.publish"],
      );
    });

    it("starts 三审 again from 初审 when the article is edited after a stage passed it", async () => {
      const rst = t.deps.sites.byCodeCached("rst")!;
      const channel = (await t.deps.sites.repo.channelByPath(rst.id, "tzgg"))!;
      const admin = await StaffSession.login(t.app, "rst_admin", { remoteAddress: "10.1.3.6" });
      await admin.post(`/admin/channels/${channel.id}/review-stages`, { reviewStages: "3" });
      const res = await editor.postMultipart("/admin/articles/new", {
        kind: "notice",
        title: "关于审核中修改的通知",
        ownerSiteId: rst.id,
        bodyHtml: "<p>初审看过的文字。</p>",
        channelIds: [channel.id],
        action: "submit",
      });
      const id = Number(/\/admin\/articles\/(\d+)/.exec(res.headers.location as string)![1]);
      const state = async () => {
        const a = (await t.deps.content.repo.byId(id))!;
        return `${a.status}:${a.reviewStage}/${a.reviewStages}:round ${a.reviewRound}`;
      };
      assert.equal((await reviewer.post(`/admin/review/${id}/publish`, {})).statusCode, 303);
      assert.equal(await state(), "submitted:2/3:round 1");
      // Only reviewers may edit an article under review: one edits it while it waits for 复审.
      const form = await reviewer.get(`/admin/articles/${id}`);
      assert.match(
        form.body,
        /已通过初审，正在等待复审。\s*保存对内容的修改或添加附件后，将从\s*初审重新审核/,
      );

      const edited = await reviewer.postMultipart(`/admin/articles/${id}`, {
        kind: "notice",
        title: "关于审核中修改的通知",
        bodyHtml: "<p>初审没有看过的文字。</p>",
        channelIds: [channel.id],
      });
      assert.equal(edited.statusCode, 303);
      assert.equal(await state(), "submitted:1/3:round 2");
      // The reviewer who passed 初审 in the first round may take it again in the new one.
      assert.match((await reviewer.get("/admin/review?stage=1")).body, /关于审核中修改的通知/);
      const trail = await t.deps.content.reviewTrail(id);
      assert.deepEqual(
        trail.map((r) => `${r.round}:${r.action}:${r.stage}:${r.actorName}`),
        ["1:submit:0:rst_editor", "1:pass:1:rst_reviewer", "2:restart:0:rst_reviewer"],
      );
      assert.match(
        (await editor.get(`/admin/articles/${id}/review`)).body,
        /审核中修改，从头重审[\s\S]*复审时修改了内容，从初审重新审核/,
      );
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select(["action", "actor"])
        .where("targetType", "=", "article")
        .where("targetId", "=", String(id))
        .where("action", "=", "article.review.restart")
        .execute();
      assert.deepEqual(audit, [{ action: "article.review.restart", actor: "rst_reviewer" }]);

      // A review page opened before an edit cannot pass the edited text.
      const stale = await reviewer.get(`/admin/review/${id}`);
      const seenVersion = /name="version" value="(\d+)"/.exec(stale.body)![1];
      await reviewer.postMultipart(`/admin/articles/${id}`, {
        kind: "notice",
        title: "关于审核中修改的通知",
        bodyHtml: "<p>初审打开页面后又改过的文字。</p>",
        channelIds: [channel.id],
      });
      const late = await reviewer.post(`/admin/review/${id}/publish`, { version: seenVersion });
      assert.equal(late.statusCode, 400);
      assert.match(late.body, /本信息在您打开页面后已被修改/);
      assert.equal(await state(), "submitted:1/3:round 2");

      // Saving the form unchanged is no edit: the round stands.
      assert.equal((await reviewer.post(`/admin/review/${id}/publish`, {})).statusCode, 303);
      assert.equal(await state(), "submitted:2/3:round 2");
      await reviewer.postMultipart(`/admin/articles/${id}`, {
        kind: "notice",
        title: "关于审核中修改的通知",
        bodyHtml: "<p>初审打开页面后又改过的文字。</p>",
        channelIds: [channel.id],
      });
      assert.equal(await state(), "submitted:2/3:round 2");

      // Passed by the last stage and about to be published: an edit then starts again, and the
      // publishing that the pass started does not go ahead.
      await t.deps.store.db.updateTable("articles").set({ reviewStage: 0 }).where("id", "=", id).execute();
      await reviewer.postMultipart(`/admin/articles/${id}`, {
        kind: "notice",
        title: "关于审核中修改的通知",
        bodyHtml: "<p>终审通过后才改的文字。</p>",
        channelIds: [channel.id],
      });
      assert.equal(await state(), "submitted:1/3:round 3");
      await assert.rejects(
        t.deps.content.publish(id, { id: null, name: "test" }, null, { status: "submitted", round: 2 }),
        /已被修改或处理/,
      );
      assert.equal(await state(), "submitted:1/3:round 3");

      // An edit before anyone passed a stage keeps the round (初审 will see the text as it is).
      await reviewer.postMultipart(`/admin/articles/${id}`, {
        kind: "notice",
        title: "关于审核中修改的通知（二）",
        bodyHtml: "<p>初审将看到的文字。</p>",
        channelIds: [channel.id],
      });
      assert.equal(await state(), "submitted:1/3:round 3");

      // A file attached after a stage passed it is unread text too.
      assert.equal((await reviewer.post(`/admin/review/${id}/publish`, {})).statusCode, 303);
      assert.equal(await state(), "submitted:2/3:round 3");
      await t.deps.content.addAttachment(id, "附件.pdf", minimalPdf("附件"), { id: null, name: "test" });
      assert.equal(await state(), "submitted:1/3:round 4");
    });
  });
}
