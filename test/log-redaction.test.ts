import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "./engines.ts";
import { fileLetter, staffPost, staffSession } from "../src/modules/mailbox/test-helpers.ts";
import { redactUrl } from "../src/platform/http/log-redaction.ts";

/** Secrets sent in addresses (an Open311 api_key, a letter's lookup code) never reach the request log. */
for (const engine of ENGINES) {
  describe(`request logs keep secrets out (${engine})`, () => {
    let t: TestContext;
    const lines: string[] = [];
    let key: string;
    before(async () => {
      t = await startPlatform(engine, { build: { logStream: { write: (line) => void lines.push(line) } } });
      const op = await staffSession(t.app, t.deps, "admin");
      const res = await staffPost(t.app, op, "/admin/interaction/open311", {
        name: "日志测试",
        siteId: String(t.deps.sites.byCodeCached("jiangcheng")!.id),
      });
      key = /class="new-key">([^<]+)</.exec(res.body)![1];
    });
    after(async () => t?.close());

    it("redacts api_key and the lookup code in logged addresses, and takes the key in X-Api-Key", async () => {
      const person = {
        service_code: "consult",
        last_name: "王",
        first_name: "五",
        phone: "13900000092",
        address_string: "江城市江岸区解放大道100号",
      };
      const viaQuery = await t.app.inject({
        method: "POST",
        url: `/open311/v2/requests.json?api_key=${encodeURIComponent(key)}`,
        payload: { ...person, description: "小区门口路灯不亮已经一周了，请尽快维修" },
      });
      assert.equal(viaQuery.statusCode, 200, viaQuery.body);
      const viaHeader = await t.app.inject({
        method: "POST",
        url: "/open311/v2/requests.json",
        headers: { "x-api-key": key },
        payload: { ...person, description: "公交站台的遮雨棚破损，下雨天无法避雨" },
      });
      assert.equal(viaHeader.statusCode, 200, viaHeader.body);
      const wrongHeader = await t.app.inject({
        method: "POST",
        url: "/open311/v2/requests.json",
        headers: { "x-api-key": "not-a-key" },
        payload: { service_code: "consult", description: "测试" },
      });
      assert.equal(wrongHeader.statusCode, 403);

      const filed = await fileLetter(t.app, t.deps, "rst", { phone: "13900000091" }, "10.9.0.1");
      const lookup = await t.app.inject({
        url: `/sites/rst/interaction/lookup?no=${filed.queryNo}&code=${encodeURIComponent(filed.lookupCode)}`,
      });
      assert.equal(lookup.statusCode, 200);

      const log = lines.join("");
      assert.ok(log.includes("/open311/v2/requests.json?api_key=[REDACTED]"), "the request is logged");
      assert.ok(
        log.includes(`/interaction/lookup?no=${filed.queryNo}&code=[REDACTED]`),
        "the lookup is logged",
      );
      assert.ok(!log.includes(key), "no api key in the log");
      assert.ok(!log.includes(filed.lookupCode), "no lookup code in the log");
    });

    it("redacts only the values of secret parameters", () => {
      assert.equal(
        redactUrl("/a?q=%E7%A4%BE%E4%BF%9D&code=abc&page=2"),
        "/a?q=%E7%A4%BE%E4%BF%9D&code=[REDACTED]&page=2",
      );
      assert.equal(redactUrl("/a?API_KEY=x&token=y#z"), "/a?API_KEY=[REDACTED]&token=[REDACTED]#z");
      assert.equal(redactUrl("/sites/code/x?zipcode=1"), "/sites/code/x?zipcode=1");
    });
  });
}
