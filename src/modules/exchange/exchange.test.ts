import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { Readable } from "node:stream";
import type { JWK } from "jose";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { contentDigest, verifyMessageSignature } from "../../platform/http/message-signatures.ts";
import { creditCodeProblem, idNumberProblem } from "../../platform/validation/china-ids.ts";
import { StaffSession } from "../../../test/staff-session.ts";
import { signedQuery, signedRequest, DEMO_CONSUMER_FILE, type DemoCredentials } from "./index.ts";
import { parsePurpose, purposeHeader } from "./service.ts";

describe("the Exchange-Purpose header", () => {
  it("carries a Chinese legal basis as an RFC 9651 Display String, in plain ASCII", () => {
    const header = purposeHeader({ caseNo: "HB2026120200001", basis: "《政务服务条例》第十五条" });
    assert.match(header, /^[\x20-\x7e]+$/, "a header value real HTTP clients can send");
    assert.match(header, /basis=%"%e3%80%8a/);
    assert.deepEqual(parsePurpose(header), { caseNo: "HB2026120200001", basis: "《政务服务条例》第十五条" });
    assert.deepEqual(parsePurpose('case="A-1", basis="Art. \\"5\\""'), { caseNo: "A-1", basis: 'Art. "5"' });
    for (const bad of ['case="A-1"', "case=1, basis=2", 'case="", basis="x"', "((("])
      assert.throws(() => parsePurpose(bad), /Exchange-Purpose/);
  });
});

const BASE = "http://localhost:80";
const PURPOSE = { caseNo: "HB2026120200001", basis: "《政务服务条例》第十五条" };

for (const engine of ENGINES) {
  describe(`data exchange on ${engine}`, () => {
    let t: TestContext;
    let creds: DemoCredentials;
    before(async () => {
      t = await startPlatform(engine);
      creds = JSON.parse(readFileSync(join(t.config.dataDir, DEMO_CONSUMER_FILE), "utf8")) as DemoCredentials;
    });
    after(async () => t?.close());

    const send = async (call: { url: string; headers: Record<string, string>; body: string }) => {
      const res = await t.app.inject({
        method: "POST",
        url: call.url.slice(BASE.length),
        headers: call.headers,
        payload: call.body,
      });
      return {
        res,
        json: res.json() as {
          records?: Record<string, unknown>[];
          withheld?: string[];
          error?: { code: string; message: string };
        },
      };
    };
    const demoCall = (
      over: Partial<{ filter: Record<string, string>; fields: string[] }> = {},
      options = {},
    ) =>
      signedQuery(
        BASE,
        creds,
        creds.resource,
        { filter: creds.filter, fields: creds.fields, ...over },
        PURPOSE,
        options,
      );

    it("lists the catalogue with fields and share classes", async () => {
      const res = await t.app.inject({ url: "/api/exchange/catalogue" });
      assert.equal(res.statusCode, 200);
      const list = res.json() as {
        code: string;
        shareClass: string;
        fields: { name: string; sensitivity: string }[];
      }[];
      const people = list.find((r) => r.code === "RK-0001")!;
      assert.equal(people.shareClass, "conditional");
      assert.ok(people.fields.some((f) => f.name === "idNumber" && f.sensitivity === "sensitive"));
      assert.ok(list.some((r) => r.shareClass === "none"));
      const page = await t.app.inject({ url: "/sites/www/data/" });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /法人单位基础信息/);
      assert.equal((await t.app.inject({ url: "/sites/www/data/FR-0001" })).statusCode, 200);
      assert.equal(
        (await t.app.inject({ url: "/sites/www/data/RK-0001" })).statusCode,
        404,
        "conditional resources are not public",
      );
    });

    it("answers a signed call with the granted fields of the demo person, signed by the hub", async () => {
      const { res, json } = await send(await demoCall({ fields: [...creds.fields, "nation"] }));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json.records!.length, 1);
      const record = json.records![0]!;
      assert.equal(record.idNumber, creds.filter.idNumber);
      assert.equal(record.name, "张三");
      assert.ok(!("nation" in record), "a field outside the grant is absent");
      assert.deepEqual(json.withheld, ["nation"]);

      const jwks = (await t.app.inject({ url: "/api/exchange/keys" })).json() as {
        keys: (JWK & { kid: string })[];
      };
      const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
      const verified = await verifyMessageSignature(
        { status: res.statusCode, headers },
        {
          required: ["@status", "content-digest"],
          requiredParams: ["created", "keyid"],
          maxSkewSeconds: 60,
          keyFor: async (kid) => {
            const jwk = jwks.keys.find((k) => k.kid === kid);
            return jwk ? createPublicKey({ key: jwk as never, format: "jwk" }) : null;
          },
        },
      );
      assert.equal(verified.keyId, jwks.keys[0]!.kid);
    });

    it("refuses, with the rule that failed, every broken call", async () => {
      const good = await demoCall();
      const cases: [
        string,
        () => Promise<{ url: string; headers: Record<string, string>; body: string }>,
        number,
        string,
      ][] = [
        [
          "no signature",
          async () => ({
            ...good,
            headers: {
              "content-type": "application/json",
              "content-digest": good.headers["content-digest"]!,
            },
          }),
          401,
          "signature_missing",
        ],
        [
          "body changed after signing",
          async () => ({ ...good, body: good.body.replace("name", "nation") }),
          400,
          "digest_mismatch",
        ],
        [
          "clock hours off",
          () => demoCall({}, { created: new Date(Date.now() - 3 * 3600_000) }),
          401,
          "signature_expired",
        ],
        [
          "unknown key",
          async () => {
            const { privateKey } = generateKeyPairSync("ed25519");
            return signedQuery(
              BASE,
              { keyId: "nobody", privateJwk: privateKey.export({ format: "jwk" }) as JWK },
              creds.resource,
              { filter: creds.filter, fields: ["name"] },
              PURPOSE,
            );
          },
          401,
          "unknown_key",
        ],
        [
          "filter on a field not filterable",
          () => demoCall({ filter: { name: "张三" } }),
          403,
          "filter_not_allowed",
        ],
        ["unknown field", () => demoCall({ fields: ["salary"] }), 400, "body_invalid"],
        [
          "resource not granted",
          () =>
            signedQuery(
              BASE,
              creds,
              "ZZ-0001",
              { filter: { holderId: creds.filter.idNumber! }, fields: ["kind"] },
              PURPOSE,
            ),
          403,
          "no_grant",
        ],
        [
          "resource not shared",
          () =>
            signedQuery(BASE, creds, "SB-0001", { filter: { idNumber: "1" }, fields: ["amount"] }, PURPOSE),
          403,
          "resource_not_shared",
        ],
      ];
      for (const [what, make, status, code] of cases) {
        const { res, json } = await send(await make());
        assert.equal(res.statusCode, status, `${what}: ${res.body}`);
        assert.equal(json.error?.code, code, what);
      }
      const replay = await demoCall();
      assert.equal((await send(replay)).res.statusCode, 200);
      const again = await send(replay);
      assert.equal(again.res.statusCode, 401);
      assert.equal(again.json.error?.code, "replayed_nonce");
    });

    /** The hub's answer is signed (Signature, Content-Digest) and the refusal is the newest audit record. */
    const assertSignedAndAudited = async (
      res: { statusCode: number; headers: Record<string, unknown>; body: string },
      code: string,
    ) => {
      assert.equal((JSON.parse(res.body) as { error?: { code: string } }).error?.code, code, res.body);
      assert.match(String(res.headers.signature), /^sig1=:/, "signed by the hub");
      assert.equal(res.headers["content-digest"], contentDigest(res.body));
      const last = await t.deps.store.db
        .selectFrom("exchangeAudit")
        .select(["reason", "member"])
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirstOrThrow();
      assert.equal(last.reason, code, "the refusal is audited");
    };

    it("refuses a body over the limit with the hub's signed, audited answer, not the framework's 413", async () => {
      const url = `${BASE}/api/exchange/v1/resources/${creds.resource}/query`;
      for (const size of [1024 * 1024, 2 * 1024 * 1024 + 1, 5 * 1024 * 1024]) {
        const body = JSON.stringify({ filter: creds.filter, fields: ["name"], pad: "x".repeat(size) });
        const call = await signedRequest(url, creds, body, PURPOSE);
        const res = await t.app.inject({
          method: "POST",
          url: url.slice(BASE.length),
          headers: call.headers,
          payload: call.body,
        });
        assert.equal(res.statusCode, 400, `${size} bytes: ${res.body}`);
        await assertSignedAndAudited(res, "body_too_large");
        // Past what is read, the rest is not drained for ever: the connection closes once answered.
        if (size > 2 * 1024 * 1024) assert.equal(res.headers.connection, "close");
      }
      // Streamed without a Content-Length: read only up to the limit, then refused the same way.
      const big = Buffer.alloc(3 * 1024 * 1024, 0x20);
      const call = await signedRequest(url, creds, big.toString(), PURPOSE);
      const res = await t.app.inject({
        method: "POST",
        url: url.slice(BASE.length),
        headers: call.headers,
        payload: Readable.from([big.subarray(0, 1024 * 1024), big.subarray(1024 * 1024)]),
      });
      assert.equal(res.statusCode, 400, res.body);
      await assertSignedAndAudited(res, "body_too_large");
      assert.equal(res.headers.connection, "close");
    });

    it("refuses a decimal created and an empty nonce (RFC 9421 §2.3), signed by hand", async () => {
      // A second, hand-written RFC 9421 signer: the base is written out line by line here.
      const url = `${BASE}/api/exchange/v1/resources/${creds.resource}/query`;
      const handSigned = (params: string) => {
        const body = JSON.stringify({ filter: creds.filter, fields: ["name"] });
        const headers: Record<string, string> = {
          "content-type": "application/json",
          "content-digest": contentDigest(body),
          "exchange-purpose": purposeHeader(PURPOSE),
        };
        const input = `("@method" "@target-uri" "content-digest" "exchange-purpose")${params}`;
        const base = [
          `"@method": POST`,
          `"@target-uri": ${url}`,
          `"content-digest": ${headers["content-digest"]}`,
          `"exchange-purpose": ${headers["exchange-purpose"]}`,
          `"@signature-params": ${input}`,
        ].join("\n");
        const key = createPrivateKey({ key: creds.privateJwk as never, format: "jwk" });
        const signature = sign(null, Buffer.from(base), key).toString("base64");
        return send({
          url,
          headers: { ...headers, "signature-input": `sig1=${input}`, signature: `sig1=:${signature}:` },
          body,
        });
      };
      const now = Math.floor(Date.now() / 1000);
      const keyid = `;keyid="${creds.keyId}";alg="ed25519"`;
      const control = await handSigned(`;created=${now}${keyid};nonce="hand-1"`);
      assert.equal(control.res.statusCode, 200, `the hand-made signature verifies: ${control.res.body}`);
      for (const created of [`${now}.5`, `${now}.0`]) {
        const { res } = await handSigned(`;created=${created}${keyid};nonce="hand-${created}"`);
        assert.equal(res.statusCode, 400, `created=${created}: ${res.body}`);
        await assertSignedAndAudited(res, "signature_params");
        assert.match(res.body, /created 应为整数/);
      }
      for (let i = 0; i < 2; i++) {
        const { res } = await handSigned(`;created=${now}${keyid};nonce=""`);
        assert.equal(res.statusCode, 400, `empty nonce, try ${i + 1}: ${res.body}`);
        await assertSignedAndAudited(res, "signature_params");
        assert.match(res.body, /nonce 不能为空/);
      }
    });

    it("gives valid GB 11643 / GB 32100 numbers in every catalogue example", async () => {
      const example = async (code: string) => {
        const res = await t.app.inject({ url: `/api/exchange/catalogue/${code}/openapi.json` });
        assert.equal(res.statusCode, 200);
        const doc = res.json() as {
          paths: Record<string, { post: { responses: { "200": { content: Record<string, unknown> } } } }>;
        };
        const op = Object.values(doc.paths)[0]!.post;
        const json = op.responses["200"].content["application/json"] as {
          example: { records: Record<string, unknown>[] };
        };
        return json.example.records[0]!;
      };
      const person = await example("RK-0001");
      assert.equal(idNumberProblem(String(person.idNumber)), null, String(person.idNumber));
      const id = String(person.idNumber);
      assert.equal(person.birthDate, `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`);
      assert.equal(person.gender, Number(id[16]) % 2 === 1 ? "男" : "女");
      const entity = await example("FR-0001");
      assert.equal(creditCodeProblem(String(entity.creditCode)), null, String(entity.creditCode));
      const licence = await example("ZZ-0001");
      assert.equal(creditCodeProblem(String(licence.holderId)), null);
      const resources = (await t.deps.exchange.catalogue()).filter((r) => r.sample.idNumber);
      for (const r of resources) assert.equal(idNumberProblem(String(r.sample.idNumber)), null, r.code);
    });

    it("lets the data officer register a member system, grant it fields and revoke it", async () => {
      const admin = await StaffSession.login(t.app, "admin");
      const page = await admin.get("/admin/exchange");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /按数据资源/);
      const bad = await admin.post("/admin/exchange/members", {
        code: "rst-shebao",
        name: "社保经办系统",
        department: "楚云省人力资源和社会保障厅",
        publicJwk: '{"kty":"RSA"}',
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /Ed25519 公钥/);
      assert.match(bad.body, /社保经办系统/, "what was typed is kept");

      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const ok = await admin.post("/admin/exchange/members", {
        code: "rst-shebao",
        name: "社保经办系统",
        department: "楚云省人力资源和社会保障厅",
        publicJwk: JSON.stringify(publicKey.export({ format: "jwk" })),
      });
      assert.equal(ok.statusCode, 303, ok.body.slice(0, 500));
      const member = (await t.deps.exchange.memberByCode("rst-shebao"))!;
      const granted = await admin.post("/admin/exchange/grants", {
        memberId: String(member.id),
        resourceCode: "FR-0001",
        fields: ["FR-0001:creditCode", "FR-0001:name", "FR-0001:status"],
        purpose: "社保登记核验单位信息",
        legalBasis: "《社会保险法》第五十七条",
        expiresOn: "2099-12-31",
        dailyQuota: "2",
      });
      assert.equal(granted.statusCode, 303, granted.body.slice(0, 500));
      const mine = { keyId: member.keyId, privateJwk: privateKey.export({ format: "jwk" }) as JWK };
      const entity = await t.deps.store.db
        .selectFrom("registryEntities")
        .select("creditCode")
        .limit(1)
        .executeTakeFirstOrThrow();
      const call = () =>
        signedQuery(
          BASE,
          mine,
          "FR-0001",
          { filter: { creditCode: entity.creditCode }, fields: ["name", "status"] },
          PURPOSE,
        );
      assert.equal((await send(await call())).res.statusCode, 200);
      // Two calls a day: the third is refused even when sent together with another.
      const [a, b] = await Promise.all([call().then(send), call().then(send)]);
      assert.deepEqual([a.res.statusCode, b.res.statusCode].sort(), [200, 429]);

      const revoked = await admin.post(`/admin/exchange/members/${member.id}/revoke`, {});
      assert.equal(revoked.statusCode, 303);
      const refused = await send(await call());
      assert.equal(refused.res.statusCode, 403);
      assert.equal(refused.json.error?.code, "member_revoked");
      const actions = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("action", "like", "exchange.%")
        .execute();
      assert.ok(
        actions.some((a) => a.action === "exchange.member.revoke"),
        "staff actions are audited",
      );
    });

    it("audits every call in a chain that shows an edit, a deletion and an insertion", async () => {
      const before = await t.deps.exchange.audit.verify();
      assert.ok(before.ok, JSON.stringify(before.findings));
      assert.ok(before.checked >= 10);
      const refused = await t.deps.store.db
        .selectFrom("exchangeAudit")
        .select(["seq", "reason"])
        .where("result", "=", "refused")
        .execute();
      assert.ok(
        refused.some((r) => r.reason === "digest_mismatch"),
        "refusals are audited with their reason",
      );
      const db = t.deps.store.db;
      await db.updateTable("exchangeAudit").set({ purposeCase: "HB-forged" }).where("seq", "=", 3).execute();
      await db.deleteFrom("exchangeAudit").where("seq", "=", 5).execute();
      const last = await db
        .selectFrom("exchangeAudit")
        .selectAll()
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirstOrThrow();
      await db
        .insertInto("exchangeAudit")
        .values({ ...last, seq: last.seq + 1, member: "intruder", prevHash: "f".repeat(64) })
        .execute();
      const after = await t.deps.exchange.audit.verify();
      assert.equal(after.ok, false);
      assert.deepEqual(after.findings, [
        { kind: "edited", seq: 3 },
        { kind: "deleted", fromSeq: 5, toSeq: 5 },
        { kind: "inserted", seq: last.seq + 1 },
      ]);
    });

    it("shows the person who read their data, for which case", async () => {
      const account = await t.deps.store.db
        .selectFrom("accounts")
        .select("id")
        .where("loginName", "=", `ph:${t.deps.store.cipher.blindIndex("phone", "13900000001")}`)
        .executeTakeFirstOrThrow();
      const { token } = await t.deps.sessions.create(account.id, "citizen", 600);
      const page = await t.app.inject({
        url: "/sites/www/account/data-reads",
        headers: { cookie: `cy_citizen=${t.app.signCookie(token)}` },
      });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /谁查看了我的数据/);
      assert.ok(page.body.includes(PURPOSE.caseNo), "the case the call served");
      assert.match(page.body, /楚云省政务服务和大数据管理局/);
      assert.match(page.body, /姓名/);
      // A long history pages (20 a page, newest first).
      const subject = t.deps.store.cipher.blindIndex("id-number", creds.filter.idNumber!);
      const earlier = await t.deps.exchange.audit.countForSubject(subject);
      for (let i = 0; i < 25; i++)
        await t.deps.exchange.audit.append({
          at: new Date().toISOString(),
          keyId: creds.keyId,
          member: "demo-consumer",
          resource: "RK-0001",
          fields: JSON.stringify(["name"]),
          purposeCase: `HB-PAGE-${String(i).padStart(2, "0")}`,
          purposeBasis: PURPOSE.basis,
          subject,
          result: "ok",
          status: 200,
          reason: "",
          requestDigest: "",
          responseDigest: "",
          latencyMs: 1,
        });
      const cookie = { cookie: `cy_citizen=${t.app.signCookie(token)}` };
      const first = await t.app.inject({ url: "/sites/www/account/data-reads", headers: cookie });
      assert.ok(first.body.includes("HB-PAGE-24") && !first.body.includes("HB-PAGE-04"), "newest first");
      assert.match(first.body, new RegExp(`共${earlier + 25}条`));
      const second = await t.app.inject({ url: "/sites/www/account/data-reads?page=2", headers: cookie });
      assert.ok(second.body.includes("HB-PAGE-04"), "older reads on page 2");
      const anonymous = await t.app.inject({ url: "/sites/www/account/data-reads" });
      assert.equal(anonymous.statusCode, 303, "signed-out visitors are sent to sign in");
    });
  });
}
