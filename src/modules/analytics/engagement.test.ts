import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";
import { waitFor } from "../../../test/wait-for.ts";
import { chinaDate, chinaDayStart, dayNumber, shiftDays } from "../../platform/time/china-time.ts";
import { AnalyticsService, type PageView } from "./service.ts";
import { reformulationCandidates } from "../../platform/search/synonym-mining.ts";

const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36";

for (const engine of ENGINES) {
  describe(`analytics engagement, search behaviour, funnels, demand desk (${engine})`, () => {
    let t: TestContext;
    const today = chinaDate();
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    const at = (day: string, second: number) => new Date(chinaDayStart(day)!.getTime() + second * 1000);
    const view = (site: string, ip: string, path: string, extra: Partial<PageView> = {}) =>
      t.deps.analytics.record({ siteCode: site, path, ip, userAgent: UA, elder: false, ...extra });

    it("counts one beacon per counted view at most, clamped, and none for pages never viewed", async () => {
      const headers = { "user-agent": UA, "x-forwarded-for": "198.51.100.40" };
      const page = await t.app.inject({ url: "/sites/zjt/", headers });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<script src="\/static\/js\/beacon.js" defer data-site="zjt"><\/script>/);
      const beacon = (body: Record<string, unknown>) =>
        t.app.inject({ method: "POST", url: "/api/analytics/beacon", headers, payload: body });
      for (let i = 0; i < 5; i++)
        assert.equal(
          (await beacon({ site: "zjt", path: "/sites/zjt/", seconds: 99_999, scroll: 80 })).statusCode,
          204,
        );
      // A forged beacon for a page this visitor never viewed, and one for another site's page.
      await beacon({ site: "zjt", path: "/sites/zjt/never-viewed", seconds: 30, scroll: 50 });
      await beacon({ site: "zjt", path: "/sites/www/", seconds: 30, scroll: 50 });
      const bad = await beacon({ site: "zjt", path: "/sites/zjt/", seconds: 10, scroll: 500 });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, "invalid_input");
      await t.deps.analytics.flush();
      const e = (await t.deps.analytics.summary("zjt", today, today)).engagement;
      assert.equal(e.beacons, 1);
      assert.deepEqual(e.pages, [
        { path: "/sites/zjt/", beacons: 1, averageSeconds: 1800, averageScroll: 80 },
      ]);
    });

    it("counts a beacon only for a page its visitor viewed, within the visitor's cap", async () => {
      const headers = { "user-agent": UA, "x-forwarded-for": "198.51.100.41" };
      const before = (await t.deps.analytics.summary("zjt", today, today)).engagement.beacons;
      for (const url of ["/sites/zjt/", "/sites/zjt/interaction/"])
        assert.equal((await t.app.inject({ url, headers })).statusCode, 200);
      await t.deps.analytics.flush();
      const beacon = (path: string) =>
        t.app.inject({
          method: "POST",
          url: "/api/analytics/beacon",
          headers,
          payload: { site: "zjt", path, seconds: 600, scroll: 100 },
        });
      // Two views leave room for two beacons: forged ones naming a page never viewed take neither.
      await beacon("/sites/zjt/never-viewed");
      await beacon("/sites/zjt/also-never-viewed");
      await beacon("/sites/zjt/interaction/");
      await t.deps.analytics.flush();
      const e = (await t.deps.analytics.summary("zjt", today, today)).engagement;
      assert.equal(e.beacons - before, 1);
      assert.ok(!e.pages.some((p) => p.path.includes("never-viewed")), JSON.stringify(e.pages));
    });

    it("keeps exit pages, refinements and exits from results from each visitor's sequence", async () => {
      const s = "/sites/rst/search";
      // Visitor A: searches, refines within a minute, then clicks a result (no exit from results).
      view("rst", "192.0.2.1", s, { term: "社保", at: at(today, 100) });
      view("rst", "192.0.2.1", s, { term: "社保转移", at: at(today, 130) });
      await t.deps.analytics.flush(); // the sequence goes on across flushes
      view("rst", "192.0.2.1", "/sites/rst/art/1.html", { at: at(today, 160) });
      // Visitor B: searches and leaves on the results page; a new term an hour later is no refinement.
      view("rst", "192.0.2.2", "/sites/rst/", { at: at(today, 100) });
      view("rst", "192.0.2.2", s, { term: "公积金", at: at(today, 200) });
      view("rst", "192.0.2.2", s, { term: "医保", at: at(today, 4000) });
      await t.deps.analytics.flush();
      const r = await t.deps.analytics.summary("rst", today, today);
      assert.deepEqual(r.exitPages, [
        { path: "/sites/rst/art/1.html", visitors: 1 },
        { path: s, visitors: 1 },
      ]);
      assert.equal(r.search.resultViews, 4);
      assert.equal(r.search.refinements, 1);
      assert.equal(r.search.refinementRate, 0.25);
      assert.deepEqual(r.search.refinedTerms, [{ term: "社保", count: 1 }]);
      assert.equal(r.search.exits, 1);
      assert.deepEqual(r.search.exitTerms, [{ term: "医保", count: 1 }]);
    });

    it("keeps a visit's exit page when two instances count its pages in turn", async () => {
      // Another instance on the same database: it writes the visitor's row between this one's flushes.
      const other = new AnalyticsService(t.deps.store);
      const page = (n: number) => `/sites/jyt/turns/${n}.html`;
      const ip = "192.0.2.77";
      view("jyt", ip, page(1), { at: at(today, 1000) });
      await t.deps.analytics.flush();
      other.record({ siteCode: "jyt", path: page(2), ip, userAgent: UA, elder: false, at: at(today, 1010) });
      await other.flush();
      view("jyt", ip, page(3), { at: at(today, 1020) });
      await t.deps.analytics.flush();
      view("jyt", ip, page(4), { at: at(today, 1030) });
      await t.deps.analytics.flush();
      const r = await t.deps.analytics.summary("jyt", today, today);
      assert.deepEqual(
        r.exitPages.filter((p) => p.path.includes("/turns/")),
        [{ path: page(4), visitors: 1 }],
      );
      assert.deepEqual(
        r.entryPages.filter((p) => p.path.includes("/turns/")),
        [{ path: page(1), visitors: 1 }],
      );
      await other.close();
    });

    it("writes a visitor's pages to the visitor's row once per epoch, and moves the exit page across epochs", async () => {
      const counting = new AnalyticsService(t.deps.store, { flushMs: 50, visitWriteMs: 3000 });
      const page = (n: number) => `/sites/jyt/epoch/${n}.html`;
      const ip = "192.0.2.88";
      const ours = async () => {
        const r = await counting.summary("jyt", today, today);
        const of = <T extends { path: string }>(rows: T[]) => rows.filter((p) => p.path.includes("/epoch/"));
        return {
          visitors: r.visitors,
          pages: of(r.topPages),
          entry: of(r.entryPages),
          exit: of(r.exitPages),
        };
      };
      const rowsExitingAt = async (n: number) =>
        t.deps.store.db
          .selectFrom("analyticsVisitorDaily")
          .select("views")
          .where("exitPage", "=", (eb) =>
            eb.selectFrom("analyticsPath").select("id").where("path", "=", page(n)),
          )
          .execute();
      const before = (await ours()).visitors;
      const view = (n: number) =>
        counting.record({ siteCode: "jyt", path: page(n), ip, userAgent: UA, elder: false });
      // Two timers' writes (as the running server makes them) within the epoch: page views are written
      // each time; the visitor's row is not, so no row ever says the visit ended on page 1.
      view(1);
      await counting.flush(false);
      view(2);
      await counting.flush(false);
      const during = await ours();
      assert.deepEqual(
        during.pages.map((p) => [p.path, p.views]),
        [
          [page(1), 1],
          [page(2), 1],
        ],
      );
      assert.equal(during.visitors, before);
      assert.equal((await rowsExitingAt(1)).length, 0);
      // The epoch ends on the timer, with no further view: one row write for both pages.
      await waitFor(async () => (await ours()).visitors === before + 1, 10_000, "the epoch to end", 50);
      assert.deepEqual((await ours()).exit, [{ path: page(2), visitors: 1 }]);
      assert.deepEqual(
        (await rowsExitingAt(2)).map((r) => Number(r.views)),
        [2],
      );
      // The next epoch moves the exit page; the visitor and the entry page stay.
      view(3);
      await waitFor(
        async () => (await ours()).exit.some((p) => p.path === page(3)),
        10_000,
        "the next epoch",
        50,
      );
      const next = await ours();
      assert.deepEqual(next.exit, [{ path: page(3), visitors: 1 }]);
      assert.deepEqual(next.entry, [{ path: page(1), visitors: 1 }]);
      assert.equal(next.visitors, before + 1);
      await counting.close();
    });

    it("offers the terms visitors searched again with as synonym candidates for review", async () => {
      const s = "/sites/rst/search";
      // Three visitors give up on 小孩上学 for 入学登记; one narrows 入学登记 (not a synonym); one does it once.
      for (const ip of ["192.0.2.11", "192.0.2.12", "192.0.2.13"]) {
        view("rst", ip, s, { term: "小孩上学", at: at(today, 500) });
        view("rst", ip, s, { term: "入学登记", at: at(today, 540) });
      }
      view("rst", "192.0.2.14", s, { term: "入学登记", at: at(today, 500) });
      view("rst", "192.0.2.14", s, { term: "入学登记查询", at: at(today, 520) });
      view("rst", "192.0.2.15", s, { term: "低保", at: at(today, 500) });
      view("rst", "192.0.2.15", s, { term: "救助", at: at(today, 520) });
      await t.deps.analytics.flush();
      const pairs = await t.deps.analytics.reformulations();
      assert.ok(pairs.some((p) => p.from === "小孩上学" && p.to === "入学登记" && p.count === 3));
      assert.ok(!pairs.some((p) => p.from === "低保"), "a pair seen once is not offered");
      // A pair the built-in synonyms already join is not offered again.
      assert.deepEqual(reformulationCandidates([{ from: "退休金", to: "养老金", count: 5 }]), []);

      const editor = await StaffSession.login(t.app, "rst_editor");
      assert.equal((await editor.post("/admin/search/synonyms/mine")).statusCode, 303);
      const page = await editor.get("/admin/search/synonyms");
      assert.match(page.body, /小孩上学[\s\S]*入学登记[\s\S]*访客换词再搜/);
      assert.match(page.body, /访客搜索“小孩上学”后五分钟内改搜“入学登记”，共 3 次/);
      assert.doesNotMatch(page.body, /改搜“入学登记查询”/, "narrowing a search is not a synonym");
      // Not used by search until an editor approves it.
      const stored = await t.deps.store.db
        .selectFrom("searchSynonyms")
        .where("word", "=", "小孩上学")
        .select(["canonical", "status", "source"])
        .execute();
      assert.deepEqual(stored, [{ canonical: "入学登记", status: "candidate", source: "reformulation" }]);
    });

    it("forgets visitors' rows older than yesterday, a range of them per write", async () => {
      const old = shiftDays(today, -3);
      const spread = (n: number, offset: number) =>
        Array.from({ length: n }, (_, i) => ({
          visitor: Math.floor(((i + 0.5) * 2 ** 52) / n) + offset,
          day: dayNumber(i % 2 === 0 ? old : shiftDays(today, -2)),
          exitPage: 0,
          lastTerm: null,
          lastSecond: 0,
          views: 1,
        }));
      const db = t.deps.store.db;
      await db.insertInto("analyticsVisitorDaily").values(spread(200, 7)).execute();
      const kept = { ...spread(1, 11)[0], day: dayNumber(shiftDays(today, -1)) };
      await db.insertInto("analyticsVisitorDaily").values(kept).execute();
      const fresh = new AnalyticsService(t.deps.store);
      const rowsBefore = async (day: string) =>
        (
          await db
            .selectFrom("analyticsVisitorDaily")
            .select("visitor")
            .where("day", "<", dayNumber(day))
            .execute()
        ).length;
      for (let i = 0; i < 70 && (await rowsBefore(shiftDays(today, -1))) > 0; i++) {
        fresh.record({
          siteCode: "rst",
          path: "/sites/rst/",
          ip: `203.0.113.${i}`,
          userAgent: UA,
          elder: false,
        });
        await fresh.flush();
        // SQLite scans one range of visitor numbers per write, not the whole table at once.
        if (i === 0 && engine === "sqlite") assert.ok((await rowsBefore(shiftDays(today, -1))) > 150);
      }
      assert.equal(await rowsBefore(shiftDays(today, -1)), 0);
      const yesterday = await db
        .selectFrom("analyticsVisitorDaily")
        .select("visitor")
        .where("visitor", "=", kept.visitor)
        .execute();
      assert.equal(yesterday.length, 1, "yesterday's rows stay");
      await fresh.close();
    });

    it("counts a view dated in the future as today's, so it cannot start a day that has not come", async () => {
      const counting = new AnalyticsService(t.deps.store);
      const tomorrow = shiftDays(today, 1);
      const path = "/sites/rst/future/1.html";
      counting.record({
        siteCode: "rst",
        path,
        ip: "192.0.2.99",
        userAgent: UA,
        elder: false,
        at: at(tomorrow, 100),
      });
      await counting.close();
      const todays = await counting.summary("rst", today, today);
      assert.ok(todays.topPages.some((p) => p.path === path));
      assert.equal((await counting.summary("rst", tomorrow, tomorrow)).pageviews, 0);
    });

    it("keeps what a failing write held, reports the failure once, and counts it when the database is back", async () => {
      let failing = true;
      // The same database, but every write fails the way a full disk does (not a busy lock).
      const store: typeof t.deps.store = Object.create(t.deps.store);
      store.onPrimary = (fn) =>
        failing ? Promise.reject(new Error("SQLITE_FULL: database or disk is full")) : fn();
      const counting = new AnalyticsService(store);
      const visitorsBefore = (await counting.summary("rst", today, today)).visitors;
      const reported: unknown[] = [];
      counting.onWriteError((error) => reported.push(error));
      const path = "/sites/rst/failing/1.html";
      const count = (ip: string) =>
        counting.record({ siteCode: "rst", path, ip, userAgent: UA, elder: false });
      count("192.0.2.120");
      await counting.flush();
      count("192.0.2.121");
      await counting.flush();
      assert.equal(reported.length, 1, "one report for a database that keeps failing");
      assert.match(String(reported[0]), /disk is full/);
      failing = false;
      await counting.close();
      const page = (await counting.summary("rst", today, today)).topPages.find((p) => p.path === path);
      assert.equal(page?.views, 2, "both views count once the database is back");
      assert.equal((await counting.summary("rst", today, today)).visitors, visitorsBefore + 2);
    });

    it("keeps an epoch open for views recorded with an earlier time (an import), not ending it every flush", async () => {
      const counting = new AnalyticsService(t.deps.store, { visitWriteMs: 60_000 });
      // An hour ago, or the day's start if that is later (the views must count for today).
      const earlier = new Date(Math.max(Date.now() - 3_600_000, chinaDayStart(today)!.getTime()));
      const site = "zjt";
      const visitors = async () => (await counting.summary(site, today, today)).visitors;
      const before = await visitors();
      for (const page of [1, 2, 3]) {
        counting.record({
          siteCode: site,
          path: `/sites/${site}/imported/${page}.html`,
          ip: "192.0.2.140",
          userAgent: UA,
          elder: false,
          at: new Date(earlier.getTime() + page * 1000),
        });
        await counting.flush(false);
      }
      assert.equal(await visitors(), before, "the visitor's row waits for the epoch's end");
      await counting.close();
      assert.equal(await visitors(), before + 1);
    });

    it("counts funnels per service item from guide views and the service hall's applications", async () => {
      const from = shiftDays(today, -365);
      const apps = await t.deps.store.db
        .selectFrom("applications")
        .where("status", "!=", "draft")
        .where("submittedAt", ">=", chinaDayStart(from)!.toISOString())
        .select(["itemCode", "status"])
        .execute();
      const item = (
        await t.deps.store.db.selectFrom("serviceItems").select(["code"]).executeTakeFirstOrThrow()
      ).code;
      for (let i = 0; i < 3; i++) view("rst", `192.0.2.${50 + i}`, `/sites/rst/services/item/${item}`);
      view("rst", "192.0.2.50", `/sites/rst/services/apply/${item}`);
      await t.deps.analytics.flush();
      const f = await t.deps.analytics.funnels(null, from, today);
      const row = f.items.find((x) => x.code === item)!;
      const mine = apps.filter((a) => a.itemCode === item);
      assert.deepEqual(
        [row.guideViews, row.startViews, row.submitted, row.completed],
        [3, 1, mine.length, mine.filter((a) => a.status === "closed").length],
      );
      assert.ok(Array.isArray(f.bundles));
    });

    it("finds rising pages and terms week over week, above the minimum volume", async () => {
      const lastWeek = shiftDays(today, -9);
      for (let i = 0; i < 12; i++) view("sjt", `203.0.113.${i}`, "/sites/sjt/rising", { at: at(today, 60) });
      for (let i = 0; i < 2; i++)
        view("sjt", `203.0.113.${i}`, "/sites/sjt/rising", { at: at(lastWeek, 60) });
      for (let i = 0; i < 5; i++) view("sjt", `203.0.113.${i}`, "/sites/sjt/quiet", { at: at(today, 90) });
      await t.deps.analytics.flush();
      const r = await t.deps.analytics.rising("sjt", today);
      assert.deepEqual(r.pages, [{ key: "/sites/sjt/rising", current: 12, previous: 2, rise: 10 }]);
      assert.equal((await t.deps.analytics.rising("sjt", today, 20)).pages.length, 0);
    });

    it("shows the demand desk with its fix links to readers of the site only", async () => {
      await t.deps.assistant.ask("火星移民签证在哪里办理", null, null);
      const q = `zqxjv${engine}`;
      await t.app.inject({ url: `/sites/rst/search?q=${q}`, headers: { "user-agent": UA } });
      const editor = await StaffSession.login(t.app, "rst_editor");
      // The search log is written a moment after the answer.
      let desk = await editor.get(`/admin/analytics/demand?site=rst`);
      for (let i = 0; i < 30 && !desk.body.includes(q); i++) {
        await new Promise((r) => setTimeout(r, 200));
        desk = await editor.get(`/admin/analytics/demand?site=rst`);
      }
      assert.equal(desk.statusCode, 200);
      assert.match(desk.body, /需求台/);
      assert.match(desk.body, new RegExp(`href="/admin/search/synonyms\\?word=${q}#add-synonym">添加同义词`));
      assert.match(
        desk.body,
        /href="\/admin\/assistant\/faqs\/new\?question=[^"]+&amp;turns=\d[^"]*">编写问答/,
      );
      assert.match(desk.body, /<caption class="visually-hidden">办事事项漏斗<\/caption>/);
      // A guide is improved by its department's site admin, not by an editor (test/console-links.test.ts).
      assert.match(desk.body, /办事事项漏斗<\/caption>[\s\S]*<span class="meta">—<\/span>/);
      assert.doesNotMatch(desk.body, /href="\/admin\/service-items/);
      assert.equal((await editor.get(`/admin/analytics/funnel.svg?site=rst`)).statusCode, 200);
      const dashboard = await editor.get(`/admin/analytics?site=rst`);
      assert.match(dashboard.body, /<caption>退出页面<\/caption>/);
      assert.match(dashboard.body, /<td>\/sites\/rst\/art\/1\.html<\/td><td>1<\/td>/);
      // The synonym fix opens with the term filled in.
      const fix = await editor.get(`/admin/search/synonyms?word=${q}`);
      assert.match(fix.body, new RegExp(`name="word" value="${q}"`));
      assert.equal((await editor.get(`/admin/analytics/demand?site=www`)).statusCode, 403);
      const handler = await StaffSession.login(t.app, "rst_handler");
      assert.equal((await handler.get(`/admin/analytics/demand?site=rst`)).statusCode, 403);
    });
  });
}
