import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { JWK } from "jose";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { idCheckChar } from "../../platform/validation/china-ids.ts";
import { signedCall, type MemberCredentials } from "../exchange/index.ts";
import {
  citizenLogin,
  hiddenValue,
  multipart,
  PNG,
  staffCookie,
  trackingFrom,
  VALID_APPLICATION,
} from "../onestop/test-helpers.ts";

const BASE = "http://localhost:80";
const ID_CARD = "11100000000013338W001";
const BUSINESS_LICENCE = "11100000MB0341032Y001";
const PURPOSE = { caseNo: "GJJ2026120200001", basis: "《住房公积金管理条例》第二十四条" };

interface Answer {
  status: number;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
}

for (const engine of ENGINES) {
  describe(`licence consents, hub fetch and issuance, licences in the service hall on ${engine}`, () => {
    let t: TestContext;
    let cookie: string;
    let csrf: string;
    let accountId: number;
    let idNumber: string;
    let member: MemberCredentials & { code: string };
    let other: MemberCredentials & { code: string };

    const register = async (code: string, department: string) => {
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const m = await t.deps.exchange.registerMember(
        { code, name: `${code} 系统`, department, publicJwk: publicKey.export({ format: "jwk" }) as JWK },
        "test",
      );
      return { code, keyId: m.keyId, privateJwk: privateKey.export({ format: "jwk" }) as JWK };
    };
    const hub = async (
      path: "fetch" | "issue",
      who: MemberCredentials,
      body: unknown,
      purpose = PURPOSE,
    ): Promise<Answer> => {
      const call = await signedCall(`${BASE}/api/exchange/v1/licences/${path}`, who, body, purpose);
      const res = await t.app.inject({
        method: "POST",
        url: call.url.slice(BASE.length),
        headers: call.headers,
        payload: call.body,
      });
      return { status: res.statusCode, json: res.json() as Answer["json"] };
    };
    const api = (method: "GET" | "POST", url: string, payload?: unknown) =>
      t.app.inject({
        method,
        url,
        headers: { cookie, "x-csrf-token": csrf },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
    const idCard = async () => {
      const mine = await t.deps.licences.mine(accountId);
      return mine.find((l) => l.kind.code === ID_CARD)!;
    };
    const day = (offset: number) =>
      new Date(Date.now() + 8 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10);

    before(async () => {
      t = await startPlatform(engine);
      cookie = await citizenLogin(t, "13900000001");
      const account = (await t.deps.accounts.verifiedHolders()).people.find((p) => p.name === "张三")!;
      idNumber = account.idNumber;
      accountId = (await t.deps.accounts.byIdNumber(idNumber))!.id;
      const session = await t.deps.sessions.create(accountId, "citizen", 3600);
      cookie = `cy_citizen=${t.app.signCookie(session.token)}`;
      csrf = session.session.csrf;
      member = await register("gjj-daikuan", "楚云省住房公积金中心");
      other = await register("jy-xitong", "楚云省教育厅");
    });
    after(async () => t?.close());

    it("a member fetches a licence only under a valid consent of its holder; revoking it denies at once", async () => {
      const card = await idCard();
      const byKind = { kind: ID_CARD, holder: idNumber };
      // No consent yet: a clear 403 JSON refusal, audited by the hub.
      const none = await hub("fetch", member, byKind);
      assert.equal(none.status, 403);
      assert.equal(none.json.error?.code, "no_consent");
      assert.match(none.json.error!.message, /持证人未授权/);

      const bad = await api("POST", `/api/licences/${card.id}/consents`, {
        grantee: "member:nope",
        purpose: "",
        validFrom: day(0),
        validUntil: day(-1),
      });
      assert.equal(bad.statusCode, 400);
      const fields = (bad.json() as { error: { fields: Record<string, string> } }).error.fields;
      assert.ok(fields.grantee && fields.purpose && fields.validUntil, JSON.stringify(fields));
      // A date that does not exist is refused, not rolled over (2027-02-31 is not 3 March); a purpose of
      // invisible characters is no purpose.
      const impossible = await api("POST", `/api/licences/${card.id}/consents`, {
        grantee: `member:${member.code}`,
        purpose: "\u202e\u200b",
        validFrom: "2026-02-30",
        validUntil: "2027-02-31",
      });
      assert.equal(impossible.statusCode, 400);
      const refused = (impossible.json() as { error: { fields: Record<string, string> } }).error.fields;
      assert.deepEqual(
        Object.keys(refused).sort(),
        ["purpose", "validFrom", "validUntil"],
        JSON.stringify(refused),
      );

      const granted = await api("POST", `/api/licences/${card.id}/consents`, {
        grantee: `member:${member.code}`,
        purpose: "办理住房公积金贷款",
        validFrom: day(0),
        validUntil: day(30),
      });
      assert.equal(granted.statusCode, 200, granted.body);
      const consent = granted.json() as { id: number; state: string };
      assert.equal(consent.state, "active");

      const served = await hub("fetch", member, byKind);
      assert.equal(served.status, 200, JSON.stringify(served.json));
      const licence = served.json.licence as { id: number; sdJwt: string; claims: Record<string, unknown> };
      assert.equal(licence.id, card.id);
      assert.equal(licence.claims.idNumber, idNumber);
      assert.ok(licence.sdJwt.startsWith(card.sdJwt.split("~")[0]!), "the issuer-signed credential");
      // Another member (another department) is not covered by the consent.
      assert.equal((await hub("fetch", other, { licence: card.id })).json.error?.code, "no_consent");

      // A consent for a department covers that department's member systems.
      await api("POST", `/api/licences/${card.id}/consents`, {
        grantee: "department:楚云省教育厅",
        purpose: "入学资格审核",
        caseNo: "JY-2026-1",
        validFrom: day(0),
        validUntil: day(5),
      });
      assert.equal(
        (await hub("fetch", other, { licence: card.id })).json.error?.code,
        "no_consent",
        "the consent names another case",
      );
      const forCase = await hub("fetch", other, { licence: card.id }, { caseNo: "JY-2026-1", basis: "x" });
      assert.equal(forCase.status, 200, JSON.stringify(forCase.json));

      const revoked = await api("POST", `/api/licences/consents/${consent.id}/revoke`);
      assert.equal(revoked.statusCode, 200);
      const after = await hub("fetch", member, byKind);
      assert.equal(after.status, 403);
      assert.equal(after.json.error?.code, "consent_revoked");

      // Every call, served or refused, is in the hub's audit chain under the licence resource.
      const audited = await t.deps.store.db
        .selectFrom("exchangeAudit")
        .select(["result", "reason"])
        .where("resource", "=", "licences:fetch")
        .where("member", "=", member.code)
        .orderBy("seq")
        .execute();
      assert.deepEqual(
        audited.map((a) => a.reason || a.result),
        ["no_consent", "ok", "consent_revoked"],
      );
      assert.equal((await t.deps.exchange.audit.verify()).ok, true);
    });

    it("every fetch is shown to the holder: API and the wallet page (谁查看了我的证照)", async () => {
      const res = await api("GET", "/api/licences/fetches");
      assert.equal(res.statusCode, 200);
      const log = res.json() as {
        rows: { memberName: string; result: string; reason: string; caseNo: string }[];
      };
      const mine = log.rows.filter((r) => r.memberName === `${member.code} 系统`);
      assert.deepEqual(
        mine.map((r) => `${r.result}:${r.reason}`),
        ["refused:consent_revoked", "served:", "refused:no_consent"],
      );
      assert.equal(mine[1]!.caseNo, PURPOSE.caseNo);
      // A client paging until an empty page stops: past the end is empty, with the same total.
      const beyond = (await api("GET", "/api/licences/fetches?page=99")).json() as {
        rows: [];
        total: number;
      };
      assert.deepEqual(beyond, { rows: [], total: (log as unknown as { total: number }).total });
      const consents = (await api("GET", "/api/licences/consents?page=99")).json() as { rows: [] };
      assert.deepEqual(consents.rows, []);
      const wallet = await t.app.inject({ url: "/sites/www/account/licences", headers: { cookie } });
      assert.equal(wallet.statusCode, 200);
      assert.match(wallet.body, /谁查看了我的证照/);
      assert.match(wallet.body, /gjj-daikuan 系统（楚云省住房公积金中心）/);
      assert.match(wallet.body, /已拒绝（授权已撤回）/);
      assert.match(wallet.body, /办理住房公积金贷款/);
      assert.match(wallet.body, /已撤回/);
      // The consent form on the licence page works without JavaScript and keeps what was typed.
      const card = await idCard();
      const page = await t.app.inject({ url: `/sites/www/account/licences/${card.id}`, headers: { cookie } });
      assert.match(page.body, /授权调取/);
      const badForm = await t.app.inject({
        method: "POST",
        url: `/sites/www/account/licences/${card.id}/consents`,
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          _csrf: csrf,
          grantee: `member:${member.code}`,
          purpose: "保留的用途",
          validFrom: day(0),
          validUntil: "",
        }).toString(),
      });
      assert.equal(badForm.statusCode, 400);
      assert.match(badForm.body, /请填写截止日期/);
      assert.match(badForm.body, /value="保留的用途"/);
    });

    it("a member system issues over the hub only with an issuer grant; the issuance is audited and logged", async () => {
      const enterprise = (await t.deps.accounts.verifiedHolders()).entities[0]!;
      const claims = {
        entityName: enterprise.name,
        creditCode: enterprise.creditCode,
        entityType: "有限责任公司",
        legalRepresentative: "王五",
        registeredCapital: "100万元",
        establishedDate: "2020-01-02",
        address: "楚云省江城市",
        businessScope: "软件开发",
        licenceNo: "YYZZ-HUB-1",
      };
      const body = { kind: BUSINESS_LICENCE, holder: enterprise.creditCode, claims };
      const refused = await hub("issue", member, body);
      assert.equal(refused.status, 403);
      assert.equal(refused.json.error?.code, "no_issuer_grant");

      await t.deps.licenceConsents.grantIssuer(member.code, BUSINESS_LICENCE, "test");
      const size = await t.deps.licences.log.size();
      const wrongHolder = await hub("issue", member, { ...body, claims: { ...claims, creditCode: "X" } });
      assert.equal(wrongHolder.status, 400);
      assert.equal(wrongHolder.json.error?.code, "holder_mismatch");
      const issued = await hub("issue", member, body);
      assert.equal(issued.status, 200, JSON.stringify(issued.json));
      const id = issued.json.id as number;
      assert.equal(await t.deps.licences.log.size(), size + 1, "one issuance leaf in the transparency log");
      const leaf = await t.deps.licences.log.entry(size);
      assert.equal(leaf!.kind, "issuance");
      assert.equal(leaf!.entry, (issued.json.sdJwt as string).split("~")[0]);
      const licence = (await t.deps.licences.byId(id))!;
      assert.equal(licence.issuedBy, `member:${member.code}`);
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select(["actor", "action"])
        .where("action", "=", "licence.issue")
        .where("actor", "=", `member:${member.code}`)
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(
        (await hub("issue", other, body)).json.error?.code,
        "no_issuer_grant",
        "the grant is the member's, not everyone's",
      );
    });

    it("the hall accepts a held e-licence in place of a material and the handler sees it verified (trust A)", async () => {
      const flex = (await t.deps.oneStop.catalogue.list({ q: "灵活就业登记" })).rows.find(
        (r) => r.name === "灵活就业登记",
      )!;
      const url = `/sites/rst/services/apply/${flex.code}`;
      const login = await citizenLogin(t, "13900000001");
      const page = await t.app.inject({ url, headers: { cookie: login } });
      const card = await idCard();
      assert.match(page.body, new RegExp(`name="useLicence1" value="${card.id}"`));
      assert.match(page.body, /使用电子证照：居民身份证/);
      const { onceOnlyConsent: _, ...noConsent } = VALID_APPLICATION;
      const post = async (extra: Record<string, string>) => {
        const form = await t.app.inject({ url, headers: { cookie: login } });
        const body = multipart(
          {
            ...(noConsent as Record<string, string>),
            _csrf: hiddenValue(form.body, "_csrf"),
            _idem: hiddenValue(form.body, "_idem"),
            _action: "submit",
            ...extra,
          },
          [],
        );
        return t.app.inject({
          method: "POST",
          url,
          headers: { cookie: login, ...body.headers },
          payload: body.payload,
        });
      };
      // Someone else's licence is never accepted: the applicant is told to upload instead.
      const enterpriseLicence = (
        await t.deps.store.db
          .selectFrom("licences")
          .select("id")
          .where("holderAccountId", "!=", accountId)
          .executeTakeFirstOrThrow()
      ).id;
      const foreign = await post({ useLicence1: String(enterpriseLicence) });
      assert.equal(foreign.statusCode, 400);
      assert.match(foreign.body, /未能替代居民身份证（未能出示该证照）/);

      const res = await post({ useLicence1: String(card.id) });
      assert.equal(res.statusCode, 303, /error-summary[\s\S]*?<\/ul>/.exec(res.body)?.[0]);
      const no = trackingFrom(res.headers.location as string);
      const a = (await t.deps.oneStop.applications.byTrackingNo(no))!;
      const used = a.filing!.materials.find((m) => m.name === "居民身份证")!;
      assert.equal(used.status, "licence");
      assert.equal(used.licence?.id, card.id);
      assert.equal(used.licence?.result, "valid");
      assert.equal(used.licence?.trustLevel, "A");
      assert.deepEqual(a.prereview!.spared, ["居民身份证"]);

      const handler = await staffCookie(t, "rst_handler");
      const console = await t.app.inject({
        url: `/admin/services/applications/${a.id}`,
        headers: { cookie: handler.cookie },
      });
      assert.equal(console.statusCode, 200);
      assert.match(console.body, /申请人出示本人电子证照“居民身份证”/);
      assert.match(console.body, /核验通过（有效，可信等级A）/);
      assert.match(console.body, /<th scope="row">公民身份号码<\/th><td>/);
      // The use is in the holder's log as well.
      const log = (await api("GET", "/api/licences/fetches")).json() as {
        rows: { caseNo: string; channel: string }[];
      };
      assert.ok(log.rows.some((r) => r.caseNo === no && r.channel === "hall"));
    });

    it("the console grants and revokes member systems' issuer grants: data officers of the issuing department only, audited", async () => {
      const SOCIAL_CARD = "11100000717800811N001"; // 社会保障卡, issued by 人社厅
      const url = "/admin/licences/issuers";
      const handler = await staffCookie(t, "rst_handler");
      const denied = await t.app.inject({ url, headers: { cookie: handler.cookie } });
      assert.equal(denied.statusCode, 403, "a handler issues licences but does not grant member systems");
      const officer = await staffCookie(t, "rst_data");
      const page = await t.app.inject({ url, headers: { cookie: officer.cookie } });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(`<option value="${SOCIAL_CARD}">社会保障卡`));
      assert.doesNotMatch(
        page.body,
        new RegExp(`<option value="${BUSINESS_LICENCE}">`),
        "not 人社厅's to grant",
      );
      assert.match(page.body, new RegExp(`<option value="${member.code}">`));
      const licencesPage = await t.app.inject({
        url: "/admin/licences",
        headers: { cookie: officer.cookie },
      });
      assert.match(licencesPage.body, /href="\/admin\/licences\/issuers"/);

      const post = (body: Record<string, string>) =>
        t.app.inject({
          method: "POST",
          url,
          headers: { cookie: officer.cookie, "content-type": "application/x-www-form-urlencoded" },
          payload: new URLSearchParams({ _csrf: officer.csrf, ...body }).toString(),
        });
      const noMember = await post({ member: "", kind: SOCIAL_CARD });
      assert.equal(noMember.statusCode, 400);
      assert.match(noMember.body, /请选择接入系统/);
      assert.match(
        noMember.body,
        new RegExp(`<option value="${SOCIAL_CARD}" selected>`),
        "the choice is kept",
      );
      const notTheirs = await post({ member: member.code, kind: BUSINESS_LICENCE });
      assert.equal(notTheirs.statusCode, 400);
      assert.match(notTheirs.body, /您不能授权签发这种证照/);
      assert.match(notTheirs.body, new RegExp(`<option value="${member.code}" selected>`));
      const unknown = await post({ member: "no-such-system", kind: SOCIAL_CARD });
      assert.match(unknown.body, /该接入系统不存在或已停用/);

      const granted = await post({ member: member.code, kind: SOCIAL_CARD });
      assert.equal(granted.statusCode, 303);
      assert.equal(granted.headers.location, `${url}?done=granted`);
      const again = await post({ member: member.code, kind: SOCIAL_CARD });
      assert.equal(again.statusCode, 400);
      assert.match(again.body, /该接入系统已有签发社会保障卡的授权/);
      const grant = (await t.deps.licenceConsents.issuerGrants()).find(
        (g) => g.member === member.code && g.kind === SOCIAL_CARD,
      )!;
      assert.equal(grant.grantedBy, "rst_data");
      const listed = await t.app.inject({ url, headers: { cookie: officer.cookie } });
      assert.match(listed.body, /社会保障卡/);
      assert.match(listed.body, new RegExp(`action="/admin/licences/issuers/${grant.id}/revoke"`));

      // Another department's officer cannot revoke it.
      const gat = await staffCookie(t, "gat_data");
      const foreign = await t.app.inject({
        method: "POST",
        url: `${url}/${grant.id}/revoke`,
        headers: { cookie: gat.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: gat.csrf }).toString(),
      });
      assert.equal(foreign.statusCode, 403);
      const revoked = await t.app.inject({
        method: "POST",
        url: `${url}/${grant.id}/revoke`,
        headers: { cookie: officer.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: officer.csrf }).toString(),
      });
      assert.equal(revoked.statusCode, 303);
      assert.ok((await t.deps.licenceConsents.issuerGrant(grant.id))!.revokedAt);
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select(["action", "actor"])
        .where("targetType", "=", "licence_issuer_grant")
        .where("targetId", "=", String(grant.id))
        .execute();
      assert.deepEqual(audit.map((a) => `${a.action}:${a.actor}`).sort(), [
        "licence.issuer.grant:rst_data",
        "licence.issuer.revoke:rst_data",
      ]);
    });

    /** Posts an item's apply form (multipart, as the browser does) with the applicant's answers. */
    const apply = async (
      url: string,
      fields: Record<string, string>,
      files: Parameters<typeof multipart>[1] = [],
    ) => {
      const login = await citizenLogin(t, "13900000001");
      const form = await t.app.inject({ url, headers: { cookie: login } });
      const body = multipart(
        {
          ...fields,
          _csrf: hiddenValue(form.body, "_csrf"),
          _idem: hiddenValue(form.body, "_idem"),
          _action: "submit",
        },
        files,
      );
      const res = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie: login, ...body.headers },
        payload: body.payload,
      });
      return { res, page: form.body, login };
    };
    const ADDRESS = { "address.region": "江城市", "address.detail": "沿江大道188号" };
    const png = (field: string) => ({ field, name: `${field}.png`, bytes: PNG, type: "image/png" });

    it("a form upload (不动产权证书) is replaced by the held licence of its kind; the handler sees it verified", async () => {
      const item = (await t.deps.oneStop.catalogue.list({ q: "不动产抵押登记" })).rows.find(
        (r) => r.name === "不动产抵押登记",
      )!;
      // The guide's material says which licence kind stands in for it (data, not a list in the code).
      const material = item.guide.materials.findIndex((m) => m.name === "不动产权证书");
      assert.equal(item.guide.materials[material]!.licence, "不动产权证书");
      const property = (await t.deps.licences.mine(accountId)).find((l) => l.kind.name === "不动产权证书")!;
      const url = `/sites/zjt/services/apply/${item.code}`;
      const key = `material${material + 1}`;
      const login = await citizenLogin(t, "13900000001");
      const page = await t.app.inject({ url, headers: { cookie: login } });
      assert.match(page.body, new RegExp(`name="useLicence${material + 1}" value="${property.id}"`));
      assert.match(page.body, /使用电子证照：不动产权证书（楚云省自然资源厅签发，长期有效）/);
      assert.match(page.body, new RegExp(`name="${key}" type="file"`), "the upload stays possible");
      // Neither uploaded nor chosen: the upload is asked for.
      const others = item.guide.materials.flatMap((m, i) =>
        i === material ? [] : [png(`material${i + 1}`)],
      );
      const missing = await apply(url, ADDRESS, others);
      assert.equal(missing.res.statusCode, 400);
      assert.match(missing.res.body, /请上传不动产权证书/);

      const { res } = await apply(
        url,
        { ...ADDRESS, [`useLicence${material + 1}`]: String(property.id) },
        others,
      );
      assert.equal(res.statusCode, 303, /error-summary[\s\S]*?<\/ul>/.exec(res.body)?.[0]);
      const a = (await t.deps.oneStop.applications.byTrackingNo(
        trackingFrom(res.headers.location as string),
      ))!;
      const used = a.filing!.materials.find((m) => m.index === material)!;
      assert.equal(used.status, "licence");
      assert.equal(used.licence?.kindName, "不动产权证书");
      assert.equal(used.licence?.trustLevel, "A");
      assert.ok(a.prereview!.spared.includes("不动产权证书"));
      const receipt = await t.app.inject({ url: res.headers.location as string, headers: { cookie: login } });
      assert.match(receipt.body, /不动产权证书：已使用本人电子证照“不动产权证书”替代（核验通过，可信等级A）/);

      const handler = await staffCookie(t, "zjt_handler");
      const console = await t.app.inject({
        url: `/admin/services/applications/${a.id}`,
        headers: { cookie: handler.cookie },
      });
      assert.equal(console.statusCode, 200);
      assert.match(console.body, /电子证照已核验/);
      assert.match(console.body, /申请人出示本人电子证照“不动产权证书”/);
      assert.match(console.body, /<th scope="row">不动产单元号<\/th><td>420102001001GB00001F00010001<\/td>/);
    });

    it("any catalogue kind named on a material works; a revoked or expired licence is refused and the upload stays", async () => {
      // A service whose material is a 残疾人证: nothing in the code names that kind.
      const base = (await t.deps.oneStop.catalogue.list({ q: "高龄津贴申领" })).rows.find(
        (r) => r.name === "高龄津贴申领",
      )!;
      const material = {
        name: "残疾人证",
        form: "原件",
        copies: 1,
        required: true,
        source: "残联核发",
        legalBasis: "《残疾人证管理办法》第五条",
        trust: "A" as const,
        sparedBy: "elicense" as const,
        licence: "残疾人证",
      };
      const item = await t.deps.oneStop.catalogue.save(
        {
          code: "LICENCE-TEST-0001",
          name: "残疾人两项补贴申领（测试）",
          itemType: "行政给付",
          siteId: base.siteId,
          guide: { ...base.guide, materials: [material] },
        },
        "test",
      );
      const site = t.deps.sites.byId(item.siteId)!;
      const url = `/sites/${site.code}/services/apply/${item.code}`;
      const claims = {
        name: "张三",
        idNumber,
        gender: "男",
        birthDate: "1990-03-07",
        ageOver18: true,
        disabilityCategory: "肢体",
        disabilityLevel: "四级",
        licenceNo: "CJR-TEST-1",
        issueDate: "2014-01-01",
      };
      const kindCode = "11100000000013391X001";
      const expired = await t.deps.licences.issue(
        { kindCode, holderAccountId: accountId, claims, issuedAt: new Date("2014-01-01T00:00:00Z") },
        "test",
      );
      const valid = await t.deps.licences.issue(
        { kindCode, holderAccountId: accountId, claims: { ...claims, licenceNo: "CJR-TEST-2" } },
        "test",
      );
      const login = await citizenLogin(t, "13900000001");
      const page = await t.app.inject({ url, headers: { cookie: login } });
      assert.match(page.body, new RegExp(`name="useLicence1" value="${valid.id}"`));
      assert.doesNotMatch(
        page.body,
        new RegExp(`value="${expired.id}"`),
        "an expired licence is not offered",
      );

      // Expired (posted anyway, e.g. from an old page): refused with the reason; the answers are kept.
      const old = await apply(url, { ...ADDRESS, useLicence1: String(expired.id) });
      assert.equal(old.res.statusCode, 400);
      assert.match(
        old.res.body,
        /您的电子证照“残疾人证”未能替代残疾人证（证照已过有效期），请上传该材料后重新提交/,
      );
      assert.match(old.res.body, /value="沿江大道188号"/);
      assert.match(old.res.body, /name="material1" type="file"/);

      // Revoked by the issuer after the page was opened.
      await t.deps.licences.setStatus(valid.id, "revoked", "test");
      const revoked = await apply(url, { ...ADDRESS, useLicence1: String(valid.id) });
      assert.equal(revoked.res.statusCode, 400);
      assert.match(revoked.res.body, /未能替代残疾人证（证照已被发证部门注销）/);
      assert.doesNotMatch(
        revoked.res.body,
        /使用电子证照：残疾人证/,
        "no usable licence is offered any more",
      );

      // The upload is still the way through.
      const uploaded = await apply(url, ADDRESS, [png("material1")]);
      assert.equal(uploaded.res.statusCode, 303);
      const a = (await t.deps.oneStop.applications.byTrackingNo(
        trackingFrom(uploaded.res.headers.location as string),
      ))!;
      assert.equal(a.filing!.materials.filter((m) => m.status === "licence").length, 0);
      assert.ok((a.data.material1 as { fileId: number } | null)?.fileId);
    });

    it("hub issuance refuses a bad holder key, unknown or mistyped claims and contradicting derived items", async () => {
      const DEGREE = "11100000000013327X002"; // 学位证书
      await t.deps.licenceConsents.grantIssuer(member.code, DEGREE, "test");
      const claims = {
        name: "张三",
        idNumber,
        gender: Number(idNumber[16]) % 2 === 1 ? "男" : "女",
        birthDate: `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`,
        degree: "工学学士",
        major: "计算机科学与技术",
        university: "楚云大学",
        licenceNo: "XW-HUB-1",
        issueDate: "2012-06-30",
      };
      const body = { kind: DEGREE, holder: idNumber, claims };
      const size = await t.deps.licences.log.size();
      const refused = async (what: string, over: Record<string, unknown>, code: string, field: string) => {
        const answer = await hub("issue", member, { ...body, ...over });
        assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.json)}`);
        assert.equal(answer.json.error?.code, code, what);
        const fields = (answer.json.error as { fields?: Record<string, string> }).fields ?? {};
        assert.ok(fields[field], `${what} names ${field}: ${JSON.stringify(answer.json)}`);
        return { message: answer.json.error!.message, fields };
      };

      // The wallet key: a real Ed25519 public key, nothing else.
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const wallet = publicKey.export({ format: "jwk" }) as JWK;
      const badKeys: [string, unknown][] = [
        ["x not a key", { kty: "OKP", crv: "Ed25519", x: "bad" }],
        ["x not canonical", { kty: "OKP", crv: "Ed25519", x: `${"A".repeat(42)}B` }],
        ["a private key", privateKey.export({ format: "jwk" })],
        ["another curve", { kty: "EC", crv: "P-256", x: wallet.x, y: wallet.x }],
        ["not an object", "ed25519:abc"],
      ];
      for (const [what, key] of badKeys)
        await refused(what, { holderPublicJwk: key }, "invalid_holder_key", "holderPublicJwk");

      // Claims: no unknown names, each of its item's type, enumerated values, derived items agreeing.
      const unknown = await refused(
        "unknown claim",
        { claims: { ...claims, salary: 1 } },
        "unknown_claims",
        "claims.salary",
      );
      assert.match(unknown.message, /salary/);
      const typed = await refused("name as a number", { claims: { name: 123 } }, "claim_type", "claims.name");
      assert.match(typed.fields["claims.name"]!, /文本.*数字/);
      await refused(
        "ageOver18 as text",
        { claims: { ...claims, ageOver18: "yes" } },
        "claim_type",
        "claims.ageOver18",
      );
      const child = await refused(
        "a child said to be of age",
        { claims: { ...claims, birthDate: "2020-01-01", ageOver18: true } },
        "invalid_input",
        "ageOver18",
      );
      assert.match(child.fields.ageOver18!, /未满18周岁/);
      await refused(
        "gender outside 男/女",
        { claims: { ...claims, gender: "测试" } },
        "invalid_input",
        "gender",
      );
      await refused(
        "no such day",
        { claims: { ...claims, birthDate: "1990-02-30" } },
        "invalid_input",
        "birthDate",
      );
      assert.equal(await t.deps.licences.log.size(), size, "nothing refused reaches the transparency log");

      // A good call: ageOver18 computed from the birth date, the wallet key bound.
      const issued = await hub("issue", member, { ...body, holderPublicJwk: wallet });
      assert.equal(issued.status, 200, JSON.stringify(issued.json));
      const licence = (await t.deps.licences.byId(issued.json.id as number))!;
      assert.equal(licence.claims.ageOver18, true);
      const jwt = JSON.parse(
        Buffer.from((issued.json.sdJwt as string).split(".")[1]!, "base64url").toString(),
      ) as { cnf: { jwk: JWK } };
      assert.deepEqual(jwt.cnf.jwk, { kty: "OKP", crv: "Ed25519", x: wallet.x });
    });

    it("derives 年满18周岁 from the birth date at the issue date, to the day", () => {
      const kind = t.deps.licences.kinds().find((k) => k.code === ID_CARD)!;
      const first17 = "42010220080229002"; // even sequence digit: 女
      const claims = {
        name: "李小",
        idNumber: first17 + idCheckChar(first17),
        gender: "女",
        birthDate: "2008-02-29",
        nation: "汉",
        address: "江城市",
        issuingAuthority: "江城市公安局",
        licenceNo: "SFZ-LEAP",
      };
      const at = (day: string) => new Date(`${day}T12:00:00+08:00`);
      assert.equal(t.deps.licences.validateClaims(kind, claims, at("2026-02-28")).ageOver18, false);
      assert.equal(t.deps.licences.validateClaims(kind, claims, at("2026-03-01")).ageOver18, true);
      assert.throws(
        () => t.deps.licences.validateClaims(kind, { ...claims, ageOver18: true }, at("2026-02-28")),
        (error: { fields: Record<string, string> }) => /未满18周岁/.test(error.fields.ageOver18 ?? ""),
      );
      assert.throws(
        () => t.deps.licences.validateClaims(kind, { ...claims, gender: "男" }, at("2026-03-01")),
        (error: { fields: Record<string, string> }) => /与公民身份号码不一致/.test(error.fields.gender ?? ""),
      );
    });

    it("a hub fetch names a licence one way only: {licence} or {kind, holder}, no unknown keys", async () => {
      const card = await idCard();
      const both = await hub("fetch", member, { licence: card.id, kind: ID_CARD, holder: idNumber });
      assert.equal(both.status, 400, JSON.stringify(both.json));
      assert.equal(both.json.error?.code, "body_invalid");
      assert.match(both.json.error!.message, /不能同时给出/);
      const extra = await hub("fetch", member, { licence: card.id, purpose: "x" });
      assert.equal(extra.status, 400);
      assert.match(extra.json.error!.message, /purpose/);
    });
  });
}
