import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "./engines.ts";

const HAN = /\p{Script=Han}/u;

function meta(html: string, name: string): string | undefined {
  return new RegExp(`<meta name="${name}" content="([^"]*)"`).exec(html)?.[1];
}

for (const engine of ENGINES) {
  describe(`public pages and API on ${engine}`, () => {
    let t: TestContext;
    let policyId: number;
    let newsId: number;
    const get = (url: string) => t.app.inject({ url });

    before(async () => {
      t = await startPlatform(engine);
      const policy = await t.deps.store.db
        .selectFrom("articles")
        .select("id")
        .where("docNumber", "=", "楚人社发〔2026〕8号")
        .executeTakeFirstOrThrow();
      policyId = policy.id;
      const news = await t.deps.store.db
        .selectFrom("articles")
        .select("id")
        .where("title", "=", "全省城镇新增就业提前完成全年目标")
        .executeTakeFirstOrThrow();
      newsId = news.id;
    });
    after(async () => t?.close());

    it("never answers bad query strings or addresses with a 500", async () => {
      const urls = [
        "/sites/www/search?q[]=x",
        "/sites/www/search?q=%ZZ",
        "/sites/www/search?q=社保&page=-1",
        "/sites/www/search?q=社保&page=abc",
        "/sites/www/search?q=社保&year=x",
        "/sites/www/search?q=社保&kind[]=x&scope[]=1",
        "/sites/www/search?q=社保&q=医保",
        "/sites/rst/search?q=%00%01",
        "/sites/rst/col/tzgg/?page=abc",
        "/sites/rst/col/tzgg/?page=-1",
        "/sites/rst/col/tzgg/?page=99999999999999999999",
        "/sites/rst/col/%ZZ/",
        "/%ZZ",
        "/sites/www/policies?year=x&page=-1",
        "/sites/www/policies?validity[]=x&issuer[]=y",
        `/sites/www/policies?issuer=${"长".repeat(200)}`,
        "/sites/rst/art/abc.html",
        "/sites/rst/art/99999999999.html",
        "/sites/rst/art/1.html?x=%ZZ",
        "/sites/rst/attachments/1%00",
        "/sites/rst/elder?on[]=1&back[]=x",
        "/sites/rst/report-error?url[]=x",
        "/api/search?q=x&page=abc",
        "/api/search?q[]=x",
        "/api/search?q=x&year=x",
        "/api/search?q=%ZZ",
        "/api/search",
      ];
      for (const url of urls) {
        const res = await get(url);
        assert.ok(res.statusCode < 500, `${url} → ${res.statusCode}`);
        if (res.headers["content-type"]?.toString().startsWith("text/html")) {
          assert.match(res.body, /<html lang="zh-CN"/, `${url} is a page`);
        }
      }
      const bad = await get("/sites/rst/col/%ZZ/");
      assert.equal(bad.statusCode, 400);
      assert.match(bad.headers["content-type"] as string, /text\/html/);
      assert.match(bad.body, /网址格式有误/);
      // Odd paging means page 1, not an error.
      const odd = await get("/sites/www/search?q=社保&page=-1");
      assert.equal(odd.statusCode, 200);
      assert.match(odd.body, /找到约 \d+ 条结果/);
    });

    it("limits over-long search terms with a message (page) and a Chinese 400 (API)", async () => {
      const long = "社保".repeat(80);
      const page = await get(`/sites/www/search?q=${encodeURIComponent(long)}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /搜索词不能超过100字/);
      const api = await get(`/api/search?q=${encodeURIComponent(long)}`);
      assert.equal(api.statusCode, 400);
      const body = JSON.parse(api.body);
      assert.equal(body.error.code, "invalid_input");
      assert.match(body.error.message, HAN);
      assert.doesNotMatch(body.error.message, /must|querystring/);
      assert.equal(body.error.fields.q, "不能超过100个字");
      const pageAbc = JSON.parse((await get("/api/search?q=社保&page=abc")).body);
      assert.equal(pageAbc.error.fields.page, "应为整数");
      const empty = await get("/api/search?q=%20%20");
      assert.equal(empty.statusCode, 400);
      assert.match(JSON.parse(empty.body).error.message, /请输入搜索关键词/);
    });

    it("answers unknown sites and channels with a 404 page in the site's look or 4xx JSON", async () => {
      const site = await get("/sites/nope/");
      assert.equal(site.statusCode, 404);
      assert.match(site.body, /该网站不存在/);
      assert.equal(meta(site.body, "SiteName"), "楚云省人民政府");
      const channel = await get("/sites/rst/col/nope/");
      assert.equal(channel.statusCode, 404);
      assert.match(channel.body, /该栏目不存在/);
      assert.equal(meta(channel.body, "SiteName"), "楚云省人力资源和社会保障厅");
      assert.match(channel.body, /我为政府网站找错/);
      const apiSite = await get("/api/search?q=社保&site=nope");
      assert.equal(apiSite.statusCode, 400);
      assert.deepEqual(JSON.parse(apiSite.body).error.fields, { site: "网站不存在" });
      const apiKind = await get("/api/search?q=社保&kind=nope");
      assert.equal(apiKind.statusCode, 400);
      const apiMissing = await get("/api/nope");
      assert.equal(apiMissing.statusCode, 404);
      assert.equal(JSON.parse(apiMissing.body).error.code, "not_found");
    });

    it("shows HTML typed into the 找错 form escaped, keeping the input on error", async () => {
      const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
      const res = await t.app.inject({
        method: "POST",
        url: "/sites/rst/report-error",
        payload: { url: evil, category: evil, description: evil + "x".repeat(1001), contact: evil },
      });
      assert.equal(res.statusCode, 400);
      assert.doesNotMatch(res.body, /<script>alert|<img src=x/);
      assert.match(res.body, /&lt;script>alert\(&quot;x&quot;\)&lt;\/script>/);
      assert.match(res.body, /请选择错误类型/);
      assert.match(res.body, /问题描述不能超过1000字/);
      assert.match(res.body, /请填写正确的手机号或邮箱/);
      // What the user typed is still there.
      assert.match(res.body, /<input id="url" name="url" type="text" maxLength="500" value="&lt;script>/i);
      assert.match(res.body, /<textarea[^>]*>&lt;script>alert/);

      const ok = await t.app.inject({
        method: "POST",
        url: "/sites/rst/report-error",
        payload: { url: "/sites/rst/", category: "错别字", description: evil, contact: "13800138000" },
      });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /您的找错编号是 \d+/);
      const stored = await t.deps.store.db
        .selectFrom("errorReports")
        .selectAll()
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      assert.equal(stored.description, evil, "stored as typed; escaped only when shown");

      const form = await get(`/sites/rst/report-error?url=${encodeURIComponent(evil)}`);
      assert.equal(form.statusCode, 200);
      assert.doesNotMatch(form.body, /<script>alert/);
      const searchEvil = await get(`/sites/www/search?q=${encodeURIComponent(evil)}`);
      assert.equal(searchEvil.statusCode, 200);
      assert.doesNotMatch(searchEvil.body, /<script>alert|<img src=x/);
    });

    it("answers /api/search in the documented shape", async () => {
      const res = await get("/api/search?q=灵活就业");
      assert.equal(res.statusCode, 200);
      const body = JSON.parse(res.body);
      assert.equal(typeof body.total, "number");
      assert.ok(body.total > 0);
      for (const r of body.results) {
        assert.deepEqual(Object.keys(r).sort(), [
          "externalId",
          "id",
          "kind",
          "publishedAt",
          "site",
          "snippet",
          "title",
          "url",
        ]);
        // Articles, service items (办事服务) and published letters (互动留言) share one index.
        if (r.kind === "service") assert.ok(r.url.startsWith(`/sites/${r.site}/services/item/`));
        else if (r.kind === "letter") assert.ok(r.url.startsWith(`/sites/${r.site}/interaction/letters/`));
        else {
          assert.equal(typeof r.id, "number");
          assert.ok(r.url.startsWith(`/sites/${r.site}/art/`));
        }
      }
      const byNumber = JSON.parse(
        (await get(`/api/search?q=${encodeURIComponent("楚人社发2026 8号")}`)).body,
      );
      assert.equal(byNumber.results[0].id, policyId);
      assert.equal(byNumber.results[0].kind, "policy");
      const filtered = JSON.parse((await get("/api/search?q=就业&site=rst&kind=policy")).body);
      assert.ok(filtered.results.length > 0);
      assert.ok(filtered.results.every((r: { kind: string }) => r.kind === "policy"));

      // externalId is the id an article was imported with.
      const { content, sites } = t.deps;
      const rst = sites.byCodeCached("rst")!;
      const tzgg = (await sites.repo.channelByPath(rst.id, "tzgg"))!;
      const actor = { id: null, name: "test" };
      const a = await content.create(
        {
          kind: "notice",
          title: "外部导入的独特通知甲乙",
          bodyText: "正文",
          ownerSiteId: rst.id,
          channelIds: [tzgg.id],
          externalId: "ext-42",
        },
        actor,
      );
      await content.submit(a.id, actor);
      await content.publish(a.id, actor);
      const imported = JSON.parse(
        (await get(`/api/search?q=${encodeURIComponent("外部导入的独特通知甲乙")}`)).body,
      );
      assert.equal(imported.results[0].externalId, "ext-42");
      assert.equal(imported.results[0].site, "rst");
    });

    it("lists sites and documents the API", async () => {
      const sites = JSON.parse((await get("/api/sites")).body);
      assert.ok(sites.length >= 12);
      assert.ok(
        sites.some((s: { code: string; siteCode: string }) => s.code === "rst" && s.siteCode.length === 10),
      );
      const docs = await get("/api/docs");
      assert.ok([200, 302].includes(docs.statusCode));
      const openapi = JSON.parse((await get("/api/docs/json")).body);
      assert.ok(openapi.paths["/api/search"]);
      assert.ok(openapi.paths["/api/sites"]);
    });

    it("gives every city and county hall items of its own and the way to the province's hall", async () => {
      for (const site of t.deps.sites.list().filter((s) => s.kind === "city" || s.kind === "county")) {
        const page = await get(`/sites/${site.code}/services/`);
        assert.equal(page.statusCode, 200);
        const total = Number(/共(\d+)项服务/.exec(page.body)?.[1]);
        assert.ok(total >= 3, `${site.code}'s hall lists ${total} items`);
        const item = /href="(\/sites\/[a-z]+\/services\/item\/[^"]+)"/.exec(page.body)?.[1];
        assert.ok(item?.startsWith(`/sites/${site.code}/`), `${site.code}'s hall links its own items`);
        assert.equal((await get(item!)).statusCode, 200);
        assert.match(page.body, /<a href="\/sites\/www\/services\/">楚云省人民政府办事大厅<\/a>/);
      }
    });

    it("puts the national meta tags and the standard footer on every page", async () => {
      const pages = [
        "/",
        "/sites/rst/",
        "/sites/rst/col/tzgg/",
        `/sites/rst/art/${policyId}.html`,
        "/sites/rst/search?q=社保",
        "/sites/rst/policies",
        "/sites/rst/zwgk",
        "/sites/rst/report-error",
        "/sites/rst/col/nope/",
      ];
      for (const url of pages) {
        const res = await get(url);
        const html = res.body;
        for (const name of ["SiteName", "SiteDomain", "SiteIDCode", "Keywords", "Description", "Url"]) {
          assert.ok(meta(html, name), `${name} on ${url}`);
        }
        for (const text of [
          "党政机关网站标识",
          "网站标识码",
          "ICP备",
          "公网安备",
          "主办单位",
          "承办单位",
          "联系方式",
        ]) {
          assert.ok(html.includes(text), `${text} in the footer of ${url}`);
        }
        assert.match(html, /href="\/sites\/[a-z]+\/report-error\?url=[^"]+"[^>]*>我为政府网站找错</, url);
      }
      const list = (await get("/sites/rst/col/tzgg/")).body;
      assert.equal(meta(list, "ColumnName"), "通知公告");
      assert.ok(meta(list, "ColumnType"));
      const art = (await get(`/sites/rst/art/${policyId}.html`)).body;
      assert.equal(meta(art, "ArticleTitle"), "关于做好灵活就业人员参加企业职工基本养老保险工作的通知");
      assert.match(meta(art, "PubDate") ?? "", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
      assert.ok(meta(art, "ContentSource"));
      assert.equal(meta(art, "ColumnName"), "政策文件");
      // One absolute address per page: the department's own host root.
      assert.equal(meta(art, "Url"), `http://rst.example.gov.cn/art/${policyId}.html`);
      assert.equal(meta(art, "SiteIDCode"), t.deps.sites.byCodeCached("rst")!.siteCode);
      const news = (await get(`/sites/rst/art/${newsId}.html`)).body;
      assert.equal(meta(news, "ColumnName"), "工作动态");
    });

    it("serves RSS, Atom and a sitemap that list the articles", async () => {
      const rss = await get("/sites/rst/col/tzgg/rss.xml");
      assert.equal(rss.statusCode, 200);
      assert.match(rss.headers["content-type"] as string, /application\/rss\+xml/);
      assert.match(rss.body, /^<\?xml/);
      assert.ok((rss.body.match(/<item>/g) ?? []).length > 0);
      const atom = await get("/sites/rst/col/tzgg/atom.xml");
      assert.match(atom.headers["content-type"] as string, /application\/atom\+xml/);
      assert.ok((atom.body.match(/<entry>/g) ?? []).length > 0);
      const sitemap = await get("/sites/rst/sitemap.xml");
      assert.equal(sitemap.statusCode, 200);
      assert.match(
        sitemap.body,
        new RegExp(`<loc>http://rst\\.example\\.gov\\.cn/art/${policyId}\\.html</loc>`),
      );
      assert.equal((await get("/sites/rst/col/nope/rss.xml")).statusCode, 404);
    });

    it("remembers elder mode without JavaScript and never redirects off-site", async () => {
      const on = await get("/sites/rst/elder?on=1&back=%2Fsites%2Frst%2Fcol%2Ftzgg%2F");
      assert.equal(on.statusCode, 303);
      assert.equal(on.headers.location, "/sites/rst/col/tzgg/");
      const cookie = String(on.headers["set-cookie"]);
      assert.match(cookie, /elder=1/);
      const page = await t.app.inject({ url: "/sites/rst/col/tzgg/", headers: { cookie: "elder=1" } });
      assert.match(page.body, /<html lang="zh-CN" class="elder"/);
      assert.match(page.body, /退出长辈版/);
      for (const back of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
        const res = await get(`/sites/rst/elder?on=1&back=${encodeURIComponent(back)}`);
        assert.equal(res.headers.location, "/sites/rst/");
      }
    });
  });
}
