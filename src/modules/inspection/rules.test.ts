import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { addMonths, columnTypeOf, evaluate, type SiteFacts } from "./rules.ts";

const TODAY = "2026-12-02";
/** Noon China time on a China date, as stored (UTC ISO). */
const at = (date: string) => new Date(`${date}T04:00:00.000Z`).toISOString();

function facts(over: Partial<SiteFacts> = {}): SiteFacts {
  return {
    site: "rst",
    homeUrl: "http://x/sites/rst/",
    probes: { total: 300, failed: 0 },
    homeUpdatedAt: at("2026-12-01"),
    channels: [
      { name: "工作动态", url: "http://x/col/gzdt/", type: "news", items: 5, latestAt: at("2026-12-01") },
      { name: "通知公告", url: "http://x/col/tzgg/", type: "notice", items: 5, latestAt: at("2026-10-01") },
    ],
    letters: { oldestOpenAt: null, overdueOpen: 0, url: "http://x/interaction/" },
    guides: [],
    links: [],
    metaMissing: [],
    accessibility: [],
    elder: [],
    ...over,
  };
}

describe("inspection rules", () => {
  it("gives a clean site 100 points and a pass", () => {
    const { result, countdowns } = evaluate(facts(), TODAY);
    assert.deepEqual(result, { site: "rst", score: 100, passed: true, vetoes: [], deductions: [] });
    assert.deepEqual(countdowns, []);
  });

  it("counts down before the home page goes stale: updated 11 days ago fails in 3 days", () => {
    const { result, countdowns } = evaluate(facts({ homeUpdatedAt: at("2026-11-21") }), TODAY);
    assert.equal(result.passed, true);
    const home = countdowns.find((c) => c.rule === "home-stale");
    assert.equal(home?.daysLeft, 3);
    assert.equal(home?.failsOn, "2026-12-05");
    // On the 15th day it is a veto, whatever the score.
    const later = evaluate(facts({ homeUpdatedAt: at("2026-11-21") }), "2026-12-05").result;
    assert.equal(later.passed, false);
    assert.deepEqual(
      later.vetoes.map((v) => v.rule),
      ["home-stale"],
    );
    assert.equal(later.score, 100);
  });

  it("vetoes stale columns by type and counts undated items as stale", () => {
    const { result } = evaluate(
      facts({
        channels: [
          { name: "工作动态", url: "u1", type: "news", items: 3, latestAt: at("2026-11-10") },
          { name: "通知公告", url: "u2", type: "notice", items: 3, latestAt: at("2026-05-01") },
          { name: "政策文件", url: "u3", type: "notice", items: 2, latestAt: null },
          { name: "人事信息", url: "u4", type: "other", items: 2, latestAt: at("2025-06-01") },
        ],
      }),
      TODAY,
    );
    const details = result.vetoes.map((v) => v.detail);
    assert.equal(result.vetoes.filter((v) => v.rule === "column-stale").length, 3, details.join("\n"));
    assert.ok(details.some((d) => d.includes("政策文件") && d.includes("未注明日期")));
    assert.deepEqual(
      result.deductions.map((d) => [d.rule, d.points, d.url]),
      [["column-other-stale", 1, "u4"]],
    );
  });

  it("deducts 5 points per empty column and vetoes five or more", () => {
    const empty = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        name: `空栏目${i}`,
        url: `e${i}`,
        type: "other" as const,
        items: 0,
        latestAt: null,
      }));
    const four = evaluate(facts({ channels: empty(4) }), TODAY).result;
    assert.equal(four.score, 80);
    assert.equal(four.vetoes.length, 0);
    const five = evaluate(facts({ channels: empty(5) }), TODAY).result;
    assert.deepEqual(
      five.vetoes.map((v) => v.rule),
      ["empty-columns"],
    );
    assert.equal(five.passed, false);
    // More problems never score higher: the veto does not replace the deductions.
    assert.equal(five.score, 75);
  });

  it("names the flawed guides of a guide veto and still deducts each; a home page that did not answer scores 0", () => {
    const guides = Array.from({ length: 5 }, (_, i) => ({
      code: `X${i}`,
      name: `事项${i}`,
      problems: ["请填写受理条件"],
      url: `g${i}`,
    }));
    const vetoed = evaluate(facts({ guides }), TODAY).result;
    assert.match(
      vetoed.vetoes.find((v) => v.rule === "guide-elements")!.detail,
      /事项0、事项1、事项2、事项3、事项4/,
    );
    assert.equal(vetoed.score, 90);
    assert.ok(vetoed.score < evaluate(facts({ guides: guides.slice(0, 4) }), TODAY).result.score + 0.01);
    const down = evaluate(facts({ homeFailure: "无法连接", links: null }), TODAY).result;
    assert.equal(down.passed, false);
    assert.equal(down.score, 0);
  });

  it("vetoes a letter unanswered for more than 3 months and counts down before", () => {
    const soon = evaluate(
      facts({ letters: { oldestOpenAt: at("2026-09-05"), overdueOpen: 2, url: "l" } }),
      TODAY,
    );
    assert.equal(soon.countdowns[0]?.rule, "letters-unanswered");
    assert.equal(soon.countdowns[0]?.daysLeft, 3);
    assert.deepEqual(
      soon.result.deductions.map((d) => [d.rule, d.points]),
      [["letters-overdue", 2]],
    );
    const late = evaluate(
      facts({ letters: { oldestOpenAt: at("2026-09-01"), overdueOpen: 1, url: "l" } }),
      TODAY,
    );
    assert.deepEqual(
      late.result.vetoes.map((v) => v.rule),
      ["letters-unanswered"],
    );
  });

  it("vetoes an unavailable site (≥ 5% of probes unanswered in 15 s)", () => {
    assert.equal(evaluate(facts({ probes: { total: 200, failed: 9 } }), TODAY).result.vetoes.length, 0);
    assert.deepEqual(
      evaluate(facts({ probes: { total: 200, failed: 10 } }), TODAY).result.vetoes.map((v) => v.rule),
      ["availability"],
    );
  });

  it("deducts broken links (home 1, other pages 0.2), guides, meta; an unchecked browser is not a pass", () => {
    const { result, notes } = evaluate(
      facts({
        links: [
          { url: "a", from: "home", internal: true, onHome: true, reason: "HTTP 404" },
          { url: "b", from: "p", internal: false, onHome: false, reason: "超时" },
        ],
        guides: [{ code: "X1", name: "事项", problems: ["请填写受理条件"], url: "g" }],
        metaMissing: [{ url: "m", detail: "缺少元数据：SiteIDCode" }],
        accessibility: null,
      }),
      TODAY,
    );
    assert.equal(result.score, 100 - 1 - 0.2 - 2 - 0.5);
    assert.ok(notes.some((n) => n.kind === "accessibility" && n.detail.includes("不是“通过”")));
  });

  it("knows column types and month arithmetic", () => {
    assert.equal(columnTypeOf("工作动态", false), "news");
    assert.equal(columnTypeOf("通知公告", false), "notice");
    assert.equal(columnTypeOf("其他", true), "notice");
    assert.equal(columnTypeOf("人事信息", false), "other");
    assert.equal(addMonths("2026-08-31", 3), "2026-11-30");
    assert.equal(addMonths("2026-11-15", 3), "2027-02-15");
  });
});
