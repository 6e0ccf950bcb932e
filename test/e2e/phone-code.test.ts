import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { launchChromium } from "./browser.ts";
import { startPlatform, type TestContext } from "../engines.ts";
import { chinaDate } from "../../src/platform/time/china-time.ts";

/**
 * The phone-code step on a phone-sized screen: asking for a code keeps the page where it was (in place
 * with JavaScript, at the #phone-code anchor without), shows a countdown until a new code may be asked
 * for, and one code serves the same phone on another form (a letter, then a survey) within its lifetime.
 */
describe("phone-code step in Chromium", () => {
  let t: TestContext;
  let browser: Browser;
  let origin = "";
  let surveyId = 0;
  const phoneSize = { viewport: { width: 390, height: 700 }, locale: "zh-CN" };
  before(async () => {
    t = await startPlatform("sqlite");
    origin = await t.app.listen({ port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
    const admin = await t.deps.store.db
      .selectFrom("staffUsers")
      .select("id")
      .where("username", "=", "admin")
      .executeTakeFirstOrThrow();
    const operator = { id: admin.id, username: "admin", displayName: "运维", isOperator: true, roles: [] };
    const { surveys } = t.deps.participation;
    const today = chinaDate();
    const later = chinaDate(new Date(Date.now() + 10 * 86_400_000));
    surveyId = await surveys.create(
      {
        siteId: t.deps.sites.byCodeCached("rst")!.id,
        title: "窗口服务调查",
        description: "",
        startDate: today,
        endDate: later,
      },
      operator,
    );
    await surveys.addQuestion(
      surveyId,
      { kind: "single", text: "您是否满意？", options: "满意\n一般\n不满意", required: true },
      operator,
    );
    await surveys.publish(surveyId, operator);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it("sends the code in place, counts down, and the same code then serves a survey", async () => {
    const page = await (await browser.newContext(phoneSize)).newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${origin}/sites/rst/interaction/write`);
    await page.getByLabel("咨询").check();
    await page.getByLabel("标题（必填）").fill("灵活就业社保补贴怎么申请");
    await page.getByLabel("内容（必填）").fill("我是灵活就业人员，想了解社保补贴的申请条件和所需材料。");
    await page.getByLabel("姓名（必填）").fill("周八");
    await page.getByLabel("手机号码（必填，用于验证和回访）").fill("13977778888");
    const button = page.getByRole("button", { name: "获取短信验证码" });
    await button.scrollIntoViewIfNeeded();
    const before = await page.evaluate(() => window.scrollY);
    assert.ok(before > 300, `the step is far down on a phone (scrollY ${before})`);
    let navigated = false;
    page.on("framenavigated", (f) => {
      if (f === page.mainFrame()) navigated = true;
    });
    await button.click();
    const code = (await page.locator(".demo-code").innerText()).trim();
    assert.match(code, /^\d{6}$/);
    assert.equal(navigated, false, "sent in place, no reload");
    const after = await page.evaluate(() => window.scrollY);
    assert.ok(Math.abs(after - before) < 250, `position kept (${before} → ${after})`);
    assert.equal(await page.getByLabel("标题（必填）").inputValue(), "灵活就业社保补贴怎么申请");

    // The countdown: the button waits until a new code may be asked for.
    const wait = page.locator(".resend-wait");
    assert.match(await wait.innerText(), /^\d{1,2}秒后可重新获取$/);
    assert.equal(await page.getByRole("button", { name: "获取短信验证码" }).isDisabled(), true);
    const first = Number(/\d+/.exec(await wait.innerText())![0]);
    await page.waitForTimeout(2100);
    assert.ok(Number(/\d+/.exec(await wait.innerText())![0]) < first, "it counts down");

    await page.getByLabel("短信验证码（必填）").fill(code);
    await page.getByLabel(/同意在答复后公开本信件/).check();
    await page.getByRole("button", { name: "提交信件" }).click();
    await page.getByRole("heading", { level: 1, name: "信件已提交" }).waitFor();

    // Within its lifetime the same code serves the same phone on a survey: no new code needed.
    await page.goto(`${origin}/sites/rst/interaction/surveys/${surveyId}`);
    await page.getByLabel("满意", { exact: true }).check();
    await page.getByLabel("手机号码（必填，仅用于验证，不公开）").fill("13977778888");
    await page.getByLabel("短信验证码（必填）").fill(code);
    await page.getByRole("button", { name: "提交答卷" }).click();
    await page.getByText("答卷已提交，感谢您的参与！").waitFor();
    assert.deepEqual(errors, []);
  });

  it("without JavaScript comes back at the phone-code step", async () => {
    const page = await (await browser.newContext({ ...phoneSize, javaScriptEnabled: false })).newPage();
    await page.goto(`${origin}/sites/rst/interaction/write`);
    await page.getByLabel("姓名（必填）").fill("吴九");
    await page.getByLabel("手机号码（必填，用于验证和回访）").fill("13977779999");
    await page.getByRole("button", { name: "获取短信验证码" }).click();
    await page.waitForURL(/#phone-code$/);
    await page.locator(".demo-code").waitFor();
    assert.ok((await page.evaluate(() => window.scrollY)) > 300, "the answer opens at the step");
    assert.equal(await page.getByLabel("姓名（必填）").inputValue(), "吴九", "typed input kept");
    assert.match(await page.locator(".resend-wait").innerText(), /^60秒后可重新获取$/);
  });
});
