import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { SearchKinds } from "../../platform/search/kinds.ts";
import { StaffSession } from "../../../test/staff-session.ts";

describe("search kind registry", () => {
  it("keeps one label per kind and falls back to the kind itself", () => {
    const kinds = new SearchKinds();
    kinds.register({ service: "办事服务" });
    kinds.register({ service: "办事服务", letter: "互动留言" });
    assert.throws(() => kinds.register({ letter: "留言" }), /already registered/);
    assert.equal(kinds.label("letter"), "互动留言");
    assert.equal(kinds.label("unknown"), "unknown");
    assert.deepEqual(
      kinds.all().map((k) => k.kind),
      ["service", "letter"],
    );
  });
});

for (const engine of ENGINES) {
  describe(`site search labels and kind filter on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    const api = async (query: string) => {
      const res = await t.app.inject({ url: `/api/search?${query}` });
      return { status: res.statusCode, body: res.json() };
    };

    it("knows the kinds every module contributes", () => {
      const kinds = t.deps.search.kinds;
      assert.equal(kinds.label("service"), "办事服务");
      assert.equal(kinds.label("letter"), "互动留言");
      assert.equal(kinds.label("policy"), "政策文件");
    });

    it("labels services and letters in the facets and the results of the search page", async () => {
      const res = await t.app.inject({ url: `/sites/www/search?q=${encodeURIComponent("公积金")}` });
      assert.equal(res.statusCode, 200);
      const facets = res.body.slice(res.body.indexOf('class="facets"'), res.body.indexOf("</aside>"));
      assert.match(facets, /kind=service">办事服务（\d+）</);
      assert.match(facets, /kind=letter">互动留言（\d+）</);
      assert.match(res.body, /class="meta">办事服务 · /);
      assert.match(res.body, /class="meta">互动留言 · /);
      assert.doesNotMatch(res.body, />(service|letter)（\d+）</, "no raw kind shown");

      const only = await t.app.inject({
        url: `/sites/www/search?q=${encodeURIComponent("公积金")}&kind=letter`,
      });
      const metas = [...only.body.matchAll(/class="meta">([^·<]+) · /g)].map((m) => m[1].trim());
      assert.ok(metas.length > 0);
      assert.deepEqual(new Set(metas), new Set(["互动留言"]), "the page filter keeps letters only");
    });

    it("tells every instance when the index changes, whichever module changed it", async () => {
      const topics: string[] = [];
      t.deps.bus.subscribe((topic) => topics.push(topic));
      await t.deps.search.upsert({
        key: "test:bus",
        kind: "service",
        title: "总线测试事项",
        body: "正文",
        url: "/sites/www/bus-test",
        siteIds: [1],
        publishedAt: new Date().toISOString(),
      });
      assert.deepEqual(topics, ["search"]);
      await t.deps.search.remove("test:bus");
      assert.deepEqual(topics, ["search", "search"]);
      await t.deps.search.remove("test:bus"); // gone already: nothing changed, nothing to tell
      assert.deepEqual(topics, ["search", "search"]);
    });

    it("lets an editor switch a built-in synonym pair off and on again", async () => {
      const url = "/sites/www/ebike-test";
      await t.deps.search.upsert({
        key: "test:builtin-pair",
        kind: "service",
        title: "电动自行车登记上牌须知",
        body: "电动自行车须登记上牌后方可上路。",
        url,
        siteIds: [1],
        publishedAt: new Date().toISOString(),
      });
      const finds = async () =>
        (await api(`q=${encodeURIComponent("电瓶车")}&pageSize=50`)).body.results.some(
          (r: { url: string }) => r.url === url,
        );
      assert.ok(await finds(), "the built-in pair 电瓶车 → 电动自行车 is used");
      const editor = await StaffSession.login(t.app, "rst_editor");
      const row = (body: string) =>
        body.match(/<tr><td>电瓶车<\/td><td>电动自行车<\/td><td>([^<]+)<\/td>/)?.[1];
      const page = await editor.get("/admin/search/synonyms?status=builtin");
      assert.equal(page.statusCode, 200);
      assert.equal(row(page.body), "使用中");
      assert.match(page.body, /建立索引时合并的同义词组/);
      assert.match(page.body, /<td>社会保险<\/td><td>社保<\/td>/);

      const pair = { word: "电瓶车", canonical: "电动自行车" };
      const off = await editor.post("/admin/search/synonyms/builtin", { ...pair, use: "0" });
      assert.equal(off.statusCode, 303);
      assert.equal(row((await editor.get("/admin/search/synonyms?status=builtin")).body), "已停用");
      assert.ok(!(await finds()), "a switched-off pair is no longer used");
      const rejected = await editor.get("/admin/search/synonyms?status=rejected");
      assert.match(rejected.body, /<td>电瓶车<\/td><td>电动自行车<\/td><td>内置<\/td>/);

      const unknown = await editor.post("/admin/search/synonyms/builtin", {
        word: "电瓶车",
        canonical: "汽车",
        use: "0",
      });
      assert.equal(unknown.statusCode, 404);
      const bad = await editor.post("/admin/search/synonyms/builtin", { ...pair, use: "maybe" });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /请选择停用或恢复使用/);

      assert.equal(
        (await editor.post("/admin/search/synonyms/builtin", { ...pair, use: "1" })).statusCode,
        303,
      );
      assert.equal(row((await editor.get("/admin/search/synonyms?status=builtin")).body), "使用中");
      assert.ok(await finds(), "switched on again");
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select(["action", "actor"])
        .where("action", "like", "search.synonym.builtin.%")
        .orderBy("id")
        .execute();
      assert.deepEqual(
        audit.map((a) => `${a.action}:${a.actor}`),
        ["search.synonym.builtin.off:rst_editor", "search.synonym.builtin.on:rst_editor"],
      );
      await t.deps.search.remove("test:builtin-pair");
    });

    it("filters the API by the contributed kinds and names them when a kind is unknown", async () => {
      const all = await api(`q=${encodeURIComponent("公积金")}&pageSize=50`);
      assert.equal(all.status, 200);
      const count = (kind: string) =>
        (all.body.facets.kind as { value: string; count: number }[]).find((f) => f.value === kind)?.count ??
        0;
      for (const kind of ["service", "letter"]) {
        const r = await api(`q=${encodeURIComponent("公积金")}&kind=${kind}&pageSize=50`);
        assert.equal(r.status, 200);
        assert.ok(r.body.total > 0);
        assert.equal(r.body.total, count(kind));
        assert.ok(r.body.results.every((h: { kind: string }) => h.kind === kind));
      }
      const deps = await api(`q=${encodeURIComponent("公积金")}&kind=service`);
      assert.ok(
        deps.body.results.every(
          (h: { url: string; site: string }) => h.site && h.url.startsWith(`/sites/${h.site}/services/item/`),
        ),
        "service hits name their department site",
      );

      const bad = await api(`q=x&kind=bogus`);
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /service/);
      assert.match(JSON.stringify(bad.body), /letter/);
    });

    it("logs every query for analytics without the personal data typed into it", async () => {
      const typed = "社保 420102199001011234 13812345678 zhang@example.com";
      const res = await api(`q=${encodeURIComponent(typed)}&site=www`);
      assert.equal(res.status, 200);
      const logged = async () =>
        t.deps.store.db
          .selectFrom("searchLog")
          .select(["query", "siteCode"])
          .where("query", "like", "社保 [证件号]%")
          .execute();
      const deadline = Date.now() + 5000;
      let rows = await logged();
      while (rows.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        rows = await logged();
      }
      assert.deepEqual(rows, [{ query: "社保 [证件号] [手机号] [邮箱]", siteCode: "www" }]);
    });

    it("counts people's searches, not robots', next pages or one address flooding the figures", async () => {
      const logged = async (query: string) =>
        (await t.deps.store.db.selectFrom("searchLog").select("id").where("query", "=", query).execute())
          .length;
      const page = (q: string, headers: Record<string, string> = {}, extra = "") =>
        t.app.inject({ url: `/sites/rst/search?q=${encodeURIComponent(q)}${extra}`, headers });
      for (const agent of ["Mozilla/5.0 (compatible; Googlebot/2.1)", "ChuyunInspectorBot/1.0"])
        assert.equal((await page("机器人搜的词", { "user-agent": agent })).statusCode, 200);
      await page("翻页的词", { "x-forwarded-for": "10.9.8.6" });
      await page("翻页的词", { "x-forwarded-for": "10.9.8.6" }, "&page=2");
      for (let i = 0; i < 105; i++) await page("刷的词", { "x-forwarded-for": "10.9.8.7" });
      const deadline = Date.now() + 5000;
      while ((await logged("刷的词")) < 100 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(await logged("刷的词"), 100);
      assert.equal(await logged("翻页的词"), 1);
      assert.equal(await logged("机器人搜的词"), 0);
      await page("ｓｈｅｂａｏ２０２４", { "x-forwarded-for": "10.9.8.5" });
      await page("shebao2024", { "x-forwarded-for": "10.9.8.5" });
      const end = Date.now() + 5000;
      while ((await logged("shebao2024")) < 2 && Date.now() < end)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal(await logged("shebao2024"), 2, "full-width and half-width are one term");
    });

    it("serves a repeated search page from the page cache and still logs each search", async () => {
      const url = `/sites/rst/search?q=${encodeURIComponent("养老保险 缓存")}`;
      const first = await t.app.inject({ url });
      const second = await t.app.inject({ url });
      assert.equal(first.statusCode, 200);
      assert.equal(second.headers["x-page-cache"], "hit");
      assert.equal(second.body, first.body);
      const count = async () =>
        (
          await t.deps.store.db
            .selectFrom("searchLog")
            .select("id")
            .where("query", "=", "养老保险 缓存")
            .where("siteCode", "=", "rst")
            .execute()
        ).length;
      const deadline = Date.now() + 5000;
      while ((await count()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await count(), 2);
    });
  });
}
