import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import type { JWK } from "jose";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
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
