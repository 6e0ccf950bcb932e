import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext } from "playwright-core";
import { launchChromium } from "./browser.ts";
import { startPlatform, type TestContext } from "../engines.ts";
import { chinaDate } from "../../src/platform/time/china-time.ts";

const PHONE = { width: 360, height: 740 };
/** Set SHOTS=/some/dir to keep screenshots of the phone pages for a person to look at. */
const SHOTS = process.env.SHOTS;

/** The phone layout of the public pages people complained about (issue 13), at 360 × 740. */
describe("phone layout at 360 px in Chromium", () => {
  let t: TestContext;
  let browser: Browser;
  let origin = "";
  let surveyPath = "";
  before(async () => {
    t = await startPlatform("sqlite");
    origin = await t.app.listen({ port: 0, host: "127.0.0.1" });
    // A published survey with a choice and a scale question (results are public while it runs).
    const rst = t.deps.sites.byCodeCached("rst")!;
    const user = await t.deps.staff.byUsername("rst_editor");
    const staff = (await t.deps.staff.principal(user!.id))!;
    const surveys = t.deps.participation.surveys;
    const day = (n: number) => chinaDate(new Date(Date.now() + n * 86_400_000).toISOString());
    const id = await surveys.create(
      {
        siteId: rst.id,
        title: "窗口服务满意度调查",
        description: "请评价。",
        startDate: day(-1),
        endDate: day(10),
      },
      staff,
    );
    await surveys.addQuestion(
      id,
      {
        kind: "single",
        text: "您对办理结果是否满意？",
        options: "非常满意\n基本满意\n不满意",
        required: true,
      },
      staff,
    );
    await surveys.addQuestion(
      id,
      { kind: "scale", text: "请为服务打分", options: "", required: true },
      staff,
    );
    await surveys.publish(id, staff);
    surveyPath = `/sites/rst/interaction/surveys/${id}/results`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  async function phone(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, locale: "zh-CN" });
    // tsx compiles the functions given to page.evaluate with esbuild's name helper: give the page one.
    await context.addInitScript("window.__name = (f) => f;");
    return context;
  }

  it("folds the service hall's filters into 筛选, under 40% of the first screen, without JavaScript", async () => {
    const context = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 1,
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    await page.goto(`${origin}/sites/www/services/`);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/services-360.png` });
    const panel = await page.locator(".filter-panel").boundingBox();
    assert.ok(panel, "the filter panel is shown");
    assert.ok(panel.height < PHONE.height * 0.4, `the filters take ${panel.height}px of ${PHONE.height}px`);
    assert.equal(await page.locator("form.filters select[name=audience]").isVisible(), false, "folded");
    await page.click(".filter-panel > summary");
    assert.equal(
      await page.locator("form.filters select[name=audience]").isVisible(),
      true,
      "opens on a tap",
    );
    await context.close();

    // A wide screen shows the form itself, with no 筛选 toggle.
    const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const wide = await desk.newPage();
    await wide.goto(`${origin}/sites/www/services/`);
    assert.equal(await wide.locator("form.filters select[name=audience]").isVisible(), true);
    assert.equal(await wide.locator(".filter-panel > summary").isVisible(), false);
    await desk.close();
  });

  it("keeps each policy date on one line", async () => {
    const context = await phone();
    const page = await context.newPage();
    await page.goto(`${origin}/sites/rst/policies`);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/policies-360.png` });
    // Line boxes of each date's text: one per line it wraps onto.
    const dates = await page.$$eval(".policy-table td.date time", (times) =>
      times.map((time) => {
        const range = document.createRange();
        range.selectNodeContents(time.firstChild!);
        return range.getClientRects().length;
      }),
    );
    const panel = await page.locator(".filter-panel").boundingBox();
    assert.ok(panel && panel.height < PHONE.height * 0.4, "the policy filters fold into 筛选 too");
    await context.close();
    assert.ok(dates.length > 0, "the policy list shows dates");
    assert.deepEqual(
      dates.filter((lines) => lines !== 1),
      [],
      "every date is one line box",
    );
  });

  it("draws survey chart text at 12 px or more as shown on the phone", async () => {
    const context = await phone();
    const page = await context.newPage();
    await page.goto(origin + surveyPath);
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>("img.survey-chart")].every(
        (i) => i.complete && i.naturalWidth > 0,
      ),
    );
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/survey-360.png`, fullPage: true });
    // The rendered size of a chart's text: its font size in the SVG times the scale the image is shown at.
    const charts = await page.$$eval("img.survey-chart", async (images) => {
      const out: { src: string; smallest: number; labels: number }[] = [];
      for (const img of images as HTMLImageElement[]) {
        const svg = new DOMParser().parseFromString(
          await (await fetch(img.currentSrc)).text(),
          "image/svg+xml",
        ).documentElement;
        const scale = img.getBoundingClientRect().width / parseFloat(svg.getAttribute("width")!);
        const sizes = [...svg.querySelectorAll("text")].map((text) => {
          const style = text.getAttribute("style") ?? "";
          const size =
            /font(?:-size)?:[^;]*?(\d+(?:\.\d+)?)px/.exec(style)?.[1] ?? text.getAttribute("font-size");
          return parseFloat(size ?? "12") * scale;
        });
        out.push({ src: img.currentSrc, smallest: Math.min(...sizes), labels: sizes.length });
      }
      return out;
    });
    await context.close();
    assert.equal(charts.length, 2);
    for (const c of charts) {
      assert.match(c.src, /-s\.svg$/, "the phone variant is chosen");
      assert.ok(c.labels > 3, `${c.src} has labels`);
      assert.ok(c.smallest >= 12, `${c.src}: smallest text ${c.smallest.toFixed(1)}px`);
    }
  });
});
