import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chinaDate } from "../../platform/time/china-time.ts";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { staffSession } from "./test-helpers.ts";

/** Weekdays (China time) strictly after a up to and including b: an independent count for the test. */
function weekdaysBetween(a: string, b: string): number {
  let n = 0;
  for (let t = Date.parse(a) + 86_400_000; t <= Date.parse(b); t += 86_400_000) {
    const day = new Date(chinaDate(new Date(t))).getUTCDay();
    if (day !== 0 && day !== 6) n++;
  }
  return n;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

for (const engine of ENGINES) {
  describe(`interaction figures and deflection on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("shows similar published letters while typing and counts who leaves without filing", async () => {
      const draft = "draftTokenAAAAAAAAAAAA1";
      const res = await t.app.inject({
        url: `/api/interaction/similar?site=rst&draft=${draft}&q=${encodeURIComponent("养老保险关系转移")}`,
      });
      assert.equal(res.statusCode, 200);
      const { items } = res.json() as { items: { title: string; url: string; snippet: string }[] };
      assert.ok(
        items.some((i) => i.title.includes("养老保险关系如何转移接续")),
        JSON.stringify(items),
      );
      assert.ok(!JSON.stringify(items).includes("13812345678"), "public text is masked");
      let d = await t.deps.mailbox.letters.deflection(null);
      assert.deepEqual(d, { shown: 1, filed: 0, left: 1 });

      // Without JavaScript: the "check similar questions" step shows the same letters in the page.
      const noJs = await t.app.inject({
        method: "POST",
        url: "/sites/rst/interaction/write",
        payload: new URLSearchParams({
          action: "similar",
          subject: "公积金租房提取",
          content: "",
          draft: "draftTokenBBBBBBBBBBBB2",
        }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
        remoteAddress: "10.2.0.1",
      });
      assert.equal(noJs.statusCode, 200);
      assert.ok(noJs.body.includes("租房提取住房公积金每月能提多少"));
      assert.ok(noJs.body.includes('value="公积金租房提取"'), "typed subject kept");
      d = await t.deps.mailbox.letters.deflection(null);
      assert.equal(d.shown, 2);

      // The second citizen files anyway.
      const ip = "10.2.0.2";
      await t.app.inject({
        method: "POST",
        url: "/sites/rst/interaction/write",
        payload: new URLSearchParams({ action: "code", phone: "13922223333" }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
        remoteAddress: ip,
      });
      const code = (
        await t.deps.store.db
          .selectFrom("smsOutbox")
          .select("body")
          .where("phoneIndex", "=", t.deps.store.cipher.blindIndex("phone", "13922223333"))
          .executeTakeFirstOrThrow()
      ).body.match(/\d{6}/)![0];
      const filed = await t.app.inject({
        method: "POST",
        url: "/sites/rst/interaction/write",
        payload: new URLSearchParams({
          action: "submit",
          draft: "draftTokenBBBBBBBBBBBB2",
          addressee: `dept:${t.deps.sites.byCodeCached("zjt")!.id}`,
          kind: "consult",
          subject: "公积金租房提取",
          content: "我想问问合租的情况下能不能提取公积金付房租？",
          name: "何平",
          phone: "13922223333",
          code,
        }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
        remoteAddress: ip,
      });
      assert.equal(filed.statusCode, 200);
      d = await t.deps.mailbox.letters.deflection(null);
      assert.deepEqual(d, { shown: 2, filed: 1, left: 1 });
      const op = await staffSession(t.app, t.deps, "admin");
      const queue = await t.app.inject({ url: "/admin/interaction", headers: { cookie: op.cookie } });
      assert.match(queue.body, /2 次写信过程展示了相似问题，其中 1 次仍提交了信件，\s*1 次未提交/);
    });

    it("public figures match the stored letters, with real and default ratings apart", async () => {
      const rows = await t.deps.store.db
        .selectFrom("letters")
        .select([
          "status",
          "ownerSiteId",
          "createdAt",
          "dueAt",
          "repliedAt",
          "rating",
          "solved",
          "siteId",
          "addresseeSiteId",
        ])
        .execute();
      const res = await t.app.inject({ url: "/api/interaction/stats?site=www" });
      assert.equal(res.statusCode, 200);
      const f = res.json();
      const now = Date.now();
      const valid = rows.filter((r) => r.status !== "invalid");
      const replied = valid.filter((r) => r.repliedAt);
      const rated = replied.filter((r) => r.rating);
      const window = 7 * 86_400_000;
      assert.equal(f.received, rows.length);
      assert.equal(f.replied, replied.length);
      assert.ok(f.replied >= 4, "the demo has replied letters");
      assert.equal(f.repliedOnTime, replied.filter((r) => r.repliedAt! <= r.dueAt).length);
      assert.ok(f.repliedOnTime < f.replied, "the demo has a late reply, and it shows");
      assert.equal(
        f.averageReplyDays,
        round1(replied.reduce((s, r) => s + weekdaysBetween(r.createdAt, r.repliedAt!), 0) / replied.length),
      );
      assert.equal(f.overdueOpen, valid.filter((r) => !r.repliedAt && Date.parse(r.dueAt) < now).length);
      assert.ok(f.overdueOpen >= 1, "the seeded overdue letter counts");
      // An overdue unanswered letter counts against timeliness: it is in the sample, never on time.
      assert.equal(f.onTimeBase, f.replied + f.overdueOpen);
      assert.equal(f.onTimeRate, round1((f.repliedOnTime / (f.replied + f.overdueOpen)) * 100));
      assert.equal(f.ratings.real, rated.length);
      assert.equal(f.ratings.satisfied, rated.filter((r) => r.rating === "satisfied").length);
      assert.equal(f.ratings.unsatisfied, rated.filter((r) => r.rating === "unsatisfied").length);
      const defaulted = replied.filter((r) => !r.rating && now - Date.parse(r.repliedAt!) > window).length;
      assert.equal(f.ratings.defaulted, defaulted);
      assert.ok(defaulted >= 1, "the demo has an unrated old reply");
      const good = rated.filter((r) => r.rating !== "unsatisfied").length;
      assert.equal(f.satisfactionReal, round1((good / rated.length) * 100));
      assert.equal(
        f.satisfactionWithDefault,
        round1(((good + defaulted) / (rated.length + defaulted)) * 100),
      );
      assert.notEqual(
        f.satisfactionReal,
        f.satisfactionWithDefault,
        "default ratings are not mixed into the real figure",
      );
      const solvedKnown = rated.filter((r) => r.solved != null);
      assert.equal(
        f.solvedRate,
        round1((solvedKnown.filter((r) => r.solved).length / solvedKnown.length) * 100),
      );

      const rst = t.deps.sites.byCodeCached("rst")!;
      const dept = f.byDepartment.find((x: { code: string }) => x.code === "rst");
      assert.equal(dept.received, rows.filter((r) => r.ownerSiteId === rst.id).length);
      assert.equal(
        dept.replied,
        rows.filter((r) => r.ownerSiteId === rst.id && r.repliedAt && r.status !== "invalid").length,
      );

      assert.equal(
        f.byDepartment.reduce((n: number, d: { received: number }) => n + d.received, 0),
        f.received,
        "the rows (departments, and letters not yet transferred) add up to the total",
      );

      // A department site counts letters filed on it, addressed to it or owned by it.
      const rstStats = (await t.app.inject({ url: "/api/interaction/stats?site=rst" })).json();
      assert.equal(
        rstStats.received,
        rows.filter((r) => [r.siteId, r.ownerSiteId, r.addresseeSiteId].includes(rst.id)).length,
      );

      // The page shows the same numbers.
      const page = await t.app.inject({ url: "/sites/www/interaction/stats" });
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes(`<dt>收到来信</dt><dd>${f.received}</dd>`));
      assert.ok(page.body.includes(`群众实际评价 ${f.ratings.real} 件`));
      // Every rate shows the sample it rests on.
      assert.ok(
        page.body.includes(`<dt>按时答复率</dt><dd>${f.onTimeRate}%（${f.onTimeBase} 件应答复）</dd>`),
      );
      assert.ok(page.body.includes(`<dd>${f.satisfactionReal}%（${f.ratings.real} 件评价）</dd>`));
      assert.ok(page.body.includes(`<dt>解决率</dt><dd>${f.solvedRate}%（${f.solvedBase} 件评价）</dd>`));
      assert.ok(page.body.includes(`${f.ratings.defaulted} 件按规定默认计为满意`));
      assert.ok(page.body.includes("楚云省人力资源和社会保障厅"));
    });

    it("answers unknown sites with a 404 JSON error and documents the API", async () => {
      const res = await t.app.inject({ url: "/api/interaction/stats?site=nope" });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, "not_found");
      const docs = await t.app.inject({ url: "/api/docs/json" });
      const spec = docs.json();
      assert.ok(spec.paths["/api/interaction/stats"], "in the OpenAPI document");
    });
  });
}
