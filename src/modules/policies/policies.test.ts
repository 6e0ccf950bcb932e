import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Engine } from "json-rules-engine";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { compile, ruleProblems, type RuleCondition } from "./engine.ts";
import { PROFILE_FIELDS, profileProblems, withDerived } from "./fields.ts";
import { DEMO_POLICIES } from "./seed.ts";

interface MatchJson {
  benefitId: number;
  title: string;
  status: string;
  missing: string[];
  conditions: {
    condition: string;
    clause: string;
    met: boolean | null;
    value: unknown;
    why: string;
    whatWouldChange?: string;
  }[];
}

describe("eligibility rules (no database)", () => {
  it("agrees with json-rules-engine on every demo rule for complete profiles", async () => {
    const profiles = [
      {
        registryStatus: "存续",
        districtCode: "420100",
        foundedOn: "2020-05-01",
        kind: "有限责任公司",
        industryCode: "E4710",
        registeredCapital: 20_000_000,
        sizeClass: "small",
        headcount: 45,
        annualRevenue: 1800,
        taxCreditGrade: "A",
        newHires: 2,
        rdRatio: 4,
      },
      {
        registryStatus: "歇业",
        districtCode: "110105",
        foundedOn: "2026-01-05",
        kind: "股份有限公司",
        industryCode: "H6210",
        registeredCapital: 500_000,
        sizeClass: "large",
        headcount: 900,
        annualRevenue: 90_000,
        taxCreditGrade: "D",
        newHires: 0,
        rdRatio: 1,
      },
    ];
    for (const p of DEMO_POLICIES)
      for (const b of p.benefits) {
        const engine = new Engine([], { allowUndefinedFacts: true });
        engine.addOperator(
          "startsWith",
          (a: unknown, v: unknown) => typeof a === "string" && a.startsWith(String(v)),
        );
        engine.addRule({
          conditions: { all: b.conditions.map(({ fact, operator, value }) => ({ fact, operator, value })) },
          event: { type: "eligible" },
        });
        for (const raw of profiles) {
          const profile = withDerived(raw, "2026-12-02");
          const { events } = await engine.run({ ...profile });
          assert.equal(
            compile(b.conditions).status(profile) === "eligible",
            events.length === 1,
            `${b.code}`,
          );
        }
      }
  });

  it("refuses contradictions, unknown fields and missing clauses at save", () => {
    const c = (
      fact: string,
      operator: RuleCondition["operator"],
      value: RuleCondition["value"],
    ): RuleCondition => ({
      fact,
      operator,
      value,
      clause: "第一条",
    });
    assert.match(
      ruleProblems([c("headcount", "greaterThan", 300), c("headcount", "lessThan", 100)]).conditions!,
      /矛盾/,
    );
    assert.match(
      ruleProblems([c("sizeClass", "in", ["micro"]), c("sizeClass", "notIn", ["micro"])]).conditions!,
      /矛盾/,
    );
    assert.match(
      ruleProblems([c("headcount", "equal", 10), c("headcount", "notEqual", 10)]).conditions!,
      /矛盾/,
    );
    assert.match(ruleProblems([c("shoeSize", "equal", 42)])["conditions.0"]!, /未知的字段“shoeSize”/);
    assert.match(ruleProblems([c("headcount", "startsWith", "4")])["conditions.0"]!, /不能用/);
    assert.match(ruleProblems([{ ...c("headcount", "lessThan", 10), clause: " " }])["conditions.0"]!, /条款/);
    assert.deepEqual(
      ruleProblems([c("headcount", "greaterThanInclusive", 10), c("headcount", "lessThanInclusive", 10)]),
      {},
    );
  });

  it("accepts every value its refusal names (enum codes and labels, 是/否), trimmed", () => {
    for (const f of PROFILE_FIELDS.filter((x) => x.type === "enum" || x.type === "boolean")) {
      const refusal = profileProblems({ [f.name]: "no-such-value" }).problems[f.name];
      assert.ok(refusal, f.name);
      // Every name in the message — 小型（small） names both — is accepted and stored as the code.
      const named =
        f.type === "boolean"
          ? ["是", "否", "true", "false"]
          : refusal.slice(refusal.indexOf("：") + 1).split(/[、（）]/);
      for (const word of named.filter(Boolean)) {
        assert.ok(refusal.includes(word), `${f.name}: “${refusal}” names ${word}`);

        const value = f.type === "boolean" && /^(true|false)$/.test(word) ? word === "true" : word;
        const { profile, problems } = profileProblems({ [f.name]: value });
        assert.deepEqual(problems, {}, `${f.name}: “${word}” is named in “${refusal}” but refused`);
        const stored = profile[f.name];
        if (f.options) assert.ok(Object.hasOwn(f.options, stored as string), `${f.name}=${word} → ${stored}`);
        else assert.equal(typeof stored, "boolean");
      }
    }
    const { profile } = profileProblems({
      sizeClass: "小型",
      taxCreditGrade: " A级 ",
      highTech: "是",
      registryStatus: " 存续 ",
      industryCode: " C3911 ",
    });
    assert.deepEqual(profile, {
      sizeClass: "small",
      taxCreditGrade: "A",
      highTech: true,
      registryStatus: "存续",
      industryCode: "C3911",
    });
    assert.match(profileProblems({ sizeClass: "huge" }).problems.sizeClass!, /小型（small）/);
    assert.match(
      profileProblems({ registryStatus: "营业中" }).problems.registryStatus!,
      /只能是：存续、在业、歇业/,
    );
    assert.match(profileProblems({ highTech: "maybe" }).problems.highTech!, /是或否（true 或 false）/);
  });
});

for (const engine of ENGINES) {
  describe(`policy benefits on ${engine}`, () => {
    let t: TestContext;
    let enterprise: { cookie: string; csrf: string; id: number };

    before(async () => {
      t = await startPlatform(engine);
      const account = await t.deps.accounts.byCreditCode(
        (await t.deps.accounts.verifiedHolders()).entities[0]!.creditCode,
      );
      const { token, session } = await t.deps.sessions.create(account!.id, "citizen", 3600);
      enterprise = { cookie: `cy_citizen=${t.app.signCookie(token)}`, csrf: session.csrf, id: account!.id };
    });
    after(() => t.close());

    const check = (profile: Record<string, unknown>) =>
      t.app.inject({ method: "POST", url: "/api/policies/match", payload: { profile } });
    const byCode = async (code: string) => (await t.deps.policies.benefits()).find((b) => b.code === code)!;

    it("answers eligible only when every condition is met, with the clause and why of each", async () => {
      const res = await check({ sizeClass: "small", newHires: 2, headcount: 45, annualRevenue: 1800 });
      assert.equal(res.statusCode, 200, res.body);
      const all = res.json() as MatchJson[];
      const sb = all.find((m) => m.title === "小微企业吸纳高校毕业生社会保险补贴")!;
      assert.equal(sb.status, "eligible");
      assert.deepEqual(
        sb.conditions.map((c) => [c.met, c.clause]),
        [
          [true, "第二条（小微企业）"],
          [true, "第二条（招用毕业年度高校毕业生）"],
        ],
      );
      const kz = all.find((m) => m.title === "一次性扩岗补助")!;
      assert.equal(kz.status, "eligible");
      for (const m of all) {
        const mets = m.conditions.map((c) => c.met);
        const expected = mets.includes(false)
          ? "ineligible"
          : mets.every((x) => x === true)
            ? "eligible"
            : "possible";
        assert.equal(m.status, expected, m.title);
      }
      const big = ((await check({ sizeClass: "large", newHires: 2 })).json() as MatchJson[]).find(
        (m) => m.title === sb.title,
      )!;
      assert.equal(big.status, "ineligible");
      assert.equal(big.conditions[0]!.met, false);
      assert.match(big.conditions[0]!.why, /企业规模为大型/);
      assert.match(big.conditions[0]!.whatWouldChange!, /企业规模属于微型、小型/);
    });

    it("answers possible naming the missing data, never eligible on half a profile", async () => {
      const all = (await check({ sizeClass: "micro" })).json() as MatchJson[];
      const sb = all.find((m) => m.title === "小微企业吸纳高校毕业生社会保险补贴")!;
      assert.equal(sb.status, "possible");
      assert.deepEqual(sb.missing, ["本年新招用高校毕业生"]);
      assert.equal(sb.conditions[1]!.met, null);
      assert.match(sb.conditions[1]!.why, /缺少“本年新招用高校毕业生”/);
      assert.ok(!((await check({})).json() as MatchJson[]).some((m) => m.status === "eligible"));
    });

    it("refuses absurd profiles with 400 and a clear message", async () => {
      for (const [profile, field, message] of [
        [{ headcount: -5 }, "headcount", /不能为负数/],
        [{ foundedOn: "2999-01-01" }, "foundedOn", /不能晚于今天/],
        [{ foundedOn: "2020-02-30" }, "foundedOn", /日期/],
        [{ sizeClass: "huge" }, "sizeClass", /只能是/],
        [{ headcount: "many" }, "headcount", /应为数字/],
        [{ favouriteColour: "red" }, "favouriteColour", /未知的字段/],
      ] as const) {
        const res = await check(profile);
        assert.equal(res.statusCode, 400, res.body);
        const body = res.json() as {
          error: { code: string; message: string; fields: Record<string, string> };
        };
        assert.match(body.error.fields[field]!, message);
        assert.match(body.error.message, /企业信息有误/);
      }
    });

    it("documents every numeric field's unit and refuses an ambiguous percentage; units unchanged", async () => {
      const docs = (await t.app.inject({ url: "/api/docs/json" })).json() as {
        paths: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
      };
      const body = docs.paths["/api/policies/match"]!.post.requestBody.content["application/json"]!
        .schema as { properties: { profile: { properties: Record<string, { description: string }> } } };
      const fields = body.properties.profile.properties;
      assert.match(fields.annualRevenue!.description, /单位：万元/);
      assert.match(fields.exportRevenue!.description, /单位：万元/);
      assert.match(fields.registeredCapital!.description, /单位：元/);
      assert.match(fields.rdRatio!.description, /百分数.*5 表示5%/);
      assert.match(fields.headcount!.description, /单位：人/);
      assert.match(fields.sizeClass!.description, /小型（small）/);
      for (const f of PROFILE_FIELDS.filter((x) => x.unit && !x.derivedFrom))
        assert.match(fields[f.name]!.description, /单位：|百分数/, f.name);

      // The units stay what they were: 营业收入 in 万元, so 5001 is over "不超过5000万元".
      const xwqy = async (profile: Record<string, unknown>) =>
        ((await check(profile)).json() as MatchJson[]).find((m) => m.title === "小型微利企业所得税优惠")!;
      assert.equal((await xwqy({ headcount: 10, annualRevenue: 5001 })).status, "ineligible");
      assert.equal((await xwqy({ headcount: 10, annualRevenue: 5000 })).status, "eligible");

      // 研发占比 is a percentage: 0.05 could be 5% or 0.05%, so the API refuses it and says how to send it.
      const fraction = await check({ rdRatio: 0.05, taxCreditGrade: "A" });
      assert.equal(fraction.statusCode, 400, fraction.body);
      const error = (fraction.json() as { error: { code: string; fields: Record<string, string> } }).error;
      assert.equal(error.code, "bad_profile");
      assert.match(error.fields.rdRatio!, /按百分数填写.*请填 5/);
      const yfjj = ((await check({ rdRatio: 5, taxCreditGrade: "A" })).json() as MatchJson[]).find(
        (m) => m.title === "研发费用加计扣除",
      )!;
      assert.equal(yfjj.status, "eligible");
      for (const ok of [0, 1, 2.5, 100])
        assert.equal((await check({ rdRatio: ok })).statusCode, 200, `rdRatio ${ok}`);
    });

    it("takes the labels its messages name, trims, and refuses an unknown 登记状态 with the list", async () => {
      const find = async (profile: Record<string, unknown>, title: string) => {
        const res = await check(profile);
        assert.equal(res.statusCode, 200, res.body);
        return (res.json() as MatchJson[]).find((m) => m.title === title)!;
      };
      const sb = await find({ sizeClass: "小型", newHires: 2 }, "小微企业吸纳高校毕业生社会保险补贴");
      assert.equal(sb.status, "eligible");
      assert.equal(sb.conditions[0]!.value, "small");
      const yfjj = await find({ rdRatio: 5, taxCreditGrade: "A级" }, "研发费用加计扣除");
      assert.equal(yfjj.status, "eligible");
      assert.equal((await check({ highTech: "是" })).statusCode, 200);
      const wgfh = await find(
        { registryStatus: " 存续 ", districtCode: "420100", foundedOn: "2020-05-01" },
        "失业保险稳岗返还",
      );
      assert.equal(wgfh.status, "eligible");
      assert.equal(wgfh.conditions[0]!.value, "存续");

      for (const [profile, field, message] of [
        [
          { sizeClass: "巨型" },
          "sizeClass",
          /只能是：微型（micro）、小型（small）、中型（medium）、大型（large）/,
        ],
        [{ taxCreditGrade: "AAA" }, "taxCreditGrade", /A级（A）/],
        [{ highTech: "maybe" }, "highTech", /是或否（true 或 false）/],
        [{ registryStatus: "营业中" }, "registryStatus", /登记状态只能是：存续、.*注销/],
      ] as const) {
        const res = await check(profile);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(
          (res.json() as { error: { fields: Record<string, string> } }).error.fields[field]!,
          message,
        );
      }
    });

    it("lets the signed-in enterprise see its matches explained; others get 401/403", async () => {
      const res = await t.app.inject({
        url: "/api/policies/matches",
        headers: { cookie: enterprise.cookie },
      });
      assert.equal(res.statusCode, 200, res.body);
      const all = res.json() as MatchJson[];
      assert.ok(all.length >= 12);
      const tax = all.find((m) => m.title === "小型微利企业所得税优惠")!;
      assert.equal(tax.status, "eligible");
      assert.match(tax.conditions[0]!.why, /从业人数为45人/);
      assert.equal((await t.app.inject({ url: "/api/policies/matches" })).statusCode, 401);
      const docs = (await t.app.inject({ url: "/api/docs/json" })).json() as {
        paths: Record<string, unknown>;
      };
      assert.ok(docs.paths["/api/policies/matches"] && docs.paths["/api/policies/match"]);
    });

    it("refuses to publish a version whose test case fails, listing the case", async () => {
      const b = await byCode("SWJ-LDTS");
      const v = await t.deps.policies.saveVersion(
        b.id,
        {
          effectiveFrom: "2026-01-01",
          conditions: [{ fact: "taxCreditGrade", operator: "in", value: ["A", "B"], clause: "第三条" }],
          testCases: [{ name: "B级企业不应享受", profile: { taxCreditGrade: "B" }, expected: "ineligible" }],
        },
        "tester",
      );
      await assert.rejects(t.deps.policies.publish(v.id, "tester"), (e: Error) => {
        assert.match(e.message, /测试用例未全部通过.*B级企业不应享受.*预期不符合，实际符合/);
        return true;
      });
      assert.equal((await t.deps.policies.version(v.id)).status, "draft");
      await assert.rejects(
        t.deps.policies.saveVersion(
          b.id,
          {
            effectiveFrom: "2026-01-01",
            conditions: [{ fact: "mood", operator: "equal", value: "x", clause: "一" }],
            testCases: [],
          },
          "tester",
        ),
        /未知的字段“mood”/,
      );
    });

    it("pushes once per enterprise and benefit version even when sweeps run in parallel, and re-matches incrementally", async () => {
      const p = t.deps.policies;
      const pushes = async () =>
        t.deps.store.db
          .selectFrom("policyPushes")
          .selectAll()
          .where("accountId", "=", enterprise.id)
          .execute();
      const before = await pushes();
      assert.ok(before.length > 0, "the seed pushed the demo enterprise's matches");
      assert.ok(
        (await t.deps.store.db.selectFrom("smsOutbox").select("id").execute()).length >= before.length,
      );
      // A new version of a benefit the enterprise meets: published, re-matched by two sweeps at once.
      const b = await byCode("SWJ-LDTS");
      const v = await p.saveVersion(
        b.id,
        {
          effectiveFrom: "2026-01-01",
          conditions: [
            { fact: "taxCreditGrade", operator: "in", value: ["A", "B"], clause: "第三条（修订）" },
          ],
          testCases: [{ name: "B级", profile: { taxCreditGrade: "B" }, expected: "eligible" }],
        },
        "tester",
      );
      await p.publish(v.id, "tester");
      await Promise.all([p.sweep(), p.sweep(), p.sweep()]);
      await Promise.all([p.matchAll(), p.matchAll()]);
      const after1 = await pushes();
      assert.equal(after1.filter((x) => x.versionId === v.id).length, 1);
      assert.equal(after1.length, before.length + 1);
      // One profile change: only that enterprise is queued, and its stored match follows.
      await p.confirmProfile(enterprise.id, { taxCreditGrade: "D" }, null);
      const queue = await t.deps.store.db.selectFrom("policyRematchQueue").selectAll().execute();
      assert.deepEqual(
        queue.map((q) => [q.kind, q.refId]),
        [["profile", enterprise.id]],
      );
      await p.sweep();
      const stored = await p.storedMatches(enterprise.id);
      assert.ok(!stored.some((m) => m.benefitId === b.id), "no longer matched at D");
      await p.confirmProfile(enterprise.id, { taxCreditGrade: "A" }, null);
      await p.sweep();
      assert.ok(
        (await p.storedMatches(enterprise.id)).some((m) => m.benefitId === b.id && m.status === "eligible"),
      );
      assert.equal((await pushes()).length, after1.length, "the same version is never pushed twice");
      const profile = p.profileView(await p.profile(enterprise.id));
      assert.equal(profile.find((f) => f.name === "taxCreditGrade")!.source, "enterprise");
      assert.equal(profile.find((f) => f.name === "districtCode")!.source, "registry");
      assert.equal(profile.find((f) => f.name === "rdRatio")!.source, "unknown");
    });

    it("serves the zone page: anonymous check without JS, the enterprise's explained matches with sources", async () => {
      const anon = await t.app.inject({
        method: "POST",
        url: "/sites/www/enterprise/check",
        payload: "sizeClass=small&newHires=2&headcount=-3",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(anon.statusCode, 400);
      assert.match(anon.body, /从业人数不能为负数/);
      assert.match(anon.body, /value="-3"/);
      const ok = await t.app.inject({
        method: "POST",
        url: "/sites/www/enterprise/check",
        payload: "sizeClass=small&newHires=2",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /小微企业吸纳高校毕业生社会保险补贴/);
      assert.match(ok.body, /第二条（小微企业）/);
      const page = await t.app.inject({
        url: "/sites/www/enterprise",
        headers: { cookie: enterprise.cookie },
      });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /的政策匹配/);
      assert.match(page.body, /登记信息（数据共享）/);
      assert.match(page.body, /企业填报/);
      assert.match(page.body, /惠企政策兑现情况/);
      // 政策原文 and 政策解读 of every department lead to pages that exist, on the portal and on a department.
      for (const zone of ["/sites/www/enterprise", "/sites/rst/enterprise"]) {
        const body = (await t.app.inject({ url: zone })).body;
        const links = [...body.matchAll(/href="(\/sites\/[a-z0-9-]+\/art\/\d+\.html)"/g)].map((m) => m[1]);
        assert.ok(links.length > 0, `${zone} links policies`);
        for (const href of new Set(links))
          assert.equal((await t.app.inject({ url: href })).statusCode, 200, `${zone} → ${href}`);
      }
    });

    it("grants 免申即享 from registry data with an objection window, then starts the payment clock", async () => {
      const p = t.deps.policies;
      const wgfh = await byCode("RST-WGFH");
      const matches = await p.matchesFor(enterprise.id);
      const m = matches.find((x) => x.benefitId === wgfh.id)!;
      assert.ok(m.automatic);
      const grants = await p.grantsOf(enterprise.id);
      assert.equal(
        grants.some((g) => g.benefitId === wgfh.id),
        m.status === "eligible",
      );
      const g = grants.find((x) => x.benefitId === wgfh.id);
      if (g) {
        assert.equal(g.status, "noticed");
        assert.equal(await p.closeObjectionWindows(new Date(Date.parse(g.objectionUntil) + 1000)), 1);
        const granted = (await p.grantsOf(enterprise.id)).find((x) => x.id === g.id)!;
        assert.equal(granted.status, "granted");
        assert.ok(granted.payDue! > granted.grantedAt!);
      }
    });
  });
}
