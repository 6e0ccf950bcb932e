import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { DomainError } from "../../platform/http/errors.ts";

const actor = "test:operator";

for (const engine of ENGINES) {
  describe(`site cluster on ${engine}`, () => {
    let t: TestContext;
    const get = (url: string, host?: string) => t.app.inject({ url, headers: host ? { host } : {} });

    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("creates a site from the template tree and serves it by path and by host at once", async () => {
      const { sites } = t.deps;
      const site = await sites.createSite(
        {
          code: "lyj",
          siteCode: "4200000099",
          name: "楚云省林业局",
          kind: "department",
          host: "lyj.example.gov.cn",
          themeColor: "#1f6f43",
        },
        actor,
      );
      const paths = (await sites.repo.channelsOfSite(site.id)).map((c) => c.path).sort();
      assert.deepEqual(paths, [
        "bsfw",
        "gzdt",
        "hdjl",
        "tzgg",
        "zwgk",
        "zwgk/czyjs",
        "zwgk/zcjd",
        "zwgk/zcwj",
        "zwgk/zfgzbg",
      ]);
      for (const res of [await get("/sites/lyj/"), await get("/", "lyj.example.gov.cn")]) {
        assert.equal(res.statusCode, 200);
        assert.match(res.body, /<meta name="SiteName" content="楚云省林业局"/);
        assert.match(res.body, /<meta name="SiteIDCode" content="4200000099"/);
      }
      const byHost = await get("/col/tzgg/", "lyj.example.gov.cn");
      assert.equal(byHost.statusCode, 200);
      assert.match(byHost.body, /<h1>通知公告<\/h1>/);
      assert.equal((await get("/sites/lyj/col/zwgk/zcwj/")).statusCode, 200);
      const theme = await get("/sites/lyj/theme.css");
      assert.match(theme.body, /#1f6f43/);

      await assert.rejects(
        sites.createSite(
          {
            code: "lyj",
            siteCode: "4200000099",
            name: "重复",
            kind: "department",
            host: "lyj.example.gov.cn",
          },
          actor,
        ),
        (e: DomainError) => {
          assert.ok(e.fields.code && e.fields.siteCode && e.fields.host);
          return true;
        },
      );
      await assert.rejects(
        sites.createSite(
          { code: "Bad Code", siteCode: "12", name: "", kind: "x", host: "not a host" },
          actor,
        ),
        (e: DomainError) => {
          assert.deepEqual(Object.keys(e.fields).sort(), ["code", "host", "kind", "name", "siteCode"]);
          return true;
        },
      );
    });

    it("keeps old addresses working when a site code is renamed (机构改革)", async () => {
      const { sites, content } = t.deps;
      const site = sites.byCodeCached("lyj")!;
      const tzgg = (await sites.repo.channelByPath(site.id, "tzgg"))!;
      const a = await content.create(
        {
          kind: "notice",
          title: "林业局改名前的通知",
          bodyText: "正文",
          ownerSiteId: site.id,
          channelIds: [tzgg.id],
        },
        { id: null, name: actor },
      );
      await content.submit(a.id, { id: null, name: actor });
      await content.publish(a.id, { id: null, name: actor });

      await sites.updateSite(site.id, { code: "lcj" }, actor);
      assert.equal((await get("/sites/lcj/")).statusCode, 200);
      for (const [from, to] of [
        ["/sites/lyj/", "/sites/lcj/"],
        ["/sites/lyj/col/tzgg/", "/sites/lcj/col/tzgg/"],
        [`/sites/lyj/art/${a.id}.html`, `/sites/lcj/art/${a.id}.html`],
      ]) {
        const res = await get(from);
        assert.equal(res.statusCode, 301, from);
        assert.equal(res.headers.location, to);
      }
      const article = await get(`/sites/lcj/art/${a.id}.html`);
      assert.match(article.body, /林业局改名前的通知/);
    });

    it("redirects a renamed channel and its children, and a merged channel into its target", async () => {
      const { sites } = t.deps;
      const site = sites.byCodeCached("lcj")!;
      const zwgk = (await sites.repo.channelByPath(site.id, "zwgk"))!;
      await sites.renameChannel(zwgk.id, { slug: "xxgk", name: "信息公开" }, actor);
      const renamed = await get("/sites/lcj/col/zwgk/");
      assert.equal(renamed.statusCode, 301);
      assert.equal(renamed.headers.location, "/sites/lcj/col/xxgk/");
      const child = await get("/sites/lcj/col/zwgk/zcwj/");
      assert.equal(child.statusCode, 301);
      assert.equal(child.headers.location, "/sites/lcj/col/xxgk/zcwj/");
      assert.equal((await get("/sites/lcj/col/xxgk/zcwj/")).statusCode, 200);

      const gzdt = (await sites.repo.channelByPath(site.id, "gzdt"))!;
      const tzgg = (await sites.repo.channelByPath(site.id, "tzgg"))!;
      await sites.mergeChannel(tzgg.id, gzdt.id, actor);
      const merged = await get("/sites/lcj/col/tzgg/");
      assert.equal(merged.statusCode, 301);
      assert.equal(merged.headers.location, "/sites/lcj/col/gzdt/");
      const target = await get("/sites/lcj/col/gzdt/");
      assert.match(target.body, /林业局改名前的通知/, "the merged channel's articles moved");
      // Chains collapse after a second rename of the site.
      await sites.updateSite(site.id, { code: "lcj2" }, actor);
      const chained = await get("/sites/lyj/col/gzdt/");
      assert.equal(chained.statusCode, 301);
      assert.equal(chained.headers.location, "/sites/lcj2/col/gzdt/");
      assert.equal((await t.deps.audit.verify()).ok, true);
    });
  });
}
