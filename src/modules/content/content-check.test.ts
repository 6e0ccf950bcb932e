import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";
import { checkText } from "./content-check.ts";

describe("content check (words)", () => {
  it("finds wrongly written fixed expressions, banned words and leaders with a wrong title", () => {
    const found = checkText(
      "关于贯彻落实中华人民共合国就业促进法的通知",
      "<p>副省长林振华出席会议，王晓梅副省长讲话。产品绝对安全无风险。截止目前已完成。</p>",
    );
    const by = (kind: string) => found.filter((f) => f.kind === kind);
    assert.equal(by("expression").find((f) => f.found === "中华人民共合国")?.severity, "serious");
    assert.match(by("expression").find((f) => f.found === "截止目前")!.message, /截至目前/);
    assert.equal(by("banned").length, 1);
    const leaders = by("leader");
    assert.equal(leaders.length, 1, "王晓梅 is 副省长: only 林振华's title is wrong");
    assert.match(leaders[0].message, /林振华的职务为“省长”/);
    assert.deepEqual(checkText("省长林振华调研", "<p>常务副省长陈思远主持。</p>"), []);
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

    it("shows the findings to the reviewer and publishes a serious one only when confirmed", async () => {
      const rst = t.deps.sites.byCodeCached("rst")!;
      const channel = (await t.deps.sites.repo.channelByPath(rst.id, "gzdt"))!.id;
      const res = await editor.postMultipart("/admin/articles/new", {
        kind: "news",
        title: "学习中华人民共合国宪法",
        ownerSiteId: rst.id,
        bodyHtml: '<p>详见<a href="/sites/rst/no-such-page">原文</a>和<a href="/sites/rst/">首页</a>。</p>',
        channelIds: [channel],
      });
      assert.equal(res.statusCode, 303, res.body.slice(0, 300));
      const id = Number(/\/admin\/articles\/(\d+)/.exec(res.headers.location as string)![1]);
      assert.equal((await editor.post(`/admin/articles/${id}/submit`, {})).statusCode, 303);

      const page = await reviewer.get(`/admin/review/${id}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /发布前内容检查/);
      assert.match(page.body, /“中华人民共合国”应为“中华人民共和国”/);
      assert.match(page.body, /链接无法打开（404）：\/sites\/rst\/no-such-page/);
      assert.doesNotMatch(page.body, /链接无法打开（\d+）：\/sites\/rst\/</, "the live link is not reported");

      const refused = await reviewer.post(`/admin/review/${id}/publish`, {});
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /严重表述问题/);
      assert.equal((await t.deps.content.repo.byId(id))!.status, "submitted");

      const done = await reviewer.post(`/admin/review/${id}/publish`, { confirmCheck: "1" });
      assert.equal(done.statusCode, 303);
      assert.equal((await t.deps.content.repo.byId(id))!.status, "published");
    });
  });
}
