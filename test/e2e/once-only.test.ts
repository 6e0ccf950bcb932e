import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { axeViolations, describeViolations, launchChromium } from "./browser.ts";
import { startPlatform, type TestContext } from "../engines.ts";
import { DEMO_PASSWORD } from "../../src/seed/demo-password.ts";

/**
 * The demo citizen's journey in Chromium: signs in from the page header, applies for an item whose ID
 * card is 免提交 (consenting to the fetch), sees the masked receipt, finds the read on "谁查看了我的数据",
 * and signs out from the header; the old session is gone.
 */
describe("signed-in header, once-only application and sign-out in Chromium", () => {
  let t: TestContext;
  let browser: Browser;
  let origin: string;
  const problems: string[] = [];

  before(async () => {
    t = await startPlatform("sqlite");
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const address = t.app.server.address();
    origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  function watch(page: Page) {
    page.on("console", (msg) => {
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource"))
        problems.push(msg.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
  }

  /** axe in a CSP-bypassing context that carries the same session cookie. */
  async function axeAt(context: BrowserContext, url: string): Promise<string[]> {
    const checker = await browser.newContext({ locale: "zh-CN", bypassCSP: true });
    await checker.addCookies(await context.cookies());
    const page = await checker.newPage();
    await page.goto(url);
    const violations = await axeViolations(page);
    await checker.close();
    return violations.length > 0 ? [describeViolations(violations)] : [];
  }

  it("signs in, applies with a 免提交 material, sees the masked receipt and the read, signs out", async () => {
    const item = (await t.deps.oneStop.catalogue.list({ q: "灵活就业登记" })).rows.find(
      (r) => r.name === "灵活就业登记",
    )!;
    const ownId = (await t.deps.accounts.verifiedHolders()).people.find((p) => p.name === "张三")!.idNumber;
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    watch(page);
    const toolbar = page.getByRole("navigation", { name: "辅助功能" });

    await page.goto(`${origin}/sites/rst/services/item/${item.code}`);
    assert.match(await page.locator("main").innerText(), /免提交（由楚云省公安厅“人口基础信息”提供/);
    await toolbar.getByRole("link", { name: "登录", exact: true }).click();
    await page.locator("#loginName").fill("13900000001");
    await page.locator("#password").fill(DEMO_PASSWORD);
    await page.getByRole("main").getByRole("button", { name: "登录", exact: true }).click();
    await page.waitForURL(/\/services\/item\//);
    assert.match(await toolbar.innerText(), /张\*/);
    assert.doesNotMatch(await toolbar.innerText(), /张三/);
    await toolbar.getByRole("link", { name: "我的" }).waitFor();
    await toolbar.getByRole("button", { name: "退出" }).waitFor();

    await page.goto(`${origin}/sites/rst/services/apply/${item.code}`);
    assert.equal(await page.locator("#applicantName").inputValue(), "张三");
    assert.equal(await page.locator("#applicantName").getAttribute("readonly"), "");
    const consent = page.getByRole("checkbox", { name: /我同意：为办理本事项/ });
    assert.equal(await consent.isChecked(), false, "consent is off by default");
    assert.deepEqual(await axeAt(context, page.url()), [], "apply form accessible");
    await page.locator("#address-region").selectOption("江城市");
    await page.locator("#address-detail").fill("江滨路1号");
    await page.locator("#startDate").fill("2026-03-02");
    await page.locator("#form").selectOption("非全日制就业");
    await consent.check();
    await page.getByRole("button", { name: "提交申请" }).click();
    await page.getByRole("heading", { level: 1, name: "办件回执" }).waitFor();
    const trackingNo = (await page.locator(".tracking-no").innerText()).trim();
    const receipt = await page.locator("main").innerText();
    assert.ok(!receipt.includes(ownId), "the receipt masks the ID number");
    assert.match(receipt, /420102\*{8}\d{3}[\dX]/);
    assert.match(receipt, /居民身份证：已由楚云省公安厅“人口基础信息”提供（数据共享调用记录第\d+号）/);
    assert.deepEqual(await axeAt(context, page.url()), [], "receipt accessible");

    await toolbar.getByRole("link", { name: "我的" }).click();
    await page.getByRole("link", { name: "谁查看了我的数据" }).click();
    const reads = await page.locator("main").innerText();
    assert.match(reads, /楚云省一网通办服务大厅/);
    assert.ok(reads.includes(trackingNo), "the read names the application number");

    // Elder mode keeps the signed-in header.
    await page.getByRole("link", { name: "长辈版" }).click();
    await page.waitForURL(/data-reads/);
    assert.match(await toolbar.innerText(), /张\*\s*我的\s*退出\s*工作人员登录/);

    assert.deepEqual(
      await axeAt(context, `${origin}/sites/www/services/bundles/xsecs`),
      [],
      "the 一件事 form with its once-only materials is accessible",
    );
    assert.deepEqual(await axeAt(context, `${origin}/sites/rst/account/letters`), [], "我的信件 accessible");
    await toolbar.getByRole("button", { name: "退出" }).click();
    await toolbar.getByRole("link", { name: "登录", exact: true }).waitFor();
    assert.doesNotMatch(await toolbar.innerText(), /张\*/);
    assert.equal(await toolbar.getByRole("button", { name: "退出", exact: true }).count(), 0);
    await page.goto(`${origin}/sites/rst/services/my`);
    await page.waitForURL(/account\/login/);
    assert.deepEqual(problems, []);
  });
});
