import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { XMLParser } from "fast-xml-parser";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { staffSession } from "./test-helpers.ts";

/**
 * Open311 GeoReport v2 as a third-party client sees it (https://wiki.open311.org/GeoReport_v2):
 * field lists, optional contact fields, a required location, list filters, the 90-day window, the
 * error array on every failure (JSON and XML), XML checked by xmllint, and the key command.
 */

/** GET Service Requests: the fields of one request, as the spec lists them. */
const REQUEST_FIELDS = [
  "service_request_id",
  "status",
  "status_notes",
  "service_name",
  "service_code",
  "description",
  "agency_responsible",
  "service_notice",
  "requested_datetime",
  "updated_datetime",
  "expected_datetime",
  "address",
  "address_id",
  "zipcode",
  "lat",
  "long",
  "media_url",
].sort();
const SERVICE_FIELDS = [
  "service_code",
  "service_name",
  "description",
  "metadata",
  "type",
  "keywords",
  "group",
].sort();

const parser = new XMLParser({
  isArray: (name) => ["service", "request", "error", "attribute"].includes(name),
});

const hasXmllint = spawnSync("xmllint", ["--version"]).status === 0;
/** Well-formed XML with a UTF-8 declaration, as xmllint (libxml2) reads it. */
function assertWellFormed(body: string) {
  assert.match(body, /^<\?xml version="1\.0" encoding="utf-8"\?>/i);
  if (!hasXmllint) return;
  const r = spawnSync("xmllint", ["--noout", "-"], { input: body });
  assert.equal(r.status, 0, `xmllint: ${String(r.stderr)}`);
}

type Json = Record<string, unknown>;

for (const engine of ENGINES) {
  describe(`Open311 GeoReport v2 conformance on ${engine}`, () => {
    let t: TestContext;
    let key: string;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    const post = (format: "json" | "xml", payload: Json | string, headers: Record<string, string> = {}) =>
      t.app.inject({ method: "POST", url: `/open311/v2/requests.${format}`, payload, headers });
    const list = async (query: string) => {
      const res = await t.app.inject({ url: `/open311/v2/requests.json?${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as Json[];
    };

    it("npm run open311:key creates a partner key, prints it last and stores only its hash", () => {
      const out = execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "src/modules/mailbox/open311-key-cli.ts",
          "--site",
          "jiangcheng",
          "--name",
          "城市随手拍",
        ],
        {
          env: {
            ...process.env,
            DATA_DIR: t.config.dataDir,
            DATABASE_URL: t.config.databaseUrl ?? "",
            SEED_DEMO: "0",
            RUN_JOBS: "0",
            LOG_LEVEL: "silent",
          },
          encoding: "utf8",
        },
      );
      key = out.trim().split("\n").at(-1)!;
      assert.match(key, /^o311_[A-Za-z0-9_-]{32}$/);
      assert.ok(!out.includes("keyHash"));
    });

    it("stores only the key's hash", async () => {
      const rows = await t.deps.store.db.selectFrom("open311Keys").select(["keyHash", "name"]).execute();
      const row = rows.find((r) => r.name === "城市随手拍");
      assert.ok(row);
      assert.equal(row.keyHash, createHash("sha256").update(key).digest("hex"));
      assert.ok(!JSON.stringify(rows).includes(key));
    });

    it("publishes the spec's service fields and a service definition", async () => {
      const services = (await t.app.inject({ url: "/open311/v2/services.json" })).json() as Json[];
      for (const s of services) assert.deepEqual(Object.keys(s).sort(), SERVICE_FIELDS);
      const def = await t.app.inject({ url: "/open311/v2/services/complaint.json" });
      assert.equal(def.statusCode, 200);
      const body = def.json() as { service_code: string; attributes: Json[] };
      assert.equal(body.service_code, "complaint");
      for (const a of body.attributes)
        for (const k of [
          "variable",
          "code",
          "datatype",
          "required",
          "datatype_description",
          "order",
          "description",
        ])
          assert.ok(k in a, k);
      const xml = await t.app.inject({ url: "/open311/v2/services/complaint.xml" });
      assertWellFormed(xml.body);
      assert.equal(parser.parse(xml.body).service_definition.service_code, "complaint");
      assertWellFormed((await t.app.inject({ url: "/open311/v2/services.xml" })).body);
    });

    it("files without name, phone or e-mail but needs a location, and keeps the location it was given", async () => {
      const description = "东湖路12号门前的井盖松动了，车辆经过时响声很大，请尽快处理。";
      const noPlace = await post("json", { api_key: key, service_code: "complaint", description });
      assert.equal(noPlace.statusCode, 400);
      const [err] = noPlace.json() as { code: number; description: string }[];
      assert.equal(err.code, 400);
      assert.match(err.description, /lat|address/);

      const half = await post("json", { api_key: key, service_code: "complaint", description, lat: 30.5 });
      assert.equal(half.statusCode, 400);

      const byPoint = await post("json", {
        api_key: key,
        service_code: "complaint",
        description,
        lat: 30.5928,
        long: 114.3055,
      });
      assert.equal(byPoint.statusCode, 200, byPoint.body);
      const [receipt] = byPoint.json() as { service_request_id: string }[];
      const [r] = (
        await t.app.inject({ url: `/open311/v2/requests/${receipt.service_request_id}.json` })
      ).json() as Json[];
      assert.deepEqual(Object.keys(r).sort(), REQUEST_FIELDS);
      assert.equal(r.lat, 30.5928);
      assert.equal(r.long, 114.3055);

      const byAddress = await post(
        "xml",
        new URLSearchParams({
          api_key: key,
          service_code: "suggestion",
          description: "建议在江城公园北门增设非机动车停放点，方便市民游园。",
          address_string: "江城公园北门",
          address_id: "JC-000123",
          zipcode: "430000",
          email: "citizen@example.com",
        }).toString(),
        { "content-type": "application/x-www-form-urlencoded" },
      );
      assert.equal(byAddress.statusCode, 200, byAddress.body);
      assertWellFormed(byAddress.body);
      const id = String(parser.parse(byAddress.body).service_requests.request[0].service_request_id);
      const xml = await t.app.inject({ url: `/open311/v2/requests/${id}.xml` });
      assertWellFormed(xml.body);
      const got = parser.parse(xml.body).service_requests.request[0];
      assert.equal(got.address, "江城公园北门");
      assert.equal(got.address_id, "JC-000123");
      assert.equal(String(got.zipcode), "430000");
      const [json] = (await t.app.inject({ url: `/open311/v2/requests/${id}.json` })).json() as Json[];
      assert.equal(json.lat, null);
      assert.equal(json.address, "江城公园北门");

      // The handling officer sees where it is, and that no name or phone was left.
      const op = await staffSession(t.app, t.deps, "admin");
      const page = await t.app.inject({
        url: `/admin/interaction/letters/${id}`,
        headers: { cookie: op.cookie },
      });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /事发位置/);
      assert.match(page.body, /江城公园北门；地址编号 JC-000123；邮编 430000/);
      assert.match(page.body, /citizen@example\.com/);
    });

    it("filters by comma-separated service_code and status; service_request_id overrides the rest", async () => {
      const all = await list("");
      assert.ok(all.length >= 2);
      const two = await list("service_code=complaint,suggestion");
      assert.ok(two.length >= 2);
      assert.ok(two.every((r) => r.service_code === "complaint" || r.service_code === "suggestion"));
      assert.deepEqual(new Set(two.map((r) => r.service_code)), new Set(["complaint", "suggestion"]));
      const both = await list("status=open,closed");
      assert.equal(both.length, all.length);
      const open = await list("status=open");
      const closed = await list("status=closed");
      assert.equal(open.length + closed.length, all.length);
      const target = two.find((r) => r.service_code === "complaint")!;
      const overridden = await list(
        `service_request_id=${target.service_request_id}&service_code=help&status=closed`,
      );
      assert.deepEqual(
        overridden.map((r) => r.service_request_id),
        [target.service_request_id],
      );
      const bad = await t.app.inject({ url: "/open311/v2/requests.json?status=pending" });
      assert.equal(bad.statusCode, 400);
    });

    it("lists the last 90 days by default and refuses ranges over 90 days", async () => {
      const [recent] = await list("");
      const old = new Date(Date.now() - 200 * 86_400_000);
      await t.deps.store.db
        .updateTable("letters")
        .set({ createdAt: old.toISOString() })
        .where("id", "=", Number(recent.service_request_id))
        .execute();
      const ids = (await list("")).map((r) => r.service_request_id);
      assert.ok(!ids.includes(recent.service_request_id), "older than 90 days is outside the default window");
      const byId = await list(`service_request_id=${recent.service_request_id}`);
      assert.equal(byId.length, 1, "an explicit id is found whatever its date");
      const from = new Date(old.getTime() - 5 * 86_400_000).toISOString();
      const to = new Date(old.getTime() + 5 * 86_400_000).toISOString();
      const window = await list(`start_date=${from}&end_date=${to}`);
      assert.deepEqual(
        window.map((r) => r.service_request_id),
        [recent.service_request_id],
      );
      const tooLong = await t.app.inject({
        url: "/open311/v2/requests.xml?start_date=2025-01-01T00:00:00Z&end_date=2025-12-31T00:00:00Z",
      });
      assert.equal(tooLong.statusCode, 400);
      assertWellFormed(tooLong.body);
      assert.match(parser.parse(tooLong.body).errors.error[0].description, /90/);
    });

    it("answers every error as GeoReport's error array in the requested format", async () => {
      const cases: {
        name: string;
        res: Awaited<ReturnType<typeof post>>;
        status: number;
        format: "json" | "xml";
      }[] = [
        {
          name: "bad JSON",
          res: await post("json", "{not json", { "content-type": "application/json" }),
          status: 400,
          format: "json",
        },
        {
          name: "bad JSON, XML asked",
          res: await post("xml", "{not json", { "content-type": "application/json" }),
          status: 400,
          format: "xml",
        },
        {
          name: "unknown route",
          res: await t.app.inject({ url: "/open311/v2/nothing.xml" }),
          status: 404,
          format: "xml",
        },
        {
          name: "unknown route json",
          res: await t.app.inject({ url: "/open311/v2/nothing.json" }),
          status: 404,
          format: "json",
        },
        {
          name: "unknown request",
          res: await t.app.inject({ url: "/open311/v2/requests/99999999.xml" }),
          status: 404,
          format: "xml",
        },
        {
          name: "unknown service",
          res: await t.app.inject({ url: "/open311/v2/services/nope.json" }),
          status: 404,
          format: "json",
        },
        {
          name: "bad key",
          res: await post("xml", {
            api_key: "o311_wrong",
            service_code: "consult",
            description: "x",
            lat: 1,
            long: 1,
          }),
          status: 403,
          format: "xml",
        },
        {
          name: "bad date",
          res: await t.app.inject({ url: "/open311/v2/requests.json?start_date=yesterday" }),
          status: 400,
          format: "json",
        },
      ];
      for (const c of cases) {
        assert.equal(c.res.statusCode, c.status, `${c.name}: ${c.res.body}`);
        if (c.format === "json") {
          assert.match(String(c.res.headers["content-type"]), /^application\/json/, c.name);
          const body = c.res.json() as { code: number; description: string }[];
          assert.ok(Array.isArray(body) && body.length > 0, c.name);
          assert.deepEqual(Object.keys(body[0]).sort(), ["code", "description"], c.name);
          assert.equal(body[0].code, c.status, c.name);
        } else {
          assert.match(String(c.res.headers["content-type"]), /xml/, c.name);
          assertWellFormed(c.res.body);
          assert.equal(parser.parse(c.res.body).errors.error[0].code, c.status, c.name);
        }
      }
    });

    it("answers the rate limit as a GeoReport error too", async () => {
      let last = await post("xml", { api_key: "o311_wrong" });
      for (let i = 0; i < 70 && last.statusCode !== 429; i++)
        last = await post("xml", { api_key: "o311_wrong" });
      assert.equal(last.statusCode, 429);
      assertWellFormed(last.body);
      assert.equal(parser.parse(last.body).errors.error[0].code, 429);
    });
  });
}
