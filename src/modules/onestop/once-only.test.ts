import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { idCheckChar } from "../../platform/validation/china-ids.ts";
import {
  citizenLogin,
  hiddenValue,
  multipart,
  PNG,
  staffCookie,
  trackingFrom,
  VALID_APPLICATION,
} from "./test-helpers.ts";
import { checkGuide, type Guide, type Material } from "./guide.ts";
import { licenceMaterials, materialLicence } from "./once-only.ts";

const other17 = "42010319851120004";
const OTHER_ID = other17 + idCheckChar(other17);

for (const engine of ENGINES) {
  describe(`an application belongs to its filer; once-only through the exchange on ${engine}`, () => {
    let t: TestContext;
    let cookie: string;
    let flexCode: string;
    let ownId: string;
    before(async () => {
      t = await startPlatform(engine);
      cookie = await citizenLogin(t, "13900000001");
      flexCode = (await t.deps.oneStop.catalogue.list({ q: "灵活就业登记" })).rows.find(
        (r) => r.name === "灵活就业登记",
      )!.code;
      ownId = (await t.deps.accounts.verifiedHolders()).people.find((p) => p.name === "张三")!.idNumber;
    });
    after(async () => t?.close());

    const url = () => `/sites/rst/services/apply/${flexCode}`;
    async function post(
      values: Record<string, string | string[]>,
      files: Parameters<typeof multipart>[1] = [],
    ) {
      const page = await t.app.inject({ url: url(), headers: { cookie } });
      assert.equal(page.statusCode, 200);
      const body = multipart(
        {
          ...(values as Record<string, string>),
          _csrf: hiddenValue(page.body, "_csrf"),
          _idem: (values._idem as string | undefined) ?? hiddenValue(page.body, "_idem"),
          _action: "submit",
        },
        files,
      );
      return t.app.inject({
        method: "POST",
        url: url(),
        headers: { cookie, ...body.headers },
        payload: body.payload,
      });
    }
    const hallCalls = (caseNo: string) =>
      t.deps.store.db
        .selectFrom("exchangeAudit")
        .selectAll()
        .where("member", "=", "onestop-hall")
        .where("purposeCase", "=", caseNo)
        .execute();

    it("shows the account's identity read-only and ignores posted name, ID number and phone", async () => {
      const page = await t.app.inject({ url: url(), headers: { cookie } });
      assert.match(page.body, /<input id="applicantName" type="text" value="张三" readonly/);
      assert.match(page.body, /<input id="idNumber" type="text" value="420102\*{8}\d{3}[\dX]" readonly/);
      assert.doesNotMatch(page.body, /name="idNumber"/);
      // Consent is asked, off by default, and says what is fetched from whom.
      assert.match(page.body, /<input type="checkbox" name="onceOnlyConsent" value="1"\/>/);
      assert.match(page.body, /楚云省公安厅：姓名、性别、民族、出生日期、住址/);
      assert.match(page.body, /居民身份证：免提交（由楚云省公安厅“人口基础信息”提供）/);

      const res = await post({
        ...VALID_APPLICATION,
        applicantName: "李四",
        idNumber: OTHER_ID,
        phone: "13711112222",
      });
      assert.equal(res.statusCode, 303, /error-summary[\s\S]*?<\/ul>/.exec(res.body)?.[0]);
      const a = (await t.deps.oneStop.applications.byTrackingNo(
        trackingFrom(res.headers.location as string),
      ))!;
      assert.equal(a.data.applicantName, "张三");
      assert.equal(a.data.idNumber, ownId);
      assert.equal(a.data.phone, "13900000001");
      assert.equal(a.applicantName, "张三");
      assert.equal(a.filing?.mode, "self");
      // The receipt masks the ID number and phone like every other page.
      const receipt = await t.app.inject({ url: res.headers.location as string, headers: { cookie } });
      assert.equal(receipt.statusCode, 200);
      assert.ok(!receipt.body.includes(ownId), "full ID number on the receipt");
      assert.match(receipt.body, /420102\*{8}\d{3}[\dX]/);
      assert.match(receipt.body, /139\*{4}0001/);
    });

    it("fetches the ID card through the hub with consent: audited with the application number, shown to the citizen and the handler", async () => {
      const res = await post({ ...VALID_APPLICATION });
      assert.equal(res.statusCode, 303);
      const no = trackingFrom(res.headers.location as string);
      const a = (await t.deps.oneStop.applications.byTrackingNo(no))!;
      const fetched = a.filing!.materials.find((m) => m.name === "居民身份证")!;
      assert.equal(fetched.status, "fetched");
      assert.equal(fetched.resource, "RK-0001");
      assert.deepEqual(
        fetched.fields.map((f) => f.label),
        ["姓名", "性别", "民族", "出生日期", "住址"],
      );
      assert.equal(fetched.fields[0]!.value, "张三");
      const calls = await hallCalls(no);
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.result, "ok");
      assert.equal(Number(calls[0]!.seq), fetched.auditSeq);
      assert.match(calls[0]!.purposeBasis, /^灵活就业登记：/);
      assert.ok(calls[0]!.keyId, "the hall's call is signed (key id audited)");
      assert.deepEqual(a.prereview!.spared, ["居民身份证"]);
      // The chain still verifies with the hall's calls in it.
      assert.equal((await t.deps.exchange.audit.verify()).ok, true);

      const receipt = await t.app.inject({ url: `/sites/rst/services/receipt/${no}`, headers: { cookie } });
      assert.match(
        receipt.body,
        new RegExp(
          `居民身份证：已由楚云省公安厅“人口基础信息”提供（数据共享调用记录第${fetched.auditSeq}号）`,
        ),
      );
      const reads = await t.app.inject({ url: "/sites/rst/account/data-reads", headers: { cookie } });
      assert.equal(reads.statusCode, 200);
      assert.match(reads.body, /楚云省一网通办服务大厅/);
      assert.match(reads.body, new RegExp(no));

      const handler = await staffCookie(t, "rst_handler");
      const console = await t.app.inject({
        url: `/admin/services/applications/${a.id}`,
        headers: { cookie: handler.cookie },
      });
      assert.equal(console.statusCode, 200);
      assert.match(console.body, /免提交材料/);
      assert.match(
        console.body,
        new RegExp(`人口基础信息”（RK-0001\\s*）提供，数据共享调用记录第${fetched.auditSeq}号`),
      );
      assert.match(console.body, /<th scope="row">住址<\/th><td>楚云省/);
    });

    it("without consent asks for the upload, keeps the input and reads nothing", async () => {
      const { onceOnlyConsent: _, ...noConsent } = VALID_APPLICATION;
      const res = await post({ ...noConsent, "address.detail": "保留的地址9号" });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /请上传居民身份证，或勾选同意由楚云省公安厅提供/);
      assert.match(res.body, /value="保留的地址9号"/);
      const draft = await t.deps.store.db
        .selectFrom("applications")
        .select("trackingNo")
        .where("status", "=", "draft")
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      assert.equal((await hallCalls(draft.trackingNo)).length, 0);
    });

    it("代办: asks for the principal (GB 11643 checked) and their authorisation, marks it for the handler, and never fetches", async () => {
      // As the browser posts it: the contact phone is the account's, shown read-only and not posted.
      const { phone: _phone, ...withoutPhone } = VALID_APPLICATION;
      const proxy = {
        ...withoutPhone,
        filingMode: "proxy",
        principalName: "李四",
        principalIdNumber: other17 + (idCheckChar(other17) === "0" ? "1" : "0"),
      };
      const bad = await post(proxy);
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /被代办人身份证号码校验位不正确/);
      assert.match(bad.body, /请上传被代办人的授权委托书/);
      assert.match(bad.body, /代办申请请上传被代办人的居民身份证/);
      assert.match(bad.body, /<input type="radio" name="filingMode" value="proxy" checked\/>/);
      assert.match(
        bad.body,
        /id="principalName" name="principalName" type="text" maxlength="30" value="李四"/,
      );
      const idem = hiddenValue(bad.body, "_idem");
      const ok = await post({ ...proxy, principalIdNumber: OTHER_ID, _idem: idem }, [
        { field: "principalAuth", name: "授权委托书.png", bytes: PNG },
        { field: "spared1", name: "李四身份证.png", bytes: PNG },
      ]);
      assert.equal(ok.statusCode, 303, /error-summary[\s\S]*?<\/ul>/.exec(ok.body)?.[0]);
      const no = trackingFrom(ok.headers.location as string);
      const a = (await t.deps.oneStop.applications.byTrackingNo(no))!;
      assert.equal(a.filing!.mode, "proxy");
      assert.equal(a.applicantName, "李四");
      assert.equal(a.data.idNumber, OTHER_ID);
      assert.equal(a.filing!.filedBy.name, "张三");
      assert.equal(a.data.phone, "13900000001", "the agent's verified phone is the contact");
      assert.equal(a.filing!.materials[0]!.status, "uploaded");
      assert.deepEqual(a.prereview!.spared, []);
      assert.equal((await hallCalls(no)).length, 0);
      const receipt = await t.app.inject({ url: ok.headers.location as string, headers: { cookie } });
      assert.match(receipt.body, /代办：张\*代李\*（420103\*{8}\d{3}[\dX]）办理/);
      assert.ok(!receipt.body.includes(OTHER_ID));
      const handler = await staffCookie(t, "rst_handler");
      const console = await t.app.inject({
        url: `/admin/services/applications/${a.id}`,
        headers: { cookie: handler.cookie },
      });
      assert.match(console.body, /申请人：\s*李四\s*<strong>（代办）<\/strong>/);
      assert.match(console.body, /由账户实名用户 张三 代 李四/);
      const list = await t.app.inject({
        url: "/admin/services",
        headers: { cookie: handler.cookie },
      });
      assert.ok(
        new RegExp(`${no}</a></td><td>[^<]*<strong>（代办）</strong>`).test(list.body),
        "marked 代办 in the handler's list",
      );
      assert.match(
        console.body,
        /授权委托书：<a href="\/admin\/services\/applications\/\d+\/files\/\d+">授权委托书.png/,
      );
    });

    it("when the hub refuses, says so and takes an upload instead, with nothing lost", async () => {
      const grant = (await t.deps.exchange.grants()).find(
        (g) => g.memberName === "楚云省一网通办服务大厅" && g.resourceCode === "RK-0001",
      )!;
      await t.deps.exchange.revokeGrant(grant.id, "test");
      const res = await post({ ...VALID_APPLICATION, "address.detail": "不会丢失的地址8号" });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /未能从楚云省公安厅获取您的居民身份证（[^）]+），请上传该材料后重新提交/);
      assert.match(res.body, /value="不会丢失的地址8号"/);
      const draft = await t.deps.store.db
        .selectFrom("applications")
        .select("trackingNo")
        .where("status", "=", "draft")
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      const refused = await hallCalls(draft.trackingNo);
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!.result, "refused");
      const idem = hiddenValue(res.body, "_idem");
      const ok = await post({ ...VALID_APPLICATION, _idem: idem }, [
        { field: "spared1", name: "身份证.png", bytes: PNG },
      ]);
      assert.equal(ok.statusCode, 303, /error-summary[\s\S]*?<\/ul>/.exec(ok.body)?.[0]);
      const a = (await t.deps.oneStop.applications.byTrackingNo(
        trackingFrom(ok.headers.location as string),
      ))!;
      assert.equal(a.data["address"] && (a.data["address"] as { detail: string }).detail, "江滨路1号");
      assert.equal(a.filing!.materials[0]!.status, "uploaded");
      assert.deepEqual(a.prereview!.spared, []);
    });

    it("the guide shows the source of each 免提交 material", async () => {
      const guide = await t.app.inject({ url: `/sites/rst/services/item/${flexCode}` });
      assert.match(guide.body, /免提交（由楚云省公安厅“人口基础信息”提供，须本人申请并同意调取）/);
    });
  });
}

describe("which materials an e-licence can replace (data on the material)", () => {
  const m = (name: string, extra: Partial<Material> = {}): Material => ({
    name,
    form: "原件",
    copies: 1,
    required: true,
    source: "发证机关核发",
    legalBasis: "依据",
    trust: "A",
    sparedBy: "elicense",
    ...extra,
  });
  const guide = (materials: Material[]) => ({ materials }) as unknown as Guide;

  it("names the kind from the material, else from its once-only source; only materials the form asks for", () => {
    const materials = [
      m("居民身份证"), // once-only source (居民身份证): the fallback upload of the 免提交 section
      m("结婚证", { licence: "结婚证" }),
      m("残疾人证", { licence: "残疾人证" }),
      m("不动产权证书"), // no kind named on the material: not replaceable
      m("出生医学证明", { licence: "出生医学证明" }), // the form does not ask for it
    ];
    const schema = {
      fields: [
        { name: "material2", label: "结婚证", type: "file" },
        { name: "disability", label: "残疾人证", type: "file" },
        { name: "material5", label: "出生医学证明", type: "text" },
      ],
    };
    assert.equal(materialLicence(materials[0]!), "居民身份证");
    assert.equal(materialLicence(materials[3]!), null);
    assert.deepEqual(
      licenceMaterials(guide(materials), schema).map((l) => [l.index, l.licence, l.key, l.onceOnly]),
      [
        [0, "居民身份证", "spared1", true],
        [1, "结婚证", "material2", false],
        [2, "残疾人证", "disability", false],
      ],
    );
  });

  it("a guide naming an unusable kind gets a Chinese message", () => {
    const problems = checkGuide({
      code: "TEST-0001",
      name: "测试事项",
      itemType: "公共服务",
      siteId: 1,
      guide: guide([m("结婚证", { licence: " " })]),
    });
    assert.ok(problems.some((p) => p.field === "materials.0.licence" && /电子证照种类/.test(p.message)));
  });
});
