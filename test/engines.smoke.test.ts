import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "./engines.ts";

for (const engine of ENGINES) {
  describe(`platform on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("serves the portal home with the demo cluster's departments", async () => {
      const res = await t.app.inject({ url: "/" });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /楚云省人民政府/);
      assert.match(res.body, /楚云省人力资源和社会保障厅/);
      assert.match(res.body, /<meta name="SiteIDCode" content="4200000001"/);
    });

    it("routes a department host and its path prefix to the same site", async () => {
      const byHost = await t.app.inject({ url: "/", headers: { host: "rst.example.gov.cn" } });
      const byPath = await t.app.inject({ url: "/sites/rst/" });
      assert.equal(byHost.statusCode, 200);
      assert.equal(byPath.statusCode, 200);
      assert.match(byHost.body, /<meta name="SiteName" content="楚云省人力资源和社会保障厅"/);
      assert.match(byPath.body, /<meta name="SiteName" content="楚云省人力资源和社会保障厅"/);
    });
  });
}
