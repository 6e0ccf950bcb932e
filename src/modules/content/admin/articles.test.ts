import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chinaLocalToIso, chinaTime } from "../../../platform/time/china-time.ts";
import { ENGINES, startPlatform, type TestContext } from "../../../../test/engines.ts";
import { StaffSession } from "../../../../test/staff-session.ts";
import { minimalPdf } from "../../../seed/sample-files.ts";

/** A Windows executable's first bytes ("MZ" header), i.e. what a renamed .exe really is. */
function fakeExe(): Buffer {
  const b = Buffer.alloc(512);
  b.write("MZ", 0, "latin1");
  b.writeUInt32LE(128, 0x3c);
  b.write("PE\0\0", 128, "latin1");
  return b;
}

for (const engine of ENGINES) {
  describe(`console articles and review on ${engine}`, () => {
    let t: TestContext;
    let editor: StaffSession;
    let reviewer: StaffSession;
    let articleId = 0;
    const channel = async (site: string, path: string) => {
      const s = t.deps.sites.byCodeCached(site)!;
      return (await t.deps.sites.repo.channelByPath(s.id, path))!.id;
    };
    const article = async (id: number) => (await t.deps.content.repo.byId(id))!;

    before(async () => {
      t = await startPlatform(engine);
      editor = await StaffSession.login(t.app, "rst_editor", { remoteAddress: "10.1.0.1" });
      reviewer = await StaffSession.login(t.app, "rst_reviewer", { remoteAddress: "10.1.0.2" });
    });
    after(async () => t?.close());

    it("lets an editor write a draft with the rich-text editor enhancing a plain textarea", async () => {
      const form = await editor.get("/admin/articles/new");
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /<textarea id="bodyHtml" name="bodyHtml"[^>]*data-rich-text/);
      assert.match(form.body, /<script src="\/static\/js\/editor.js" defer>/);
      assert.doesNotMatch(form.body, /省政府门户/, "only sites the editor writes for are offered");
      const editorJs = await t.app.inject({ url: "/static/js/editor.js" });
      assert.equal(editorJs.statusCode, 200);

      const rst = t.deps.sites.byCodeCached("rst")!;
      const res = await editor.postMultipart("/admin/articles/new", {
        kind: "news",
        title: "人社厅召开就业工作推进会",
        ownerSiteId: rst.id,
        bodyHtml:
          '<p>会议部署了<strong>稳就业</strong>工作。</p><script>alert(1)</script><p onclick="x()">第二段</p>',
        channelIds: [await channel("rst", "gzdt"), await channel("www", "gzdt")],
      });
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      articleId = Number(/\/admin\/articles\/(\d+)/.exec(res.headers.location as string)![1]);
      const saved = await article(articleId);
      assert.equal(saved.status, "draft");
      assert.doesNotMatch(saved.bodyHtml, /script|onclick/, "the body is sanitised on the server");
      assert.match(saved.bodyHtml, /<strong>稳就业<\/strong>/);
      const links = await t.deps.content.repo.channelLinks(articleId);
      assert.deepEqual(
        links.map((l) => l.siteCode),
        ["rst"],
        "a channel on a site the editor has no rights on is not linked",
      );
    });

    it("shows the 工作台's 我的草稿 as the drafts the editor created, not every draft of the site", async () => {
      const rst = t.deps.sites.byCodeCached("rst")!;
      const someoneElses = await t.deps.content.create(
        { kind: "news", title: "他人起草的测试草稿", bodyText: "正文", ownerSiteId: rst.id },
        { id: null, name: "test:other" },
      );
      const dashboard = await editor.get("/admin");
      assert.match(dashboard.body, /href="\/admin\/articles\?status=draft&amp;mine=1"/);
      const mine = await editor.get("/admin/articles?status=draft&mine=1");
      assert.match(mine.body, /人社厅召开就业工作推进会/);
      assert.doesNotMatch(mine.body, /他人起草的测试草稿/);
      assert.match(mine.body, /name="mine" value="1" checked/);
      assert.match((await editor.get("/admin/articles?status=draft")).body, /他人起草的测试草稿/);
      await t.deps.store.db.deleteFrom("articles").where("id", "=", someoneElses.id).execute();
    });

    it("keeps everything typed when a form has errors", async () => {
      const res = await editor.postMultipart(`/admin/articles/${articleId}`, {
        kind: "policy",
        title: "标题保留",
        bodyHtml: "<p>正文</p>",
        // A 发文字号 in a non-standard form is normalised with a note, never refused (issue 14); the
        // impossible date is the error here.
        docNumber: "鄂人社发[2026]第003号",
        writtenAt: "2026-02-30",
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /value="标题保留"/);
      assert.match(res.body, /value="鄂人社发\[2026\]第003号"/);
      assert.match(res.body, /class="field-error"/);
      assert.equal((await article(articleId)).title, "人社厅召开就业工作推进会");
    });

    it("refuses a renamed .exe with a clear message, keeps the form, and leaves the article unchanged", async () => {
      const before = await article(articleId);
      const res = await editor.postMultipart(
        `/admin/articles/${articleId}`,
        {
          kind: "news",
          title: "改过的标题",
          bodyHtml: "<p>改过的正文</p>",
          channelIds: [await channel("rst", "gzdt")],
        },
        [{ field: "attachment", fileName: "通知.pdf", bytes: fakeExe(), contentType: "application/pdf" }],
      );
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /附件“通知.pdf”的内容不是 PDF 文件/);
      assert.match(res.body, /value="改过的标题"/);
      assert.match(res.body, /改过的正文/);
      const after = await article(articleId);
      assert.equal(after.title, before.title);
      assert.equal(after.version, before.version);
      assert.equal((await t.deps.content.repo.attachmentsOf(articleId)).length, 0);
    });

    it("stores a real PDF and keeps version history with a readable diff", async () => {
      const res = await editor.postMultipart(
        `/admin/articles/${articleId}`,
        {
          kind: "news",
          title: "人社厅召开全省就业工作推进会",
          bodyHtml: "<p>会议部署了稳就业和保民生工作。</p>",
          channelIds: [await channel("rst", "gzdt")],
        },
        [{ field: "attachment", fileName: "会议材料.pdf", bytes: minimalPdf("会议材料") }],
      );
      assert.equal(res.statusCode, 303);
      assert.equal((await t.deps.content.repo.attachmentsOf(articleId))[0].fileName, "会议材料.pdf");
      const diff = await editor.get(`/admin/articles/${articleId}/versions`);
      assert.equal(diff.statusCode, 200);
      assert.match(diff.body, /<ins class="diff-added"><span class="visually-hidden">［新增：<\/span>/);
      assert.match(diff.body, /<del class="diff-removed">/);
      assert.match(diff.body, /保民生/);
    });

    it("keeps an rst editor away from a www article and from publishing", async () => {
      const www = t.deps.sites.byCodeCached("www")!;
      const wwwArticle = await t.deps.store.db
        .selectFrom("articles")
        .select("id")
        .where("ownerSiteId", "=", www.id)
        .executeTakeFirstOrThrow();
      assert.equal((await editor.get(`/admin/articles/${wwwArticle.id}`)).statusCode, 403);
      const edit = await editor.postMultipart(`/admin/articles/${wwwArticle.id}`, {
        kind: "news",
        title: "篡改",
        bodyHtml: "<p>x</p>",
      });
      assert.equal(edit.statusCode, 403);
      const list = await editor.get("/admin/articles");
      assert.doesNotMatch(list.body, new RegExp(`/admin/articles/${wwwArticle.id}"`));
      await editor.post(`/admin/articles/${articleId}/submit`);
      const publish = await editor.post(`/admin/review/${articleId}/publish`);
      assert.equal(publish.statusCode, 403);
      assert.equal((await article(articleId)).status, "submitted");
      const other = await StaffSession.login(t.app, "www_editor", { remoteAddress: "10.1.0.3" });
      assert.equal((await other.post(`/admin/review/${articleId}/publish`)).statusCode, 403);
      assert.equal((await article(articleId)).status, "submitted");
    });

    it("rejects a state change without the CSRF token", async () => {
      const res = await reviewer.post(`/admin/review/${articleId}/publish`, { _csrf: "" });
      assert.equal(res.statusCode, 403);
      assert.match(res.body, /CSRF/);
      assert.equal((await article(articleId)).status, "submitted");
    });

    it("lets the site's reviewer publish; the page is public; unpublishing needs a reason", async () => {
      const queue = await reviewer.get("/admin/review");
      assert.match(queue.body, new RegExp(`/admin/review/${articleId}"`));
      const res = await reviewer.post(`/admin/review/${articleId}/publish`);
      assert.equal(res.statusCode, 303);
      const page = await t.app.inject({ url: `/sites/rst/art/${articleId}.html` });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /人社厅召开全省就业工作推进会/);
      assert.match(page.body, /会议材料.pdf/);

      const noReason = await reviewer.post(`/admin/review/${articleId}/unpublish`, { reason: "withdrawn" });
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.body, /请说明撤稿理由/);
      assert.equal((await article(articleId)).status, "published");
      const withdrawn = await reviewer.post(`/admin/review/${articleId}/unpublish`, {
        reason: "withdrawn",
        note: "内容已调整，以新通知为准",
      });
      assert.equal(withdrawn.statusCode, 303);
      const after = await t.app.inject({ url: `/sites/rst/art/${articleId}.html` });
      assert.equal(after.statusCode, 200);
      assert.match(after.body, /内容已调整，以新通知为准/);
    });

    it("schedules publishing and returns a submission to draft with a reason", async () => {
      const rst = t.deps.sites.byCodeCached("rst")!;
      const created = await editor.postMultipart("/admin/articles/new", {
        kind: "budget",
        title: "2026年部门预算",
        ownerSiteId: rst.id,
        bodyHtml: "",
        tableCsv: "科目, 预算数（万元）\n一般公共服务, 120\n社会保障和就业, 3400",
        channelIds: [await channel("rst", "zwgk/czyjs")],
        action: "submit",
      });
      assert.equal(created.statusCode, 303, created.body.slice(0, 300));
      const id = Number(/(\d+)/.exec(created.headers.location as string)![1]);
      const budget = await article(id);
      assert.equal(budget.status, "submitted");
      assert.deepEqual(JSON.parse(budget.tableJson!), {
        columns: ["科目", "预算数（万元）"],
        rows: [
          ["一般公共服务", "120"],
          ["社会保障和就业", "3400"],
        ],
      });
      const back = await reviewer.post(`/admin/review/${id}/return`, { returnReason: "请补充决算说明" });
      assert.equal(back.statusCode, 303);
      assert.equal((await article(id)).status, "draft");
      await editor.post(`/admin/articles/${id}/submit`);
      const future = chinaTime(new Date(Date.now() + 86400_000).toISOString()).replace(" ", "T");
      const scheduled = await reviewer.post(`/admin/review/${id}/publish`, { scheduledAt: future });
      assert.equal(scheduled.statusCode, 303);
      const row = await article(id);
      assert.equal(row.status, "scheduled");
      assert.equal(row.scheduledAt, chinaLocalToIso(future));
    });

    it("keeps the audit chain intact after all of it", async () => {
      const result = await t.deps.audit.verify();
      assert.equal(result.ok, true);
      const actions = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("targetType", "=", "article")
        .where("targetId", "=", String(articleId))
        .execute();
      for (const a of [
        "article.create",
        "article.update",
        "attachment.add",
        "article.submit",
        "article.publish",
        "article.unpublish",
      ])
        assert.ok(
          actions.some((x) => x.action === a),
          `${a} audited`,
        );
    });
  });
}
