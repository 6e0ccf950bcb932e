import { after, before, describe, it } from "node:test";
import { postCitizenForm } from "../../../test/citizen-form.ts";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { idCheckChar } from "../../platform/validation/china-ids.ts";
import { citizenLogin, FORM, hiddenValue, multipart, PNG, trackingFrom, urlencoded } from "./test-helpers.ts";

const id17 = "42010219900307003";
const ID = id17 + idCheckChar(id17);

for (const engine of ENGINES) {
  describe(`applying online on ${engine}`, () => {
    let t: TestContext;
    let cookie: string;
    let flexCode: string;
    let reimburseCode: string;
    before(async () => {
      t = await startPlatform(engine);
      cookie = await citizenLogin(t, "13900000001");
      flexCode = (await t.deps.oneStop.catalogue.list({ q: "灵活就业登记" })).rows.find(
        (r) => r.name === "灵活就业登记",
      )!.code;
      reimburseCode = (await t.deps.oneStop.catalogue.list({ q: "医疗费用手工报销" })).rows[0].code;
    });
    after(async () => t?.close());

    const applyUrl = () => `/sites/rst/services/apply/${flexCode}`;
    async function openForm(url = applyUrl()) {
      const res = await t.app.inject({ url, headers: { cookie } });
      assert.equal(res.statusCode, 200);
      return { html: res.body, csrf: hiddenValue(res.body, "_csrf"), idem: hiddenValue(res.body, "_idem") };
    }
    const valid = {
      applicantName: "张三",
      idNumber: ID,
      phone: "13900000001",
      "address.region": "江城市",
      "address.detail": "江滨路1号",
      startDate: "2026-03-02",
      form: "非全日制就业",
      monthlyIncome: "3500",
      needs: ["社会保险参保", "职业技能培训"],
      "household.0.name": "李四",
      "household.0.relation": "配偶",
      "household.0.idNumber": "",
      onceOnlyConsent: "1",
    };

    it("asks anonymous visitors to sign in first", async () => {
      const res = await t.app.inject({ url: applyUrl() });
      assert.equal(res.statusCode, 303);
      assert.match(res.headers.location as string, /account\/login\?next=/);
    });

    it("renders the staff-defined form server-side with every field type, prefilled from the account", async () => {
      const { html } = await openForm();
      assert.match(html, /id="applicantName"[^>]*value="张三"|value="张三"[^>]*id="applicantName"/);
      for (const s of [
        'type="date"',
        "<select",
        'type="checkbox"',
        'name="household.0.name"',
        'type="file"',
        'name="address.region"',
        "平台企业名称",
      ])
        assert.ok(html.includes(s), s);
      assert.match(html, /enctype="multipart\/form-data"/);
      assert.match(html, /（就业形式为“新就业形态（平台就业）”时填写）/);
    });

    it("lists every problem at once with Chinese messages next to each field, keeping the input", async () => {
      const { csrf, idem } = await openForm();
      const res = await t.app.inject({
        method: "POST",
        url: applyUrl(),
        headers: { cookie, ...FORM },
        payload: urlencoded({
          ...valid,
          _csrf: csrf,
          _idem: idem,
          _action: "submit",
          phone: "12345",
          form: "新就业形态（平台就业）",
          startDate: "2026-02-30",
          "household.0.idNumber": id17 + "0",
          needs: ["社会保险参保", "伪造的选项"],
        }),
      });
      assert.equal(res.statusCode, 400);
      // The phone comes from the account: a posted one is ignored, never an error.
      assert.doesNotMatch(res.body, /手机号码：请填写11位手机号码/);
      assert.match(res.body, /请填写平台企业名称/);
      assert.match(res.body, /灵活就业开始日期须为有效日期/);
      assert.match(res.body, /共同生活的家庭成员第1行的身份证号码：身份证号码校验位不正确/);
      assert.match(res.body, /需要的服务的选项无效/);
      assert.match(res.body, /href="#household.0.idNumber"/);
      assert.match(res.body, /value="江滨路1号"/);
      assert.match(res.body, /value="李四"/);
      // What was typed is kept as a draft: a fresh form of the item offers to continue it.
      const draft = await t.deps.store.db
        .selectFrom("applications")
        .select(["id", "status"])
        .where("idempotencyKey", "=", idem)
        .executeTakeFirstOrThrow();
      assert.equal(draft.status, "draft");
      const fresh = await openForm();
      assert.ok(
        fresh.html.includes(`href="/sites/rst/services/apply/${flexCode}?app=${draft.id}"`),
        "links the waiting draft",
      );
      assert.match(fresh.html, /您有一份尚未提交的草稿/);
    });

    it("adds a repeating-group row without JavaScript", async () => {
      const { csrf, idem } = await openForm();
      const res = await t.app.inject({
        method: "POST",
        url: applyUrl(),
        headers: { cookie, ...FORM },
        payload: urlencoded({ ...valid, _csrf: csrf, _idem: idem, _action: "addrow:household" }),
      });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /name="household.1.name"/);
      assert.match(res.body, /value="李四"/);
    });

    it("submits once: a double-posted form gives the same application and tracking number", async () => {
      const { csrf, idem } = await openForm();
      const post = () =>
        t.app.inject({
          method: "POST",
          url: applyUrl(),
          headers: { cookie, ...FORM },
          payload: urlencoded({ ...valid, _csrf: csrf, _idem: idem, _action: "submit" }),
        });
      const [a, b] = await Promise.all([post(), post()]);
      const c = await post();
      assert.equal(a.statusCode, 303);
      assert.equal(b.statusCode, 303);
      const no = trackingFrom(a.headers.location as string);
      assert.equal(trackingFrom(b.headers.location as string), no);
      assert.equal(trackingFrom(c.headers.location as string), no);
      assert.match(c.headers.location as string, /dup=1/);
      const n = await t.deps.store.db
        .selectFrom("applications")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("idempotencyKey", "=", idem)
        .executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 1);
      const receipt = await t.app.inject({ url: `/sites/rst/services/receipt/${no}`, headers: { cookie } });
      assert.equal(receipt.statusCode, 200);
      assert.match(receipt.body, new RegExp(no));
      assert.match(receipt.body, /待预审/);
      assert.match(receipt.body, /网上预审结果/);
      assert.match(receipt.body, /社会保险参保、职业技能培训/);
      const dup = await t.app.inject({ url: `/sites/rst/services/receipt/${no}?dup=1`, headers: { cookie } });
      assert.match(dup.body, /该申请已提交过，无需重复提交/);
    });

    it("rejects a tampered idempotency key and a missing CSRF token", async () => {
      const { csrf } = await openForm();
      const bad = await t.app.inject({
        method: "POST",
        url: applyUrl(),
        headers: { cookie, ...FORM },
        payload: urlencoded({ ...valid, _csrf: csrf, _idem: "<script>", _action: "submit" }),
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /页面已过期/);
      const noCsrf = await t.app.inject({
        method: "POST",
        url: applyUrl(),
        headers: { cookie, ...FORM },
        payload: urlencoded({ ...valid, _idem: "a".repeat(20), _action: "submit" }),
      });
      assert.equal(noCsrf.statusCode, 403);
    });

    it("saves a draft with an upload and resumes it; checks file types by content and sizes", async () => {
      const url = `/sites/ybj/services/apply/${reimburseCode}`;
      const { html, csrf, idem } = await openForm(url);
      assert.match(html, /免提交1件/);
      const fields = { _csrf: csrf, _idem: idem, _action: "draft", applicantName: "张三", idNumber: ID };
      const body = multipart(fields, [
        { field: "material2", name: "票据.png", bytes: PNG, type: "image/png" },
      ]);
      const draft = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie, ...body.headers },
        payload: body.payload,
      });
      assert.equal(draft.statusCode, 303);
      const resumed = await t.app.inject({ url: draft.headers.location as string, headers: { cookie } });
      assert.match(resumed.body, /草稿已保存/);
      assert.match(resumed.body, /已上传：票据.png/);
      assert.match(resumed.body, /value="张三"/);
      const fake = multipart({ ...fields, _action: "submit" }, [
        { field: "material3", name: "清单.pdf", bytes: Buffer.from("just text, not a pdf") },
      ]);
      const r1 = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie, ...fake.headers },
        payload: fake.payload,
      });
      assert.equal(r1.statusCode, 400);
      assert.match(r1.body, /费用明细清单仅支持PDF、JPG、PNG格式/);
      assert.match(r1.body, /请上传出院小结或诊断证明/);
      assert.match(r1.body, /已上传：票据.png/);
      const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024 + 10)]);
      const huge = multipart({ ...fields, _action: "submit" }, [
        { field: "material3", name: "big.png", bytes: big },
      ]);
      const r2 = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie, ...huge.headers },
        payload: huge.payload,
      });
      assert.equal(r2.statusCode, 400);
      assert.match(r2.body, /费用明细清单不能超过5MB/);
      const full = multipart(
        {
          ...fields,
          _action: "submit",
          phone: "13900000001",
          "address.region": "云梦市",
          "address.detail": "人民路2号",
          material5: "本人承诺所填信息真实有效",
          onceOnlyConsent: "1",
        },
        [
          { field: "material3", name: "清单.png", bytes: PNG },
          { field: "material4", name: "小结.png", bytes: PNG },
        ],
      );
      const ok = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie, ...full.headers },
        payload: full.payload,
      });
      assert.equal(ok.statusCode, 303, /error-summary[\s\S]*?<\/ul>/.exec(ok.body)?.[0]);
      const files = await t.deps.store.db.selectFrom("applicationFiles").select("fileName").execute();
      assert.ok(files.some((f) => f.fileName === "清单.png"));
    });

    it("keeps applications private: another citizen gets 404, public tracking shows progress only", async () => {
      const mine = await t.deps.store.db
        .selectFrom("applications")
        .select(["trackingNo", "id"])
        .where("status", "=", "prereview")
        .executeTakeFirstOrThrow();
      const other = await postCitizenForm(t.app, "/sites/www/account/register", {
        kind: "person",
        name: "路人甲",
        idNumber: "11010519491231002X",
        phone: "13611112222",
        password: "Chuyun#Other2026",
        password2: "Chuyun#Other2026",
        agree: "1",
      });
      const otherCookie = `cy_citizen=${other.cookies.find((c) => c.name === "cy_citizen")!.value}`;
      const peek = await t.app.inject({
        url: `/sites/www/services/receipt/${mine.trackingNo}`,
        headers: { cookie: otherCookie },
      });
      assert.equal(peek.statusCode, 404);
      const resume = await t.app.inject({
        url: `/sites/www/services/apply/${flexCode}?app=${mine.id}`,
        headers: { cookie: otherCookie },
      });
      assert.equal(resume.statusCode, 404);
      const track = await t.app.inject({ url: `/sites/www/services/track?no=${mine.trackingNo}` });
      assert.equal(track.statusCode, 200);
      assert.match(track.body, /待预审/);
      assert.doesNotMatch(track.body, /张三/);
      const unknown = await t.app.inject({ url: "/sites/www/services/track?no=CY2026010100000000" });
      assert.equal(unknown.statusCode, 404);
      assert.match(unknown.body, /未找到该办件/);
    });
  });
}
