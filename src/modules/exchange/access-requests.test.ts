import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { compactVerify, importJWK, type JWK } from "jose";
import { GENESIS, recordHash } from "./audit.ts";
import { Sm2PrivateKey } from "../../platform/crypto/sm2.ts";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";
import { signedQuery } from "./index.ts";
import type { ExchangeScope } from "./requests.ts";

const BASE = "http://localhost:80";
const PURPOSE = { caseNo: "RS2026120200007", basis: "《就业服务与就业管理规定》第六十一条" };
/** China time (UTC+8) instant. */
const cn = (local: string) => new Date(`${local}+08:00`);

const AUTHORITY: ExchangeScope = { actor: "www_data", all: false, authority: true, departments: [] };
const PROVIDER: ExchangeScope = {
  actor: "gat_data",
  all: false,
  authority: false,
  departments: ["楚云省公安厅"],
};
const CONSUMER: ExchangeScope = {
  actor: "rst_data",
  all: false,
  authority: false,
  departments: ["楚云省人力资源和社会保障厅"],
};

for (const engine of ENGINES) {
  describe(`exchange access requests on ${engine}`, () => {
    let t: TestContext;
    let memberId = 0;
    let keyId = "";
    let privateJwk: JWK;
    before(async () => {
      t = await startPlatform(engine);
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      privateJwk = privateKey.export({ format: "jwk" }) as JWK;
      const member = await t.deps.exchange.registerMember(
        {
          code: "rst-shiye",
          name: "失业保险经办系统",
          department: "楚云省人力资源和社会保障厅",
          publicJwk: publicKey.export({ format: "jwk" }) as JWK,
        },
        "test",
      );
      memberId = member.id;
      keyId = member.keyId;
    });
    after(async () => t?.close());

    const apply = (now: Date, over: Record<string, unknown> = {}) =>
      t.deps.exchange.requests.apply(
        {
          memberId,
          resourceCode: "RK-0001",
          fields: ["idNumber", "name"],
          purpose: "失业登记核验身份",
          legalBasis: "《失业保险条例》第十六条",
          expiresOn: "2027-06-30",
          dailyQuota: 100,
          ratePerMinute: 2,
          ...over,
        },
        CONSUMER,
        now,
      );

    it("counts the compliance and answer limits in working days over weekends and holidays", async () => {
      // Friday 2026-03-13 10:00 + 2 working days: the weekend is skipped → Tuesday 03-17 10:00.
      const filed = await apply(cn("2026-03-13T10:00:00"));
      assert.equal(filed.status, "checking");
      assert.equal(filed.complianceDueAt, cn("2026-03-17T10:00:00").toISOString());
      // Checked on Wednesday 09-30: 10-01..07 off, 10-10 is a make-up Saturday → 5 working days end 10-13.
      const checked = await t.deps.exchange.requests.checkCompliance(
        filed.id,
        { compliant: true, note: "", needsPublication: false },
        AUTHORITY,
        cn("2026-09-30T10:00:00"),
      );
      assert.equal(checked.status, "pending");
      assert.equal(checked.answerDueAt, cn("2026-10-13T10:00:00").toISOString());
      assert.equal(checked.dueAt, checked.answerDueAt);
      // Must be published first: 10 working days (from Friday 03-13: 03-27).
      const other = await apply(cn("2026-03-13T10:00:00"));
      const longer = await t.deps.exchange.requests.checkCompliance(
        other.id,
        { compliant: true, note: "须先编目", needsPublication: true },
        AUTHORITY,
        cn("2026-03-13T10:00:00"),
      );
      assert.equal(longer.answerDueAt, cn("2026-03-27T10:00:00").toISOString());
      // Both are long past due now: listed as overdue.
      const overdue = await t.deps.exchange.requests.list({ overdue: true }, 1, AUTHORITY);
      assert.ok(overdue.rows.some((r) => r.id === filed.id && r.overdue));
    });

    it("needs a legal basis for conditional resources and the authority for compliance checks", async () => {
      await assert.rejects(apply(new Date(), { legalBasis: " " }), (e: Error & { fields?: object }) => {
        assert.match(JSON.stringify(e.fields), /法律法规依据/);
        return true;
      });
      const filed = await apply(new Date());
      await assert.rejects(
        t.deps.exchange.requests.checkCompliance(
          filed.id,
          { compliant: true, note: "", needsPublication: false },
          CONSUMER,
        ),
        /数据主管部门/,
      );
      await assert.rejects(
        t.deps.exchange.requests.answer(filed.id, { approve: true, reason: "" }, PROVIDER),
        /待提供部门答复/,
        "the provider answers only after the compliance check",
      );
      await assert.rejects(
        t.deps.exchange.requests.checkCompliance(
          filed.id,
          { compliant: false, note: "", needsPublication: false },
          AUTHORITY,
        ),
        /理由/,
        "a non-compliant verdict needs its reasons",
      );
    });

    it("runs apply → check → refusal with reasons → dispute → final decision in the console, and the grant works with its rate limit", async () => {
      const rst = await StaffSession.login(t.app, "rst_data");
      const www = await StaffSession.login(t.app, "www_data");
      const gat = await StaffSession.login(t.app, "gat_data");
      const form = {
        memberId: String(memberId),
        resourceCode: "RK-0001",
        fields: ["RK-0001:idNumber", "RK-0001:name", "RK-0001:gender"],
        purpose: "失业保险金申领时核验身份信息",
        legalBasis: "",
        expiresOn: "2099-01-01",
        dailyQuota: "100",
        ratePerMinute: "2",
      };
      const bad = await rst.post("/admin/exchange/requests", form);
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /有条件共享和不予共享的资源须写明法律法规依据/);
      assert.match(bad.body, /授权期限最长三年/);
      assert.ok(bad.body.includes("失业保险金申领时核验身份信息"), "what was typed is kept");
      const noMember = await rst.post("/admin/exchange/requests", { ...form, memberId: "" });
      assert.equal(noMember.statusCode, 400);
      assert.match(noMember.body, /请选择在用的接入系统/);
      const expiresOn = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
      const ok = await rst.post("/admin/exchange/requests", {
        ...form,
        legalBasis: "《失业保险条例》第十六条",
        expiresOn,
      });
      assert.equal(ok.statusCode, 303, ok.body.slice(0, 400));
      const id = Number(/requests\/(\d+)/.exec(ok.headers.location as string)![1]);
      const detail = await rst.get(`/admin/exchange/requests/${id}`);
      assert.match(detail.body, /待合规审核/);
      assert.match(detail.body, /合规审核（2个工作日）/);

      // Only the data authority checks compliance.
      assert.equal(
        (await rst.post(`/admin/exchange/requests/${id}/compliance`, { decision: "approve" })).statusCode,
        403,
      );
      const checked = await www.post(`/admin/exchange/requests/${id}/compliance`, {
        decision: "approve",
        note: "",
      });
      assert.equal(checked.statusCode, 303, checked.body.slice(0, 400));

      // The provider must give reasons to refuse.
      const bare = await gat.post(`/admin/exchange/requests/${id}/answer`, {
        decision: "refuse",
        reason: "",
      });
      assert.equal(bare.statusCode, 400);
      assert.match(bare.body, /请写明不予同意的理由/);
      const refused = await gat.post(`/admin/exchange/requests/${id}/answer`, {
        decision: "refuse",
        reason: "性别信息项与失业登记无关，且申请未说明最小必要",
      });
      assert.equal(refused.statusCode, 303);
      assert.match((await rst.get(`/admin/exchange/requests/${id}`)).body, /提出异议/);

      // The consumer disputes; the dispute waits for the data authority, with its own due date.
      const disputed = await rst.post(`/admin/exchange/requests/${id}/dispute`, {
        disputeReason: "性别用于核对失业保险待遇标准，确有必要",
      });
      assert.equal(disputed.statusCode, 303);
      const waiting = await t.deps.exchange.requests.list({ status: "disputed" }, 1, AUTHORITY);
      const row = waiting.rows.find((r) => r.id === id)!;
      assert.ok(row, "the authority sees the dispute");
      assert.equal(
        (await t.deps.exchange.workingDays()).workingDaysBetween(
          new Date(row.disputedAt!),
          new Date(row.finalDueAt!),
        ),
        5,
      );
      assert.equal(
        (
          await gat.post(`/admin/exchange/requests/${id}/final`, {
            decision: "approve",
            finalNote: "同意共享",
          })
        ).statusCode,
        403,
      );
      const decided = await www.post(`/admin/exchange/requests/${id}/final`, {
        decision: "approve",
        finalNote: "经裁定，该信息项为待遇核定所必需",
        expiresOn,
        dailyQuota: "100",
        ratePerMinute: "2",
      });
      assert.equal(decided.statusCode, 303, decided.body.slice(0, 400));
      const done = await t.deps.exchange.requests.get(id, AUTHORITY);
      assert.equal(done.status, "approved");
      const grant = (await t.deps.exchange.grantById(done.grantId!))!;
      assert.deepEqual(JSON.parse(grant.fields), ["idNumber", "name", "gender"]);
      assert.equal(grant.ratePerMinute, 2);
      assert.equal(grant.requestId, id);

      // The grant serves calls: at most two a minute, even in parallel; the third gets 429 and is audited.
      const person = await t.deps.store.db
        .selectFrom("registryPeople")
        .select("idNumber")
        .limit(1)
        .executeTakeFirstOrThrow();
      const idNumber = t.deps.store.cipher.open(person.idNumber);
      const call = async () => {
        const c = await signedQuery(
          BASE,
          { keyId, privateJwk },
          "RK-0001",
          { filter: { idNumber }, fields: ["name", "gender"] },
          PURPOSE,
        );
        return t.app.inject({
          method: "POST",
          url: c.url.slice(BASE.length),
          headers: c.headers,
          payload: c.body,
        });
      };
      const answers = await Promise.all([call(), call(), call()]);
      const statuses = answers.map((a) => a.statusCode).sort();
      assert.deepEqual(statuses, [200, 200, 429]);
      const limited = answers.find((a) => a.statusCode === 429)!;
      assert.equal((limited.json() as { error: { code: string } }).error.code, "rate_limited");
      assert.ok(Number(limited.headers["retry-after"]) > 0);
      const audited = await t.deps.store.db
        .selectFrom("exchangeAudit")
        .select("reason")
        .where("reason", "=", "rate_limited")
        .execute();
      assert.equal(audited.length, 1);

      // Every step is a staff action in the audit log.
      const actions = (
        await t.deps.store.db
          .selectFrom("auditLog")
          .select("action")
          .where("targetType", "=", "exchange_access_request")
          .where("targetId", "=", String(id))
          .execute()
      ).map((a) => a.action);
      for (const a of ["apply", "compliance", "refuse", "dispute", "final-approve"])
        assert.ok(actions.includes(`exchange.request.${a}`), a);
    });

    it("signs checkpoints of the audit chain head that catch a truncated or re-chained log", async () => {
      const exchange = t.deps.exchange;
      const first = (await exchange.checkpoint())!;
      assert.equal((await exchange.checkpoint())!.id, first.id, "nothing new: the same checkpoint");
      const res = await t.app.inject({ url: "/api/exchange/audit/checkpoints" });
      assert.equal(res.statusCode, 200);
      const listed = res.json() as { checkpoints: { seq: number; hash: string; signature: string }[] };
      assert.equal(listed.checkpoints[0]!.seq, first.seq);
      // Anyone verifies it with the published hub key.
      const jwks = (await t.app.inject({ url: "/api/exchange/keys" })).json() as { keys: JWK[] };
      const { payload } = await compactVerify(
        listed.checkpoints[0]!.signature,
        await importJWK(jwks.keys[0]!, "EdDSA"),
      );
      assert.deepEqual(
        { ...(JSON.parse(new TextDecoder().decode(payload)) as object), at: undefined },
        { typ: "chuyun-exchange-audit-checkpoint", seq: first.seq, hash: first.hash, at: undefined },
      );
      assert.deepEqual((await exchange.verifyCheckpoints()).findings, []);

      const db = t.deps.store.db;
      const last = await db
        .selectFrom("exchangeAudit")
        .selectAll()
        .where("seq", "=", first.seq)
        .executeTakeFirstOrThrow();
      const { seq: _s, prevHash: _p, hash: _h, ...entry } = last;
      await exchange.audit.append({ ...entry, purposeCase: "HB-LATER" });
      const second = (await exchange.checkpoint())!;
      assert.equal(second.seq, first.seq + 1);
      // Truncated: the chain itself still verifies, the checkpoint does not.
      await db.deleteFrom("exchangeAudit").where("seq", "=", second.seq).execute();
      assert.ok((await exchange.audit.verify()).ok, "a cut tail leaves a valid chain");
      assert.deepEqual((await exchange.verifyCheckpoints()).findings, [
        { kind: "missing", checkpoint: second.id, seq: second.seq },
      ]);
      // Rewritten and re-chained from record 1: the chain verifies, the first checkpoint does not match.
      const rows = await db.selectFrom("exchangeAudit").selectAll().orderBy("seq").execute();
      let prev = GENESIS;
      for (const row of rows) {
        const { seq, prevHash: _ph, hash: _hh, ...rest } = row;
        const changed = seq === 1 ? { ...rest, purposeCase: "HB-REWRITTEN" } : rest;
        const hash = recordHash(prev, changed);
        await db
          .updateTable("exchangeAudit")
          .set({ ...changed, prevHash: prev, hash })
          .where("seq", "=", seq)
          .execute();
        prev = hash;
      }
      assert.ok((await exchange.audit.verify()).ok, "the re-chained log is self-consistent");
      const findings = (await exchange.verifyCheckpoints()).findings;
      assert.ok(findings.some((f) => f.kind === "rewritten" && f.checkpoint === first.id));
      // Editing a checkpoint to match breaks its signature.
      await db
        .updateTable("exchangeAuditCheckpoints")
        .set({ hash: prev })
        .where("id", "=", first.id)
        .execute();
      assert.ok((await exchange.verifyCheckpoints()).findings.some((f) => f.kind === "bad_signature"));
    });

    it("serves a 国密 member system whose calls are signed with SM2-with-SM3", async () => {
      const key = Sm2PrivateKey.generate();
      const member = await t.deps.exchange.registerMember(
        {
          code: "gm-member",
          name: "国密测试系统",
          department: "楚云省人力资源和社会保障厅",
          publicJwk: key.publicKey.jwk() as JWK,
        },
        "test",
      );
      await t.deps.exchange.grant(
        {
          memberId: member.id,
          resourceCode: "FR-0001",
          fields: ["creditCode", "name"],
          purpose: "国密接入测试",
          legalBasis: "《优化营商环境条例》第三十七条",
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
          dailyQuota: 10,
        },
        "test",
      );
      const entity = await t.deps.store.db
        .selectFrom("registryEntities")
        .select("creditCode")
        .limit(1)
        .executeTakeFirstOrThrow();
      const send = async (privateJwk: JWK) => {
        const c = await signedQuery(
          BASE,
          { keyId: member.keyId, privateJwk },
          "FR-0001",
          { filter: { creditCode: entity.creditCode }, fields: ["name"] },
          PURPOSE,
        );
        assert.match(c.headers["signature-input"]!, /alg="sm2-sm3"/);
        return t.app.inject({
          method: "POST",
          url: c.url.slice(BASE.length),
          headers: c.headers,
          payload: c.body,
        });
      };
      const ok = await send(key.jwk() as JWK);
      assert.equal(ok.statusCode, 200, ok.body);
      const forged = await send(Sm2PrivateKey.generate().jwk() as JWK);
      assert.equal(forged.statusCode, 401);
      assert.equal((forged.json() as { error: { code: string } }).error.code, "bad_signature");
    });

    it("shows each data officer their own departments only, and other roles a forbidden page", async () => {
      const gat = await StaffSession.login(t.app, "gat_data");
      const list = await gat.get("/admin/exchange/requests");
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /RK-0001/);
      assert.doesNotMatch(list.body, /FR-0001/, "the market regulator's resource is not the police's");
      const overview = await gat.get("/admin/exchange");
      assert.equal(overview.statusCode, 200);
      assert.match(overview.body, /楚云省公安厅/);
      assert.match(overview.body, /charts\/calls-by-resource\.svg/);
      const chart = await gat.get("/admin/exchange/charts/latency-by-member.svg");
      assert.equal(chart.statusCode, 200);
      assert.match(chart.body, /<svg/);
      const www = await StaffSession.login(t.app, "www_data");
      const overdue = await www.get("/admin/exchange/requests?overdue=1");
      assert.match(overdue.body, /已超期/, "the seeded request past its compliance limit");
      const editor = await StaffSession.login(t.app, "rst_editor");
      const denied = await editor.get("/admin/exchange");
      assert.equal(denied.statusCode, 403);
      assert.match(denied.body, /您没有使用「数据共享」的权限/);
    });
  });
}
