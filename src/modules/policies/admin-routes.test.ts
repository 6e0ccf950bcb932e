import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";

for (const engine of ENGINES) {
  describe(`惠企政策 console on ${engine}`, () => {
    let t: TestContext;
    let editor: StaffSession;
    let benefitId: number;

    before(async () => {
      t = await startPlatform(engine);
      const b = await t.deps.policies.createBenefit(
        {
          code: "TEST-CONSOLE",
          title: "控制台测试补贴",
          summary: "测试",
          department: "rst",
          stage: "operate",
          policyArticleId: null,
          interpretationArticleId: null,
          serviceItemCode: null,
          amount: "1万元",
        },
        "test",
      );
      benefitId = b.id;
      editor = await StaffSession.login(t.app, "rst_editor");
    });
    after(async () => t?.close());

    const base = () => `/admin/policies/${benefitId}`;

    it("lists the department's benefits with the 7-working-day guide warning", async () => {
      const res = await editor.get("/admin/policies");
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /控制台测试补贴/);
      assert.match(res.body, /新政策须在7个工作日内配齐/);
      assert.match(res.body, /控制台测试补贴<\/a>（[^）]*）缺少政策解读、办事指南/);
    });

    it("links the interpretation and guide; bad links are refused in Chinese (audited)", async () => {
      const bad = await editor.post(`${base()}/links`, {
        interpretationArticleId: "999999",
        serviceItemCode: "NO-SUCH-ITEM",
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /政策文件库中没有这条信息/);
      assert.match(bad.body, /name="serviceItemCode" value="NO-SUCH-ITEM"/);
      const article = await t.deps.store.db
        .selectFrom("articles")
        .select("id")
        .orderBy("id")
        .executeTakeFirstOrThrow();
      const ok = await editor.post(`${base()}/links`, { interpretationArticleId: String(article.id) });
      assert.equal(ok.statusCode, 303);
      assert.equal((await t.deps.policies.benefit(benefitId)).interpretationArticleId, article.id);
      const list = await editor.get("/admin/policies");
      assert.match(list.body, /控制台测试补贴<\/a>（[^）]*）缺少办事指南/);
      const audit = await t.deps.audit.list(1, 5, { actor: "rst_editor", action: "policy.benefit.link" });
      assert.equal(audit.rows[0]?.targetId, String(benefitId));
    });

    it("creates a benefit by form for the editor's own department only, keeping input on errors", async () => {
      const form = await editor.get("/admin/policies/new");
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /<option value="rst"/);
      assert.doesNotMatch(form.body, /<option value="www"/);
      const bad = await editor.post("/admin/policies/new", {
        code: "坏 编号",
        title: "表单新增补贴",
        department: "rst",
        stage: "operate",
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /编号为2-40位字母、数字或连字符/);
      assert.match(bad.body, /name="title"[^>]*value="表单新增补贴"/);
      const other = await editor.post("/admin/policies/new", {
        code: "FORM-OTHER",
        title: "别的部门",
        department: "www",
        stage: "operate",
      });
      assert.equal(other.statusCode, 400);
      assert.match(other.body, /只能为本部门（网站）新增政策事项/);
      const ok = await editor.post("/admin/policies/new", {
        code: "FORM-NEW",
        title: "表单新增补贴",
        department: "rst",
        stage: "start",
        amount: "每户2000元",
      });
      assert.equal(ok.statusCode, 303);
      const page = await editor.get(String(ok.headers.location));
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /表单新增补贴/);
      const list = await editor.get("/admin/policies");
      assert.match(list.body, /表单新增补贴/);
    });

    it("adds a condition row without script, keeping what was typed", async () => {
      const res = await editor.post(`${base()}/versions`, {
        rows: 1,
        trows: 1,
        "c.0.fact": "headcount",
        "c.0.operator": "lessThan",
        "c.0.value": "300",
        "c.0.clause": "第二条",
        action: "add",
      });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /name="c\.1\.fact"/);
      assert.match(res.body, /name="c\.0\.value" value="300"/);
    });

    it("refuses a contradictory rule in Chinese and keeps the input", async () => {
      const res = await editor.post(`${base()}/versions`, {
        rows: 3,
        trows: 1,
        effectiveFrom: "2026-01-01",
        "c.0.fact": "headcount",
        "c.0.operator": "greaterThanInclusive",
        "c.0.value": "100",
        "c.0.clause": "第二条第（一）项",
        "c.1.fact": "headcount",
        "c.1.operator": "lessThan",
        "c.1.value": "50",
        "c.1.clause": "第二条第（二）项",
        "t.0.name": "中型企业",
        "t.0.profile": '{"headcount": 120}',
        "t.0.expected": "eligible",
        action: "save",
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /规则互相矛盾，任何企业都不可能满足：“从业人数”的下限高于上限/);
      assert.match(res.body, /name="c\.1\.clause" value="第二条第（二）项"/);
      assert.match(res.body, /name="c\.1\.value" value="50"/);
      assert.match(res.body, /name="t\.0\.name" value="中型企业"/);
      assert.equal((await t.deps.policies.versions(benefitId)).length, 0, "nothing saved");
    });

    it("refuses to publish a version whose test case fails, listing the case; fixed, it publishes (audited)", async () => {
      const save = (profile: string, expected: string) =>
        editor.post(`${base()}/versions`, {
          rows: 2,
          trows: 1,
          effectiveFrom: "2026-01-01",
          "c.0.fact": "headcount",
          "c.0.operator": "greaterThanInclusive",
          "c.0.value": "10",
          "c.0.clause": "第二条第（一）项",
          "c.1.fact": "taxCreditGrade",
          "c.1.operator": "in",
          "c.1.value": "A级、B级",
          "c.1.clause": "第二条第（二）项",
          "t.0.name": "小微企业",
          "t.0.profile": profile,
          "t.0.expected": expected,
        });
      const saved = await save('{"headcount": 5, "taxCreditGrade": "A"}', "eligible");
      assert.equal(saved.statusCode, 303);
      const [draft] = await t.deps.policies.versions(benefitId);
      assert.equal(draft!.status, "draft");
      assert.deepEqual(draft!.conditions[1]!.value, ["A", "B"]);

      const refused = await editor.post(`${base()}/versions/${draft!.id}/publish`);
      assert.equal(refused.statusCode, 409);
      assert.match(refused.body, /不能发布：以下测试用例未通过/);
      assert.match(refused.body, /“小微企业”预期符合，实际不符合/);
      assert.equal((await t.deps.policies.version(draft!.id)).status, "draft");

      assert.equal((await save('{"headcount": 20, "taxCreditGrade": "B"}', "eligible")).statusCode, 303);
      const [fixed] = await t.deps.policies.versions(benefitId);
      assert.equal(fixed!.version, 2);
      const ok = await editor.post(`${base()}/versions/${fixed!.id}/publish`);
      assert.equal(ok.statusCode, 303);
      assert.equal((await t.deps.policies.version(fixed!.id)).status, "published");
      const page = await editor.get(ok.headers.location as string);
      assert.match(page.body, /已发布（已记入审计日志）/);
      const list = await editor.get("/admin/policies");
      assert.match(list.body, /控制台测试补贴<\/a><\/td><td>[^<]*<\/td><td>第2版<\/td><td>已发布/);
      const audit = await t.deps.audit.list(1, 20, { actor: "rst_editor", action: "policy.version." });
      const actions = audit.rows.map((r) => `${r.action}:${r.targetId}`);
      assert.ok(actions.includes(`policy.version.publish:${fixed!.id}`), actions.join(","));
      assert.ok(actions.includes(`policy.version.save:${draft!.id}`));
    });

    it("试算 shows the per-condition trace with clause, value and what would change it", async () => {
      const [v] = await t.deps.policies.versions(benefitId);
      const res = await editor.post(`${base()}/try`, { versionId: v!.id, headcount: "5" });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /试算结果：不符合/);
      assert.match(res.body, /<td>第二条第（一）项<\/td><td>✗ 不满足<\/td><td>5<\/td>/);
      assert.match(res.body, /当从业人数不低于10人时，此条件即满足/);
      assert.match(res.body, /<td>？ 无法判断<\/td>/);
      assert.match(res.body, /补充“纳税信用等级”后即可判断/);
      assert.match(res.body, /name="headcount" value="5"/);
      const ok = await editor.post(`${base()}/try`, {
        versionId: v!.id,
        headcount: "50",
        taxCreditGrade: "A级",
      });
      assert.match(ok.body, /试算结果：符合/);
      assert.match(ok.body, /<td>✓ 满足<\/td>/);
      const bad = await editor.post(`${base()}/try`, { versionId: v!.id, headcount: "-3" });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /从业人数不能为负数/);
      assert.match(bad.body, /name="headcount" value="-3"/);
    });

    it("marks a 免申即享 grant paid, showing the 60-working-day due date (audited)", async () => {
      const account = await t.deps.store.db
        .selectFrom("accounts")
        .select("id")
        .where("kind", "=", "enterprise")
        .orderBy("id")
        .executeTakeFirstOrThrow();
      const [v] = await t.deps.policies.versions(benefitId);
      const grant = await t.deps.store.db
        .insertInto("policyGrants")
        .values({
          accountId: account.id,
          benefitId,
          versionId: v!.id,
          status: "granted",
          noticedAt: "2026-11-01T00:00:00.000Z",
          objectionUntil: "2026-11-08T00:00:00.000Z",
          grantedAt: "2026-11-08T00:00:00.000Z",
          payDue: "2027-02-05T00:00:00.000Z",
          paidAt: null,
          objection: null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const list = await editor.get("/admin/policies/grants?status=granted");
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /控制台测试补贴<\/td><td>已兑现待拨付<\/td><td><\/td><td>2027-02-05/);
      const paid = await editor.post(`/admin/policies/grants/${grant.id}/paid`);
      assert.equal(paid.statusCode, 303);
      const again = await editor.post(`/admin/policies/grants/${grant.id}/paid`);
      assert.equal(again.statusCode, 400);
      assert.match(again.body, /只有已兑现待拨付的记录可以登记拨付/);
      const audit = await t.deps.audit.list(1, 5, { actor: "rst_editor", action: "policy.grant.paid" });
      assert.equal(audit.rows[0]?.targetId, String(grant.id));
    });

    it("decides objections: uphold starts the payment clock, withdraw withdraws (audited)", async () => {
      // Two accounts on the first version (the payment test used the second), so no grant repeats.
      const accounts = await t.deps.store.db
        .selectFrom("accounts")
        .select("id")
        .orderBy("id")
        .limit(2)
        .execute();
      assert.equal(accounts.length, 2);
      const v = (await t.deps.policies.versions(benefitId)).find((x) => x.version === 1);
      const objected = async (accountId: number) =>
        (
          await t.deps.store.db
            .insertInto("policyGrants")
            .values({
              accountId,
              benefitId,
              versionId: v!.id,
              status: "objected",
              noticedAt: "2026-11-01T00:00:00.000Z",
              objectionUntil: "2026-11-08T00:00:00.000Z",
              grantedAt: null,
              payDue: null,
              paidAt: null,
              objection: "我单位从业人数登记有误",
            })
            .returning("id")
            .executeTakeFirstOrThrow()
        ).id;
      const keep = await objected(accounts[0]!.id);
      const drop = await objected(accounts[1]!.id);
      const list = await editor.get("/admin/policies/grants?status=objected");
      assert.match(list.body, /企业有异议<\/td><td>我单位从业人数登记有误/);
      assert.match(list.body, new RegExp(`/admin/policies/grants/${keep}/uphold`));
      assert.equal((await editor.post(`/admin/policies/grants/${keep}/uphold`)).statusCode, 303);
      assert.equal((await editor.post(`/admin/policies/grants/${drop}/withdraw`)).statusCode, 303);
      const kept = await t.deps.policies.grant(keep);
      assert.equal(kept.status, "granted");
      assert.ok(kept.payDue && kept.payDue > new Date(Date.now() + 60 * 86_400_000).toISOString());
      assert.equal((await t.deps.policies.grant(drop)).status, "withdrawn");
      const again = await editor.post(`/admin/policies/grants/${drop}/uphold`);
      assert.equal(again.statusCode, 400);
      assert.match(again.body, /只有企业提出异议的记录可以作出处理决定/);
      const audit = await t.deps.audit.list(1, 5, { actor: "rst_editor", action: "policy.grant." });
      const actions = audit.rows.map((r) => `${r.action}:${r.targetId}`);
      assert.ok(actions.includes(`policy.grant.uphold:${keep}`), actions.join(","));
      assert.ok(actions.includes(`policy.grant.withdraw:${drop}`));
    });

    it("answers the console 403 page to a role without rights and to another department", async () => {
      const reviewer = await StaffSession.login(t.app, "rst_reviewer");
      const res = await reviewer.get("/admin/policies");
      assert.equal(res.statusCode, 403);
      assert.match(res.body, /无权访问/);
      assert.match(res.body, /您没有使用「惠企政策」的权限/);
      assert.doesNotMatch((await reviewer.get("/admin")).body, /href="\/admin\/policies"/);
      const other = await StaffSession.login(t.app, "www_editor");
      const page = await other.get(base());
      assert.equal(page.statusCode, 403);
      assert.match(page.body, /您只能维护本部门（网站）的惠企政策/);
      assert.doesNotMatch((await other.get("/admin/policies")).body, /控制台测试补贴/);
    });
  });
}
