import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { launchChromium } from "./browser.ts";
import { startPlatform, type TestContext } from "../engines.ts";

describe("console rich-text editor in Chromium", () => {
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

  it("formats text with the toolbar under the strict CSP and saves sanitised HTML", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/.test(m.text())) errors.push(m.text());
    });
    await page.goto(`${base}/admin/login`);
    await page.fill("#username", "rst_editor");
    await page.fill("#password", "Chuyun@2026");
    await page.click("button[type=submit]");
    await page.goto(`${base}/admin/articles/new`);
    await page.waitForSelector(".rte-content");
    assert.equal(await page.isHidden("textarea#bodyHtml"), true, "the textarea is replaced by the editor");
    await page.fill("#title", "浏览器编辑测试");
    await page.click(".rte-content");
    await page.keyboard.type("第一段文字加粗的");
    for (let i = 0; i < 3; i++) await page.keyboard.press("Shift+ArrowLeft");
    await page.click(".rte-toolbar >> text=加粗");
    assert.equal(await page.getAttribute(".rte-toolbar >> text=加粗", "aria-pressed"), "true");
    await page.check("input[name=channelIds] >> nth=0");
    await page.click("button[value=save]");
    await page.waitForURL(/saved=1/);
    const row = await t.deps.store.db
      .selectFrom("articles")
      .select("bodyHtml")
      .where("title", "=", "浏览器编辑测试")
      .executeTakeFirstOrThrow();
    assert.equal(row.bodyHtml, "<p>第一段文字<strong>加粗的</strong></p>");
    assert.deepEqual(errors, []);
  });
});
