import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { axeViolations, describeViolations, launchChromium } from "./browser.ts";
import { startPlatform, type TestContext } from "../engines.ts";
import { DEMO_PASSWORD } from "../../src/seed/demo-password.ts";
import { chinaDate } from "../../src/platform/time/china-time.ts";

const SHOTS = process.env.E2E_SCREENSHOTS;

/**
 * One letter through the whole loop in Chromium: a citizen writes (seeing similar letters as they
 * type), verifies the phone code, gets a query number; staff answer, review and publish it; the
 * citizen reads the answer through the lookup link and rates it. Staff sign in through /admin/login.
 */
describe("interaction centre in Chromium", () => {
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
      // Failed loads are checked by URL below (a missing favicon is not this module's problem).
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource"))
        problems.push(msg.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) problems.push(`${r.status()} ${r.url()}`);
    });
  }

  /** axe needs an injected script, so it runs in a separate context that bypasses the CSP. */
  async function axeAt(url: string): Promise<string[]> {
    const context = await browser.newContext({ locale: "zh-CN", bypassCSP: true });
    const page = await context.newPage();
    await page.goto(url);
    const violations = await axeViolations(page);
    await context.close();
    return violations.length > 0 ? [describeViolations(violations)] : [];
  }

  /** A staff member signed in through the real console login form (handlers and reviewers have no TOTP). */
  async function staffPage(username: string): Promise<Page> {
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    watch(page);
    await page.goto(`${origin}/admin/login?next=${encodeURIComponent("/admin/interaction")}`);
    await page.getByLabel("用户名").fill(username);
    await page.getByLabel("密码").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("heading", { level: 1, name: "信件办理" }).waitFor();
    return page;
  }

  it("takes one letter from the citizen's form to a published, rated answer", async () => {
    const citizen = await (await browser.newContext({ locale: "zh-CN" })).newPage();
    watch(citizen);

    // The site's interaction channel leads to the centre, and on to the letter form.
    await citizen.goto(`${origin}/sites/rst/`);
    await citizen.getByRole("navigation", { name: "主栏目" }).getByRole("link", { name: "互动交流" }).click();
    await citizen.getByRole("heading", { level: 1, name: "互动交流" }).waitFor();
    await citizen.getByRole("link", { name: "写信", exact: true }).click();
    await citizen.getByRole("heading", { level: 1, name: "我要写信" }).waitFor();
    assert.deepEqual(await axeAt(citizen.url()), [], "letter form accessible");

    // Similar published letters appear while typing (client script under the CSP).
    await citizen.getByLabel("标题（必填）").fill("养老保险关系转移接续怎么办");
    await citizen.locator("#similar-results li").first().waitFor({ timeout: 10_000 });
    assert.match(await citizen.locator("#similar-results").innerText(), /养老保险关系如何转移接续/);

    await citizen
      .getByLabel("内容（必填）")
      .fill("我在外省缴了十年养老保险，今年回江城市工作，想把养老保险转回来，要带什么材料？<b>谢谢</b>");
    await citizen.getByLabel("姓名（必填）").fill("郑一");
    await citizen.getByLabel("手机号码（必填，用于验证和回访）").fill("13955556666");
    await citizen.getByRole("button", { name: "获取短信验证码" }).click();
    const code = (await citizen.locator(".demo-code").innerText()).trim();
    assert.match(code, /^\d{6}$/);
    assert.equal(await citizen.getByLabel("姓名（必填）").inputValue(), "郑一", "typed input kept");
    await citizen.getByLabel("短信验证码（必填）").fill(code);
    const consent = citizen.getByLabel(/同意在答复后公开本信件/);
    assert.equal(await consent.isChecked(), false, "publication is an explicit opt-in");
    await consent.check();
    await citizen.getByRole("button", { name: "提交信件" }).click();
    await citizen.getByRole("heading", { level: 1, name: "信件已提交" }).waitFor();
    const queryNo = (await citizen.locator(".query-no").innerText()).trim();
    const lookupHref = await citizen.locator("a.lookup-link").getAttribute("href");
    assert.match(queryNo, /^\d{14}$/);
    assert.ok(lookupHref);

    await citizen.goto(`${origin}${lookupHref}`);
    assert.equal((await citizen.locator(".letter-status").innerText()).trim(), "办理中");
    assert.match(
      await citizen.locator(".plain-text").first().innerText(),
      /<b>谢谢<\/b>/,
      "markup shown as text",
    );

    // Handler answers.
    const handler = await staffPage("rst_handler");
    await handler.goto(`${origin}/admin/interaction?q=${queryNo}`);
    await handler.getByRole("link", { name: "养老保险关系转移接续怎么办" }).click();
    await handler
      .getByLabel("答复内容（提交后送审核）")
      .fill("您好！请通过“掌上12333”申请养老保险关系转移，只需身份证件，转入地受理后15个工作日内办结。");
    await handler.getByRole("button", { name: "提交答复" }).click();
    await handler.getByText("已完成：拟写答复").waitFor();
    if (SHOTS) await handler.screenshot({ path: `${SHOTS}/interaction-handler.png`, fullPage: true });

    // Reviewer approves and publishes the masked version.
    const reviewer = await staffPage("rst_reviewer");
    await reviewer.goto(handler.url().split("?")[0]);
    await reviewer.getByRole("button", { name: "审核通过并答复来信人" }).click();
    await reviewer.getByText("已完成：答复审核通过，已答复").waitFor();
    assert.ok(!(await reviewer.getByLabel("公开的来信内容").inputValue()).includes("郑一"));
    await reviewer.getByRole("button", { name: "公开", exact: true }).click();
    await reviewer.getByText("已完成：公开").waitFor();

    // The citizen reads the answer and rates it.
    await citizen.goto(`${origin}${lookupHref}`);
    await citizen.getByText("掌上12333").first().waitFor();
    assert.deepEqual(await axeAt(citizen.url()), [], "lookup page accessible");
    await citizen.getByLabel("满意", { exact: true }).check();
    await citizen.getByLabel("已解决").check();
    await citizen.getByRole("button", { name: "提交评价" }).click();
    await citizen.getByText("感谢您的评价！").waitFor();
    if (SHOTS) await citizen.screenshot({ path: `${SHOTS}/interaction-lookup.png`, fullPage: true });

    // Published and counted.
    await citizen.goto(`${origin}/sites/rst/interaction/letters`);
    await citizen.getByRole("link", { name: /养老保险关系转移接续怎么办/ }).click();
    await citizen.getByRole("heading", { level: 2, name: "答复内容" }).waitFor();
    assert.ok(!(await citizen.content()).includes("13955556666"));
    await citizen.goto(`${origin}/sites/rst/interaction/stats`);
    assert.deepEqual(await axeAt(citizen.url()), [], "statistics page accessible");
    const stored = await t.deps.store.db
      .selectFrom("letters")
      .selectAll()
      .where("queryNo", "=", queryNo)
      .executeTakeFirstOrThrow();
    assert.equal(stored.status, "published");
    assert.equal(stored.rating, "satisfied");
    assert.deepEqual(problems, [], "no script errors or CSP violations");
  });

  it("shows a consultation and a survey with SVG result charts, accessibly", async () => {
    const db = t.deps.store.db;
    const admin = await db
      .selectFrom("staffUsers")
      .select("id")
      .where("username", "=", "admin")
      .executeTakeFirstOrThrow();
    const operator = { id: admin.id, username: "admin", displayName: "运维", isOperator: true, roles: [] };
    const rst = t.deps.sites.byCodeCached("rst")!.id;
    const today = chinaDate(new Date().toISOString());
    const later = chinaDate(new Date(Date.now() + 10 * 86_400_000).toISOString());
    const { consultations, surveys } = t.deps.participation;
    const cid = await consultations.create(
      {
        siteId: rst,
        title: "职业技能培训补贴管理办法（征求意见稿）",
        draftText: "<h2>第一条</h2><p>为规范职业技能培训补贴发放，制定本办法。</p>",
        startDate: today,
        endDate: later,
      },
      operator,
    );
    await consultations.publish(cid, operator);
    const sid = await surveys.create(
      { siteId: rst, title: "社保经办服务满意度调查", description: "", startDate: today, endDate: later },
      operator,
    );
    await surveys.addQuestion(
      sid,
      { kind: "single", text: "您是否满意？", options: "满意\n一般\n不满意", required: true },
      operator,
    );
    await surveys.addQuestion(
      sid,
      { kind: "scale", text: "服务态度打分", options: "", required: true },
      operator,
    );
    await surveys.addQuestion(
      sid,
      { kind: "text", text: "其他建议", options: "", required: false },
      operator,
    );
    await surveys.publish(sid, operator);

    const citizen = await (await browser.newContext({ locale: "zh-CN" })).newPage();
    watch(citizen);
    for (const path of [
      "/sites/rst/interaction/consultations",
      `/sites/rst/interaction/consultations/${cid}`,
      "/sites/rst/interaction/surveys",
      `/sites/rst/interaction/surveys/${sid}`,
    ]) {
      await citizen.goto(`${origin}${path}`);
      assert.deepEqual(await axeAt(citizen.url()), [], `${path} accessible`);
    }

    // Answer the survey in the browser, then read the results with their charts.
    await citizen.getByLabel("满意", { exact: true }).check();
    await citizen.getByLabel("4分").check();
    await citizen.getByLabel("手机号码（必填，仅用于验证，不公开）").fill("13966667777");
    await citizen.getByRole("button", { name: "获取短信验证码" }).click();
    const code = (await citizen.locator(".demo-code").innerText()).trim();
    assert.ok(await citizen.getByLabel("满意", { exact: true }).isChecked(), "choice kept");
    await citizen.getByLabel("短信验证码（必填）").fill(code);
    await citizen.getByRole("button", { name: "提交答卷" }).click();
    await citizen.getByText("答卷已提交，感谢您的参与！").waitFor();
    await citizen.getByRole("link", { name: "查看调查结果" }).click();
    await citizen.getByRole("heading", { level: 1, name: /调查结果/ }).waitFor();
    const chart = citizen.getByRole("img", { name: /第1题/ });
    await chart.waitFor();
    const width = await chart.evaluate(async (el) => {
      const img = el as HTMLImageElement;
      if (!img.complete)
        await new Promise((resolve) => img.addEventListener("load", resolve, { once: true }));
      return img.naturalWidth;
    });
    assert.ok(width > 0, "the SVG chart loads under the CSP");
    assert.deepEqual(await axeAt(citizen.url()), [], "results page accessible");
    if (SHOTS) await citizen.screenshot({ path: `${SHOTS}/survey-results.png`, fullPage: true });
    assert.deepEqual(problems, [], "no script errors, CSP violations or failed loads");
  });
});
