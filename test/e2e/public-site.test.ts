import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { axeViolations, describeViolations, launchChromium } from "./browser.ts";
import { startPlatform, type TestContext } from "../engines.ts";
import { DEMO_CITIZENS } from "../../src/modules/onestop/seed.ts";
import { citizenLogin } from "../../src/modules/onestop/test-helpers.ts";

const SHOTS = process.env.E2E_SCREENSHOTS; // e.g. /tmp/shots: save screenshots to look at

describe("public site in Chromium", () => {
  let t: TestContext;
  let browser: Browser;
  let origin: string;
  let pages: Record<string, string>;
  /** Pages that need a signed-in citizen (the demo person). */
  let citizenPages: Record<string, string>;
  let citizenCookie: string;
  const cspErrors: string[] = [];

  /** A context that records CSP violations and script errors from every page. */
  async function newContext(options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
    const context = await browser.newContext({ locale: "zh-CN", ...options });
    context.on("page", (page) => watch(page));
    return context;
  }
  function watch(page: Page): void {
    page.on("console", (msg) => {
      if (msg.type() === "error" && /Content Security Policy|Refused to/i.test(msg.text()))
        cspErrors.push(`${page.url()}: ${msg.text()}`);
    });
    page.on("pageerror", (err) => cspErrors.push(`${page.url()}: ${err.message}`));
  }

  before(async () => {
    t = await startPlatform("sqlite");
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const address = t.app.server.address();
    assert.ok(address && typeof address === "object");
    origin = `http://127.0.0.1:${address.port}`;
    const policy = await t.deps.store.db
      .selectFrom("articles")
      .select("id")
      .where("docNumber", "=", "楚人社发〔2026〕8号")
      .executeTakeFirstOrThrow();
    // 灵活就业登记 at the human resources department: its staff-built form shows every field type.
    const flexibleEmployment = `${t.deps.sites.byCodeCached("rst")!.siteCode}-GG-0003`;
    pages = {
      home: "/",
      department: "/sites/rst/",
      list: "/sites/rst/col/tzgg/",
      article: `/sites/rst/art/${policy.id}.html`,
      search: "/sites/www/search?q=%E7%A4%BE%E4%BF%9D",
      policies: "/sites/rst/policies",
      directory: "/sites/rst/zwgk",
      notFound: "/sites/rst/col/nope/",
      reportError: "/sites/rst/report-error",
      serviceHall: "/sites/www/services/",
      cityServiceHall: "/sites/qingxi/services/",
      serviceGuide: `/sites/rst/services/item/${flexibleEmployment}`,
      login: "/sites/www/account/login",
      register: "/sites/www/account/register",
      assistant: "/sites/www/assistant",
      disclosureApply: "/sites/rst/disclosure/apply",
      disclosureLookup: "/sites/rst/disclosure/lookup",
      assistantAnswer: `/sites/www/assistant?q=${encodeURIComponent("灵活就业人员怎么参保")}`,
      licenceVerifier: "/sites/www/licences/verify",
      registrationFigures: "/sites/www/registration/demo-health/figures",
    };
    const licence = await t.deps.store.db
      .selectFrom("licences")
      .select("id")
      .where("kind", "=", "11100000000013338W001")
      .executeTakeFirstOrThrow();
    citizenPages = {
      applyForm: `/sites/rst/services/apply/${flexibleEmployment}`,
      myApplications: "/sites/www/services/my",
      account: "/sites/www/account/",
      myDisclosure: "/sites/www/account/disclosure",
      licenceWallet: "/sites/www/account/licences",
      licence: `/sites/www/account/licences/${licence.id}`,
    };
    citizenCookie = (await citizenLogin(t, DEMO_CITIZENS.person.loginName)).replace(/^cy_citizen=/, "");
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Every page to check, anonymous first, then signed in as the demo citizen. */
  async function eachPage(
    options: Parameters<Browser["newContext"]>[0],
    elder: boolean,
    visit: (page: Page, name: string, path: string) => Promise<void>,
  ): Promise<void> {
    for (const [signedIn, list] of [
      [false, pages],
      [true, citizenPages],
    ] as const) {
      const context = await newContext(options);
      if (elder) await context.addCookies([{ name: "elder", value: "1", url: origin }]);
      if (signedIn) await context.addCookies([{ name: "cy_citizen", value: citizenCookie, url: origin }]);
      const page = await context.newPage();
      for (const [name, path] of Object.entries(list)) {
        const res = await page.goto(origin + path);
        assert.ok(
          res && (res.status() < 400 || name === "notFound"),
          `${name} ${path} answers ${res?.status()}`,
        );
        assert.equal(new URL(page.url()).pathname, path.split("?")[0], `${name} is not redirected`);
        await visit(page, name, path);
      }
      await context.close();
    }
  }

  for (const elder of [false, true]) {
    it(`has zero axe violations (WCAG 2.1 A/AA) ${elder ? "in elder mode" : "in normal mode"}`, async () => {
      // axe is injected as a script tag, which the strict CSP would refuse: only these contexts bypass it.
      const problems: string[] = [];
      await eachPage({ bypassCSP: true }, elder, async (page, name, path) => {
        assert.equal(await page.evaluate(() => document.documentElement.classList.contains("elder")), elder);
        const violations = await axeViolations(page);
        if (violations.length > 0) problems.push(`${name} ${path}:\n  ${describeViolations(violations)}`);
        if (SHOTS)
          await page.screenshot({ path: `${SHOTS}/${name}${elder ? "-elder" : ""}.png`, fullPage: true });
        if (name === "applyForm") {
          // The same form sent empty: error summary and messages beside each field.
          await page.getByRole("button", { name: "提交申请" }).click();
          await page.waitForLoadState();
          assert.ok(await page.locator(".error-summary").isVisible(), "errors are summarised");
          const errors = await axeViolations(page);
          if (errors.length > 0) problems.push(`${name} with errors:\n  ${describeViolations(errors)}`);
        }
      });
      assert.equal(problems.length, 0, problems.join("\n"));
    });
  }

  it("toggles elder mode without JavaScript, remembers it, and enlarges type and contrast", async () => {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(origin + pages.list);
    const normal = await page.evaluate(() => {
      const body = getComputedStyle(document.body);
      const link = document.querySelector<HTMLElement>("main .list a")!;
      return {
        font: parseFloat(body.fontSize),
        line: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
        linkHeight: link.getBoundingClientRect().height,
      };
    });
    await page.getByRole("link", { name: "长辈版" }).click();
    await page.waitForURL(origin + pages.list);
    const elder = await page.evaluate(() => {
      const body = getComputedStyle(document.body);
      const link = document.querySelector<HTMLElement>("main .list a")!;
      return {
        elder: document.documentElement.classList.contains("elder"),
        font: parseFloat(body.fontSize),
        line: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
        linkHeight: link.getBoundingClientRect().height,
        color: body.color,
        background: body.backgroundColor,
      };
    });
    assert.equal(elder.elder, true);
    assert.ok(elder.font >= 18, `elder body font ${elder.font}px`);
    assert.ok(elder.font > normal.font, "larger than normal mode");
    assert.ok(elder.line >= 1.7, `line height ${elder.line}`);
    assert.ok(elder.linkHeight >= 44, `click target ${elder.linkHeight}px high`);
    assert.equal(elder.color, "rgb(0, 0, 0)", "black text");
    assert.equal(elder.background, "rgb(255, 255, 255)");

    // Remembered on other pages and other sites of the cluster.
    for (const path of [pages.article, pages.home]) {
      await page.goto(origin + path);
      assert.ok(await page.evaluate(() => document.documentElement.classList.contains("elder")), path);
    }
    await page.getByRole("link", { name: "退出长辈版" }).click();
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains("elder")), false);
    await context.close();
  });

  it("works with JavaScript off: search form, paging, no read-aloud button", async () => {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(origin + "/");
    assert.equal(await page.locator("[data-read-aloud]").isVisible(), false);
    await page.getByRole("searchbox", { name: "搜索" }).fill("营商环境");
    await page.getByRole("searchbox", { name: "搜索" }).press("Enter");
    await page.waitForURL(/\/search\?q=/);
    assert.match(await page.locator("#results-title").innerText(), /找到约 \d+ 条结果/);
    // Paging through a channel with more than one page.
    await page.goto(origin + "/sites/www/search?q=%E9%80%9A%E7%9F%A5");
    const next = page.getByRole("navigation", { name: "分页" }).getByRole("link", { name: "下一页" });
    if ((await next.count()) > 0) {
      await next.click();
      await page.waitForURL(/page=2/);
      assert.equal(await page.locator(".pagination [aria-current=page]").innerText(), "2");
    }
    await context.close();
  });

  it("shows the read-aloud button with JavaScript and reads the main content", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      const spoken: string[] = [];
      (window as unknown as { __spoken: string[] }).__spoken = spoken;
      // Record what would be spoken instead of producing sound.
      window.speechSynthesis.speak = (u: SpeechSynthesisUtterance) => {
        spoken.push(u.text);
      };
    });
    await page.goto(origin + pages.article);
    const button = page.getByRole("button", { name: "朗读正文" });
    assert.equal(await button.isVisible(), true);
    await button.click();
    const spoken = await page.evaluate(() => (window as unknown as { __spoken: string[] }).__spoken);
    assert.equal(spoken.length, 1);
    assert.match(spoken[0], /灵活就业人员/);
    assert.doesNotMatch(spoken[0], /工作人员登录|网站标识码/, "reads the main content only");
    await context.close();
  });

  it("fits a 360 px wide phone without horizontal scrolling", async () => {
    const wide: string[] = [];
    for (const elder of [false, true]) {
      await eachPage(
        { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1 },
        elder,
        async (page, name) => {
          const width = await page.evaluate(() => document.scrollingElement!.scrollWidth);
          if (width > 360) wide.push(`${name}${elder ? " (elder)" : ""} is ${width}px wide`);
          // Nothing of the header's toolbar or main columns is cut off or needs a sideways swipe to find.
          const clipped = await page.evaluate(() =>
            [
              ...document.querySelectorAll<HTMLElement>(
                ".toolbar-links a, .toolbar-links button, .main-nav a",
              ),
            ]
              .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().right > 360)
              .map((el) => el.textContent!.trim()),
          );
          if (clipped.length) wide.push(`${name}${elder ? " (elder)" : ""} cuts off ${clipped.join("、")}`);
          if (SHOTS)
            await page.screenshot({
              path: `${SHOTS}/${name}-360${elder ? "-elder" : ""}.png`,
              fullPage: true,
            });
        },
      );
    }
    assert.deepEqual(wide, []);
  });

  it("keeps each date of the policy list on one line on a 375 px phone", async () => {
    const context = await newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${origin}/sites/rst/policies`);
    const dates = await page.$$eval(".policy-table td.date", (cells) =>
      cells.map((cell) => {
        const style = getComputedStyle(cell);
        return { height: cell.getBoundingClientRect().height, line: parseFloat(style.lineHeight) || 24 };
      }),
    );
    await context.close();
    assert.ok(dates.length > 0, "the policy list shows dates");
    for (const d of dates) assert.ok(d.height < d.line * 1.6, `a date cell is ${d.height}px tall`);
  });

  it("prints an article without navigation, search or footer", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(origin + pages.article);
    await page.emulateMedia({ media: "print" });
    for (const selector of [".main-nav", ".search-box", ".site-footer", ".breadcrumbs", ".toolbar"]) {
      assert.equal(await page.locator(selector).isVisible(), false, `${selector} hidden in print`);
    }
    assert.equal(await page.locator("main h1").isVisible(), true);
    assert.equal(await page.locator(".policy-info").isVisible(), true);
    await context.close();
  });

  it("serves feeds and the sitemap as well-formed XML", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(origin + "/");
    for (const [path, item] of [
      ["/sites/rst/col/tzgg/rss.xml", "item"],
      ["/sites/rst/col/tzgg/atom.xml", "entry"],
      ["/sites/rst/sitemap.xml", "url"],
    ]) {
      const result = await page.evaluate(
        async ({ path, item }) => {
          const text = await (await fetch(path)).text();
          const doc = new DOMParser().parseFromString(text, "application/xml");
          return {
            error: doc.getElementsByTagName("parsererror").length > 0,
            items: doc.getElementsByTagName(item).length,
          };
        },
        { path, item },
      );
      assert.equal(result.error, false, `${path} parses`);
      assert.ok(result.items > 0, `${path} has ${item}s`);
    }
    await context.close();
  });

  it("raised no CSP violations or script errors on any page", () => {
    assert.deepEqual(cspErrors, []);
  });
});
