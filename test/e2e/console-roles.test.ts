import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./browser.ts";
import { startPlatform, type TestContext } from "../engines.ts";
import { DEMO_PASSWORD } from "../../src/seed/demo-password.ts";
import { shiftDays, chinaDate } from "../../src/platform/time/china-time.ts";
import { citizenLogin, postApplication, VALID_APPLICATION } from "../../src/modules/onestop/test-helpers.ts";

/**
 * The console per role in Chromium: each role sees only the menu entries it may use, a forbidden
 * console page stays in the console (403) and names the missing right, and a handler's 工作台 shows the
 * letters and applications that are overdue, due soon and waiting for them.
 */
describe("console per role in Chromium", () => {
  let t: TestContext;
  let browser: Browser;
  let origin = "";
  before(async () => {
    t = await startPlatform("sqlite");
    origin = await t.app.listen({ port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signIn(username: string): Promise<Page> {
    const page = await (await browser.newContext({ locale: "zh-CN" })).newPage();
    await page.goto(`${origin}/admin/login`);
    await page.getByLabel("用户名").fill(username);
    await page.getByLabel("密码").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("heading", { level: 1, name: "工作台" }).waitFor();
    return page;
  }

  const menu = async (page: Page) =>
    (await page.getByRole("navigation", { name: "后台导航" }).getByRole("link").allInnerTexts()).map((s) =>
      s.trim(),
    );

  it("shows an editor only what an editor may use and answers 用户 with a console 403", async () => {
    const page = await signIn("rst_editor");
    const items = await menu(page);
    for (const hidden of ["用户", "审计日志", "审核", "办件", "互动交流", "数据共享", "网站"])
      assert.ok(!items.includes(hidden), `editor menu has no ${hidden}: ${items.join(" ")}`);
    for (const shown of ["工作台", "信息", "找错反馈", "意见征集"])
      assert.ok(items.includes(shown), `editor menu has ${shown}`);

    const res = await page.goto(`${origin}/admin/users`);
    assert.equal(res?.status(), 403);
    await page.getByRole("heading", { level: 1, name: "无权访问" }).waitFor();
    const text = await page.locator("main").innerText();
    assert.match(text, /「用户」/);
    assert.match(text, /站点管理员/, "names the missing right");
    assert.match(text, /编辑（人力资源和社会保障厅|编辑（.+）/, "names the rights held");
    assert.ok(await page.getByRole("navigation", { name: "后台导航" }).isVisible(), "still in the console");
    assert.doesNotMatch(await page.content(), /请求有误/);

    // The 发文字号 example matches the demo province (楚), not another province's (鄂).
    await page.goto(`${origin}/admin/articles/new`);
    const hint = await page.locator("#docNumber-hint").innerText();
    assert.match(hint, /楚人社发〔\d{4}〕\d+号/);
    assert.doesNotMatch(await page.locator("main").innerText(), /鄂/);

    const audit = await page.goto(`${origin}/admin/audit`);
    assert.equal(audit?.status(), 403);
    assert.match(await page.locator("main").innerText(), /平台运维/);
  });

  it("shows a handler their menu and the letters and applications due, overdue and waiting", async () => {
    const db = t.deps.store.db;
    const rst = t.deps.sites.byCodeCached("rst")!;
    // One letter of the department past its limit, one near it, one waiting far from it.
    const letters = await db.selectFrom("letters").select("id").orderBy("id").limit(3).execute();
    assert.equal(letters.length, 3, "the demo has letters");
    const day = 86_400_000;
    const plan = [
      { subject: "超期未答复的来信", dueAt: new Date(Date.now() - 2 * day).toISOString() },
      { subject: "即将到期的来信", dueAt: new Date(Date.now() + 3_600_000).toISOString() },
      { subject: "刚分办的来信", dueAt: new Date(Date.now() + 30 * day).toISOString() },
    ];
    // Only these three are open: the counts below are exact.
    await db.updateTable("letters").set({ status: "reviewed" }).execute();
    for (const [i, l] of letters.entries())
      await db
        .updateTable("letters")
        .set({ ...plan[i], status: "assigned", ownerSiteId: rst.id, transferToSiteId: null })
        .where("id", "=", l.id)
        .execute();
    const citizen = await citizenLogin(t, "13900000001");
    const filed = await postApplication(t, citizen, "rst", `${rst.siteCode}-GG-0003`, VALID_APPLICATION);
    assert.equal(filed.statusCode, 303, filed.body.slice(0, 300));
    const app = await db
      .selectFrom("applications")
      .select(["id", "trackingNo"])
      .where("status", "in", ["prereview", "review"])
      .orderBy("id")
      .executeTakeFirst();
    assert.ok(app, "the demo has an open application of the department");
    await db
      .updateTable("applications")
      .set({ dueCommitted: shiftDays(chinaDate(), -3) })
      .where("id", "=", app!.id)
      .execute();

    const page = await signIn("rst_handler");
    const items = await menu(page);
    assert.ok(items.includes("互动交流") && items.includes("办件"), items.join(" "));
    for (const hidden of ["用户", "审计日志", "信息", "审核", "网站"])
      assert.ok(!items.includes(hidden), `handler menu has no ${hidden}`);

    const letterSection = page.getByRole("region", { name: "领导信箱来信" });
    const cards = await letterSection.getByRole("list").innerText();
    assert.match(cards, /1\s*已超期的来信/);
    assert.match(cards, /1\s*即将到期的来信/);
    assert.match(cards, /3\s*待我处理的来信/);
    const table = await letterSection.getByRole("table").innerText();
    assert.ok(table.indexOf("超期未答复的来信") < table.indexOf("即将到期的来信"), "overdue first");
    assert.match(table, /刚分办的来信/);
    await letterSection.getByRole("link", { name: "超期未答复的来信" }).click();
    await page.waitForURL(/\/admin\/interaction\/letters\/\d+/);
    // The letter's history names actors in Chinese, never "citizen" or "system".
    const history = await page.locator("ol.timeline").innerText();
    assert.match(history, /来信人：\s*提交信件/);
    assert.match(history, /系统：\s*通过甄别/);
    assert.doesNotMatch(history, /citizen|system|seed/);

    await page.goto(`${origin}/admin`);
    const appSection = page.getByRole("region", { name: "办件" });
    assert.match(await appSection.getByRole("list").innerText(), /[1-9]\d*\s*已超期的办件/);
    assert.match(await appSection.getByRole("table").innerText(), new RegExp(`已超期\\s*${app!.trackingNo}`));
    assert.equal(await page.getByText("我的草稿").count(), 0, "no article counters for a handler");

    // An application not accepted yet has no time limits: the page says so, no stray "— —".
    const second = await postApplication(t, citizen, "rst", `${rst.siteCode}-GG-0003`, VALID_APPLICATION);
    assert.equal(second.statusCode, 303);
    const fresh = await db
      .selectFrom("applications")
      .select(["id", "dueCommitted", "dueLegal"])
      .where("siteId", "=", rst.id)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    assert.equal(fresh.dueCommitted ?? fresh.dueLegal, null, "limits start at acceptance");
    await page.goto(`${origin}/admin/services/applications/${fresh.id}`);
    const detail = await page.locator("main").innerText();
    assert.match(detail, /办理时限：受理后开始计时/);
    assert.doesNotMatch(detail, /—\s*—/);
  });
});
