import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";
import { shiftDays, chinaDate } from "../../platform/time/china-time.ts";
import { inspectCommand } from "./inspect-cli.ts";
import { InspectionService } from "./service.ts";

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
