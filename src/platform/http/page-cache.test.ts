import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { get as httpGet, type IncomingHttpHeaders } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
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

  it("answers repeated anonymous visits over real HTTP from the fast path, with the same bytes and headers", async () => {
    const address = await t.app.listen({ port: 0, host: "127.0.0.1" });
    const hit = await t.deps.search.search({ q: "营商环境" });
    const url = `${address}${hit.hits[0].url}`;
    const identity = { headers: { "accept-encoding": "identity" } };
    const first = await fetch(url, identity);
    const firstBody = await first.text();
    const second = await fetch(url, identity);
    assert.equal(second.headers.get("x-page-cache"), "hit");
    assert.equal(await second.text(), firstBody);
    assert.equal(second.headers.get("content-security-policy"), first.headers.get("content-security-policy"));
    assert.equal(Number(second.headers.get("content-length")), Buffer.byteLength(firstBody));
    // A visitor with a session cookie never gets the anonymous copy.
    const signedIn = await fetch(url, { headers: { cookie: "cy_citizen=abc" } });
    assert.equal(signedIn.headers.get("x-page-cache"), null);
  });

  it("sends cached pages, scripts and styles compressed to clients that take it, the same bytes once decoded", async () => {
    const port = (t.app.server.address() as { port: number }).port;
    const address = `http://127.0.0.1:${port}`;
    const hit = await t.deps.search.search({ q: "营商环境" });
    const raw = (path: string, acceptEncoding: string) =>
      new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        httpGet(`${address}${path}`, { headers: { "accept-encoding": acceptEncoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }).on("error", reject);
      });
    const page = hit.hits[0].url;
    const plain = await raw(page, "identity");
    await raw(page, "identity"); // now cached
    const br = await raw(page, "gzip, deflate, br");
    assert.equal(br.headers["x-page-cache"], "hit");
    assert.equal(br.headers["content-encoding"], "br");
    assert.match(String(br.headers.vary), /Accept-Encoding/i);
    assert.ok(br.body.length < plain.body.length / 2, `${br.body.length} of ${plain.body.length} bytes`);
    assert.equal(brotliDecompressSync(br.body).toString(), plain.body.toString());
    const gzip = await raw(page, "gzip;q=1.0, br;q=0");
    assert.equal(gzip.headers["content-encoding"], "gzip", "br refused with q=0");
    assert.equal(gunzipSync(gzip.body).toString(), plain.body.toString());
    const none = await raw(page, "gzip;q=0");
    assert.equal(none.headers["content-encoding"], undefined);
    assert.equal(none.body.toString(), plain.body.toString());

    assert.match(
      String(plain.headers.vary),
      /Accept-Encoding/i,
      "the first, uncompressed answer says so too",
    );
    const prefersGzip = await raw(page, "br;q=0.1, gzip");
    assert.equal(prefersGzip.headers["content-encoding"], "gzip", "the client's preference wins");

    const css = await raw("/static/css/site.css", "gzip");
    const cssPlain = await raw("/static/css/site.css", "");
    assert.equal(css.headers["content-encoding"], "gzip");
    assert.match(String(css.headers.vary), /Accept-Encoding/i);
    assert.equal(gunzipSync(css.body).toString(), cssPlain.body.toString());
    assert.equal(cssPlain.headers["content-encoding"], undefined);
    assert.notEqual(css.headers.etag, cssPlain.headers.etag, "one tag per coding");
    const revalidate = (tags: string, acceptEncoding = "gzip") =>
      new Promise<number>((resolve, reject) => {
        httpGet(
          `${address}/static/css/site.css`,
          { headers: { "if-none-match": tags, "accept-encoding": acceptEncoding } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        ).on("error", reject);
      });
    assert.equal(await revalidate(String(css.headers.etag)), 304);
    assert.equal(await revalidate(`"other", W/${css.headers.etag}`), 304, "a list, weak comparison");
    assert.equal(await revalidate("*"), 304);
    assert.equal(
      await revalidate(String(cssPlain.headers.etag)),
      200,
      "the plain bytes' tag is not the gzip one's",
    );
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

describe("page cache fast path", () => {
  it("answers only anonymous GETs for pages that may skip the route, and leaves the rest to Fastify", async () => {
    const { createServer } = await import("node:http");
    const { PageCache, servePageCacheFast } = await import("./page-cache.ts");
    const cache = new PageCache(60_000);
    const page = (raw: boolean) => ({
      at: Date.now(),
      headers: { "content-type": "text/html" },
      body: "<p>页</p>",
      raw,
    });
    const server = createServer((req, res) => {
      if (!servePageCacheFast(cache, req, res)) res.writeHead(404).end("fastify");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    // Keyed by the Host the visitor asked for (fetch always sends the address it connects to).
    cache.set(`127.0.0.1:${port}|0|/fast`, page(true), cache.currentGeneration());
    cache.set(`127.0.0.1:${port}|0|/route-code`, page(false), cache.currentGeneration());
    cache.set(`other.example|0|/elsewhere`, page(true), cache.currentGeneration());
    const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
      fetch(`http://127.0.0.1:${port}${path}`, { method, headers });
    try {
      const fast = await get("/fast");
      assert.equal(fast.status, 200);
      assert.equal(await fast.text(), "<p>页</p>");
      assert.equal(fast.headers.get("x-page-cache"), "hit");
      assert.equal((await get("/route-code")).status, 404);
      assert.equal((await get("/fast", { cookie: "sid=1" })).status, 404);
      assert.equal((await get("/elsewhere")).status, 404, "another host's page is not served here");
      assert.equal((await get("/fast", {}, "POST")).status, 404);
      cache.clear();
      assert.equal((await get("/fast")).status, 404);
    } finally {
      server.close();
    }
  });
});
