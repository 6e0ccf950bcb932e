import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";
import { insertApplication } from "../onestop/test-helpers.ts";

/**
 * The monthly report counts exactly the chosen China-time month: data a few minutes either side of
 * its Asia/Shanghai boundaries (UTC dates that fall in the neighbouring month) is left out or counted
 * as a reader in China would expect.
 */
const MONTH = "2026-03";
/** Instants (China time): two inside March, two just outside it. */
const at = (china: string) => new Date(china).toISOString();
const IN_FIRST = at("2026-03-01T00:10:00+08:00"); // 2026-02-28T16:10Z: UTC says February
const IN_LAST = at("2026-03-31T23:50:00+08:00");
const PREV = at("2026-02-28T23:50:00+08:00");
const NEXT = at("2026-04-01T00:10:00+08:00"); // 2026-03-31T16:10Z: UTC says March

for (const engine of ENGINES) {
  describe(`monthly assessment report on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
      const db = t.deps.store.db;
      const site = t.deps.sites.byCodeCached("rst")!;
      // Letters: copies of a seeded letter, received in February, March (twice) and April; the March
      // ones replied on time, one rated; a reply given after March does not count in March's report.
      const letter = await db.selectFrom("letters").selectAll().orderBy("id").executeTakeFirstOrThrow();
      const { id: _letterId, ...letterRow } = letter;
      void _letterId;
      const letters: [string, string, "satisfied" | "unsatisfied"][] = [
        [PREV, PREV, "unsatisfied"],
        [IN_FIRST, at("2026-03-05T10:00:00+08:00"), "satisfied"],
        [IN_LAST, at("2026-04-02T10:00:00+08:00"), "unsatisfied"],
        [NEXT, NEXT, "unsatisfied"],
      ];
      for (const [i, [createdAt, repliedAt, rating]] of letters.entries())
        await db
          .insertInto("letters")
          .values({
            ...letterRow,
            queryNo: `TESTMONTH${i}`,
            lookupHash: `test-month-${i}`,
            siteId: site.id,
            ownerSiteId: site.id,
            addresseeSiteId: site.id,
            status: "reviewed" as const,
            createdAt,
            dueAt: at("2026-06-01T00:00:00+08:00"),
            repliedAt,
            rating,
            ratedAt: repliedAt,
            solved: 1,
          })
          .execute();
      // Applications: one submitted and closed in February, two in March, one in April.
      const item = await db
        .selectFrom("serviceItems")
        .select(["code", "name"])
        .where("siteId", "=", site.id)
        .orderBy("id")
        .executeTakeFirstOrThrow();
      const account = await db.selectFrom("accounts").select("id").orderBy("id").executeTakeFirstOrThrow();
      const apps: [string, number][] = [
        [PREV, 0],
        [IN_FIRST, 1],
        [IN_LAST, 1],
        [NEXT, 0],
      ];
      for (const [i, [when, onTime]] of apps.entries()) {
        const inserted = {
          id: await insertApplication(t, {
            trackingNo: `TESTMONTH${i}`,
            siteId: site.id,
            accountId: account.id,
            item,
            status: "closed",
            submittedAt: when,
            closedAt: when,
            onTime,
          }),
        };
        // Each rated: satisfied in March, very unsatisfied outside it (with a bad review).
        const evaluation = await db
          .insertInto("evaluations")
          .values({
            applicationId: inserted.id,
            siteId: site.id,
            itemCode: item.code,
            level: when === IN_FIRST || when === IN_LAST ? 5 : 1,
            comment: "",
            isDefault: 0,
            createdAt: when,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        if (when === PREV || when === NEXT)
          await db
            .insertInto("rectifications")
            .values({
              evaluationId: evaluation.id,
              siteId: site.id,
              status: "done",
              dueOn: "2026-06-01",
              createdAt: when,
              doneAt: when,
            })
            .execute();
      }
      // Page views and searches either side of the boundaries.
      for (const [when, n] of [
        [PREV, 7],
        [IN_FIRST, 2],
        [IN_LAST, 3],
        [NEXT, 11],
      ] as const) {
        for (let i = 0; i < n; i++)
          t.deps.analytics.record({
            siteCode: "rst",
            path: "/sites/rst/",
            ip: `10.0.0.${i}`,
            userAgent: "Mozilla/5.0 (X11; Linux x86_64)",
            elder: false,
            at: new Date(when),
          });
        await db
          .insertInto("searchLog")
          .values(
            Array.from({ length: n }, () => ({
              at: when,
              query: "社保",
              siteCode: "rst",
              kind: null,
              total: 0,
            })),
          )
          .execute();
      }
      await t.deps.analytics.flush();
      // Inspection runs: a failing one in February and in April, a passing one in March.
      for (const [when, score, passed] of [
        [PREV, 40, 0],
        [IN_LAST, 90, 1],
        [NEXT, 30, 0],
      ] as const)
        await db
          .insertInto("inspectionRuns")
          .values({
            siteId: site.id,
            status: "done",
            requestedBy: "job",
            phase: "",
            progressDone: 1,
            progressTotal: 1,
            score,
            passed,
            vetoCount: passed ? 0 : 1,
            result: JSON.stringify({
              site: "rst",
              score,
              passed: passed === 1,
              vetoes: passed ? [] : [{ rule: "home-stale", detail: `outside ${when}` }],
              deductions: [],
              notes: [],
            }),
            createdAt: when,
            startedAt: when,
            finishedAt: when,
          })
          .execute();
    });
    after(async () => t?.close());

    it("counts only the chosen month's letters, services, views, searches and inspections", async () => {
      const site = t.deps.sites.byCodeCached("rst")!;
      const a = await t.deps.assessment.site(site, MONTH);
      assert.equal(a.letters.received, 2, JSON.stringify(a.letters));
      // Both March letters replied on time as of the end of March? One was replied in April: at the
      // end of March it was open and not yet due, so it is not in the on-time base.
      assert.equal(a.letters.onTimeRate, 100);
      assert.equal(a.letters.satisfaction, 100);
      assert.ok(a.services, "rst offers services");
      assert.equal(a.services.applications, 2, JSON.stringify(a.services));
      assert.equal(a.services.onTimeRate, 100);
      assert.equal(a.services.satisfaction, 100);
      assert.equal(a.services.badReviews, 0);
      assert.equal(a.analytics.pageviews, 5);
      assert.equal(a.analytics.searches, 5);
      assert.equal(a.inspection.runs, 1);
      assert.equal(a.inspection.averageScore, 90);
      assert.deepEqual(a.inspection.vetoes, []);
      // The previous month sees its own data only.
      const feb = await t.deps.assessment.site(site, "2026-02");
      assert.equal(feb.letters.received, 1);
      assert.equal(feb.services?.applications, 1);
      assert.equal(feb.services?.badReviews, 1);
      assert.equal(feb.analytics.pageviews, 7);
      assert.equal(feb.inspection.averageScore, 40);
      assert.equal(feb.inspection.vetoes.length, 1);
    });

    it("gives a site not inspected in the month no score and no rank (letters alone do not rank it first)", async () => {
      const site = t.deps.sites.byCodeCached("rst")!;
      const db = t.deps.store.db;
      // March's run moved out of March for this test: the month keeps its letters and applications.
      const march = await db
        .selectFrom("inspectionRuns")
        .select(["id", "finishedAt"])
        .where("siteId", "=", site.id)
        .where("score", "=", 90)
        .executeTakeFirstOrThrow();
      await db
        .updateTable("inspectionRuns")
        .set({ finishedAt: "2030-01-01T00:00:00.000Z" })
        .where("id", "=", march.id)
        .execute();
      try {
        const a = await t.deps.assessment.site(site, MONTH);
        assert.equal(a.inspection.runs, 0);
        assert.equal(a.letters.onTimeRate, 100, "the letters are still there");
        assert.equal(a.score, null);
        const league = await t.deps.assessment.league(MONTH);
        assert.equal(league.find((r) => r.site.code === "rst")!.rank, null);
      } finally {
        await db
          .updateTable("inspectionRuns")
          .set({ finishedAt: march.finishedAt })
          .where("id", "=", march.id)
          .execute();
      }
    });

    it("the report page and the league table show the month's figures", async () => {
      const admin = await StaffSession.login(t.app, "admin");
      const report = await admin.get(`/admin/inspection/assessment/rst?month=${MONTH}&format=html`);
      assert.equal(report.statusCode, 200);
      const row = (label: string) =>
        new RegExp(`<th scope="row">${label}</th><td class="num">([^<]*)</td>`).exec(report.body)?.[1];
      assert.equal(row("当月收到留言"), "2");
      assert.equal(row("当月提交办件"), "2");
      assert.equal(row("当月差评"), "0");
      assert.equal(row("浏览量"), "5");
      assert.equal(row("当月巡检次数"), "1");
      const league = await admin.get(`/admin/inspection/assessment?month=${MONTH}`);
      assert.equal(league.statusCode, 200);
    });
  });
}
