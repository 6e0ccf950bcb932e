import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { idCheckChar } from "../../platform/validation/china-ids.ts";
import {
  citizenLogin,
  FORM,
  handleToClosed,
  hiddenValue,
  multipart,
  PNG,
  staffCookie,
  urlencoded,
} from "./test-helpers.ts";

const id17 = "42010219900307003";
const ID = id17 + idCheckChar(id17);

for (const engine of ENGINES) {
  describe(`bundles, evaluations, figures and the open API on ${engine}`, () => {
    let t: TestContext;
    let citizen: string;
    let flexCode: string;
    before(async () => {
      t = await startPlatform(engine);
      citizen = await citizenLogin(t, "13900000001");
      flexCode = (await t.deps.oneStop.catalogue.list({ q: "灵活就业登记" })).rows.find(
        (r) => r.name === "灵活就业登记",
      )!.code;
    });
    after(async () => t?.close());

    it("lists and filters the catalogue over JSON, with the whole guide per item", async () => {
      const res = await t.app.inject({ url: "/api/services/items?department=rst&audience=person" });
      assert.equal(res.statusCode, 200);
      const body = res.json() as {
        total: number;
        items: { department: string; audience: string[]; code: string }[];
      };
      assert.ok(body.total >= 4);
      assert.ok(body.items.every((i) => i.department === "rst" && i.audience.includes("person")));
      const q = (
        await t.app.inject({ url: `/api/services/items?q=${encodeURIComponent("公积金")}` })
      ).json() as { items: { name: string }[] };
      assert.ok(q.items.length >= 2 && q.items.every((i) => /公积金/.test(i.name)));
      const one = (await t.app.inject({ url: `/api/services/items/${body.items[0].code}` })).json() as {
        guide: { materials: unknown[]; fees: string };
      };
      assert.ok(one.guide.materials.length > 0);
      assert.ok(one.guide.fees);
      const bad = await t.app.inject({ url: "/api/services/items?audience=alien" });
      assert.equal(bad.statusCode, 400);
      assert.equal((bad.json() as { error: { code: string } }).error.code, "invalid_input");
      const missing = await t.app.inject({ url: "/api/services/items/NOPE-0000" });
      assert.equal(missing.statusCode, 404);
      const docs = (await t.app.inject({ url: "/api/docs/json" })).json() as {
        paths: Record<string, unknown>;
      };
      for (const p of [
        "/api/services/items",
        "/api/services/items/{code}",
        "/api/services/bundles",
        "/api/services/stats",
        "/api/services/applications",
      ])
        assert.ok(p in docs.paths, p);
    });

    it("accepts authenticated JSON submissions idempotently and tracks only the owner's applications", async () => {
      const anon = await t.app.inject({
        method: "POST",
        url: "/api/services/applications",
        payload: { itemCode: flexCode, idempotencyKey: "k".repeat(20), values: {} },
      });
      assert.equal(anon.statusCode, 401);
      const csrf = (
        (await t.app.inject({ url: "/api/services/session", headers: { cookie: citizen } })).json() as {
          csrf: string;
        }
      ).csrf;
      const headers = { cookie: citizen, "x-csrf-token": csrf };
      const values = {
        applicantName: "张三",
        idNumber: ID,
        phone: "13900000001",
        "address.region": "江城市",
        "address.detail": "江滨路1号",
        startDate: "2026-03-02",
        form: "个体经营",
        onceOnlyConsent: "1",
      };
      // The guide's 居民身份证 is fetched only with consent: without it the API cannot file (no uploads).
      const { onceOnlyConsent: _consent, ...withoutConsent } = values;
      const noConsent = await t.app.inject({
        method: "POST",
        url: "/api/services/applications",
        headers,
        payload: { itemCode: flexCode, idempotencyKey: "api-key-noconsent-01", values: withoutConsent },
      });
      assert.equal(noConsent.statusCode, 400);
      assert.match(noConsent.body, /请上传居民身份证，或勾选同意/);
      const invalid = await t.app.inject({
        method: "POST",
        url: "/api/services/applications",
        headers,
        payload: {
          itemCode: flexCode,
          idempotencyKey: "api-key-invalid-0001",
          values: { ...values, startDate: "2026-02-30" },
        },
      });
      assert.equal(invalid.statusCode, 400);
      assert.match(
        (invalid.json() as { error: { fields: Record<string, string> } }).error.fields.startDate,
        /有效日期/,
      );
      const first = await t.app.inject({
        method: "POST",
        url: "/api/services/applications",
        headers,
        payload: { itemCode: flexCode, idempotencyKey: "api-key-000000000001", values },
      });
      assert.equal(first.statusCode, 201);
      const again = await t.app.inject({
        method: "POST",
        url: "/api/services/applications",
        headers,
        payload: { itemCode: flexCode, idempotencyKey: "api-key-000000000001", values },
      });
      assert.equal(again.statusCode, 200);
      const a = first.json() as { trackingNo: string; status: string };
      assert.equal((again.json() as { trackingNo: string; duplicate: boolean }).trackingNo, a.trackingNo);
      assert.equal(a.status, "prereview");
      const track = await t.app.inject({
        url: `/api/services/applications/${a.trackingNo}`,
        headers: { cookie: citizen },
      });
      assert.equal((track.json() as { events: unknown[] }).events.length, 2);
      const enterprise = await citizenLogin(
        t,
        (
          await t.deps.store.db
            .selectFrom("accounts")
            .select("loginName")
            .where("kind", "=", "enterprise")
            .executeTakeFirstOrThrow()
        ).loginName,
      );
      const peek = await t.app.inject({
        url: `/api/services/applications/${a.trackingNo}`,
        headers: { cookie: enterprise },
      });
      assert.equal(peek.statusCode, 404);
      // A person-only item cannot be filed by an enterprise, for whatever ID number it types.
      assert.deepEqual((await t.deps.oneStop.catalogue.byCode(flexCode))!.guide.audience, ["person"]);
      const enterpriseCsrf = (
        (await t.app.inject({ url: "/api/services/session", headers: { cookie: enterprise } })).json() as {
          csrf: string;
        }
      ).csrf;
      const byEnterprise = await t.app.inject({
        method: "POST",
        url: "/api/services/applications",
        headers: { cookie: enterprise, "x-csrf-token": enterpriseCsrf },
        payload: { itemCode: flexCode, idempotencyKey: "api-key-enterprise-01", values },
      });
      assert.equal(byEnterprise.statusCode, 403);
      assert.match(byEnterprise.body, /本事项仅限个人办理/);
      const applyPage = await t.app.inject({
        url: `/sites/rst/services/apply/${flexCode}`,
        headers: { cookie: enterprise },
      });
      assert.equal(applyPage.statusCode, 403);
      assert.match(applyPage.body, /本事项仅限个人办理/);
    });

    it("submits a bundle through one merged form, asking shared fields once, creating linked applications in every department", async () => {
      const list = (await t.app.inject({ url: "/api/services/bundles" })).json() as {
        bundles: { code: string; items: unknown[] }[];
      };
      assert.ok(list.bundles.length >= 3);
      const page = await t.app.inject({
        url: "/sites/www/services/bundles/xsecs",
        headers: { cookie: citizen },
      });
      assert.equal(page.statusCode, 200);
      // Asked once, and for a person applying for themselves taken from the account: shown masked, read-only.
      assert.equal(page.body.match(/id="idNumber"/g)?.length, 1);
      assert.match(page.body, /id="idNumber" type="text" value="420102\*{8}\d{3}[0-9X]" readonly/);
      assert.match(page.body, /经您同意可免提交：居民身份证/);
      assert.match(page.body, /name="onceOnlyConsent"/, "one consent for the fetchable materials");
      const fields = {
        _csrf: hiddenValue(page.body, "_csrf"),
        _idem: hiddenValue(page.body, "_idem"),
        applicantName: "张三",
        idNumber: ID,
        phone: "13900000001",
        "address.region": "江城市",
        "address.detail": "江滨路1号",
      };
      const empty = multipart({ ...fields, applicantName: "" }, []);
      const bad = await t.app.inject({
        method: "POST",
        url: "/sites/www/services/bundles/xsecs",
        headers: { cookie: citizen, ...empty.headers },
        payload: empty.payload,
      });
      assert.equal(bad.statusCode, 400);
      assert.doesNotMatch(bad.body, /请填写申请人姓名/, "the name is the account's, whatever was posted");
      assert.match(bad.body, /请上传本人近期免冠电子照片/);
      assert.match(
        bad.body,
        /或勾选同意由[^<]*提供（免提交）/,
        "a once-only material neither consented nor uploaded",
      );
      // Materials marked spared that no registry provides (结婚证, 户口簿 of others) are uploaded too.
      const uploads = [
        ...page.body.matchAll(/type="file" name="(file\d+)"|name="(file\d+)"[^>]*type="file"/g),
      ].map((m) => m[1] ?? m[2]);
      assert.ok(uploads.length >= 1);
      const bundleFiled = () =>
        t.deps.store.db
          .selectFrom("applications")
          .select("id")
          .where("bundleApplicationId", "is not", null)
          .execute()
          .then((r) => r.length);
      const pngs = uploads.map((field) => ({ field, name: "材料.png", bytes: PNG }));
      // A form complete but for the once-only materials: neither consented nor uploaded.
      const unconsented = multipart(fields, pngs);
      const refused = await t.app.inject({
        method: "POST",
        url: "/sites/www/services/bundles/xsecs",
        headers: { cookie: citizen, ...unconsented.headers },
        payload: unconsented.payload,
      });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /或勾选同意由[^<]*提供（免提交）/);
      assert.equal(
        refused.body.match(/请上传居民身份证，或勾选同意/g)?.length,
        2,
        "one material asked once (in the summary and by its field), though two items need it",
      );
      assert.equal(await bundleFiled(), 0, "nothing filed for a bundle with a missing material");
      // A once-only upload that is not a PDF or picture, for the last item: refused before any item is filed.
      const sparedKeys = [...page.body.matchAll(/name="(spared-m\d+)"/g)].map((m) => m[1]);
      assert.deepEqual(sparedKeys, ["spared-m1"], "居民身份证 once for the two items that need it");
      const last = sparedKeys.at(-1)!;
      const badUpload = multipart({ ...fields, onceOnlyConsent: "1" }, [
        ...pngs,
        { field: last, name: "说明.txt", bytes: Buffer.from("这不是图片") },
      ]);
      const badType = await t.app.inject({
        method: "POST",
        url: "/sites/www/services/bundles/xsecs",
        headers: { cookie: citizen, ...badUpload.headers },
        payload: badUpload.payload,
      });
      assert.equal(badType.statusCode, 400);
      assert.ok(badType.body.includes(`href="#${last}"`), "the error points at that upload");
      assert.match(badType.body, /name="address.detail" value="江滨路1号"/, "input kept");
      assert.equal(await bundleFiled(), 0, "no item filed for a bad upload of the last one");
      const body = multipart(
        { ...fields, onceOnlyConsent: "1" },
        uploads.map((field) => ({ field, name: "材料.png", bytes: PNG })),
      );
      const ok = await t.app.inject({
        method: "POST",
        url: "/sites/www/services/bundles/xsecs",
        headers: { cookie: citizen, ...body.headers },
        payload: body.payload,
      });
      assert.equal(ok.statusCode, 303, /error-summary[\s\S]*?<\/ul>/.exec(ok.body)?.[0]);
      const twice = await t.app.inject({
        method: "POST",
        url: "/sites/www/services/bundles/xsecs",
        headers: { cookie: citizen, ...body.headers },
        payload: body.payload,
      });
      assert.equal(twice.headers.location, ok.headers.location);
      const receipt = await t.app.inject({
        url: ok.headers.location as string,
        headers: { cookie: citizen },
      });
      assert.match(receipt.body, /新生儿出生一件事：办理中/);
      // 我的办件 names the 一件事 each item belongs to, with a link to its receipt.
      const bundleNo = (ok.headers.location as string).split("/").pop()!;
      const mine = await t.app.inject({ url: "/sites/www/services/my", headers: { cookie: citizen } });
      assert.ok(mine.body.includes(`/services/bundle-receipt/${bundleNo}"`), "linked from 我的办件");
      for (const n of ["出生登记", "城乡居民基本医疗保险参保登记", "社会保障卡申领"])
        assert.match(receipt.body, new RegExp(n));
      const apps = await t.deps.store.db
        .selectFrom("applications")
        .select(["siteId", "status"])
        .where("bundleApplicationId", "is not", null)
        .execute();
      assert.equal(apps.length, 3);
      assert.equal(new Set(apps.map((a) => a.siteId)).size, 3);
      assert.ok(apps.every((a) => a.status === "prereview"));
      // What was spared was really fetched from the registry, with the applicant's consent.
      const prereviews = await t.deps.store.db
        .selectFrom("applications")
        .select("prereview")
        .where("bundleApplicationId", "is not", null)
        .execute();
      const spared = prereviews.flatMap((a) => (JSON.parse(a.prereview) as { spared: string[] }).spared);
      assert.ok(spared.length >= 1, "fetched materials are recorded as spared");
      assert.ok(
        prereviews.some((a) =>
          /经申请人同意，[^"]*通过数据共享交换平台提供（调用记录第\d+号）/.test(a.prereview),
        ),
      );
      // Without consent, the one upload of 居民身份证 serves both items that need it.
      const uploaded = multipart({ ...fields, _idem: "bundle-upload-once-0001" }, [
        ...pngs,
        { field: "spared-m1", name: "身份证.png", bytes: PNG },
      ]);
      const once = await t.app.inject({
        method: "POST",
        url: "/sites/www/services/bundles/xsecs",
        headers: { cookie: citizen, ...uploaded.headers },
        payload: uploaded.payload,
      });
      assert.equal(once.statusCode, 303, /error-summary[\s\S]*?<\/ul>/.exec(once.body)?.[0]);
      assert.notEqual(once.headers.location, ok.headers.location);
    });

    it("resumes a bundle whose items were half filed when a registry refused, filing only the rest", async () => {
      // The registry of identities stops answering the hall (its grant revoked) between two posts.
      // The hall joins the exchange (with its grants) on its first fetch: one read, as a filing makes.
      await t.deps.oneStop.applications.records!.fetch(
        "RK-0001",
        { filter: { idNumber: ID }, fields: ["name"] },
        { caseNo: "test", basis: "测试" },
      );
      const hall = await t.deps.exchange.memberByCode("onestop-hall");
      const grant = (await t.deps.exchange.grants()).find(
        (g) => g.memberId === hall?.id && g.resourceCode === "RK-0001" && !g.revokedAt,
      );
      assert.ok(grant, "the hall may read identities");
      await t.deps.exchange.revokeGrant(grant.id, "test");
      const page = await t.app.inject({
        url: "/sites/www/services/bundles/xsecs",
        headers: { cookie: citizen },
      });
      const uploads = [
        ...page.body.matchAll(/type="file" name="(file\d+)"|name="(file\d+)"[^>]*type="file"/g),
      ].map((m) => m[1] ?? m[2]);
      const idem = hiddenValue(page.body, "_idem");
      const body = multipart(
        {
          _csrf: hiddenValue(page.body, "_csrf"),
          _idem: idem,
          applicantName: "张三",
          idNumber: ID,
          phone: "13900000001",
          "address.region": "江城市",
          "address.detail": "江滨路2号",
          onceOnlyConsent: "1",
        },
        uploads.map((field) => ({ field, name: "材料.png", bytes: PNG })),
      );
      const post = () =>
        t.app.inject({
          method: "POST",
          url: "/sites/www/services/bundles/xsecs",
          headers: { cookie: citizen, ...body.headers },
          payload: body.payload,
        });
      const filedItems = async () => {
        const bundle = await t.deps.store.db
          .selectFrom("bundleApplications")
          .select("id")
          .where("idempotencyKey", "=", idem)
          .executeTakeFirst();
        if (!bundle) return [];
        return (
          t.deps.store.db
            .selectFrom("applications")
            .select(["id", "itemCode"])
            .where("bundleApplicationId", "=", bundle.id)
            // An item refused is kept as a draft (what was typed), filed when the form is posted again.
            .where("status", "!=", "draft")
            .execute()
        );
      };
      const refused = await post();
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /未能从楚云省公安厅获取您的居民身份证/);
      assert.match(refused.body, /name="address.detail" value="江滨路2号"/, "input kept");
      const half = await filedItems();
      assert.equal(half.length, 1, "the item that needs no identity record was filed");
      // The registry answers again: the same form posted again files the other two, and only them.
      await t.deps.exchange.grant(
        {
          memberId: grant.memberId,
          resourceCode: grant.resourceCode,
          fields: grant.fields,
          purpose: grant.purpose,
          legalBasis: grant.legalBasis,
          expiresAt: grant.expiresAt,
          dailyQuota: grant.dailyQuota,
        },
        "test",
      );
      const resumed = await post();
      assert.equal(resumed.statusCode, 303, /error-summary[\s\S]*?<\/ul>/.exec(resumed.body)?.[0]);
      const all = await filedItems();
      assert.equal(all.length, 3);
      assert.equal(new Set(all.map((a) => a.itemCode)).size, 3, "no item filed twice");
      assert.ok(
        all.some((a) => a.id === half[0].id),
        "the first item's application kept",
      );
      const again = await post();
      assert.equal(again.headers.location, resumed.headers.location, "a third post is the same bundle");
    });

    it("rates once after completion; a bad rating opens a rectification the department closes; defaults are counted apart", async () => {
      const handler = await staffCookie(t, "rst_handler");
      const staff = await t.deps.store.db
        .selectFrom("staffUsers")
        .selectAll()
        .where("username", "=", "rst_handler")
        .executeTakeFirstOrThrow();
      const principal = {
        id: staff.id,
        username: staff.username,
        displayName: staff.displayName,
        isOperator: false,
        roles: [{ siteId: t.deps.sites.byCodeCached("rst")!.id, role: "handler" }],
      };
      const pending = await t.deps.store.db
        .selectFrom("applications")
        .select(["id", "trackingNo"])
        .where("itemCode", "=", flexCode)
        .where("status", "=", "prereview")
        .executeTakeFirstOrThrow();
      const item = await t.deps.oneStop.catalogue.byCode(flexCode);
      assert.ok(item);
      await handleToClosed(t, pending.id, "rst");
      const page = await t.app.inject({
        url: `/sites/rst/services/receipt/${pending.trackingNo}/evaluate`,
        headers: { cookie: citizen },
      });
      const csrf = hiddenValue(page.body, "_csrf");
      const rate = (data: Record<string, string>) =>
        t.app.inject({
          method: "POST",
          url: `/sites/rst/services/receipt/${pending.trackingNo}/evaluate`,
          headers: { cookie: citizen, ...FORM },
          payload: urlencoded({ _csrf: csrf, ...data }),
        });
      const noReason = await rate({ level: "1" });
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.body, /请写明不满意的原因/);
      assert.equal((await rate({ level: "1", comment: "等了很久没人回电话" })).statusCode, 303);
      const twice = await rate({ level: "5" });
      assert.equal(twice.statusCode, 409);
      const list = await t.app.inject({
        url: "/admin/services/rectifications",
        headers: { cookie: handler.cookie },
      });
      assert.match(list.body, /等了很久没人回电话/);
      const rid = (await t.deps.store.db.selectFrom("rectifications").select("id").executeTakeFirstOrThrow())
        .id;
      const done = await t.app.inject({
        method: "POST",
        url: `/admin/services/rectifications/${rid}`,
        headers: { cookie: handler.cookie, ...FORM },
        payload: urlencoded({
          _csrf: handler.csrf,
          op: "rectify",
          result: "增加咨询电话坐席",
          callback: "已电话回访，申请人认可",
        }),
      });
      assert.equal(done.statusCode, 303);
      const receipt = await t.app.inject({
        url: `/sites/rst/services/receipt/${pending.trackingNo}`,
        headers: { cookie: citizen },
      });
      assert.match(receipt.body, /非常不满意/);
      assert.match(receipt.body, /整改情况：增加咨询电话坐席/);
      const stranger = await staffCookie(t, "scjg_handler");
      const meddle = await t.app.inject({
        method: "POST",
        url: `/admin/services/rectifications/${rid}`,
        headers: { cookie: stranger.cookie, ...FORM },
        payload: urlencoded({ _csrf: stranger.csrf, op: "appeal", appealReason: "x" }),
      });
      assert.equal(meddle.statusCode, 403);
      // Another completed application, never rated: defaults to 基本满意 after the window.
      const other = await t.deps.store.db
        .selectFrom("applications")
        .select("id")
        .where("status", "=", "prereview")
        .where("siteId", "=", principal.roles[0].siteId)
        .executeTakeFirstOrThrow();
      await t.deps.store.db
        .updateTable("applications")
        .set({ status: "closed", closedAt: "2020-01-01T00:00:00.000Z", onTime: 1 })
        .where("id", "=", other.id)
        .execute();
      const stats = (await t.app.inject({ url: "/api/services/stats" })).json() as {
        defaultRatings: number;
        satisfactionRate: number;
        rectificationRate: number;
        completed: number;
        byDepartment: { siteCode: string; badReviews: number; rectified: number }[];
      };
      assert.equal(stats.defaultRatings, 1);
      assert.equal(stats.satisfactionRate, 0); // the only real rating is 非常不满意; the default is not counted
      assert.equal(stats.rectificationRate, 100);
      assert.equal(stats.completed, 2);
      const rst = stats.byDepartment.find((d) => d.siteCode === "rst")!;
      assert.deepEqual([rst.badReviews, rst.rectified], [1, 1]);
      const pageStats = await t.app.inject({ url: "/sites/www/services/stats" });
      assert.match(pageStats.body, /全程网办率<\/th><td>[\d.]+%（\d+ 件办件）/, "every rate with its sample");
      assert.match(pageStats.body, /按时办结率<\/th><td>[\d.]+%（2 件办结）/);
      assert.match(pageStats.body, /满意率（主动评价）<\/th><td>0%（1 条评价）/);
      assert.match(pageStats.body, /超期未评默认“基本满意”/);
    });
  });
}
