import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { XMLParser } from "fast-xml-parser";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { staffPost, staffSession } from "./test-helpers.ts";

for (const engine of ENGINES) {
  describe(`Open311 GeoReport v2 on ${engine}`, () => {
    let t: TestContext;
    let key: string;
    before(async () => {
      t = await startPlatform(engine);
      const op = await staffSession(t.app, t.deps, "admin");
      const res = await staffPost(t.app, op, "/admin/interaction/open311", {
        name: "城市随手拍",
        siteId: String(t.deps.sites.byCodeCached("jiangcheng")!.id),
      });
      assert.equal(res.statusCode, 200);
      key = /class="new-key">([^<]+)</.exec(res.body)![1];
    });
    after(async () => t?.close());

    it("lists the letter kinds as services", async () => {
      const res = await t.app.inject({ url: "/open311/v2/services.json" });
      assert.equal(res.statusCode, 200);
      const codes = (res.json() as { service_code: string }[]).map((s) => s.service_code);
      assert.deepEqual(codes, ["consult", "complaint", "suggestion", "help", "other"]);
    });

    it("speaks XML too, for tools that read GeoReport XML", async () => {
      const parser = new XMLParser({ isArray: (name) => ["service", "request", "error"].includes(name) });
      const deps = await t.app.inject({ url: "/open311/v2/services.xml" });
      assert.equal(deps.statusCode, 200);
      assert.match(String(deps.headers["content-type"]), /^application\/xml/);
      const codes = (parser.parse(deps.body).services.service as { service_code: string }[]).map(
        (s) => s.service_code,
      );
      assert.deepEqual(codes, ["consult", "complaint", "suggestion", "help", "other"]);

      const json = (await t.app.inject({ url: "/open311/v2/requests.json?status=closed" })).json() as {
        service_request_id: string;
      }[];
      const closed = await t.app.inject({ url: "/open311/v2/requests.xml?status=closed" });
      assert.equal(closed.statusCode, 200);
      const requests = parser.parse(closed.body).service_requests.request as { service_request_id: number }[];
      assert.deepEqual(
        requests.map((r) => String(r.service_request_id)),
        json.map((r) => r.service_request_id),
        "the same requests as the JSON answer",
      );
      assert.ok(!closed.body.includes("13812345678"), "personal data stays masked");

      const missing = await t.app.inject({ url: "/open311/v2/requests/999999.xml" });
      assert.equal(missing.statusCode, 404);
      assert.equal(parser.parse(missing.body).errors.error[0].code, 404);
      const noKey = await t.app.inject({
        method: "POST",
        url: "/open311/v2/requests.xml",
        payload: { service_code: "consult", description: "测试" },
      });
      assert.equal(noKey.statusCode, 403);
      assert.match(parser.parse(noKey.body).errors.error[0].description, /api_key/);
      assert.equal((await t.app.inject({ url: "/open311/v2/services.csv" })).statusCode, 404);
    });

    it("serves requests with masked public data only", async () => {
      const res = await t.app.inject({ url: "/open311/v2/requests.json?status=closed" });
      assert.equal(res.statusCode, 200);
      const all = res.json() as { service_request_id: string; description: string; status: string }[];
      assert.ok(all.length >= 3);
      const text = JSON.stringify(all);
      for (const secret of ["13812345678", "陈小明", "13600002222", "孙丽"])
        assert.ok(!text.includes(secret), secret);
      assert.ok(text.includes("138****5678"), "published text, masked");
      // An unpublished letter (no consent) is listed without its text.
      const unpublished = await t.deps.store.db
        .selectFrom("letters")
        .select(["id", "subject"])
        .where("status", "=", "reviewed")
        .executeTakeFirstOrThrow();
      const one = await t.app.inject({ url: `/open311/v2/requests/${unpublished.id}.json` });
      assert.equal(one.statusCode, 200);
      const [r] = one.json() as { description: string; status: string }[];
      assert.equal(r.description, "");
      assert.equal(r.status, "closed");
      assert.ok(!one.body.includes(unpublished.subject));
      assert.equal((await t.app.inject({ url: "/open311/v2/requests/999999.json" })).statusCode, 404);
    });

    it("files a request only with a valid API key, through the same screening and limits", async () => {
      const fields = {
        service_code: "complaint",
        description:
          "江城大道与解放路口的红绿灯坏了三天，早晚高峰很危险，请尽快修复。<script>alert(1)</script>",
        first_name: "明",
        last_name: "黄",
        phone: "13977778888",
        lat: "30.5928",
        long: "114.3055",
      };
      const noKey = await t.app.inject({ method: "POST", url: "/open311/v2/requests.json", payload: fields });
      assert.equal(noKey.statusCode, 403);
      const badKey = await t.app.inject({
        method: "POST",
        url: "/open311/v2/requests.json",
        payload: { ...fields, api_key: "o311_wrong" },
      });
      assert.equal(badKey.statusCode, 403);
      const bad = await t.app.inject({
        method: "POST",
        url: "/open311/v2/requests.json",
        payload: { ...fields, service_code: "x", api_key: key },
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /kind/);
      const ok = await t.app.inject({
        method: "POST",
        url: "/open311/v2/requests.json",
        payload: { ...fields, api_key: key },
      });
      assert.equal(ok.statusCode, 200);
      const [receipt] = ok.json() as { service_request_id: string; service_notice: string }[];
      const letter = await t.deps.mailbox.letters.get(Number(receipt.service_request_id));
      assert.equal(letter.source, "open311");
      assert.equal(letter.siteId, t.deps.sites.byCodeCached("jiangcheng")!.id);
      assert.equal(letter.status, "assigned", "a city's leader mailbox is owned by the city");
      const queryNo = /查询编号 (\d{14})/.exec(receipt.service_notice)![1];
      const code = /查询码 ([A-Za-z0-9_-]+)/.exec(receipt.service_notice)![1];
      assert.ok(await t.deps.mailbox.letters.lookup(queryNo, code, "127.0.0.1"));
      const listed = await t.app.inject({
        url: `/open311/v2/requests.json?service_request_id=${receipt.service_request_id}`,
      });
      const [r] = listed.json() as { status: string; description: string }[];
      assert.equal(r.status, "open");
      assert.equal(r.description, "", "not public before publication");

      // A revoked key stops working.
      const op = await staffSession(t.app, t.deps, "admin");
      const keys = await t.deps.mailbox.open311.list();
      await staffPost(t.app, op, `/admin/interaction/open311/${keys[0].id}/revoke`);
      const revoked = await t.app.inject({
        method: "POST",
        url: "/open311/v2/requests.json",
        payload: { ...fields, api_key: key },
      });
      assert.equal(revoked.statusCode, 403);
      const stored = await t.deps.store.db
        .selectFrom("open311Keys")
        .select("keyHash")
        .executeTakeFirstOrThrow();
      assert.notEqual(stored.keyHash, key, "only the hash is stored");
    });
  });
}
