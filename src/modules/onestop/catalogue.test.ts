import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { checkGuide, isCatchAll, type ServiceItemInput } from "./guide.ts";

for (const engine of ENGINES) {
  describe(`service catalogue on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("seeds at least 30 items across at least 8 departments, all passing the guide checker", async () => {
      const all = await t.deps.oneStop.catalogue.list({ pageSize: 100 });
      assert.ok(all.total >= 30, `only ${all.total} items`);
      assert.ok(all.facets.departments.length >= 8);
      const names = all.rows.map((r) => r.name).join("|");
      for (const n of [
        "企业开办",
        "不动产登记",
        "社会保险参保登记",
        "住房公积金提取",
        "医保异地就医备案",
        "灵活就业登记",
        "个体工商户登记",
      ])
        assert.match(names, new RegExp(n));
      assert.deepEqual(await t.deps.oneStop.catalogue.checkAll(), []);
    });

    it("rejects a guide with a catch-all condition, unsourced material, long committed limit and no fee statement", async () => {
      const item = (await t.deps.oneStop.catalogue.list({ q: "灵活就业登记" })).rows[0];
      const bad: ServiceItemInput = {
        code: "TEST-0001",
        name: "测试事项",
        itemType: "公共服务",
        siteId: item.siteId,
        guide: {
          ...item.guide,
          conditions: ["年满16周岁", "法律法规规定的其他条件"],
          materials: [{ ...item.guide.materials[0], legalBasis: "", source: "" }],
          legalLimitDays: 5,
          committedLimitDays: 10,
          fees: "",
        },
      };
      await assert.rejects(
        t.deps.oneStop.catalogue.save(bad, "test"),
        (err: Error & { fields?: Record<string, string> }) => {
          assert.match(err.message, /办事指南未通过检查/);
          const f = err.fields!;
          assert.match(f["conditions.1"], /兜底/);
          assert.match(f["materials.0.legalBasis"], /设定依据/);
          assert.match(f["materials.0.source"], /来源渠道/);
          assert.match(f.committedLimitDays, /不得长于法定办结时限/);
          assert.match(f.fees, /不收费/);
          return true;
        },
      );
      assert.equal(await t.deps.oneStop.catalogue.byCode("TEST-0001", true), undefined);
    });

    it("finds an item by its themes and life events without showing them as a tag list in the snippet", async () => {
      const item = (await t.deps.oneStop.catalogue.list({ pageSize: 100 })).rows.find(
        (i) => i.guide.themes.length >= 2 && i.guide.lifeEvents.length >= 2,
      )!;
      const tags = [...item.guide.themes, ...item.guide.lifeEvents];
      const department = t.deps.sites.byId(item.siteId)!.name;
      for (const q of [item.guide.lifeEvents.at(-1)!, item.guide.themes[0]]) {
        const hit = (await t.deps.search.search({ q, kind: "service", pageSize: 50 })).hits.find(
          (h) => h.key === `service:${item.code}`,
        );
        assert.ok(hit, `found by ${q}`);
        const plain = hit.snippet.replace(/<[^>]+>/g, "");
        assert.ok(!plain.includes(tags.slice(-2).join(" ")), `no tag list in the snippet: ${plain}`);
        assert.ok(plain.split(department).length <= 2, `the department at most once: ${plain}`);
      }
    });

    it("shows the unified hall with filters by department, audience and life event", async () => {
      const all = await t.app.inject({ url: "/sites/www/services/" });
      assert.equal(all.statusCode, 200);
      assert.match(all.body, /一网通办/);
      assert.match(all.body, /企业开办（公司设立登记）/);
      const dept = await t.app.inject({ url: "/sites/www/services/?department=ybj" });
      assert.match(dept.body, /医保异地就医备案/);
      assert.doesNotMatch(dept.body, /企业开办（公司设立登记）/);
      const legal = await t.app.inject({ url: "/sites/www/services/?audience=legal" });
      assert.match(legal.body, /企业开办/);
      assert.doesNotMatch(legal.body, /医保异地就医备案<\/a>/);
      const event = await t.app.inject({
        url: `/sites/www/services/?event=${encodeURIComponent("新生儿出生")}`,
      });
      assert.match(event.body, /出生登记/);
      assert.doesNotMatch(event.body, /建筑工程施工许可证核发/);
      const q = await t.app.inject({ url: `/sites/www/services/?q=${encodeURIComponent("公积金提取")}` });
      assert.match(q.body, /住房公积金提取（购买自住住房）/);
      assert.doesNotMatch(q.body, /教师资格认定/);
    });

    it("shows each department's own items on its site, via the channel link", async () => {
      const home = await t.app.inject({ url: "/sites/rst/" });
      assert.match(home.body, /href="\/sites\/rst\/services\/"/);
      const rst = await t.app.inject({ url: "/sites/rst/services/" });
      assert.equal(rst.statusCode, 200);
      assert.match(rst.body, /灵活就业登记/);
      assert.doesNotMatch(rst.body, /个体工商户登记/);
      const byHost = await t.app.inject({ url: "/services/", headers: { host: "rst.example.gov.cn" } });
      assert.match(byHost.body, /灵活就业登记/);
    });

    it("renders a full guide with materials spared, fee statement and limits; other departments' items are not on a department site", async () => {
      const item = (await t.deps.oneStop.catalogue.list({ q: "医保异地就医备案" })).rows[0];
      const res = await t.app.inject({ url: `/sites/ybj/services/item/${item.code}` });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /免提交1件/);
      assert.match(res.body, /<h2 id="fees">收费标准<\/h2>\s*<p>不收费<\/p>/);
      assert.match(res.body, /承诺办结时限：即办/);
      assert.match(res.body, /居民身份证/);
      assert.match(res.body, /A级/);
      assert.match(res.body, /class="[^"]*no-print/);
      const elder = await t.app.inject({
        url: `/sites/ybj/services/item/${item.code}`,
        headers: { cookie: "elder=1" },
      });
      assert.match(elder.body, /<html lang="zh-CN" class="elder"/);
      const wrongSite = await t.app.inject({ url: `/sites/rst/services/item/${item.code}` });
      assert.equal(wrongSite.statusCode, 404);
      const unknown = await t.app.inject({ url: "/sites/www/services/item/NOPE-%3Cx%3E" });
      assert.equal(unknown.statusCode, 404);
    });

    it("makes items findable in the platform search", async () => {
      const res = await t.app.inject({ url: `/sites/www/search?q=${encodeURIComponent("异地就医备案")}` });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /\/sites\/ybj\/services\/item\//);
    });
  });
}

describe("guide checker phrases", () => {
  it("recognises common catch-all (兜底) phrasings and leaves specific conditions alone", () => {
    for (const s of [
      "法律、行政法规规定的其他条件",
      "法律法规规定的其他条件",
      "其他相关材料",
      "有关部门要求提交的其他材料",
      "根据实际情况补充材料",
    ])
      assert.equal(isCatchAll(s), true, s);
    for (const s of ["年满16周岁", "已领取营业执照", "双方均无配偶"]) assert.equal(isCatchAll(s), false, s);
    assert.ok(checkGuide({ code: "x", name: "", itemType: "?", siteId: 1, guide: {} as never }).length > 5);
  });
});
