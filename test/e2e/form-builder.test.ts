import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext } from "playwright-core";
import { axeViolations, describeViolations, launchChromium } from "./browser.ts";
import { startPlatform, type TestContext } from "../engines.ts";

describe("application form builder in Chromium", () => {
  let t: TestContext;
  let browser: Browser;
  let context: BrowserContext;
  let base = "";
  let builder = "";
  before(async () => {
    t = await startPlatform("sqlite");
    base = await t.app.listen({ port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
    const code = (await t.deps.oneStop.catalogue.list({ q: "灵活就业登记" })).rows.find(
      (r) => r.name === "灵活就业登记",
    )!.code;
    builder = `${base}/admin/service-items/${code}/form`;
    // bypassCSP only so that axe can be injected; the builder itself ships no script (checked below).
    context = await browser.newContext({ bypassCSP: true });
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  it("builds a field with plain forms and has no axe violations, errors shown or not", async () => {
    const page = await context.newPage();
    await page.goto(`${base}/admin/login`);
    await page.fill("#username", "rst_admin");
    await page.fill("#password", "Chuyun@2026");
    await page.click("button[type=submit]");
    await page.goto(builder);
    assert.match(await page.title(), /设计申请表单/);
    assert.equal(await page.locator("script").count(), 0, "plain forms, no JavaScript");
    await page.selectOption("#fb-add-type", "select");
    await page.click("button[value=add]");
    // The redirect lands on the new field.
    assert.match(page.url(), /#fb-f-\d+$/);
    const i = /#fb-f-(\d+)$/.exec(page.url())![1];
    await page.fill(`[id="f.${i}.label"]`, "户籍类型");
    await page.fill(`[id="f.${i}.name"]`, "hukou");
    await page.click("button[value=apply]");
    // A select without options is refused beside the field; the page stays accessible.
    await page.fill("#fb-note", "增加户籍类型");
    await page.click("button[value=save]");
    assert.match((await page.textContent(`[id="f.${i}.options-error"]`)) ?? "", /须提供 options 选项/);
    let violations = await axeViolations(page);
    assert.equal(violations.length, 0, describeViolations(violations));
    await page.fill(`[id="f.${i}.options"]`, "城镇\n农村");
    await page.click("button[value=save]");
    await page.waitForURL(/saved=2/);
    // The preview shows the new field as the applicant will see it.
    assert.equal(await page.locator("#hukou option").count(), 3);
    violations = await axeViolations(page);
    assert.equal(violations.length, 0, describeViolations(violations));
  });
});
