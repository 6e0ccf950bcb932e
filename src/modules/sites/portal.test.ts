import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { DEMO_CITIZENS } from "../onestop/seed.ts";
import { citizenLogin, postApplication, VALID_APPLICATION } from "../onestop/test-helpers.ts";
import { fileLetter } from "../mailbox/test-helpers.ts";
import { chinaDate, chinaDayStart } from "../../platform/time/china-time.ts";

/** The text of the <main> element and the section with this heading id. */
const main = (html: string) => html.slice(html.indexOf("<main"), html.indexOf("</main>"));
function section(html: string, id: string): string {
  const start = html.indexOf(`aria-labelledby="sec-${id}"`);
  assert.ok(start > 0, `section ${id} is on the page`);
  return html.slice(start, html.indexOf("</section>", start));
}
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));
const texts = (html: string, cls: string) =>
  [...html.matchAll(new RegExp(`class="${cls}">([^<]+)<`, "g"))].map((m) => m[1]);

for (const engine of ENGINES) {
  describe(`portal home and disclosure directory on ${engine}`, () => {
    let t: TestContext;
    const get = (url: string) => t.app.inject({ url });

    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("the portal home has headlines with described pictures, ≥10 items per main channel, leaders, topics and every site", async () => {
      const res = await get("/sites/www/");
      assert.equal(res.statusCode, 200);
      const html = main(res.body);
      const headline = section(html, "yw");
      const img = /<img src="([^"]+)" alt="([^"]+)"/.exec(headline);
      assert.ok(img, "the first headline shows its picture with alt text");
      const picture = await get(img[1]);
      assert.equal(picture.statusCode, 200);
      assert.match(String(picture.headers["content-type"]), /image\/svg\+xml/);
      for (const [channel, min] of [
        ["gzdt", 10],
        ["tzgg", 10],
        ["zwgk/zcwj", 10],
        ["zwgk/zcjd", 10],
      ] as const) {
        const list = await get(`/sites/www/col/${channel}/`);
        const items = new Set(main(list.body).match(/href="\/sites\/www\/art\/\d+\.html"/g)).size;
        const total = Number(/共\s*(\d+)\s*条/.exec(list.body)?.[1] ?? items);
        assert.ok(Math.max(items, total) >= min, `${channel} has at least ${min} items (${items}/${total})`);
      }
      assert.equal(texts(section(html, "ldzc"), "leader-duties").length, 6, "six leaders with their duties");
      assert.ok(hrefs(section(html, "ztzl")).length >= 6, "topics");
      const siteLinks = [...hrefs(section(html, "bmwz")), ...hrefs(section(html, "sxwz"))];
      const others = t.deps.sites.list().filter((s) => s.kind !== "portal");
      assert.deepEqual(siteLinks.sort(), others.map((s) => `/sites/${s.code}/`).sort());
      assert.match(section(html, "hdjl"), /本月收到来信<\/dt><dd>\d+ 件/);
      assert.ok(hrefs(section(html, "zwgk")).includes("/sites/www/col/zwgk/czyjs/"));
    });

    it("a department site links back to the portal and to the other sites", async () => {
      const res = await get("/sites/rst/");
      const nav = res.body.slice(res.body.indexOf('aria-label="站群导航"'));
      const links = hrefs(nav.slice(0, nav.indexOf("</nav>")));
      assert.equal(links[0], "/sites/www/");
      assert.ok(links.includes("/sites/zjt/") && links.includes("/sites/jiangcheng/"));
      assert.ok(!links.includes("/sites/rst/"));
    });

    it("热点服务 ranks service items by the applications filed", async () => {
      const hot = () => get("/sites/www/").then((r) => section(main(r.body), "rdfw"));
      const code = `${t.deps.sites.byCodeCached("rst")!.siteCode}-GG-0003`; // 灵活就业登记
      const before = hot();
      assert.doesNotMatch((await before).split("</li>")[0], /灵活就业登记</);
      const citizen = await citizenLogin(t, DEMO_CITIZENS.person.loginName);
      for (let i = 0; i < 2; i++) {
        const res = await postApplication(t, citizen, "rst", code, VALID_APPLICATION);
        assert.equal(res.statusCode, 303, res.body.slice(0, 300));
      }
      t.deps.pageCache.clear();
      const first = (await hot()).split("</li>")[0];
      assert.match(first, new RegExp(`href="/sites/www/services/item/${code}"`));
      assert.match(first, /灵活就业登记<\/span><span class="tile-figure">已办 2 件/);
      // The service hall in 长辈版 lists the most used first too; the standard hall keeps catalogue order.
      const hallFirst = async (cookie?: string) => {
        const res = await t.app.inject({ url: "/sites/www/services/", headers: cookie ? { cookie } : {} });
        return /href="\/sites\/www\/services\/item\/([^"]+)"/.exec(main(res.body))![1];
      };
      assert.equal(await hallFirst("elder=1"), code);
      assert.notEqual(await hallFirst(), code);
    });

    it("every link on every site's home page leads to a page that exists", async () => {
      const broken: string[] = [];
      const seen = new Map<string, number>();
      for (const site of t.deps.sites.list()) {
        const home = main((await get(`/sites/${site.code}/`)).body);
        if (site.kind === "department") {
          const services = hrefs(section(home, "rdfw")).filter((h) => h.includes("/services/item/"));
          assert.ok(services.length > 0, `${site.code}: 热点服务 lists the department's own services`);
        }
        for (const href of hrefs(home).filter((h) => h.startsWith("/sites/"))) {
          if (!seen.has(href)) {
            let res = await get(href);
            for (let hops = 0; hops < 3 && res.statusCode >= 300 && res.statusCode < 400; hops++)
              res = await get(String(res.headers.location));
            seen.set(href, res.statusCode);
          }
          if (seen.get(href) !== 200) broken.push(`${site.code}: ${href} answers ${seen.get(href)}`);
        }
      }
      assert.deepEqual(broken, []);
    });

    it("a department's home shows its own letters of the month, the portal the province's", async () => {
      const letters = async (code: string) => {
        const figures = section(main((await get(`/sites/${code}/`)).body), "hdjl");
        const count = (label: string) => Number(new RegExp(`${label}</dt><dd>(\\d+) 件`).exec(figures)?.[1]);
        return { received: count("本月收到来信"), replied: count("本月答复来信") };
      };
      const before = { www: await letters("www"), zjt: await letters("zjt"), rst: await letters("rst") };
      const zjt = t.deps.sites.byCodeCached("zjt")!;
      const filed = await fileLetter(
        t.app,
        t.deps,
        "zjt",
        {
          phone: "13922223333",
          addressee: `leader:${zjt.id}`,
          subject: "咨询住房公积金租房提取",
          content: "租房提取住房公积金需要准备哪些材料？每年可以提取几次？",
        },
        "10.9.0.1",
      );
      assert.equal(filed.status, 200);
      t.deps.pageCache.clear();
      assert.deepEqual(await letters("zjt"), { ...before.zjt, received: before.zjt.received + 1 });
      assert.deepEqual(await letters("www"), { ...before.www, received: before.www.received + 1 });
      assert.deepEqual(await letters("rst"), before.rst, "another department's letter is not 人社厅's");
      // The home's two counts agree with the month's figures of the mailbox statistics, answered letters
      // among them (the letter is marked answered in the database: the journey is tested in mailbox).
      await t.deps.store.db
        .updateTable("letters")
        .set({ status: "answered", repliedAt: new Date().toISOString() })
        .where("queryNo", "=", filed.queryNo)
        .execute();
      t.deps.pageCache.clear();
      assert.equal((await letters("zjt")).replied, before.zjt.replied + 1, "the answered letter counts");
      const now = new Date();
      const monthStart = chinaDayStart(`${chinaDate(now).slice(0, 7)}-01`)!.toISOString();
      for (const code of ["www", "zjt", "rst"]) {
        const siteId = code === "www" ? null : t.deps.sites.byCodeCached(code)!.id;
        const month = await t.deps.mailbox.periodFigures(siteId, monthStart, now.toISOString(), now);
        assert.deepEqual(await letters(code), { received: month.received, replied: month.replied }, code);
      }
    });

    it("every entry of every site's 政务公开 directory leads to a real page, no channel empty", async () => {
      const problems: string[] = [];
      const seen = new Map<string, string | null>();
      for (const site of t.deps.sites.list()) {
        const page = await get(`/sites/${site.code}/zwgk`);
        assert.equal(page.statusCode, 200);
        const links = hrefs(main(page.body)).filter((h) => h.startsWith("/"));
        assert.ok(links.length >= 12, `${site.code}: the directory lists its entries`);
        for (const href of links) {
          if (!seen.has(href)) {
            let res = await get(href);
            for (let hops = 0; hops < 3 && res.statusCode >= 300 && res.statusCode < 400; hops++)
              res = await get(String(res.headers.location));
            seen.set(
              href,
              res.statusCode !== 200
                ? `answers ${res.statusCode}`
                : /本栏目暂无信息/.test(res.body)
                  ? "is an empty channel"
                  : null,
            );
          }
          const problem = seen.get(href);
          if (problem) problems.push(`${site.code}: ${href} ${problem}`);
        }
        // The interaction and service entries go to those centres, not to channel pages.
        assert.ok(links.includes(`/sites/${site.code}/interaction/`), `${site.code}: 互动交流`);
        assert.ok(links.includes(`/sites/${site.code}/services/`), `${site.code}: 办事服务`);
        assert.ok(!links.some((h) => /\/col\/(hdjl|bsfw)\//.test(h)), `${site.code}: no empty channel links`);
      }
      assert.deepEqual(problems, []);
    });
  });
}
