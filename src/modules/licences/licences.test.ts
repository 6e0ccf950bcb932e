import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { digest } from "@sd-jwt/crypto-nodejs";
import { getListFromStatusListJWT } from "@sd-jwt/jwt-status-list";
import type { JWK } from "jose";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { leafHash, verifyConsistency, verifyInclusion } from "../../platform/crypto/merkle.ts";
import { LICENCE_KINDS } from "./catalogue.ts";
import { decodeJws, verifyJws } from "./jws.ts";
import { checkLog, type GetJson } from "./verify-log.ts";

const ID_CARD = "11100000000013338W001";
const RESIDENCE = "11100000000013338W005";

interface MineEntry {
  id: number;
  kind: string;
  kindName: string;
  status: string;
  sdJwt: string;
  leafHash: string;
  status_list: { idx: number; uri: string };
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const fromB64url = (s: string) => JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as unknown;

for (const engine of ENGINES) {
  describe(`electronic licences on ${engine}`, () => {
    let t: TestContext;
    let citizen: { cookie: string; csrf: string; id: number };
    let enterprise: { cookie: string; csrf: string; id: number };

    const citizenSession = async (loginName: string) => {
      const row = await t.deps.store.db
        .selectFrom("accounts")
        .select(["id", "loginName", "phone", "creditCode"])
        .execute();
      const accounts = await Promise.all(row.map((r) => t.deps.accounts.byId(r.id)));
      const account = accounts.find((a) => a && (a.phone === loginName || a.creditCode === loginName))!;
      const { token, session } = await t.deps.sessions.create(account.id, "citizen", 3600);
      return { cookie: `cy_citizen=${t.app.signCookie(token)}`, csrf: session.csrf, id: account.id };
    };
    const staffSession = async (
      username: string,
      roles: { site: string; role: "handler" | "editor" }[],
      operator = false,
    ) => {
      const id = await t.deps.staff.ensureSeedUser({
        username,
        displayName: username,
        passwordHash: "x",
        isOperator: operator,
        roles: roles.map((r) => ({ siteId: t.deps.sites.byCodeCached(r.site)!.id, role: r.role })),
      });
      const { token, session } = await t.deps.sessions.create(id, "staff", 3600);
      return { cookie: `cy_staff=${t.app.signCookie(token)}`, csrf: session.csrf };
    };
    const mine = async (who = citizen) => {
      const res = await t.app.inject({ url: "/api/licences/mine", headers: { cookie: who.cookie } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as MineEntry[];
    };
    const present = async (id: number, disclose: string[], who = citizen) =>
      t.app.inject({
        method: "POST",
        url: `/api/licences/${id}/present`,
        headers: { cookie: who.cookie, "x-csrf-token": who.csrf },
        payload: { disclose },
      });
    const verify = async (presentation: string, extra: Record<string, string> = {}) => {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/licences/verify",
        payload: { presentation, ...extra },
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { result: string; reason?: string; claims: Record<string, unknown> };
    };
    const presentationOf = async (id: number, disclose: string[]) => {
      const res = await present(id, disclose);
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { presentation: string }).presentation;
    };
    const holderKeyOf = async (id: number) => {
      const row = await t.deps.store.db
        .selectFrom("licences")
        .select("holderKey")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return JSON.parse(row.holderKey) as JWK;
    };
    const signKb = (presentationNoKb: string, key: JWK, payload: Record<string, unknown> = {}) => {
      const sdHash = Buffer.from(digest(presentationNoKb, "sha-256")).toString("base64url");
      const input = `${b64url({ alg: "EdDSA", typ: "kb+jwt" })}.${b64url({
        iat: Math.floor(Date.now() / 1000),
        aud: "test",
        nonce: "n-1",
        sd_hash: sdHash,
        ...payload,
      })}`;
      const priv = { key: key as JsonWebKey, format: "jwk" } as const;
      return `${presentationNoKb}${input}.${sign(null, Buffer.from(input), priv as never).toString("base64url")}`;
    };

    before(async () => {
      t = await startPlatform(engine);
      citizen = await citizenSession("13900000001");
      const ent = await t.deps.store.db
        .selectFrom("accounts")
        .select("creditCode")
        .where("kind", "=", "enterprise")
        .where("creditCode", "is not", null)
        .orderBy("id")
        .executeTakeFirstOrThrow();
      enterprise = await citizenSession(ent.creditCode!);
    });
    after(async () => t?.close());

    it("publishes issuer metadata with the issuer and log keys at /.well-known/jwt-vc-issuer", async () => {
      const res = await t.app.inject({ url: "/.well-known/jwt-vc-issuer" });
      assert.equal(res.statusCode, 200);
      const body = res.json() as { issuer: string; jwks: { keys: JWK[] } };
      assert.equal(body.issuer, t.config.publicBaseUrl.replace(/\/$/, ""));
      assert.equal(body.jwks.keys.length, 2);
      for (const k of body.jwks.keys) {
        assert.equal(k.crv, "Ed25519");
        assert.ok(k.kid);
        assert.equal("d" in k, false, "no private key published");
      }
    });

    it("the catalogue has 23 kinds, each with items, department and validity", async () => {
      const res = await t.app.inject({ url: "/api/licences/kinds" });
      const kinds = res.json() as { name: string; department: string; items: unknown[] }[];
      assert.equal(kinds.length, 23);
      for (const name of [
        "居民身份证",
        "机动车驾驶证",
        "营业执照",
        "结婚证",
        "不动产权证书",
        "社会保障卡",
        "出生医学证明",
        "残疾人证",
        "教师资格证",
        "食品经营许可证",
      ])
        assert.ok(
          kinds.some((k) => k.name === name),
          name,
        );
      assert.ok(kinds.every((k) => k.department && k.items.length >= 4));
    });

    it("the demo citizen holds at least 5 licences of different kinds, one revoked; the enterprise its two", async () => {
      const list = await mine();
      assert.ok(list.length >= 5);
      assert.equal(new Set(list.map((l) => l.kind)).size, list.length);
      assert.equal(list.filter((l) => l.status === "revoked").length, 1);
      const ent = await mine(enterprise);
      assert.deepEqual(ent.map((l) => l.kindName).sort(), ["营业执照", "食品经营许可证"].sort());
    });

    it("each licence is an SD-JWT VC with every item disclosable, holder binding and a status entry", async () => {
      for (const l of await mine()) {
        const jwt = decodeJws(l.sdJwt.split("~")[0]!)!;
        assert.equal(jwt.header.typ, "dc+sd-jwt");
        assert.equal(jwt.header.alg, "EdDSA");
        assert.match(String(jwt.payload.vct), new RegExp(`/licences/types/${l.kind}$`));
        const kind = LICENCE_KINDS.find((k) => k.code === l.kind)!;
        for (const item of kind.items)
          assert.equal(item.name in jwt.payload, false, `${item.name} is not in clear`);
        assert.equal((jwt.payload._sd as string[]).length, kind.items.length);
        assert.equal(
          l.sdJwt.split("~").filter(Boolean).length - 1,
          kind.items.length,
          "one disclosure per item",
        );
        assert.equal((jwt.payload.cnf as { jwk: JWK }).jwk.crv, "Ed25519");
        assert.deepEqual(jwt.payload.status, { status_list: l.status_list });
        // the status list has at least 131,072 entries and says what the wallet says
        const token = await t.app.inject({ url: new URL(l.status_list.uri).pathname });
        assert.equal(token.headers["content-type"], "application/statuslist+jwt");
        const list = getListFromStatusListJWT(token.body);
        assert.ok(list.statusList.length >= 131_072);
        assert.equal(
          list.getStatus(l.status_list.idx),
          l.status === "revoked" ? 1 : l.status === "suspended" ? 2 : 0,
        );
      }
    });

    it("亮证 with chosen items verifies as valid and shows only those items", async () => {
      const card = (await mine()).find((l) => l.kind === ID_CARD)!;
      const res = await present(card.id, ["ageOver18", "name"]);
      assert.equal(res.statusCode, 200, res.body);
      const { presentation, qr } = res.json() as { presentation: string; qr: string };
      assert.match(qr, /^data:image\/svg\+xml;base64,/);
      assert.match(Buffer.from(qr.split(",")[1]!, "base64").toString(), /<svg/);
      const result = await verify(presentation);
      assert.equal(result.result, "valid");
      assert.deepEqual(Object.keys(result.claims).sort(), ["ageOver18", "name"]);
      assert.equal(result.claims.ageOver18, true);
      assert.equal("idNumber" in result.claims, false);
    });

    it("refuses bad presentations with the precise result, never a 500", async () => {
      const list = await mine();
      const card = list.find((l) => l.kind === ID_CARD)!;
      const presentation = await presentationOf(card.id, ["name", "ageOver18"]);
      const parts = presentation.split("~");
      const key = await holderKeyOf(card.id);

      // altered claim: a disclosure's value changed
      const altered = [...parts];
      const d = fromB64url(altered[1]!) as [string, string, unknown];
      altered[1] = b64url([d[0], d[1], typeof d[2] === "boolean" ? !d[2] : "李四"]);
      assert.deepEqual(await verify(altered.join("~")), {
        result: "forged",
        reason: "disclosure_not_issued",
        claims: {},
      });

      // a disclosure never issued, by the holder, with a valid KB-JWT over it
      const fake = b64url(["c2FsdHNhbHRzYWx0", "idNumber", "110101200001011234"]);
      const withFake = signKb(`${parts.slice(0, -1).join("~")}~${fake}~`, key);
      assert.equal((await verify(withFake)).reason, "disclosure_not_issued");

      // wrong holder-binding signature: KB-JWT signed by another key
      const other = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }) as JWK;
      const wrongKb = signKb(`${parts.slice(0, -1).join("~")}~`, other);
      assert.deepEqual(await verify(wrongKb), {
        result: "forged",
        reason: "holder_binding_invalid",
        claims: {},
      });
      // no KB-JWT at all
      assert.equal((await verify(`${parts.slice(0, -1).join("~")}~`)).reason, "holder_binding_missing");
      // stale presentation (older than 5 minutes)
      const stale = signKb(`${parts.slice(0, -1).join("~")}~`, key, {
        iat: Math.floor(Date.now() / 1000) - 600,
      });
      assert.equal((await verify(stale)).reason, "presentation_stale");
      // a fresh KB-JWT by the right key verifies (the helper itself is sound)
      assert.equal((await verify(signKb(`${parts.slice(0, -1).join("~")}~`, key))).result, "valid");
      // online verifier's nonce
      assert.equal((await verify(presentation, { nonce: "not-the-one" })).reason, "nonce_mismatch");

      // an issuer JWT with a changed payload no longer matches its signature
      const jwt = parts[0]!.split(".");
      const payload = fromB64url(jwt[1]!) as Record<string, unknown>;
      const tampered = [jwt[0], b64url({ ...payload, exp: 4102444800 }), jwt[2]].join(".");
      assert.equal((await verify([tampered, ...parts.slice(1)].join("~"))).reason, "bad_signature");

      // signed by a key not in the issuer's JWKS
      const rogue = generateKeyPairSync("ed25519").privateKey;
      const header = b64url({ alg: "EdDSA", typ: "dc+sd-jwt", kid: "rogue-key" });
      const input = `${header}.${jwt[1]}`;
      const forgedJwt = `${input}.${sign(null, Buffer.from(input), rogue).toString("base64url")}`;
      assert.equal((await verify([forgedJwt, ...parts.slice(1)].join("~"))).reason, "unknown_key");

      // garbage in the QR
      for (const garbage of ["", "hello world", "a~b~c", "eyJ.eyJ.x~", "x".repeat(30_000), "~~~~", "😀"]) {
        const res = await t.app.inject({
          method: "POST",
          url: "/api/licences/verify",
          payload: { presentation: garbage },
        });
        assert.ok(res.statusCode === 200 || res.statusCode === 400, `${res.statusCode} for garbage`);
        if (res.statusCode === 200) assert.equal((res.json() as { result: string }).result, "forged");
      }
      const notJson = await t.app.inject({
        method: "POST",
        url: "/api/licences/verify",
        payload: "{",
        headers: { "content-type": "application/json" },
      });
      assert.equal(notJson.statusCode, 400);

      // the revoked licence
      const revoked = list.find((l) => l.status === "revoked")!;
      assert.equal((await verify(await presentationOf(revoked.id, ["name"]))).result, "revoked");
    });

    it("an expired licence answers expired", async () => {
      const longAgo = new Date(Date.now() - 3 * 365 * 86_400_000);
      const licence = await t.deps.licences.issue(
        {
          kindCode: RESIDENCE,
          holderAccountId: citizen.id,
          claims: {
            name: "张三",
            idNumber: "420102199003070038",
            gender: "男",
            birthDate: "1990-03-07",
            ageOver18: true,
            address: "江城市",
            licenceNo: "JZZ-OLD",
            issueDate: "2023-01-01",
          },
          issuedAt: longAgo,
        },
        "test",
      );
      const result = await verify(await presentationOf(licence.id, ["name"]));
      assert.equal(result.result, "expired");
      assert.equal(result.claims.name, "张三");
    });

    it("only an authorised issuer issues; suspension and revocation reach every verifier through the status list", async () => {
      const editor = await staffSession("lic_rst_editor", [{ site: "rst", role: "editor" }]);
      const gat = await staffSession("lic_gat_handler", [{ site: "gat", role: "handler" }]);
      const form = (who: { cookie: string; csrf: string }, fields: Record<string, string>) =>
        t.app.inject({
          method: "POST",
          url: "/admin/licences",
          headers: { cookie: who.cookie, "content-type": "application/x-www-form-urlencoded" },
          payload: new URLSearchParams({ _csrf: who.csrf, ...fields }).toString(),
        });
      const account = (await t.deps.accounts.byId(citizen.id))!;
      const fields = {
        kind: "11100000000013338W003",
        holder: account.idNumber!,
        name: "张三",
        idNumber: account.idNumber!,
        gender: "男",
        birthDate: "1990-03-07",
        ageOver18: "true",
        vehicleClass: "C1",
        firstIssueDate: "2012-05-18",
        licenceNo: "JSZ-NEW-1",
        issueDate: "2026-01-01",
      };
      assert.equal(
        (await t.app.inject({ url: "/admin/licences", headers: { cookie: editor.cookie } })).statusCode,
        403,
      );
      assert.equal((await form(editor, fields)).statusCode, 403);
      const bad = await form(gat, { ...fields, birthDate: "1990/03/07", holder: "420102199001010000" });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /没有找到实名注册的持证人/);
      assert.equal(
        (await form(gat, { ...fields, kind: "11100000MB0341032Y001" })).statusCode,
        403,
        "公安厅 cannot issue 营业执照",
      );
      const sizeBefore = (await t.app.inject({ url: "/api/licences/log/sth" })).json() as {
        treeSize: number;
      };
      const ok = await form(gat, fields);
      assert.equal(ok.statusCode, 303, ok.body.slice(0, 500));
      // The list names who issued in words (the seed's licences: 系统), never an internal actor id.
      const list = await t.app.inject({ url: "/admin/licences", headers: { cookie: gat.cookie } });
      assert.match(list.body, /<small>系统<\/small>/);
      assert.doesNotMatch(list.body, /system:seed/);
      const issued = (await mine()).find((l) => l.kind === "11100000000013338W003" && l.sdJwt.includes("."))!;
      const newest = (await mine()).filter((l) => l.kind === "11100000000013338W003").at(-1)!;
      assert.ok(issued);
      // the issuance is a log leaf: SHA-256(0x00 || issuer JWT)
      const jwtPart = newest.sdJwt.split("~")[0]!;
      assert.equal(newest.leafHash, leafHash(Buffer.from(jwtPart, "utf8")).toString("base64"));

      const presentation = await presentationOf(newest.id, ["vehicleClass"]);
      assert.equal((await verify(presentation)).result, "valid");
      const act = (action: string, who = gat) =>
        t.app.inject({
          method: "POST",
          url: `/admin/licences/${newest.id}/${action}`,
          headers: { cookie: who.cookie, "content-type": "application/x-www-form-urlencoded" },
          payload: `_csrf=${who.csrf}`,
        });
      assert.equal((await act("suspend", editor)).statusCode, 403);
      assert.equal((await act("suspend")).statusCode, 303);
      assert.equal((await verify(presentation)).result, "suspended");
      assert.equal((await act("reinstate")).statusCode, 303);
      assert.equal((await verify(presentation)).result, "valid");
      assert.equal((await act("revoke")).statusCode, 303);
      assert.equal((await verify(presentation)).result, "revoked");
      assert.equal((await act("reinstate")).statusCode, 409, "a revoked licence stays revoked");
      const after = (await t.app.inject({ url: "/api/licences/log/sth" })).json() as { treeSize: number };
      assert.equal(after.treeSize, sizeBefore.treeSize + 4, "issuance and three status changes are leaves");
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("targetType", "=", "licence")
        .execute();
      assert.ok(audit.some((a) => a.action === "licence.revocation"));
    });

    it("the log answers signed tree heads, inclusion and consistency proofs that verify", async () => {
      const jwks = (
        (await t.app.inject({ url: "/.well-known/jwt-vc-issuer" })).json() as { jwks: { keys: JWK[] } }
      ).jwks.keys;
      const first = (await t.app.inject({ url: "/api/licences/log/sth" })).json() as {
        treeSize: number;
        rootHash: string;
        timestamp: number;
        signature: string;
      };
      const signed = verifyJws(first.signature, jwks);
      assert.ok(signed, "STH signed by a published key");
      assert.deepEqual(signed.payload, {
        treeSize: first.treeSize,
        rootHash: first.rootHash,
        timestamp: first.timestamp,
      });
      // grow the log, then prove the old head is a prefix of the new one
      const card = (await mine()).find((l) => l.kind === ID_CARD)!;
      await t.deps.licences.setStatus(card.id, "suspended", "test");
      await t.deps.licences.setStatus(card.id, "valid", "test");
      const second = (await t.app.inject({ url: "/api/licences/log/sth" })).json() as typeof first;
      assert.equal(second.treeSize, first.treeSize + 2);
      const kept = (
        await t.app.inject({ url: `/api/licences/log/sth?treeSize=${first.treeSize}` })
      ).json() as typeof first;
      assert.deepEqual(kept, first, "the earlier head is kept");
      const c = (
        await t.app.inject({
          url: `/api/licences/log/consistency?first=${first.treeSize}&second=${second.treeSize}`,
        })
      ).json() as { proof: string[] };
      const b = (s: string) => Buffer.from(s, "base64");
      assert.ok(
        verifyConsistency(
          first.treeSize,
          second.treeSize,
          b(first.rootHash),
          b(second.rootHash),
          c.proof.map(b),
        ),
      );
      const p = (
        await t.app.inject({
          url: `/api/licences/log/proof?leafHash=${encodeURIComponent(card.leafHash)}&treeSize=${second.treeSize}`,
        })
      ).json() as { leafIndex: number; auditPath: string[] };
      assert.ok(
        verifyInclusion(
          p.leafIndex,
          second.treeSize,
          b(card.leafHash),
          p.auditPath.map(b),
          b(second.rootHash),
        ),
      );
      // bad input: precise 4xx
      assert.equal((await t.app.inject({ url: "/api/licences/log/sth?treeSize=999999" })).statusCode, 404);
      assert.equal((await t.app.inject({ url: "/api/licences/log/sth?treeSize=-1" })).statusCode, 400);
      assert.equal(
        (
          await t.app.inject({
            url: `/api/licences/log/proof?leafHash=${encodeURIComponent(Buffer.alloc(32).toString("base64"))}&treeSize=1`,
          })
        ).statusCode,
        404,
      );
      assert.equal(
        (await t.app.inject({ url: "/api/licences/log/proof?leafHash=abc&treeSize=1" })).statusCode,
        400,
      );
      assert.equal(
        (
          await t.app.inject({
            url: `/api/licences/log/proof?leafHash=${encodeURIComponent(card.leafHash)}&treeSize=99999999`,
          })
        ).statusCode,
        400,
      );
      assert.equal(
        (await t.app.inject({ url: "/api/licences/log/consistency?first=5&second=2" })).statusCode,
        400,
      );
      assert.equal(
        (await t.app.inject({ url: "/api/licences/log/consistency?first=x&second=2" })).statusCode,
        400,
      );
    });

    it("licences:verify-log confirms inclusion and consistency, and catches a proof that was altered", async () => {
      const base = t.config.publicBaseUrl;
      const get: GetJson = async (url) => {
        const res = await t.app.inject({ url: url.slice(base.replace(/\/$/, "").length) });
        return { status: res.statusCode, body: res.json() as unknown };
      };
      const card = (await mine()).find((l) => l.kind === ID_CARD)!;
      const early = (await get(`${base}/api/licences/log/sth`)).body as { treeSize: number };
      await t.deps.licences.setStatus(card.id, "suspended", "test");
      await t.deps.licences.setStatus(card.id, "valid", "test");
      const good = await checkLog({ base, licence: card.sdJwt, first: early.treeSize }, get);
      assert.ok(good.ok, good.lines.join("\n"));
      assert.equal(good.lines.filter((l) => l.startsWith("ok")).length, 4);
      const altered: GetJson = async (url) => {
        const res = await get(url);
        const body = res.body as { proof?: string[]; auditPath?: string[] };
        const flip = (s: string) => {
          const bytes = Buffer.from(s, "base64");
          bytes[0]! ^= 1;
          return bytes.toString("base64");
        };
        if (body.proof?.length) body.proof = [flip(body.proof[0]!), ...body.proof.slice(1)];
        if (body.auditPath?.length) body.auditPath = [flip(body.auditPath[0]!), ...body.auditPath.slice(1)];
        return res;
      };
      const bad = await checkLog({ base, licence: card.sdJwt, first: early.treeSize }, altered);
      assert.equal(bad.ok, false);
      assert.equal(bad.lines.filter((l) => l.startsWith("FAIL")).length, 2, bad.lines.join("\n"));
      const unknown = await checkLog({ base, leafHash: Buffer.alloc(32).toString("base64") }, get);
      assert.equal(unknown.ok, false);
    });

    it("anchors the exchange hub's audit head as a checkpoint leaf, once per head", async () => {
      const size = await t.deps.licences.log.size();
      const head = { seq: 41, hash: "a".repeat(64) };
      assert.ok(await t.deps.licences.checkpoint("exchange-audit", head));
      assert.equal(
        await t.deps.licences.checkpoint("exchange-audit", head),
        null,
        "unchanged head: no new leaf",
      );
      assert.ok(await t.deps.licences.checkpoint("exchange-audit", { seq: 42, hash: "b".repeat(64) }));
      assert.equal(await t.deps.licences.log.size(), size + 2);
      const entry = await t.deps.licences.log.entry(size);
      assert.deepEqual(JSON.parse(entry!.entry), { type: "checkpoint", source: "exchange-audit", ...head });
    });

    it("the holder API needs the holder's session and refuses items the licence does not have", async () => {
      assert.equal((await t.app.inject({ url: "/api/licences/mine" })).statusCode, 401);
      const card = (await mine()).find((l) => l.kind === ID_CARD)!;
      assert.equal((await present(card.id, ["nope"])).statusCode, 400);
      assert.equal((await present(card.id, [])).statusCode, 400);
      // disclose is a list: a lone string is refused, not read as a list of one.
      const lone = await t.app.inject({
        method: "POST",
        url: `/api/licences/${card.id}/present`,
        headers: { cookie: citizen.cookie, "x-csrf-token": citizen.csrf },
        payload: { disclose: "name" },
      });
      assert.equal(lone.statusCode, 400, lone.body);
      const error = (lone.json() as { error: { code: string; fields: Record<string, string> } }).error;
      assert.match(error.fields.disclose!, /数组/);
      // A status list that does not exist is named as such (not as a licence).
      const list = await t.app.inject({ url: "/api/licences/status-lists/999" });
      assert.equal(list.statusCode, 404);
      const missing = (list.json() as { error: { code: string; message: string } }).error;
      assert.equal(missing.code, "unknown_status_list");
      assert.match(missing.message, /状态列表/);
      assert.equal(
        (await present(card.id, ["name"], enterprise)).statusCode,
        404,
        "not the enterprise's licence",
      );
      const noCsrf = await t.app.inject({
        method: "POST",
        url: `/api/licences/${card.id}/present`,
        headers: { cookie: citizen.cookie },
        payload: { disclose: ["name"] },
      });
      assert.equal(noCsrf.statusCode, 403);
    });

    it("wallet, 亮证 and verifier pages work without JavaScript", async () => {
      const wallet = await t.app.inject({
        url: "/sites/www/account/licences",
        headers: { cookie: citizen.cookie },
      });
      assert.equal(wallet.statusCode, 200);
      assert.match(wallet.body, /居民身份证/);
      assert.match(wallet.body, /已注销/);
      assert.doesNotMatch(wallet.body, /42010219900307003/, "ID number masked");
      const card = (await mine()).find((l) => l.kind === ID_CARD)!;
      const page = await t.app.inject({
        url: `/sites/www/account/licences/${card.id}`,
        headers: { cookie: citizen.cookie },
      });
      assert.match(page.body, /年满18周岁/);
      const shown = await t.app.inject({
        method: "POST",
        url: `/sites/www/account/licences/${card.id}/present`,
        headers: { cookie: citizen.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: `_csrf=${citizen.csrf}&disclose=ageOver18`,
      });
      assert.equal(shown.statusCode, 200);
      assert.match(shown.body, /<img[^>]+data:image\/svg\+xml;base64/);
      const text = /<textarea[^>]*>([^<]+)<\/textarea>/.exec(shown.body)![1]!.trim();
      const checked = await t.app.inject({
        method: "POST",
        url: "/sites/www/licences/verify",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ presentation: text }).toString(),
      });
      assert.match(checked.body, /核验通过/);
      assert.match(checked.body, /年满18周岁/);
      const none = await t.app.inject({
        method: "POST",
        url: `/sites/www/account/licences/${card.id}/present`,
        headers: { cookie: citizen.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: `_csrf=${citizen.csrf}`,
      });
      assert.equal(none.statusCode, 400);
      assert.match(none.body, /至少选择一项/);
      const garbage = await t.app.inject({
        method: "POST",
        url: "/sites/www/licences/verify",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: "presentation=%E4%BD%A0%E5%A5%BD",
      });
      assert.equal(garbage.statusCode, 200);
      assert.match(garbage.body, /不是有效的亮证码/);
    });
  });
}
