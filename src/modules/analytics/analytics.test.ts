import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";
import { waitFor } from "../../../test/wait-for.ts";
import { chinaDate, dayNumber, shiftDays } from "../../platform/time/china-time.ts";
import SQLite from "better-sqlite3";
import { sql } from "kysely";
import { sqlitePath } from "../../platform/db/database.ts";
import { hashApiKey, newApiKey } from "./access.ts";
import { analyticsCommand } from "./cli.ts";
import { seededRandom } from "../../platform/random/seeded-random.ts";

/** The pages of some roll-up rows by their summed views, largest first, ties by path. */
function groupedTop(rows: { path: string; views: number }[]) {
  const sums = new Map<string, number>();
  for (const r of rows) sums.set(r.path, (sums.get(r.path) ?? 0) + r.views);
  return [...sums]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([path, views]) => ({ path, views }));
}

const PHONE_UA = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
const DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36";

for (const engine of ENGINES) {
  describe(`cookieless analytics (${engine})`, () => {
    let t: TestContext;
    let base: string;
    let articlePath: string;
    const today = chinaDate();
    before(async () => {
      t = await startPlatform(engine);
      base = await t.app.listen({ port: 0, host: "127.0.0.1" });
      articlePath = (await t.deps.search.search({ q: "营商环境" })).hits[0].url;
    });
    after(async () => t?.close());

    const visit = (path: string, ip: string, ua: string, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, { headers: { "x-forwarded-for": ip, "user-agent": ua, ...headers } });

    it("counts every view of a public page, cached or not, with visitors, devices, referrers and elder mode", async () => {
      for (let i = 0; i < 3; i++)
        assert.equal((await visit(articlePath, "203.0.113.7", PHONE_UA)).status, 200);
      await visit(articlePath, "203.0.113.8", DESKTOP_UA, { referer: "https://www.baidu.com/s?wd=x" });
      await visit("/sites/www/", "203.0.113.8", DESKTOP_UA, { cookie: "elder=1" });
      // Robots and pages that are not public HTML do not count.
      await visit(articlePath, "203.0.113.9", "Mozilla/5.0 (compatible; Baiduspider/2.0)");
      await visit("/api/search?q=社保", "203.0.113.7", PHONE_UA);
      await t.deps.analytics.flush();

      const s = await t.deps.analytics.summary("www", today, today);
      assert.equal(s.pageviews, 5);
      assert.equal(s.visitors, 2);
      assert.deepEqual(s.topPages[0], { path: articlePath, views: 4 });
      assert.deepEqual(s.devices.map((d) => [d.device, d.views]).sort(), [
        ["手机", 3],
        ["电脑", 2],
      ]);
      assert.deepEqual(s.referrers, [{ host: "www.baidu.com", views: 1 }]);
      assert.equal(s.elderViews, 1);
      assert.deepEqual(s.entryPages[0], { path: articlePath, visitors: 2 });
      // Nothing that identifies a visitor is stored: no address, no user agent.
      const rows = JSON.stringify(
        await t.deps.store.db.selectFrom("analyticsVisitorDaily").selectAll().execute(),
      );
      assert.doesNotMatch(rows, /203\.0\.113|Android|Mozilla/);
    });

    it("shows the views and new visitors a running server counted a few seconds ago, without being told to flush", async () => {
      const summary = () => t.deps.analytics.summary("www", today, today);
      const before = await summary();
      await visit(articlePath, "203.0.113.21", PHONE_UA);
      await visit(articlePath, "203.0.113.22", DESKTOP_UA);
      await visit("/sites/www/", "203.0.113.22", DESKTOP_UA);
      const started = Date.now();
      await waitFor(
        async () => {
          const now = await summary();
          return now.pageviews === before.pageviews + 3 && now.visitors === before.visitors + 2;
        },
        8_000,
        "three views and two new visitors in the summary",
        250,
      );
      // The flush timer runs every 2 s and an epoch's visitors are written at the first flush 3 s on.
      assert.ok(Date.now() - started <= 7_000, `took ${Date.now() - started} ms`);
    });

    it("does not count a page the browser only prefetched", async () => {
      const path = "/sites/www/services";
      const views = async () => (await t.deps.analytics.summary("www", today, today)).pageviews;
      await t.deps.analytics.flush();
      const before = await views();
      const prefetches: Record<string, string>[] = [
        { "sec-purpose": "prefetch" },
        { purpose: "prefetch" },
        { "sec-purpose": "prefetch;prerender" },
      ];
      for (const headers of prefetches)
        assert.equal((await visit(path, "203.0.113.40", DESKTOP_UA, headers)).status, 200);
      await visit(path, "203.0.113.40", DESKTOP_UA);
      await t.deps.analytics.flush();
      assert.equal((await views()) - before, 1);
    });

    it("cannot be inflated by one client beyond the per-visitor daily limit", async () => {
      const before = (await t.deps.analytics.summary("www", today, today)).pageviews;
      for (let i = 0; i < 400; i++)
        t.deps.analytics.record({
          siteCode: "www",
          path: "/sites/www/flood",
          ip: "198.51.100.1",
          userAgent: DESKTOP_UA,
          elder: false,
        });
      await t.deps.analytics.flush();
      const after = await t.deps.analytics.summary("www", today, today);
      assert.equal(after.pageviews - before, 300);
    });

    it("caps one address that changes its user agent on every request", async () => {
      const before = (await t.deps.analytics.summary("zjt", today, today)).pageviews;
      for (let i = 0; i < 3500; i++)
        t.deps.analytics.record({
          siteCode: "zjt",
          path: "/sites/zjt/",
          ip: "198.51.100.77",
          userAgent: `${DESKTOP_UA} variant/${i}`,
          elder: false,
        });
      await t.deps.analytics.flush();
      const after = await t.deps.analytics.summary("zjt", today, today);
      assert.equal(after.pageviews - before, 3000);
    });

    it("gives the same visitor a different hash on another day (the salt rotates)", async () => {
      const yesterday = shiftDays(today, -1);
      const at = new Date(Date.parse(`${yesterday}T12:00:00+08:00`));
      const rowsOf = async () =>
        await t.deps.store.db
          .selectFrom("analyticsVisitorDaily")
          .where("day", "in", [dayNumber(yesterday), dayNumber(today)])
          .select(["day", "visitor"])
          .execute();
      await t.deps.analytics.flush();
      const before = new Set((await rowsOf()).map((r) => r.visitor));
      t.deps.analytics.record({
        siteCode: "rst",
        path: "/sites/rst/",
        ip: "192.0.2.5",
        userAgent: DESKTOP_UA,
        elder: false,
        at,
      });
      t.deps.analytics.record({
        siteCode: "rst",
        path: "/sites/rst/",
        ip: "192.0.2.5",
        userAgent: DESKTOP_UA,
        elder: false,
      });
      await t.deps.analytics.flush();
      // One new row on each day: the same address and browser is another visitor the next day.
      const added = (await rowsOf()).filter((r) => !before.has(r.visitor));
      assert.deepEqual(added.map((r) => r.day).sort(), [dayNumber(yesterday), dayNumber(today)].sort());
      assert.notEqual(added[0].visitor, added[1].visitor);
    });

    it("npm run analytics refuses a site nobody has, as the API does", async () => {
      const env = {
        DATA_DIR: t.config.dataDir,
        DATABASE_URL: t.config.databaseUrl ?? "",
        LOG_LEVEL: "silent",
      };
      const printed: string[] = [];
      const log = console.log;
      const error = console.error;
      console.log = (line: string) => void printed.push(line);
      console.error = (line: string) => void printed.push(line);
      try {
        assert.equal(await analyticsCommand(["--site", "nope", "--json"], env), 2);
        assert.match(printed.join("\n"), /未找到该站点：nope/);
        printed.length = 0;
        assert.equal(await analyticsCommand(["--site", "rst", "--json"], env), 0);
        assert.equal((JSON.parse(printed.join("\n")) as { site: string }).site, "rst");
      } finally {
        console.log = log;
        console.error = error;
      }
    });

    it("reports site search terms, with the zero-result ones, for the site whose page was used", async () => {
      const q = `qzxvkjwpq${engine}`;
      const wide = `wzxvkjwpq${engine}`;
      await visit(`/sites/www/search?q=${encodeURIComponent(q)}`, "203.0.113.20", DESKTOP_UA);
      // A department's "全部网站" search covers the cluster but was made on the department's page.
      await visit(`/sites/rst/search?scope=all&q=${encodeURIComponent(wide)}`, "203.0.113.20", DESKTOP_UA);
      const listed = async (site: string | null, term: string) =>
        (await t.deps.analytics.summary(site, today, today)).search.zeroResultTerms.some(
          (x) => x.term === term.toLowerCase(),
        );
      let found = false;
      for (let i = 0; i < 30 && !found; i++) {
        await new Promise((r) => setTimeout(r, 200));
        found = (await listed(null, q)) && (await listed(null, wide));
      }
      assert.ok(found, "the zero-result searches are listed for the cluster");
      assert.ok(await listed("www", q), "the portal's own search counts for the portal");
      assert.ok(await listed("rst", wide), "a department's cluster-wide search counts for the department");
      assert.ok(!(await listed("rst", q)) && !(await listed("www", wide)), "and for no other site");

      // Each top term says how many results it found: a term with results and one without.
      await visit(`/sites/www/search?q=${encodeURIComponent("养老保险")}`, "203.0.113.20", DESKTOP_UA);
      assert.ok((await t.deps.search.search({ q: "养老保险" })).total > 0);
      let terms: { term: string; results: number }[] = [];
      for (let i = 0; i < 30 && !terms.some((x) => x.term === "养老保险"); i++) {
        await new Promise((r) => setTimeout(r, 200));
        terms = (await t.deps.analytics.summary("www", today, today)).search.topTerms;
      }
      assert.ok(terms.find((x) => x.term === "养老保险")!.results > 0, "the term's results are counted");
      assert.equal(terms.find((x) => x.term === q.toLowerCase())?.results, 0);
    });

    it("ranks pages, entry and exit pages and refined terms over a range as grouping every row would", async () => {
      // Two sites of their own with 120 pages a day over 9 days, skewed like real traffic and noisy, so
      // a day's largest counts are cut off below the top of the range; exit counts with corrections
      // (one below zero), and search terms refined on both sites.
      const random = seededRandom(engine.length);
      const days = Array.from({ length: 9 }, (_v, i) => shiftDays(today, -40 - i));
      const sites = ["ranka", "rankb"];
      const pages = days.flatMap((day) =>
        sites.flatMap((siteCode, s) =>
          Array.from({ length: 120 }, (_v, i) => ({
            day,
            siteCode,
            path: `/sites/${siteCode}/art/${i}.html`,
            views: 1 + Math.floor((300 - s * 100) / (i + 1) ** 1.2 + random() * 40),
          })),
        ),
      );
      const dimRows = pages.flatMap((p, i) => [
        { day: p.day, siteCode: p.siteCode, dim: "entry" as const, value: p.path, count: p.views },
        {
          day: p.day,
          siteCode: p.siteCode,
          dim: "exit" as const,
          value: p.path,
          count: i % 7 === 0 ? -1 : p.views % 50,
        },
        {
          day: p.day,
          siteCode: p.siteCode,
          dim: "refine" as const,
          value: `词${i % 30}`,
          count: 1 + (i % 13),
        },
      ]);
      const db = t.deps.store.db;
      await db.insertInto("analyticsPageDaily").values(pages).execute();
      for (let i = 0; i < dimRows.length; i += 500)
        await db
          .insertInto("analyticsDimDaily")
          .values(dimRows.slice(i, i + 500))
          .onConflict((oc) => oc.doNothing())
          .execute();
      const grouped = async (site: string | null, from: string, to: string, dim: string, limit: number) => {
        let q = db
          .selectFrom("analyticsDimDaily")
          .where("dim", "=", dim as never)
          .where("day", ">=", from)
          .where("day", "<=", to);
        q = site ? q.where("siteCode", "=", site) : q.where("siteCode", "in", sites);
        const rows = await q
          .select(["value", sql<number>`sum(count)`.as("n")])
          .groupBy("value")
          .having(sql`sum(count)`, ">", 0)
          .orderBy(sql`sum(count)`, "desc")
          .orderBy("value")
          .limit(limit)
          .execute();
        return rows.map((r) => ({ value: r.value, n: Number(r.n) }));
      };
      for (const site of ["ranka", null])
        for (const [from, to] of [
          [days.at(-1)!, days[0]],
          [days[3], days[1]],
          [days[0], days[0]],
        ]) {
          const s = await t.deps.analytics.summary(site, from, to);
          const label = `${site ?? "cluster"} ${from}..${to}`;
          const inRange = pages.filter((p) => p.day >= from && p.day <= to && (!site || p.siteCode === site));
          assert.deepEqual(s.topPages, groupedTop(inRange).slice(0, 20), label);
          assert.deepEqual(
            s.entryPages.map((p) => ({ value: p.path, n: p.visitors })),
            await grouped(site, from, to, "entry", 10),
            label,
          );
          assert.deepEqual(
            s.exitPages.map((p) => ({ value: p.path, n: p.visitors })),
            await grouped(site, from, to, "exit", 10),
            label,
          );
          assert.deepEqual(
            s.search.refinedTerms.map((p) => ({ value: p.term, n: p.count })),
            await grouped(site, from, to, "refine", 10),
            label,
          );
          assert.equal(
            s.pageviews,
            inRange.reduce((sum, p) => sum + p.views, 0),
          );
        }
    });

    it("answers the summary API to staff of the site and to an operator key, and refuses everyone else", async () => {
      const url = `/api/analytics/summary?site=www&from=${today}&to=${today}`;
      const anonymous = await t.app.inject({ url });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().error.code, "unauthenticated");

      const key = newApiKey();
      await t.deps.analytics.addApiKey(hashApiKey(key), "运维脚本");
      const withKey = await t.app.inject({ url, headers: { "x-api-key": key } });
      assert.equal(withKey.statusCode, 200);
      const body = withKey.json();
      assert.ok(body.pageviews >= 5);
      assert.ok(Array.isArray(body.topPages) && Array.isArray(body.search.topTerms));
      for (const term of body.search.topTerms) assert.equal(typeof term.results, "number", "result counts");
      assert.equal((await t.app.inject({ url, headers: { "x-api-key": `${key}x` } })).statusCode, 401);

      const editor = await StaffSession.login(t.app, "rst_editor");
      assert.equal((await editor.get(url)).statusCode, 403, "an rst editor cannot read www");
      const own = await editor.get(`/api/analytics/summary?site=rst&from=${today}&to=${today}`);
      assert.equal(own.statusCode, 200);
      assert.equal((await editor.get(`/api/analytics/summary?from=${today}&to=${today}`)).statusCode, 403);

      const bad = await t.app.inject({
        url: `/api/analytics/summary?site=www&from=2026-13-01&to=${today}`,
        headers: { "x-api-key": key },
      });
      assert.equal(bad.statusCode, 400);
      assert.ok(bad.json().error.fields.from);
    });

    it("shows the figures in the console, as tables and a chart", async () => {
      const editor = await StaffSession.login(t.app, "rst_editor");
      const page = await editor.get("/admin/analytics?site=rst");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /访问统计/);
      assert.match(page.body, /<caption>热门页面<\/caption>/);
      const chart = await editor.get(
        `/admin/analytics/daily.svg?site=rst&from=${shiftDays(today, -6)}&to=${today}`,
      );
      assert.equal(chart.statusCode, 200);
      assert.match(chart.body, /^<svg/);
      const badRange = await editor.get(`/admin/analytics?site=rst&from=${today}&to=${shiftDays(today, -3)}`);
      assert.equal(badRange.statusCode, 400);
      assert.match(badRange.body, /结束日期不能早于开始日期/);
    });
  });
}

if (ENGINES.includes("sqlite"))
  describe("cookieless analytics on a SQLite file another process writes to (start:cluster)", () => {
    it("does not wait on the other's write lock, and counts the views once the lock is free", async () => {
      const t = await startPlatform("sqlite");
      const other = new SQLite(sqlitePath(t.config));
      try {
        const today = chinaDate();
        const pageviews = async () => (await t.deps.analytics.summary("zjt", today, today)).pageviews;
        // Today's salt is written by the first flush of the day (once per instance): done first.
        t.deps.analytics.record({
          siteCode: "zjt",
          path: "/sites/zjt/",
          ip: "198.51.100.69",
          userAgent: DESKTOP_UA,
          elder: false,
        });
        await t.deps.analytics.flush();
        const before = await pageviews();
        for (let i = 0; i < 5; i++)
          t.deps.analytics.record({
            siteCode: "zjt",
            path: "/sites/zjt/",
            ip: `198.51.100.${70 + i}`,
            userAgent: DESKTOP_UA,
            elder: false,
          });
        other.prepare("BEGIN IMMEDIATE").run();
        const started = performance.now();
        await t.deps.analytics.flush();
        // Waiting for the lock would have blocked every request for up to 5 s.
        assert.ok(performance.now() - started < 1000, `flush took ${performance.now() - started} ms`);
        assert.equal(await pageviews(), before);
        other.prepare("ROLLBACK").run();
        await t.deps.analytics.flush();
        assert.equal(await pageviews(), before + 5);
      } finally {
        other.close();
        await t.close();
      }
    });
  });
