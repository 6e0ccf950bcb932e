import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, openEmptyDatabase, startPlatform, type TestContext } from "../../../test/engines.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { SearchIndex, type SearchDocument } from "./search-index.ts";
import type { SearchTables } from "./tables.ts";
import { indexTokens, queryTokens } from "./segmenter.ts";
import { abbreviates, mineSynonymCandidates, storeSynonymCandidates } from "./synonym-mining.ts";

const DAY = 86400000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/** A small corpus that exercises each ranking and matching rule. */
function corpus(): SearchDocument[] {
  const docs: SearchDocument[] = [
    {
      key: "t:shebao",
      kind: "notice",
      title: "关于社会保险费缴纳时间调整的通知",
      body: "各参保单位：社会保险费缴纳时间调整如下。",
      url: "/a/shebao",
      siteIds: [1],
      publishedAt: ago(10),
    },
    {
      key: "t:shebao-short",
      kind: "news",
      title: "社保经办服务进社区",
      body: "社保窗口延时服务，方便群众办理。",
      url: "/a/shebao-short",
      siteIds: [2],
      publishedAt: ago(20),
    },
    {
      key: "t:gjj",
      kind: "policy",
      title: "住房公积金提取管理办法",
      body: "缴存人可以提取住房公积金支付房租。",
      url: "/a/gjj",
      siteIds: [1, 3],
      publishedAt: ago(30),
      docNumber: "楚人社发〔2026〕8号",
    },
    {
      key: "t:gjj-short",
      kind: "notice",
      title: "公积金年度结息公告",
      body: "本年度公积金结息已完成。",
      url: "/a/gjj-short",
      siteIds: [3],
      publishedAt: ago(40),
    },
    {
      key: "t:license",
      kind: "news",
      title: "个体工商户营业执照当日办结",
      body: "申请人可在政务服务中心当日领取营业执照。",
      url: "/a/license",
      siteIds: [2],
      publishedAt: ago(50),
    },
    {
      key: "t:license-short",
      kind: "notice",
      title: "关于执照遗失补领的公告",
      body: "执照遗失的，可以申请补领。",
      url: "/a/license-short",
      siteIds: [2],
      publishedAt: ago(60),
    },
    // Title boost: the same word in the title beats it only in the body, even when the body doc is newer.
    {
      key: "t:title",
      kind: "news",
      title: "退休人员养老金调整方案公布",
      body: "今年的调整方案已经公布。",
      url: "/a/title",
      siteIds: [1],
      publishedAt: ago(100),
    },
    {
      key: "t:body",
      kind: "news",
      title: "人社部门近期工作动态",
      body: "近期工作包括养老金发放核对等事项。",
      url: "/a/body",
      siteIds: [1],
      publishedAt: ago(5),
    },
    // Recency: identical texts, the newer one first.
    {
      key: "t:old",
      kind: "policy",
      title: "就业补助资金管理办法",
      body: "就业补助资金的使用和管理。",
      url: "/a/old",
      siteIds: [1],
      publishedAt: "2019-03-01T02:00:00.000Z",
    },
    {
      key: "t:new",
      kind: "policy",
      title: "就业补助资金管理办法",
      body: "就业补助资金的使用和管理。",
      url: "/a/new",
      siteIds: [1],
      publishedAt: ago(3),
    },
    // HTML in indexed text must come back escaped.
    {
      key: "t:xss",
      kind: "news",
      title: "测试<script>alert(1)</script>网页安全标题",
      body: "正文里有<script>alert('x')</script>和<img src=x onerror=alert(2)>网页安全提示。",
      url: "/a/xss",
      siteIds: [1],
      publishedAt: ago(7),
    },
  ];
  // Paging and facets: 25 documents about 营商环境 across sites, kinds and years.
  for (let i = 0; i < 25; i++) {
    docs.push({
      key: `t:yshj${i}`,
      kind: i % 5 === 0 ? "policy" : "news",
      title: `优化营商环境第${i + 1}期简报`,
      body: `持续优化营商环境，第${i + 1}期工作情况。`,
      url: `/a/yshj${i}`,
      siteIds: i < 10 ? [1] : [2],
      publishedAt: i < 20 ? `2025-0${(i % 9) + 1}-10T02:00:00.000Z` : `2024-05-10T02:00:00.000Z`,
    });
  }
  return docs;
}

const keys = (r: { hits: { key: string }[] }) => r.hits.map((h) => h.key);

/** Result key lists per engine, compared at the end. */
const seen = new Map<string, Map<string, string[]>>();

const SAME_QUERIES = [
  "社保",
  "社会保险",
  "公积金",
  "营业执照",
  "执照",
  "养老金",
  "就业补助资金",
  "营商环境",
  "楚人社发〔2026〕8号",
];

describe("segmenter", () => {
  it("keeps government words whole and maps synonyms to one canonical form", () => {
    assert.deepEqual(queryTokens("营业执照"), ["营业执照"]);
    assert.deepEqual(queryTokens("执照"), ["营业执照"]);
    assert.deepEqual(queryTokens("社保"), ["社会保险"]);
    assert.deepEqual(queryTokens("公积金"), ["住房公积金"]);
    assert.ok(indexTokens("提取住房公积金").includes("住房公积金"));
    assert.ok(queryTokens("怎么办理营业执照").includes("营业执照"));
    assert.ok(!queryTokens("怎么办理营业执照").includes("怎么"), "stop words are dropped");
  });
});

describe("abbreviation shapes", () => {
  it("recognises how Chinese abbreviations are formed", () => {
    assert.ok(abbreviates("社保", "社会保险"));
    assert.ok(abbreviates("医保", "医疗保险"));
    assert.ok(abbreviates("公积金", "住房公积金"));
    assert.ok(!abbreviates("保险", "社会保险"));
    assert.ok(!abbreviates("社会", "社会保险"));
  });
});

for (const engine of ENGINES) {
  describe(`search index on ${engine}`, () => {
    let t: TestContext;
    let index: SearchIndex;
    const record = new Map<string, string[]>();
    seen.set(engine, record);

    before(async () => {
      t = await startPlatform(engine, { seed: false });
      index = t.deps.search;
      for (const doc of corpus()) await index.upsert(doc);
    });
    after(async () => t?.close());

    it("finds 社会保险 documents when asked for 社保 and the other way round", async () => {
      const short = await index.search({ q: "社保" });
      const long = await index.search({ q: "社会保险" });
      for (const r of [short, long]) {
        assert.ok(keys(r).includes("t:shebao"), `社会保险 doc in ${keys(r)}`);
        assert.ok(keys(r).includes("t:shebao-short"), `社保 doc in ${keys(r)}`);
      }
      assert.deepEqual(keys(short).sort(), keys(long).sort());
      // Both spellings are highlighted in snippets.
      assert.match(short.hits.find((h) => h.key === "t:shebao-short")!.snippet, /<mark>社保<\/mark>/);
    });

    it("treats 公积金/住房公积金 and 营业执照/执照 as the same word", async () => {
      const a = await index.search({ q: "公积金" });
      const b = await index.search({ q: "住房公积金" });
      assert.deepEqual(keys(a).sort(), ["t:gjj", "t:gjj-short"]);
      assert.deepEqual(keys(b).sort(), ["t:gjj", "t:gjj-short"]);
      const c = await index.search({ q: "营业执照" });
      const d = await index.search({ q: "执照" });
      assert.deepEqual(keys(c).sort(), ["t:license", "t:license-short"]);
      assert.deepEqual(keys(d).sort(), ["t:license", "t:license-short"]);
    });

    it("never takes a compound's modifier alone for the word: 发票 is not every 增值税 document", async () => {
      // 发票 is indexed under its canonical 增值税发票; its parts 增值 + 增值税 leave the head out.
      await index.upsert({
        key: "t:vat-only",
        kind: "policy",
        title: "关于增值税小规模纳税人减免增值税的公告",
        body: "增值税小规模纳税人月销售额10万元以下的，免征增值税。增值税适用3%征收率。",
        url: "/a/vat-only",
        siteIds: [1],
        publishedAt: ago(1),
      });
      await index.upsert({
        key: "t:invoice",
        kind: "article",
        title: "电子发票开具指南",
        body: "纳税人可以通过电子税务局开具电子发票，发票开具后自动交付。",
        url: "/a/invoice",
        siteIds: [1],
        publishedAt: ago(30),
      });
      const r = await index.search({ q: "发票" });
      assert.equal(keys(r)[0], "t:invoice");
      assert.ok(!keys(r).includes("t:vat-only"), `no 发票 in it: ${keys(r)}`);
      // The document is found by what it is about.
      assert.ok(keys(await index.search({ q: "增值税" })).includes("t:vat-only"));
    });

    it("looks up a 发文字号 exactly, typed with or without 〔〕 and spaces", async () => {
      for (const q of [
        "楚人社发〔2026〕8号",
        "楚人社发2026 8号",
        "楚人社发(2026)8号",
        "楚人社发 〔2026〕 8号",
      ]) {
        const r = await index.search({ q });
        assert.deepEqual(keys(r), ["t:gjj"], `query ${q}`);
      }
      // A different number of the same issuer is not the same document.
      const other = await index.search({ q: "楚人社发〔2026〕9号" });
      assert.ok(!keys(other).includes("t:gjj") || other.total > 1);
    });

    it("finds a 发文字号 in every form people type, and by its number without the year", async () => {
      await index.upsert({
        key: "t:announce",
        kind: "policy",
        title: "关于小微企业所得税优惠政策的公告",
        body: "对小型微利企业减按20%的税率缴纳企业所得税。",
        url: "/a/announce",
        siteIds: [1],
        publishedAt: ago(12),
        docNumber: "国家税务总局公告2023年第6号",
      });
      const cases: [string, string][] = [
        ["楚人社发【2026】8号", "t:gjj"],
        ["楚人社发〔２０２６〕８号", "t:gjj"],
        ["楚人社发〔2026〕第8号", "t:gjj"],
        ["楚人社发[2026]08号", "t:gjj"],
        ["楚人社发 8号", "t:gjj"],
        ["国家税务总局公告2023年第6号", "t:announce"],
        ["国家税务总局公告 2023年 6号", "t:announce"],
        ["国家税务总局公告〔2023〕6号", "t:announce"],
      ];
      for (const [q, key] of cases) {
        const r = await index.search({ q });
        assert.equal(keys(r)[0], key, `query ${q}: ${keys(r)}`);
      }
      await index.remove("t:announce");
    });

    it("reads a word no document holds that sounds like a government word as that word", async () => {
      await index.upsert({
        key: "t:idcard",
        kind: "notice",
        title: "居民身份证换领办事指南",
        body: "有效期满前三个月内可以申请换领新证。",
        url: "/a/idcard",
        siteIds: [1],
        publishedAt: ago(3),
      });
      await index.upsert({
        key: "t:other",
        kind: "notice",
        title: "社会保障卡办理指南",
        body: "办理社会保障卡须知，过期证件不予受理。",
        url: "/a/other",
        siteIds: [1],
        publishedAt: ago(1),
      });
      const r = await index.search({ q: "身分证 过期 办理" });
      assert.equal(keys(r)[0], "t:idcard", `${keys(r)}`);
      await index.remove("t:idcard");
      await index.remove("t:other");
    });

    it("finds what cites a 发文字号 after the document that bears it", async () => {
      await index.upsert({
        key: "t:cites",
        kind: "policy",
        title: "一图读懂住房公积金新政",
        body: "根据楚人社发〔2026〕8号文件，提取条件有所放宽。另见国家税务总局公告2023年第6号。",
        url: "/a/cites",
        siteIds: [1],
        publishedAt: ago(1),
      });
      for (const q of ["楚人社发[2026]8号", "楚人社发 8号"]) {
        const r = await index.search({ q });
        assert.deepEqual(keys(r).slice(0, 2), ["t:gjj", "t:cites"], `query ${q}`);
      }
      // Typed without the province's character, the number still finds its bearer first.
      const partial = await index.search({ q: "人社发〔2026〕8号" });
      assert.deepEqual(keys(partial).slice(0, 2), ["t:gjj", "t:cites"], `${keys(partial)}`);
      // A number no document here bears (a national one) finds what cites it.
      const national = await index.search({ q: "国家税务总局公告2023年第6号" });
      assert.equal(keys(national)[0], "t:cites", `${keys(national)}`);
      await index.remove("t:cites");
    });

    it("ranks a long document bearing a number before short ones citing it", async () => {
      await index.upsert({
        key: "t:bearer",
        kind: "policy",
        title: "关于调整失业保险金标准的通知",
        body: "各市、州人民政府：现就调整失业保险金标准有关事项通知如下。".repeat(120),
        url: "/a/bearer",
        siteIds: [1],
        publishedAt: ago(40),
        docNumber: "楚人社规〔2025〕3号",
      });
      for (let i = 0; i < 5; i++)
        await index.upsert({
          key: `t:cite${i}`,
          kind: "interpretation",
          title: `解读${i}`,
          body: `楚人社规〔2025〕3号解读。`,
          url: `/a/cite${i}`,
          siteIds: [1],
          publishedAt: ago(i),
        });
      const r = await index.search({ q: "楚人社规〔2025〕3号" });
      assert.equal(keys(r)[0], "t:bearer", `${keys(r)}`);
      assert.equal(r.total, 6);
      await index.remove("t:bearer");
      for (let i = 0; i < 5; i++) await index.remove(`t:cite${i}`);
    });

    it("keeps the words of a long question that some document holds", async () => {
      const r = await index.search({
        q: "住房公积金 提取 甲乙丙丁 戊己庚辛 子丑寅卯 辰巳午未 申酉戌亥 乾坤震巽 坎离艮兑 金木水火 宫商角徵 东南西北 春夏秋冬 梅兰竹菊",
      });
      assert.ok(keys(r).includes("t:gjj"), `${keys(r)}`);
    });

    it("does not read a real word as a government word that sounds alike in other tones", async () => {
      await index.upsert({
        key: "t:lost",
        kind: "notice",
        title: "证件遗失补办指南",
        body: "证件遗失后请及时补办。",
        url: "/a/lost",
        siteIds: [1],
        publishedAt: ago(2),
      });
      const r = await index.search({ q: "医师" });
      assert.ok(!keys(r).includes("t:lost"), `${keys(r)}`);
      await index.remove("t:lost");
    });

    it("counts each document once in the site facet, so the facets add up to the total", async () => {
      const r = await index.search({ q: "公积金" });
      const sum = r.facets.site.reduce((s, f) => s + f.count, 0);
      assert.equal(sum, r.total);
    });

    it("searches issuer and keywords but keeps them out of the snippet", async () => {
      await index.upsert({
        key: "t:kw",
        kind: "policy",
        title: "关于调整缴费档次的通知",
        body: "各地要做好缴费档次调整工作。",
        url: "/a/kw",
        siteIds: [1],
        publishedAt: ago(2),
        issuer: "楚云省人力资源和社会保障厅",
        keywords: "城乡居民养老保险,缴费",
      });
      const r = await index.search({ q: "城乡居民养老保险 缴费" });
      const hit = r.hits.find((h) => h.key === "t:kw");
      assert.ok(hit, `keywords are searchable: ${keys(r)}`);
      assert.doesNotMatch(hit.snippet, /城乡居民养老保险|,缴费/);
      assert.match(hit.snippet, /^各地要做好<mark>缴费<\/mark>档次/);
      await index.remove("t:kw");
    });

    it("mines synonym candidates from its own text and uses a pair only once approved", async () => {
      await index.upsert({
        key: "t:def",
        kind: "policy",
        title: "关于做好城乡居民基本养老保险经办工作的通知",
        body: "为做好城乡居民基本养老保险（以下简称“城乡居保”）经办工作，现通知如下。",
        url: "/a/def",
        siteIds: [1],
        publishedAt: ago(4),
      });
      const mined = await mineSynonymCandidates(t.deps.store);
      const pair = mined.find((c) => c.word === "城乡居保");
      assert.equal(pair?.canonical, "城乡居民基本养老保险");
      await storeSynonymCandidates(t.deps.store, mined);
      // A candidate is not used: 城乡居保 is not read as the full name (only 城乡 matches, at best).
      await index.upsert({
        key: "t:def2",
        kind: "news",
        title: "城乡居民基本养老保险待遇按时发放",
        body: "全省城乡居民基本养老保险待遇已按时发放。",
        url: "/a/def2",
        siteIds: [1],
        publishedAt: ago(3),
      });
      const fullName = /<mark>城乡居民基本养老保险<\/mark>/;
      const before = (await index.search({ q: "城乡居保" })).hits.find((h) => h.key === "t:def2");
      assert.doesNotMatch(before?.titleHtml ?? "", fullName);
      await t.deps.store.db
        .updateTable("searchSynonyms")
        .set({ status: "approved" })
        .where("word", "=", "城乡居保")
        .execute();
      index.clearCache();
      const after = await index.search({ q: "城乡居保" });
      assert.match(after.hits.find((h) => h.key === "t:def2")?.titleHtml ?? "", fullName);
      await index.remove("t:def");
      await index.remove("t:def2");
    });

    it("finds what documents name officially by the words citizens use (built-in, at query time)", async () => {
      await index.upsert({
        key: "t:ebike",
        kind: "notice",
        title: "关于电动自行车上牌的通告",
        body: "自即日起，新购电动自行车应当在购买之日起30日内上牌。",
        url: "/a/ebike",
        siteIds: [1],
        publishedAt: ago(2),
      });
      await index.upsert({
        key: "t:rental",
        kind: "policy",
        title: "公共租赁住房保障办法",
        body: "城镇中等偏下收入住房困难家庭可以申请公共租赁住房。",
        url: "/a/rental",
        siteIds: [1],
        publishedAt: ago(2),
      });
      await index.upsert({
        key: "t:vocational",
        kind: "policy",
        title: "中等职业教育免学费实施办法",
        body: "全日制中等职业教育学生免除学费。",
        url: "/a/vocational",
        siteIds: [1],
        publishedAt: ago(2),
      });
      try {
        // A pair is read only on word boundaries: 中专 is not inside 集中专项, nor 房贷 inside 厂房贷款.
        assert.ok(!keys(await index.search({ q: "集中专项整治" })).includes("t:vocational"));
        assert.equal(keys(await index.search({ q: "读中专免学费吗" }))[0], "t:vocational");
        // Built-in pairs are not proposed to editors again (以下简称 would make 公租房 a candidate).
        await index.upsert({
          key: "t:define",
          kind: "policy",
          title: "公共租赁住房管理办法",
          body: "为规范公共租赁住房（以下简称“公租房”）管理，制定本办法。",
          url: "/a/define",
          siteIds: [1],
          publishedAt: ago(2),
        });
        assert.ok(!(await mineSynonymCandidates(t.deps.store)).some((c) => c.word === "公租房"));
        assert.equal(keys(await index.search({ q: "电瓶车怎么登记" }))[0], "t:ebike");
        // An approved pair is read inside one word as its sub-word, whatever its canonical form (社保 in
        // 社保费, which segments as 社会保险 + 费); an empty approved word is ignored, never looped on.
        const approved = (word: string, canonical: string) => ({
          word,
          canonical,
          source: "manual" as const,
          score: 1,
          evidence: "",
          status: "approved" as const,
          decidedBy: "test",
          decidedAt: new Date().toISOString(),
          createdAt: new Date().toISOString(),
        });
        await t.deps.store.db
          .insertInto("searchSynonyms")
          .values([approved("社保", "养老待遇发放"), approved("", "空")])
          .execute();
        await index.upsert({
          key: "t:benefit",
          kind: "notice",
          title: "养老待遇发放通知",
          body: "本月养老待遇发放已完成。",
          url: "/a/benefit",
          siteIds: [1],
          publishedAt: ago(2),
        });
        index.synonyms.invalidate();
        index.clearCache();
        assert.ok(keys(await index.search({ q: "社保费" })).includes("t:benefit"));
        assert.ok(keys(await index.search({ q: "公租房" })).includes("t:rental"));
        // Both ways: the official name also finds a text written the citizens' way.
        assert.ok(keys(await index.search({ q: "电动自行车" })).includes("t:ebike"));
      } finally {
        for (const key of ["t:ebike", "t:rental", "t:vocational", "t:define", "t:benefit"])
          await index.remove(key);
        await t.deps.store.db.deleteFrom("searchSynonyms").where("decidedBy", "=", "test").execute();
        index.synonyms.invalidate();
      }
    });

    it("ranks a long question by its key terms instead of requiring every word", async () => {
      const r = await index.search({ q: "我想问一下公积金可以用来交房租吗需要什么手续" });
      assert.equal(keys(r)[0], "t:gjj");
    });

    it("ranks a title match above a body-only match, and newer above older", async () => {
      const r = await index.search({ q: "养老金" });
      assert.deepEqual(keys(r), ["t:title", "t:body"]);
      const recent = await index.search({ q: "就业补助资金" });
      assert.deepEqual(keys(recent), ["t:new", "t:old"]);
    });

    it("returns HTML-safe highlighted snippets and titles", async () => {
      const r = await index.search({ q: "网页安全" });
      const hit = r.hits.find((h) => h.key === "t:xss");
      assert.ok(hit, "the document is found");
      assert.match(hit.titleHtml, /测试&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.match(hit.snippet, /&lt;img src=x onerror=alert\(2\)&gt;/);
      for (const html of [hit.snippet, hit.titleHtml]) {
        assert.doesNotMatch(html, /<script|<img/i);
        assert.match(html, /<mark>/);
        // Only <mark> tags remain as markup.
        assert.deepEqual(
          [...html.matchAll(/<\/?([a-z]+)/gi)].map((m) => m[1]).filter((tag) => tag !== "mark"),
          [],
        );
      }
    });

    it("gives facets by site, kind and year and filters by them", async () => {
      const r = await index.search({ q: "营商环境" });
      assert.equal(r.total, 25);
      assert.deepEqual(r.facets.kind, [
        { value: "news", count: 20 },
        { value: "policy", count: 5 },
      ]);
      assert.deepEqual(r.facets.year, [
        { value: 2025, count: 20 },
        { value: 2024, count: 5 },
      ]);
      assert.deepEqual(r.facets.site, [
        { value: 2, count: 15 },
        { value: 1, count: 10 },
      ]);
      assert.equal((await index.search({ q: "营商环境", siteId: 1 })).total, 10);
      assert.equal((await index.search({ q: "营商环境", kind: "policy" })).total, 5);
      assert.equal((await index.search({ q: "营商环境", year: 2024 })).total, 5);
      const both = await index.search({ q: "营商环境", year: 2025, kind: "policy" });
      assert.equal(both.total, 4);
      assert.ok(both.hits.every((h) => h.kind === "policy" && h.publishedAt.startsWith("2025")));
      // The kind facet still shows the other kinds while one is chosen.
      assert.equal(both.facets.kind.length, 2);
    });

    it("pages through results without repeats or gaps", async () => {
      const pages = [];
      for (let page = 1; page <= 3; page++)
        pages.push(await index.search({ q: "营商环境", page, pageSize: 10 }));
      assert.deepEqual(
        pages.map((p) => p.hits.length),
        [10, 10, 5],
      );
      const all = pages.flatMap(keys);
      assert.equal(new Set(all).size, 25);
      const beyond = await index.search({ q: "营商环境", page: 9, pageSize: 10 });
      assert.equal(beyond.hits.length, 0);
      assert.equal(beyond.total, 25);
    });

    it("suggests 公积金 for the homophone typo 公基金", async () => {
      const r = await index.search({ q: "公基金" });
      assert.equal(r.suggestion, "公积金");
      const fixed = await index.search({ q: r.suggestion });
      assert.ok(fixed.total > 0);
      // A correct query gets no suggestion.
      assert.equal((await index.search({ q: "公积金" })).suggestion, null);
      assert.equal((await index.search({ q: "营商环境" })).suggestion, null);
    });

    it("removes documents and updates them in place", async () => {
      await index.upsert({
        key: "t:tmp",
        kind: "news",
        title: "临时测试文档甲乙丙",
        body: "内容",
        url: "/a/tmp",
        siteIds: [1],
        publishedAt: ago(1),
      });
      assert.equal((await index.search({ q: "甲乙丙" })).total, 1);
      const shown = async (q: string) => (await index.search({ q })).hits.find((h) => h.key === "t:tmp");
      assert.equal((await shown("临时测试文档"))?.title, "临时测试文档甲乙丙");
      await index.upsert({
        key: "t:tmp",
        kind: "news",
        title: "临时测试文档丁戊",
        body: "内容",
        url: "/a/tmp",
        siteIds: [1],
        publishedAt: ago(1),
      });
      assert.equal((await index.search({ q: "甲乙丙" })).total, 0);
      assert.equal((await index.search({ q: "丁戊" })).total, 1);
      // A document shown before the edit is shown as edited, to the query asked before and to new ones.
      assert.equal((await shown("临时测试文档"))?.title, "临时测试文档丁戊");
      assert.equal((await shown("临时测试文档 内容"))?.title, "临时测试文档丁戊");
      await index.remove("t:tmp");
      assert.equal((await index.search({ q: "丁戊" })).total, 0);
    });

    it("answers odd queries without failing", async () => {
      for (const q of ["", "   ", "\"'*:&|!()", "AND OR NOT", "a".repeat(500), '社保" OR 1=1 --', "%_\\"]) {
        const r = await index.search({ q });
        assert.ok(r.total >= 0);
      }
    });

    it("records result lists for the cross-engine comparison", async () => {
      for (const q of SAME_QUERIES) record.set(q, keys(await index.search({ q, pageSize: 50 })));
    });
  });
}

for (const engine of ENGINES) {
  describe(`search caches of several instances on ${engine}`, () => {
    it("shows another instance's edit at once when told, and within staleMs when not", async () => {
      const { store, drop } = await openEmptyDatabase<SearchTables>(engine);
      try {
        await migrateToLatest(store);
        const writer = new SearchIndex(store);
        const told = new SearchIndex(store, { staleMs: 60_000 });
        const untold = new SearchIndex(store, { staleMs: 300 });
        writer.onChange(() => told.clearCache()); // as the invalidation bus does between instances
        const doc: SearchDocument = {
          key: "svc:1",
          kind: "service",
          title: "公积金提取",
          body: "旧材料清单",
          url: "/old",
          siteIds: [1],
          publishedAt: ago(1),
        };
        await writer.upsert(doc);
        const first = async (index: SearchIndex) => (await index.search({ q: "公积金" })).hits[0];
        assert.equal((await first(told))?.url, "/old");
        assert.equal((await first(untold))?.url, "/old");
        await writer.upsert({ ...doc, title: "公积金提取（更正）", url: "/new" });
        assert.deepEqual(
          { title: (await first(told))?.title, url: (await first(told))?.url },
          { title: "公积金提取（更正）", url: "/new" },
        );
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.equal((await first(untold))?.url, "/new");
        await writer.remove("svc:1");
        assert.equal((await told.search({ q: "公积金" })).total, 0);
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.equal((await untold.search({ q: "公积金" })).total, 0);
      } finally {
        await drop();
      }
    });
  });
}

if (ENGINES.length > 1) {
  describe("search on every engine", () => {
    // Relevance formulas differ slightly (bm25 vs ts_rank), so the sets must match; the orders that
    // matter (title boost, recency) are asserted on each engine above.
    it("returns the same result sets on SQLite and PostgreSQL", () => {
      const [first, ...rest] = ENGINES;
      for (const other of rest) {
        for (const q of SAME_QUERIES) {
          const a = seen.get(first)!.get(q)!;
          const b = seen.get(other)!.get(q)!;
          assert.ok(a.length > 0, `query ${q} finds something`);
          assert.deepEqual([...b].sort(), [...a].sort(), `query ${q} on ${other}`);
        }
      }
    });
  });
}
