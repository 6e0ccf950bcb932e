import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";
import { shiftDays, chinaDate } from "../../platform/time/china-time.ts";
import { crawlSite, INSPECTOR_USER_AGENT } from "./crawler.ts";
import { inspectCommand } from "./inspect-cli.ts";
import { InspectionService, type InspectionOptions } from "./service.ts";

const CHROMIUM = "/usr/bin/chromium";

/**
 * A site for the browser checks, at /sites/rst/: a page whose script holds the browser's main thread
 * forever once loaded (axe-core cannot run: a hanging browser step), a 6 MB page, and plain pages.
 * Records every request with its user agent; Chromium's navigations carry sec-fetch-mode: navigate.
 */
function browserTrapSite(seen: { path: string; ua: string; browser: boolean }[]): Server {
  const page = (body: string, head = "") =>
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>测试</title>${head}</head><body><main>${body}</main></body></html>`;
  return createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    seen.push({
      path,
      ua: String(req.headers["user-agent"]),
      browser: req.headers["sec-fetch-mode"] === "navigate",
    });
    res.on("error", () => {});
    const html = (body: string) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(body);
    };
    if (path === "/sites/rst/")
      return html(
        page(`<a href="hang.html">挂起</a> <a href="huge.html">大页面</a> <a href="after.html">其后</a>`),
      );
    if (path === "/sites/rst/hang.html")
      return html(
        page("挂起", "<script>addEventListener('load', () => setTimeout(() => { for (;;); }, 0))</script>"),
      );
    if (path === "/sites/rst/after.html") return html(page("其后的页面"));
    if (path === "/sites/rst/huge.html") return html(page(`<p>${"大".repeat(30)}</p>\n`.repeat(150_000)));
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  });
}

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

for (const engine of ENGINES) {
  describe(`site inspection on ${engine}`, () => {
    let t: TestContext;
    let inspector: InspectionService;
    let rstId: number;
    before(async () => {
      t = await startPlatform(engine);
      await t.app.listen({ port: 0, host: "127.0.0.1" });
      const port = (t.app.server.address() as AddressInfo).port;
      const d = t.deps;
      // Inspects the running test instance over HTTP; no Chromium, so accessibility is "not checked".
      inspector = new InspectionService(
        d.store,
        d.audit,
        d.sites,
        { content: d.content, mailbox: d.mailbox, oneStop: d.oneStop, analytics: d.analytics },
        {
          chromiumPath: "/nonexistent/chromium",
          targetBase: `http://127.0.0.1:${port}`,
          crawl: { maxPages: 6, hostDelayMs: 0, timeoutMs: 5000, maxExternal: 0 },
        },
      );
      rstId = d.sites.byCodeCached("rst")!.id;
      // Everything rst shows was last published 11 days ago: the home page fails in 3 days.
      const ids = (
        await d.store.db
          .selectFrom("articleChannels")
          .select("articleId")
          .where("siteId", "=", rstId)
          .execute()
      ).map((r) => r.articleId);
      await d.store.db
        .updateTable("articles")
        .set({ publishedAt: daysAgo(11) })
        .where("id", "in", ids)
        .execute();
    });
    after(async () => t?.close());

    it("counts down before the home page and news columns go stale", async () => {
      const site = t.deps.sites.byCodeCached("rst")!;
      const { countdowns, vetoes } = await inspector.countdown(site);
      assert.equal(vetoes.filter((v) => v.rule === "home-stale").length, 0);
      const home = countdowns.find((c) => c.rule === "home-stale");
      assert.equal(home?.daysLeft, 3, JSON.stringify(countdowns));
      assert.equal(home?.failsOn, shiftDays(chinaDate(new Date(daysAgo(11))), 14));
    });

    it("the site admin sees the countdown in the console and on the 工作台", async () => {
      const admin = await StaffSession.login(t.app, "rst_admin");
      const page = await admin.get("/admin/inspection/sites/rst");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /3 天后未通过检查/);
      const desk = await admin.get("/admin");
      assert.match(desk.body, /网站巡检/);
      assert.match(desk.body, /天后未通过检查/);
      // Another site's inspection is not theirs.
      assert.equal((await admin.get("/admin/inspection/sites/zjt")).statusCode, 403);
    });

    it("vetoes stale and empty columns and an old unanswered letter; the CLI prints the documented JSON", async () => {
      const d = t.deps;
      const ids = (
        await d.store.db
          .selectFrom("articleChannels")
          .select("articleId")
          .where("siteId", "=", rstId)
          .execute()
      ).map((r) => r.articleId);
      await d.store.db
        .updateTable("articles")
        .set({ publishedAt: daysAgo(20) })
        .where("id", "in", ids)
        .execute();
      for (let i = 1; i <= 5; i++)
        await d.sites.createChannel(rstId, { name: `空白栏目${i}`, slug: `kb${i}`, kind: "list" }, "test");
      const letter = await d.store.db
        .selectFrom("letters")
        .select("id")
        .orderBy("id")
        .executeTakeFirstOrThrow();
      await d.store.db
        .updateTable("letters")
        .set({
          siteId: rstId,
          ownerSiteId: rstId,
          status: "assigned",
          repliedAt: null,
          createdAt: daysAgo(100),
        })
        .where("id", "=", letter.id)
        .execute();

      let out = "";
      let err = "";
      const code = await inspectCommand(
        ["--site", "rst", "--json"],
        { out: (s) => (out += s), err: (s) => (err += s), tty: false },
        { inspection: inspector },
      );
      assert.equal(code, 0, err);
      assert.equal(err, "", "no progress drawn when stderr is not a terminal");
      const result = JSON.parse(out) as Record<string, unknown>;
      assert.deepEqual(Object.keys(result), ["site", "score", "passed", "vetoes", "deductions"]);
      assert.equal(result.site, "rst");
      assert.equal(result.passed, false);
      assert.equal(typeof result.score, "number");
      const vetoes = result.vetoes as { rule: string; detail: string }[];
      for (const v of vetoes) assert.deepEqual(Object.keys(v), ["rule", "detail"]);
      const rules = new Set(vetoes.map((v) => v.rule));
      for (const r of ["home-stale", "column-stale", "empty-columns", "letters-unanswered"])
        assert.ok(rules.has(r), `${r} in ${[...rules].join(",")}`);
      for (const x of result.deductions as Record<string, unknown>[])
        assert.deepEqual(Object.keys(x), ["rule", "points", "detail", "url"]);

      // The run is kept in the site's history with its notes (the crawl ran; the browser did not).
      const { rows } = await inspector.history(rstId, 1);
      assert.equal(rows[0]?.status, "done");
      assert.ok(
        rows[0]?.detail?.crawl && rows[0].detail.crawl.pages > 0,
        JSON.stringify(rows[0]?.detail?.notes),
      );
      assert.equal(rows[0]?.detail?.accessibilityChecked, false);
      assert.ok(rows[0]?.detail?.notes.some((n) => n.kind === "accessibility"));
    });

    const serviceFor = (options: Omit<InspectionOptions, "chromiumPath"> & { chromiumPath?: string }) => {
      const d = t.deps;
      return new InspectionService(
        d.store,
        d.audit,
        d.sites,
        { content: d.content, mailbox: d.mailbox, oneStop: d.oneStop, analytics: d.analytics },
        { chromiumPath: CHROMIUM, ...options },
      );
    };
    const cli = async (service: InspectionService) => {
      let out = "";
      let err = "";
      const code = await inspectCommand(
        ["--site", "rst", "--json"],
        { out: (s) => (out += s), err: (s) => (err += s), tty: false },
        { inspection: service },
      );
      assert.equal(code, 0, err);
      const { rows } = await service.history(rstId, 1);
      return {
        result: JSON.parse(out) as {
          score: number;
          passed: boolean;
          vetoes: { rule: string; detail: string }[];
        },
        detail: rows[0]!.detail!,
      };
    };

    it("answers a wrong command line in Chinese, with the usage", async () => {
      let err = "";
      const io = { out: () => {}, err: (s: string) => (err += s), tty: false };
      assert.equal(await inspectCommand(["--site"], io, { inspection: inspector }), 2);
      assert.match(err, /参数 --site 缺少取值\n用法：npm run inspect -- --site 网站代码/);
    });

    it("fails a site whose home page does not answer, and says why the page checks were not made", async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      const { result, detail } = await cli(
        serviceFor({ targetBase: `http://127.0.0.1:${port}`, crawl: { hostDelayMs: 0, timeoutMs: 2000 } }),
      );
      assert.equal(result.passed, false);
      const veto = result.vetoes.find((v) => v.rule === "availability");
      assert.match(veto?.detail ?? "", /首页无法打开（无法连接/, JSON.stringify(result.vetoes));
      assert.match(veto?.detail ?? "", /请检查巡检地址配置 INSPECTION_BASE_URL/);
      const notes = detail.notes.map((n) => n.detail);
      assert.ok(!notes.some((n) => n.includes("没有 Chromium")), notes.join("\n"));
      assert.ok(
        notes.some((n) => /^未检查无障碍（首页无法打开/.test(n)),
        notes.join("\n"),
      );
      assert.equal(detail.accessibilityChecked, false);
    });

    it("does not count a probe round that reached no site as every site's outage, and tells operators", async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      const probes = async () =>
        Number(
          (
            await t.deps.store.db
              .selectFrom("inspectionProbes")
              .select((eb) => eb.fn.countAll<number>().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await probes();
      const misconfigured = serviceFor({ targetBase: `http://127.0.0.1:${port}`, probeTimeoutMs: 2000 });
      assert.equal(await misconfigured.probeAll(), 0);
      assert.equal(await probes(), before, "no site's availability was marked down");
      const problem = await inspector.probeProblem();
      assert.match(problem?.detail ?? "", /ECONNREFUSED[\s\S]*INSPECTION_BASE_URL/);
      const operator = await StaffSession.login(t.app, "admin");
      assert.match((await operator.get("/admin/inspection")).body, /巡检程序无法连接任何网站/);
      // The next round that reaches the sites is counted again, and the warning goes.
      const sites = await inspector.probeAll();
      assert.equal(await probes(), before + sites);
      assert.equal(await inspector.probeProblem(), null);
      assert.doesNotMatch((await operator.get("/admin/inspection")).body, /巡检程序无法连接任何网站/);
    });

    it("the inspector's crawl and probes are not counted as page views", async () => {
      const site = t.deps.sites.byCodeCached("rst")!;
      const today = chinaDate();
      await t.deps.analytics.flush();
      const before = (await t.deps.analytics.summary("rst", today, today)).pageviews;
      const report = await crawlSite({ start: inspector.homeUrl(site), maxPages: 5, hostDelayMs: 0 });
      assert.ok(report.pages.length > 1);
      await inspector.probe(site);
      await t.deps.analytics.flush();
      assert.equal((await t.deps.analytics.summary("rst", today, today)).pageviews, before);
    });

    it(
      "bounds every browser step: a hanging page and a huge page become report lines, the run ends",
      {
        // The browser step reads no database: once is enough (the other engine would only repeat it).
        skip: !existsSync(CHROMIUM)
          ? `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`
          : engine !== ENGINES[0]
            ? "the browser step uses no database: run on the first engine only"
            : false,
        timeout: 90_000,
      },
      async () => {
        const seen: { path: string; ua: string; browser: boolean }[] = [];
        const trap = browserTrapSite(seen);
        await new Promise<void>((r) => trap.listen(0, "127.0.0.1", r));
        try {
          const started = Date.now();
          const { result, detail } = await cli(
            serviceFor({
              targetBase: `http://127.0.0.1:${(trap.address() as AddressInfo).port}`,
              crawl: { hostDelayMs: 0, timeoutMs: 5000, maxBytes: 500_000 },
              browser: { pageTimeoutMs: 5000 },
            }),
          );
          assert.ok(Date.now() - started < 60_000);
          assert.equal(typeof result.score, "number");
          assert.equal(detail.accessibilityChecked, true);
          // The hanging page: one line with its address; the browser was started afresh for the rest.
          const hang = detail.deductions.filter(
            (x) => x.rule === "accessibility" && x.url.endsWith("/hang.html"),
          );
          assert.equal(hang.length, 1, JSON.stringify(detail.deductions));
          assert.match(hang[0]!.detail, /页面无法在浏览器中检查：浏览器检查超过 5 秒未完成/);
          const opened = seen.filter((r) => r.browser).map((r) => r.path);
          assert.ok(opened.includes("/sites/rst/after.html"), opened.join(","));
          assert.equal(opened.filter((p) => p === "/sites/rst/").length, 2, "axe-core, then the elder mode");
          // The huge page was read up to the cap by the crawler and not handed to Chromium.
          assert.ok(!opened.includes("/sites/rst/huge.html"), opened.join(","));
          assert.ok(
            detail.notes.some((n) => n.url?.endsWith("/huge.html") && /页面过大/.test(n.detail)),
            JSON.stringify(detail.notes),
          );
          // Every request, the crawler's and Chromium's, names the inspector.
          assert.deepEqual([...new Set(seen.map((r) => r.ua))], [INSPECTOR_USER_AGENT]);
        } finally {
          trap.closeAllConnections();
          await new Promise((r) => trap.close(r));
        }
      },
    );

    it("queues a run from the console and shows it with the history and the assessment", async () => {
      const admin = await StaffSession.login(t.app, "rst_admin");
      const res = await admin.post("/admin/inspection/sites/rst/run", {});
      assert.equal(res.statusCode, 303);
      const queued = await admin.get("/admin/inspection/sites/rst");
      assert.match(queued.body, /<progress/);
      assert.match(queued.body, /排队等待后台巡检/);
      // The job runner takes it (the app's own service; its target is not listening, which is reported).
      assert.equal(await t.deps.inspection.runQueued(1), 1);
      const done = await admin.get("/admin/inspection/sites/rst");
      assert.doesNotMatch(done.body, /<progress/);
      assert.match(done.body, /巡检记录/);
      const svg = await admin.get("/admin/inspection/sites/rst/trend.svg");
      assert.match(svg.headers["content-type"] as string, /svg/);
      const report = await admin.get(`/admin/inspection/assessment/rst?month=${chinaDate().slice(0, 7)}`);
      assert.equal(report.statusCode, 200);
      assert.match(report.body, /绩效评估月报/);
      assert.match(report.body, /当月巡检次数/);
      const bad = await admin.get("/admin/inspection/assessment/rst?month=2026-13");
      assert.equal(bad.statusCode, 400);
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("action", "=", "inspection.request")
        .execute();
      assert.equal(audit.length, 1);
    });
  });
}
