import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./browser.ts";
import { startPlatform, type TestContext } from "../engines.ts";
import { DEMO_PASSWORD } from "../staff-session.ts";

/** 三审 in the console: a three-stage channel, an editor and three different reviewers. */
describe("三审 (初审 → 复审 → 终审) in Chromium", () => {
  let t: TestContext;
  let browser: Browser;
  let base = "";
  before(async () => {
    t = await startPlatform("sqlite");
    base = await t.app.listen({ port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A page signed in as `username`, in its own browser context (its own cookies). */
  async function signedIn(username: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/admin/login`);
    await page.fill("#username", username);
    await page.fill("#password", DEMO_PASSWORD);
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith("/admin/login")),
      page.click("button[type=submit]"),
    ]);
    return page;
  }

  it("publishes a notice of a three-stage channel after three different reviewers passed it", async () => {
    const rst = t.deps.sites.byCodeCached("rst")!;
    const channel = (await t.deps.sites.repo.channelByPath(rst.id, "tzgg"))!;
    for (const name of ["rst_rev2", "rst_rev3"]) {
      const u = await t.deps.staff.create(
        { username: name, displayName: `审核员${name}`, password: DEMO_PASSWORD },
        "e2e",
      );
      await t.deps.staff.grantRole(u.id, rst.id, "reviewer", "e2e");
    }

    // The site admin makes 通知公告 a three-stage channel.
    const admin = await signedIn("rst_admin");
    await admin.goto(`${base}/admin/sites/${rst.id}/channels`);
    const row = admin.locator("tr", { has: admin.locator(`a[href$="/col/tzgg/"]`) });
    await row.locator("select[name=reviewStages]").selectOption("3");
    await Promise.all([
      admin.waitForURL(/done=stages/),
      row.locator("form[action$='/review-stages'] button").click(),
    ]);
    assert.equal((await t.deps.sites.repo.channelById(channel.id))!.reviewStages, 3);

    // The editor writes and submits.
    const editor = await signedIn("rst_editor");
    await editor.goto(`${base}/admin/articles/new`);
    await editor.selectOption("#kind", "notice");
    await editor.fill("#title", "关于开展三审流程演练的通知");
    await editor.click(".rte-content");
    await editor.keyboard.type("请各单位按初审、复审、终审的顺序办理。");
    await editor.check(`input[name=channelIds][value="${channel.id}"]`);
    // Submitted, the article is no longer the editor's to change: they see its review page.
    await Promise.all([
      editor.waitForURL(/\/admin\/articles\/\d+\/review/),
      editor.click("button[value=submit]"),
    ]);
    const id = Number(/\/admin\/articles\/(\d+)/.exec(editor.url())![1]);
    assert.match((await editor.textContent("main")) ?? "", /待初审（第1\/3审，3级审核）/);

    // Each stage by a different reviewer, from their own queue.
    const steps: [string, string, string][] = [
      ["rst_reviewer", "1", "初审通过"],
      ["rst_rev2", "2", "复审通过"],
      ["rst_rev3", "3", "终审通过并发布"],
    ];
    let first: Page | null = null;
    for (const [user, stage, button] of steps) {
      const page = await signedIn(user);
      first ??= page;
      await page.goto(`${base}/admin/review?status=submitted&stage=${stage}`);
      await Promise.all([
        page.waitForURL(new RegExp(`/admin/review/${id}$`)),
        page.click("text=关于开展三审流程演练的通知"),
      ]);
      await Promise.all([page.waitForURL(/done=/), page.click(`button:has-text("${button}")`)]);
      if (page === first) {
        // The 初审 reviewer cannot take the next stage too.
        assert.match((await page.textContent("main")) ?? "", /您已完成初审，复审须由另一位审核员进行/);
        assert.equal(await page.locator(`button:has-text("复审通过")`).count(), 0);
      }
    }
    assert.equal((await t.deps.content.repo.byId(id))!.status, "published");

    // The article shows its trail to the editor, each step by the reviewer's name, and the public page is live.
    await editor.goto(`${base}/admin/articles/${id}/review`);
    const trail = await editor.locator("table.review-trail tbody tr").allTextContents();
    assert.deepEqual(
      trail.map((r) =>
        /(提交|初审|复审|终审)(提交审核|审核通过)(\S+)/.exec(r.replace(/\s+/g, ""))?.slice(1, 4).join(" "),
      ),
      [
        "提交 提交审核 人社厅编辑",
        "初审 审核通过 人社厅审核员",
        "复审 审核通过 审核员rst_rev2",
        "终审 审核通过 审核员rst_rev3",
      ],
    );
    const response = await editor.goto(`${base}/sites/rst/art/${id}.html`);
    assert.equal(response?.status(), 200);
    assert.match((await editor.textContent("h1")) ?? "", /关于开展三审流程演练的通知/);
  });
});
