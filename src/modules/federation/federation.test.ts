import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import type { JWK } from "jose";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { DomainError, errorCodeOf, httpStatusOf } from "../../platform/http/errors.ts";
import { chinaDate, chinaDayStart, shiftDays } from "../../platform/time/china-time.ts";
import { citizenLogin } from "../onestop/test-helpers.ts";
import { signedRequest } from "../exchange/index.ts";
import {
  backoffMs,
  FEDERATION_BASIS,
  MESSAGES_PATH,
  type FederationService,
  type PeerFetch,
} from "./service.ts";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

/** Routes a peer's fetch to the other platform's app (inject), like loopback HTTP. */
function via(target: TestContext): PeerFetch {
  return async (url, init) => {
    const u = new URL(url);
    const res = await target.app.inject({
      method: (init.method ?? "GET") as "GET" | "POST",
      url: u.pathname + u.search,
      headers: { ...((init.headers ?? {}) as Record<string, string>), host: u.host },
      payload: typeof init.body === "string" ? init.body : undefined,
    });
    return new Response(new Uint8Array(res.rawPayload), {
      status: res.statusCode,
      headers: Object.entries(res.headers).flatMap(([k, v]) =>
        v === undefined ? [] : [[k, Array.isArray(v) ? v.join(", ") : String(v)] as [string, string]],
      ),
    });
  };
}

function settings(id: string, timeoutMs = 2000) {
  return {
    id,
    name: id === "hubei" ? "湖北省" : "湖南省",
    baseUrl: `http://${id}.test`,
    peers: [],
    retryMaxSeconds: 1,
    timeoutMs,
    pollMs: 1000,
  };
}

for (const engine of ENGINES) {
  describe(`federation (跨省通办) on ${engine}`, () => {
    let a: TestContext; // hubei: owns the item
    let b: TestContext; // hunan: the citizen's platform
    let A: FederationService;
    let B: FederationService;
    let itemCode: string;

    before(async () => {
      a = await startPlatform(engine, { config: { federation: settings("hubei") } });
      b = await startPlatform(engine, { config: { federation: settings("hunan") } });
      A = a.deps.federation;
      B = b.deps.federation;
      A.fetcher = via(b);
      B.fetcher = via(a);
      await A.importPeer("http://hunan.test", null, "test");
      await B.importPeer("http://hubei.test", (await A.key()).keyId, "test");
      itemCode = `${a.deps.sites.byCodeCached("scjg")!.siteCode}-XK-0002`;
      await A.offer(itemCode, "test");
      assert.equal(await B.syncItems("hubei"), 1);
    });
    after(async () => {
      await a?.close();
      await b?.close();
    });

    async function citizen() {
      const account = await b.deps.accounts.byIdNumber(
        (await b.deps.accounts.verifiedHolders()).people[0]!.idNumber,
      );
      return account!;
    }

    async function fileOne(key: string, raw: Record<string, string> = {}) {
      const item = await B.federatedItem("hubei", itemCode);
      const files = item.form.fields
        .filter((f) => f.type === "file" && f.required)
        .map((f) => ({ field: f.name, fileName: "a.pdf", bytes: PDF }));
      return B.file({
        account: await citizen(),
        peerCode: "hubei",
        itemCode,
        raw: {
          phone: "13912345678",
          "address.region": "江城市",
          "address.detail": "江滨路1号",
          ...Object.fromEntries(
            item.form.fields.filter((f) => f.type === "select").map((f) => [f.name, f.options![0]!]),
          ),
          ...raw,
        },
        files,
        formKey: key,
      });
    }

    it("forwards an application once, and every status change flows back once", async () => {
      const filed = await fileOne("k".repeat(20));
      assert.equal(filed.application.status, "forwarding");
      await B.idle();
      await B.deliverDue();
      const forwarded = await B.own(filed.application.accountId, filed.application.number);
      assert.equal(forwarded.status, "submitted", JSON.stringify(forwarded.refusal));
      assert.match(forwarded.remoteNo ?? "", /^CY\d{16}$/);
      const onA = await a.deps.oneStop.applications.byTrackingNo(forwarded.remoteNo!);
      assert.equal(onA?.status, "prereview");
      assert.deepEqual(await A.inboundOf(onA!.id), {
        peerCode: "hunan",
        peerName: "湖南省",
        originNo: forwarded.number,
      });

      // The same form posted again files nothing new; a retried message creates nothing twice.
      const again = await fileOne("k".repeat(20));
      assert.equal(again.application.number, forwarded.number);
      await b.deps.store.db
        .updateTable("federationOutbox")
        .set({ status: "pending", nextAttemptAt: new Date(0).toISOString() })
        .where("purposeCase", "=", forwarded.number)
        .execute();
      await B.deliverDue();
      const apps = await a.deps.oneStop.applications.byApplicantIdNumber((await citizen()).idNumber!);
      assert.equal(apps.filter((x) => x.itemCode === itemCode && x.status !== "draft").length, 1);

      // A reports its events (create, submit); a second report sends nothing new.
      assert.equal(await A.reportChanges(), 2);
      assert.equal(await A.reportChanges(), 0);
      await A.idle();
      await A.deliverDue();
      const followed = await B.own(forwarded.accountId, forwarded.number);
      assert.equal(followed.remoteStatusLabel, "待预审");
      assert.equal((await B.events(followed.id)).length, 2);
      await a.deps.store.db
        .updateTable("federationOutbox")
        .set({ status: "pending", nextAttemptAt: new Date(0).toISOString() })
        .where("kind", "=", "application.status")
        .execute();
      await A.deliverDue();
      assert.equal((await B.events(followed.id)).length, 2, "a redelivered status changes nothing");
      const audit = await b.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("action", "like", "federation.%")
        .execute();
      assert.ok(audit.some((r) => r.action === "federation.send.application.submit"));
      assert.ok(audit.some((r) => r.action === "federation.receive.application.status"));
    });

    it("refuses an unknown peer's signature, a replay, and a status for an unknown application", async () => {
      const { privateKey } = generateKeyPairSync("ed25519");
      const stranger = await signedRequest(
        `http://hubei.test${MESSAGES_PATH}`,
        { keyId: "stranger", privateJwk: privateKey.export({ format: "jwk" }) as JWK },
        JSON.stringify({
          kind: "application.status",
          idempotencyKey: "x".repeat(20),
          from: "hunan",
          payload: {},
        }),
        { caseNo: "KS1", basis: FEDERATION_BASIS },
      );
      const refused = await a.app.inject({
        method: "POST",
        url: MESSAGES_PATH,
        headers: { ...stranger.headers, host: "hubei.test" },
        payload: stranger.body,
      });
      assert.equal(refused.statusCode, 401);
      assert.equal(refused.json().error.code, "unknown_peer");

      const body = JSON.stringify({
        kind: "application.status",
        idempotencyKey: "status-unknown-0001",
        from: "hubei",
        payload: { originNo: "KS000", seq: 1, status: "review" },
      });
      const call = await signedRequest(`http://hunan.test${MESSAGES_PATH}`, await A.key(), body, {
        caseNo: "KS000",
        basis: FEDERATION_BASIS,
      });
      const send = () =>
        b.app.inject({
          method: "POST",
          url: MESSAGES_PATH,
          headers: { ...call.headers, host: "hunan.test" },
          payload: call.body,
        });
      const first = await send();
      assert.equal(first.statusCode, 404);
      assert.equal(first.json().error.code, "unknown_application");
      const replay = await send();
      assert.equal(replay.statusCode, 401);
      assert.equal(replay.json().error.code, "replayed_nonce");
    });

    it("shows the owner's form messages when the owner refuses the form", async () => {
      // B's copy of the form is stale (no required fields): A's own form still applies.
      await b.deps.store.db
        .updateTable("federationItems")
        .set({ form: JSON.stringify({ fields: [{ name: "remark", label: "补充说明", type: "textarea" }] }) })
        .execute();
      const filed = await B.file({
        account: await citizen(),
        peerCode: "hubei",
        itemCode,
        raw: { remark: "x" },
        files: [],
        formKey: "r".repeat(20),
      });
      await B.idle();
      await B.deliverDue();
      const refused = await B.own(filed.application.accountId, filed.application.number);
      assert.equal(refused.status, "refused");
      // A's own labels and messages (B's stale copy has none of these fields).
      assert.match(refused.refusal!.message, /^申请表未通过办理地平台的校验：.*联系地址：请填写联系地址/);
      assert.deepEqual(refused.refusal!.fields, {
        address: "联系地址：请填写联系地址",
        material1: "个体工商户登记申请书：请上传个体工商户登记申请书",
        material2: "经营者身份证明：请上传经营者身份证明",
        material3: "经营场所使用证明：请上传经营场所使用证明",
      });
      await B.syncItems("hubei");
    });

    it("lets A's department read B's registry under B's grant, and the person sees it on B", async () => {
      const person = await citizen();
      const ask = (over: Partial<Parameters<FederationService["queryPeer"]>[0]> = {}) =>
        A.queryPeer({
          peerCode: "hunan",
          department: "市场监督管理局",
          resource: "RK-0001",
          filter: { idNumber: person.idNumber! },
          fields: ["name", "address", "householdNo"],
          purpose: { caseNo: "CY20261202000001", basis: "《个体工商户条例》第八条" },
          actor: "staff:test",
          ...over,
        });
      const refusal = async (run: Promise<unknown>) => {
        const error = await run.then(
          () => assert.fail("expected a refusal"),
          (e: unknown) => e,
        );
        assert.ok(error instanceof DomainError, String(error));
        return { status: httpStatusOf(error), code: errorCodeOf(error), message: error.message };
      };

      // No grant for hubei on hunan yet: refused by B's hub, told plainly.
      const none = await refusal(ask());
      assert.deepEqual([none.status, none.code], [403, "no_grant"]);
      assert.match(none.message, /^湖南省：未获得该资源的共享授权/);

      const expiresAt = chinaDayStart(shiftDays(chinaDate(), 30))!.toISOString();
      await B.grantPeer(
        "hubei",
        {
          resource: "RK-0001",
          fields: ["idNumber", "name", "address"],
          purpose: "跨省通办：核验申请人身份和住址",
          legalBasis: "《国务院办公厅关于加快推进政务服务“跨省通办”的指导意见》",
          expiresAt,
        },
        "officer",
      );
      const read = await ask();
      assert.equal(read.records.length, 1);
      assert.equal(read.records[0]!.name, person.name);
      assert.equal(typeof read.records[0]!.address, "string");
      assert.deepEqual(read.withheld, ["householdNo"], "a field outside the grant is withheld");

      // Purpose and asking department are required; unknown peers and ungranted resources refused.
      assert.deepEqual((await refusal(ask({ purpose: { caseNo: "", basis: "x" } }))).code, "purpose_missing");
      assert.equal((await refusal(ask({ department: " " }))).code, "requester_missing");
      assert.deepEqual(Object.values(await refusal(ask({ peerCode: "guangdong" }))).slice(0, 2), [
        404,
        "unknown_peer",
      ]);
      const other = await refusal(
        ask({ resource: "FR-0001", filter: { creditCode: "x" }, fields: ["name"] }),
      );
      assert.deepEqual([other.status, other.code], [403, "no_grant"]);

      // A message without an asking department, signed by hubei, is refused by B itself.
      const body = JSON.stringify({
        kind: "registry.query",
        idempotencyKey: "query-no-department-1",
        from: "hubei",
        payload: { resource: "RK-0001", query: { filter: { idNumber: person.idNumber }, fields: ["name"] } },
      });
      const call = await signedRequest(`http://hunan.test${MESSAGES_PATH}`, await A.key(), body, {
        caseNo: "CY1",
        basis: "x",
      });
      const bare = await b.app.inject({
        method: "POST",
        url: MESSAGES_PATH,
        headers: { ...call.headers, host: "hunan.test" },
        payload: call.body,
      });
      assert.equal(bare.statusCode, 400);
      assert.equal(bare.json().error.code, "requester_missing");

      // A's member system asks over HTTP, signed with its own key: A's hub forwards for its department.
      const { privateKey: memberKey, publicKey: memberPublic } = generateKeyPairSync("ed25519");
      const member = await a.deps.exchange.registerMember(
        {
          code: "fed-test-registration",
          name: "个体工商户登记系统",
          department: "湖北省市场监督管理局",
          publicJwk: memberPublic.export({ format: "jwk" }) as JWK,
        },
        "test",
      );
      const route = "/api/federation/v1/peers/hunan/resources/RK-0001/query";
      const signed = await signedRequest(
        `http://hubei.test${route}`,
        { keyId: member.keyId, privateJwk: memberKey.export({ format: "jwk" }) as JWK },
        JSON.stringify({ filter: { idNumber: person.idNumber }, fields: ["name"] }),
        { caseNo: "CY20261202000002", basis: "《个体工商户条例》第八条" },
      );
      const viaHttp = await a.app.inject({
        method: "POST",
        url: route,
        headers: { ...signed.headers, host: "hubei.test" },
        payload: signed.body,
      });
      assert.equal(viaHttp.statusCode, 200, viaHttp.body);
      assert.deepEqual(viaHttp.json().records, [{ name: person.name }]);
      const moved = await a.app.inject({
        method: "POST",
        url: route.replace("RK-0001", "FR-0001"),
        headers: { ...signed.headers, host: "hubei.test" },
        payload: signed.body,
      });
      assert.equal(moved.statusCode, 401, "the signature covers the resource's URL");

      // The person, signed in on B, sees who on A read what, for which case and on which basis.
      const cookie = await citizenLogin(b, "13900000001");
      const page = await b.app.inject({ url: "/sites/www/account/data-reads", headers: { cookie } });
      assert.equal(page.statusCode, 200);
      const row = /<tr>(?:(?!<\/tr>)[\s\S])*CY20261202000001[\s\S]*?<\/tr>/.exec(page.body)?.[0] ?? "";
      assert.match(row, /市场监督管理局（湖北省）/);
      assert.match(row, /湖北省（跨省通办）/);
      assert.match(row, /姓名、户籍地址/);
      assert.match(row, /《个体工商户条例》第八条/);
      assert.equal(
        (await b.deps.exchange.readsOf(person.idNumber!)).filter((r) => r.caseNo === "CY20261202000001")
          .length,
        1,
      );
      assert.match(page.body, /湖北省市场监督管理局（湖北省）[\s\S]*?CY20261202000002/);
      // B's exchange audit still verifies with the department in the chain.
      assert.equal((await b.deps.exchange.audit.verify()).ok, true);
    });

    it("keeps a message in the outbox with backoff when the peer is down, hangs or answers garbage", async () => {
      assert.ok(backoffMs(1, 600) <= 1200 && backoffMs(10, 600) <= 720_000 && backoffMs(30, 5) <= 6000);
      const real = B.fetcher;
      const answers: PeerFetch[] = [
        async () => {
          throw new TypeError("fetch failed");
        },
        async () => new Response("<html>oops</html>", { status: 200 }),
        // A peer that never answers and ignores the abort: the service's own time-out must end the
        // call (nothing else keeps the process alive meanwhile).
        () => new Promise<Response>(() => {}),
      ];
      const filed = await (async () => {
        B.fetcher = answers[0]!;
        return fileOne("d".repeat(20));
      })();
      await B.idle();
      const row = () =>
        b.deps.store.db
          .selectFrom("federationOutbox")
          .selectAll()
          .where("purposeCase", "=", filed.application.number)
          .executeTakeFirstOrThrow();
      const soon = () =>
        b.deps.store.db
          .updateTable("federationOutbox")
          .set({ nextAttemptAt: new Date(0).toISOString() })
          .where("purposeCase", "=", filed.application.number)
          .execute();
      for (let i = 1; i < answers.length; i++) {
        await soon();
        B.fetcher = answers[i]!;
        await B.deliverDue();
      }
      const waiting = await row();
      assert.equal(waiting.status, "pending");
      assert.ok(waiting.attempts >= 3);
      assert.ok(waiting.nextAttemptAt > new Date().toISOString());
      assert.match(waiting.lastError ?? "", /未应答/);
      assert.equal((await B.own(filed.application.accountId, filed.application.number)).status, "forwarding");
      B.fetcher = real;
      await B.retry(waiting.id, "operator");
      await B.idle();
      const delivered = await row();
      assert.equal(delivered.status, "delivered");
      assert.equal((await B.own(filed.application.accountId, filed.application.number)).status, "submitted");
    });
  });
}
