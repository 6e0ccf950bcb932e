// Feeds, sitemaps, robots.txt and page addresses: absolute URLs come from the configured site hosts,
// never from the request's Host header; feeds and sitemaps are checked by third-party tools
// (@rowanmanning/feed-parser, xmllint from libxml2).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { parseFeed } from "@rowanmanning/feed-parser";
import { ENGINES, startPlatform, type TestContext } from "./engines.ts";

const run = promisify(execFile);
const SITEMAP_XSD = fileURLToPath(new URL("./fixtures/sitemap-0.9.xsd", import.meta.url));
/** Other sites use the public base URL's scheme with their own host. */
const RST = "https://rst.example.gov.cn";
const PORTAL = "https://portal.example.gov.cn";

/** xmllint's verdict on a document ("" when it is well-formed, and valid against the schema if given). */
async function xmllint(dir: string, name: string, body: string, schema?: string): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, body);
  const args = ["--noout", ...(schema ? ["--schema", schema] : []), file];
  return run("xmllint", args).then(
    () => "",
    (error: { stderr?: string }) => error.stderr || "xmllint failed",
  );
}

function meta(html: string, name: string): string | undefined {
  return new RegExp(`<meta name="${name}" content="([^"]*)"`).exec(html)?.[1];
}

for (const engine of ENGINES) {
  describe(`feeds, sitemaps and hosts on ${engine}`, () => {
    let t: TestContext;
    const dir = mkdtempSync(join(tmpdir(), "chuyun-feeds-"));
    const get = (url: string, host?: string) => t.app.inject({ url, headers: host ? { host } : {} });

    before(async () => {
      // The portal's public address differs from its Host on purpose: URLs must follow configuration.
      t = await startPlatform(engine, { config: { publicBaseUrl: PORTAL } });
    });
    after(async () => {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("never echoes the Host header into feeds, sitemaps or robots.txt", async () => {
      for (const url of [
        "/sites/rst/col/tzgg/rss.xml",
        "/sites/rst/col/tzgg/atom.xml",
        "/sites/rst/sitemap.xml",
        "/col/tzgg/rss.xml",
        "/sitemap.xml",
        "/robots.txt",
        "/sites/rst/col/tzgg/",
      ]) {
        const res = await get(url, "evil.example");
        assert.equal(res.statusCode, 200, url);
        assert.doesNotMatch(res.body, /evil\.example/, `${url} echoes the Host`);
      }
      // The department's feed on an unknown host still names the department's own host.
      const rss = await get("/sites/rst/col/tzgg/rss.xml", "evil.example");
      assert.equal(parseFeed(rss.body).url, `${RST}/col/tzgg/`);
      // An unknown host gets the portal.
      const home = await get("/", "evil.example");
      assert.equal(meta(home.body, "SiteName"), "楚云省人民政府");
    });

    it("answers a malformed Host with 400, never 500", async () => {
      for (const host of ["[", "a b", "x:99999", "x:0", "a/b"])
        for (const url of [
          "/sites/rst/col/tzgg/rss.xml",
          "/col/tzgg/atom.xml",
          "/sitemap.xml",
          "/robots.txt",
          "/",
        ]) {
          const res = await get(url, host);
          assert.equal(res.statusCode, 400, `${JSON.stringify(host)} ${url}`);
        }
      // Said in Chinese: a page for a page, JSON for the API.
      const page = await get("/", "a b");
      assert.match(String(page.headers["content-type"]), /text\/html/);
      assert.match(page.body, /请求的主机名格式有误/);
      const api = await get("/api/search?q=x", "a b");
      assert.equal(api.statusCode, 400);
      assert.equal(api.json().error.message, "请求的主机名格式有误");
      // Ordinary hosts with ports and IP addresses are fine.
      for (const host of ["127.0.0.1:3000", "[::1]:8080", "rst.example.gov.cn", "www.example.gov.cn."])
        assert.equal((await get("/robots.txt", host)).statusCode, 200, host);
    });

    it("serves RSS and Atom a feed parser and xmllint accept, with self links, author and description", async () => {
      for (const [kind, type] of [
        ["rss", "application/rss+xml"],
        ["atom", "application/atom+xml"],
      ] as const) {
        const res = await get(`/col/tzgg/${kind}.xml`, "rst.example.gov.cn");
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers["content-type"]), new RegExp(`^${type.replace("+", "\\+")}`));
        assert.equal(await xmllint(dir, `tzgg.${kind}.xml`, res.body), "", `${kind} well-formed`);
        const feed = parseFeed(res.body);
        assert.equal(feed.url, `${RST}/col/tzgg/`);
        assert.equal(feed.self, `${RST}/col/tzgg/${kind}.xml`);
        assert.match(feed.title ?? "", /通知公告 - 楚云省人力资源和社会保障厅/);
        assert.ok(feed.items.length > 0, "the channel's articles are items");
        for (const item of feed.items) {
          assert.match(item.url ?? "", /^https:\/\/rst\.example\.gov\.cn\/art\/\d+\.html$/);
          assert.ok(item.published && item.published.getUTCFullYear() >= 2000, "items are dated");
        }
        if (kind === "rss") assert.match(feed.description ?? "", /通知公告/, "RSS channel description");
        if (kind === "atom") {
          // RFC 4287: a feed without an author on every entry names one at feed level.
          assert.deepEqual(
            feed.authors.map((a) => a.name),
            ["楚云省人力资源和社会保障厅"],
          );
          assert.match(res.body, /<author>\s*<name>楚云省人力资源和社会保障厅<\/name>/);
        }
      }
    });

    it("dates an empty channel's feed by the channel, not 1970, and answers unknown channels in XML", async () => {
      // Every seeded channel has content now: make an empty one.
      const rst = t.deps.sites.byCodeCached("rst")!;
      await t.deps.sites.createChannel(rst.id, { name: "空栏目", slug: "empty-feed", kind: "list" }, "test");
      for (const kind of ["rss", "atom"]) {
        const res = await get(`/sites/rst/col/empty-feed/${kind}.xml`);
        assert.equal(res.statusCode, 200);
        const feed = parseFeed(res.body);
        assert.equal(feed.items.length, 0);
        assert.ok(feed.updated && feed.updated.getUTCFullYear() >= 2000, `${kind} updated ${feed.updated}`);
        assert.doesNotMatch(res.body, /1970/);
        const missing = await get(`/sites/rst/col/no-such-channel/${kind}.xml`);
        assert.equal(missing.statusCode, 404);
        assert.match(String(missing.headers["content-type"]), /^application\/xml/);
        assert.equal(await xmllint(dir, `missing.${kind}.xml`, missing.body), "");
        assert.match(missing.body, /该栏目不存在/);
      }
    });

    it("offers feed discovery and column metadata on column pages, with absolute Url and canonical", async () => {
      const res = await get("/sites/rst/col/tzgg/");
      assert.equal(res.statusCode, 200);
      assert.match(
        res.body,
        /<link rel="alternate" type="application\/rss\+xml" title="[^"]+" href="https:\/\/rst\.example\.gov\.cn\/col\/tzgg\/rss\.xml"/,
      );
      assert.match(
        res.body,
        /<link rel="alternate" type="application\/atom\+xml" title="[^"]+" href="https:\/\/rst\.example\.gov\.cn\/col\/tzgg\/atom\.xml"/,
      );
      assert.match(meta(res.body, "ColumnDescription") ?? "", /通知公告/);
      assert.match(meta(res.body, "ColumnKeywords") ?? "", /通知公告/);
      assert.equal(meta(res.body, "Url"), `${RST}/col/tzgg/`);
      assert.match(res.body, /<link rel="canonical" href="https:\/\/rst\.example\.gov\.cn\/col\/tzgg\/"/);
      // The portal's pages use its configured public address.
      const home = await get("/", "www.example.gov.cn");
      assert.equal(meta(home.body, "Url"), `${PORTAL}/`);
      assert.match(home.body, new RegExp(`<link rel="canonical" href="${PORTAL}/"`));
    });

    it("puts a canonical link on public pages and ContentSource on letter and consultation pages", async () => {
      for (const url of [
        "/sites/rst/",
        "/sites/rst/interaction/write",
        "/sites/rst/interaction/lookup",
        "/sites/www/interaction/consultations/1",
        "/sites/www/search?q=社保",
        "/sites/rst/services/",
        "/sites/www/no-such-page",
      ]) {
        const res = await get(url);
        const canonical = /<link rel="canonical" href="([^"]+)"/.exec(res.body)?.[1];
        assert.ok(canonical && /^https?:\/\/[a-z.]+\//.test(canonical), `${url} canonical ${canonical}`);
        assert.doesNotMatch(canonical!, /\/sites\//, `${url} canonical is a host-root URL`);
        assert.equal(meta(res.body, "Url"), canonical);
      }
      for (const url of ["/sites/rst/interaction/write", "/sites/rst/interaction/lookup"])
        assert.equal(meta((await get(url)).body, "ContentSource"), "楚云省人力资源和社会保障厅", url);
      // A consultation's source is the government that publishes it.
      assert.match(
        meta((await get("/sites/www/interaction/consultations/1")).body, "ContentSource") ?? "",
        /^楚云省/,
      );
    });

    it("lists host-root URLs in a department's sitemap, valid against the sitemap schema", async () => {
      for (const [url, host] of [
        ["/sitemap.xml", "rst.example.gov.cn"],
        ["/sites/rst/sitemap.xml", "www.example.gov.cn"],
      ]) {
        const res = await get(url, host);
        assert.equal(res.statusCode, 200);
        assert.equal(await xmllint(dir, "sitemap.xml", res.body, SITEMAP_XSD), "", `${host}${url}`);
        const locs = [...res.body.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
        assert.ok(locs.length > 5);
        for (const loc of locs) {
          assert.ok(loc.startsWith(`${RST}/`), loc);
          assert.doesNotMatch(loc, /\/sites\//, "one address per page: the host root");
        }
        assert.ok(locs.includes(`${RST}/col/tzgg/`));
      }
      const portal = await get("/sitemap.xml", "www.example.gov.cn");
      assert.equal(await xmllint(dir, "portal-sitemap.xml", portal.body, SITEMAP_XSD), "");
      assert.match(portal.body, new RegExp(`<loc>${PORTAL}/</loc>`));
    });

    it("serves robots.txt per host, a site map page for people and a favicon", async () => {
      const rst = await get("/robots.txt", "rst.example.gov.cn");
      assert.equal(rst.statusCode, 200);
      assert.match(String(rst.headers["content-type"]), /^text\/plain/);
      assert.match(rst.body, /^Disallow: \/admin$/m);
      assert.match(rst.body, /^Sitemap: https:\/\/rst\.example\.gov\.cn\/sitemap\.xml$/m);
      for (const host of ["www.example.gov.cn", "unknown.example"]) {
        const res = await get("/robots.txt", host);
        assert.match(res.body, new RegExp(`^Sitemap: ${PORTAL}/sitemap\\.xml$`, "m"), host);
      }
      // The footer's 网站地图 opens an HTML page listing the site's columns; sitemap.xml stays for crawlers.
      const home = await get("/sites/rst/");
      assert.match(home.body, /<a href="\/sites\/rst\/sitemap">网站地图<\/a>/);
      const map = await get("/sitemap", "rst.example.gov.cn");
      assert.equal(map.statusCode, 200);
      assert.match(String(map.headers["content-type"]), /^text\/html/);
      for (const name of ["通知公告", "工作动态", "政策文件", "财政预决算", "我要写信", "网上办事大厅"])
        assert.match(map.body, new RegExp(`>${name}</a>`), name);
      const icon = await get("/favicon.ico", "rst.example.gov.cn");
      assert.equal(icon.statusCode, 200);
      assert.equal(icon.headers["content-type"], "image/x-icon");
      const bytes = icon.rawPayload;
      assert.deepEqual([...bytes.subarray(0, 4)], [0, 0, 1, 0], "an ICO file");
      assert.ok(bytes.readUInt16LE(4) >= 1 && bytes.length > 100);
    });
  });
}
