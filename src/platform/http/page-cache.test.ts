import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPlatform, type TestContext } from "../../../test/engines.ts";

// The cache is in memory and engine-independent: one engine is enough.
describe("page cache for anonymous visitors", () => {
  let t: TestContext;
  before(async () => {
    t = await startPlatform("sqlite");
  });
  after(async () => t?.close());

  it("serves a repeated article page from memory, and the new version right after an edit", async () => {
    const hit = await t.deps.search.search({ q: "营商环境" });
    const url = hit.hits[0].url;
    const first = await t.app.inject({ url });
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers["x-page-cache"], undefined);
    const second = await t.app.inject({ url });
    assert.equal(second.headers["x-page-cache"], "hit");
    assert.equal(second.body, first.body);
    assert.equal(second.headers["content-type"], first.headers["content-type"]);
    assert.ok(second.headers["content-security-policy"], "security headers are kept");

    const id = Number(/art\/(\d+)\.html/.exec(url)![1]);
    const article = await t.deps.content.get(id);
    await t.deps.content.update(
      id,
      { ...article, title: `${article.title}（修订）`, bodyHtml: article.bodyHtml },
      { id: null, name: "test" },
    );
    const third = await t.app.inject({ url });
    assert.equal(third.headers["x-page-cache"], undefined);
    assert.match(third.body, /（修订）/);
  });

  it("keeps elder mode and staff visitors apart from the cached anonymous page", async () => {
    await t.app.inject({ url: "/" });
    const anonymous = await t.app.inject({ url: "/" });
    assert.equal(anonymous.headers["x-page-cache"], "hit");
    const elder = await t.app.inject({ url: "/", headers: { cookie: "elder=1" } });
    assert.notEqual(elder.body, anonymous.body);
    const staff = await t.app.inject({ url: "/", headers: { cookie: "sid=abc" } });
    assert.equal(staff.headers["x-page-cache"], undefined);
  });

  it("shows a new channel in the navigation at once", async () => {
    await t.app.inject({ url: "/sites/rst/" });
    const site = t.deps.sites.byCodeCached("rst")!;
    await t.deps.sites.createChannel(site.id, { name: "缓存测试栏目", slug: "hcces", kind: "list" }, "test");
    const page = await t.app.inject({ url: "/sites/rst/" });
    assert.match(page.body, /缓存测试栏目/);
  });
});

describe("page cache under a burst of first visits", () => {
  it("renders a cold page once while simultaneous visitors wait for it", async () => {
    const Fastify = (await import("fastify")).default;
    const { PageCache, registerPageCache } = await import("./page-cache.ts");
    const app = Fastify();
    registerPageCache(app, new PageCache(10_000));
    let renders = 0;
    app.get("/page", { config: { pageCache: true } }, async (_request, reply) => {
      renders++;
      await new Promise((r) => setTimeout(r, 50)); // a slow database
      return reply.type("text/html; charset=utf-8").send("<p>页面</p>");
    });
    await app.ready();
    const answers = await Promise.all(Array.from({ length: 30 }, () => app.inject({ url: "/page" })));
    assert.ok(answers.every((a) => a.statusCode === 200 && a.body === "<p>页面</p>"));
    assert.equal(renders, 1, "one render served all thirty visitors");
    await app.close();
  });
});
