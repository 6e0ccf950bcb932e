import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { chinaDate } from "../../platform/time/china-time.ts";
import { creditCodeCheckChar } from "../../platform/validation/china-ids.ts";
import { fileLetter, staffPost, staffSession } from "../mailbox/test-helpers.ts";
import { insertApplication, PNG } from "../onestop/test-helpers.ts";
import type { StaffPrincipal } from "../staff/index.ts";
import { APPLY_FIELDS } from "./fixtures.test.ts";

const at = (date: string) => new Date(`${date}T02:00:00Z`);

for (const engine of ENGINES) {
  describe(`annual disclosure report and proactive timeliness on ${engine}`, () => {
    let t: TestContext;
    let handler: StaffPrincipal;
    let rst: number;
    before(async () => {
      t = await startPlatform(engine);
      rst = t.deps.sites.byCodeCached("rst")!.id;
      const u = await t.deps.store.db
        .selectFrom("staffUsers")
        .select("id")
        .where("username", "=", "rst_handler")
        .executeTakeFirstOrThrow();
      handler = (await t.deps.staff.principal(u.id))!;
    });
    after(async () => t?.close());

    const file = async (date: string, extra: Record<string, string> = {}) =>
      (
        await t.deps.disclosure.requests.submit(
          {
            ...APPLY_FIELDS,
            ...extra,
            siteId: rst,
            account: null,
            files: [{ fileName: "id.png", bytes: PNG }],
          },
          at(date),
        )
      ).id;
    const decide = (id: number, outcome: string, outcomeReason: string, date: string) =>
      t.deps.disclosure.requests.decide(
        id,
        { outcome, outcomeReason, text: "经审查，现答复如下，请查收相关信息。" },
        handler,
        at(date),
      );

    it("flags proactive items published more than 20 working days after being formed", async () => {
      const owner = { id: null, name: "test" };
      const make = (title: string, writtenAt: string, publishedAt: string) =>
        t.deps.content.create(
          { kind: "policy", title, bodyText: "正文内容。", ownerSiteId: rst, writtenAt, publishedAt },
          owner,
        );
      const late = await make("关于迟发文件的通知", "2025-03-03", "2025-06-30T02:00:00Z");
      const onTime = await make("关于及时发布文件的通知", "2025-06-20", "2025-06-30T02:00:00Z");
      for (const a of [late, onTime]) {
        await t.deps.store.db
          .updateTable("articles")
          .set({ status: "published" })
          .where("id", "=", a.id)
          .execute();
      }
      const found = await t.deps.disclosure.lateProactive(rst, 2025);
      assert.ok(found.items.some((i) => i.id === late.id && i.lateDays > 20));
      assert.ok(!found.items.some((i) => i.id === onTime.id));

      const editor = await staffSession(t.app, t.deps, "rst_admin");
      const page = await t.app.inject({
        url: `/admin/disclosure/timeliness?site=${rst}&year=2025`,
        headers: { cookie: editor.cookie },
      });
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes("关于迟发文件的通知"));
      assert.ok(!page.body.includes("关于及时发布文件的通知"));
    });

    it("generates the report from the platform's records, takes staff edits, refuses bad cells, and publishes it", async () => {
      const a = await file("2025-03-03");
      const b = await file("2025-04-01", {
        applicantKind: "organisation",
        orgType: "business",
        idNumber: "91420100MA4K00001U",
      });
      const c = await file("2025-05-06");
      await file("2025-12-22"); // still open at the year's end: carried over
      await decide(a, "granted", "", "2025-03-20");
      await decide(b, "refused", "third_party", "2025-04-20");
      await decide(c, "unavailable", "not_held", "2025-05-20");

      const admin = await staffSession(t.app, t.deps, "rst_admin");
      const gen = await staffPost(t.app, admin, "/admin/disclosure/reports", {
        siteId: String(rst),
        year: "2025",
      });
      assert.equal(gen.statusCode, 303);
      const url = gen.headers.location as string;
      const id = Number(url.split("/").pop());
      const report = await t.deps.disclosure.report(id);
      const f = report.figures;
      assert.equal(f["t3.new.total"], 4);
      assert.equal(f["t3.new.person"], 3);
      assert.equal(f["t3.new.business"], 1);
      assert.equal(f["t3.granted.person"], 1);
      assert.equal(f["t3.refused.business"], 1);
      assert.equal(f["t3.refused_third_party.business"], 1);
      assert.equal(f["t3.unavailable_not_held.total"], 1);
      assert.equal(f["t3.total.total"], 3);
      assert.equal(f["t3.carry_next.total"], 1);
      assert.ok(f["x.proactive_late"] >= 1);
      assert.match(report.texts.overview, /新收政府信息公开申请4件/);

      // A bad cell: refused with the typed values kept; nothing saved.
      const bad = await staffPost(t.app, admin, url, {
        overview: "本年度总体情况（已修改）",
        problems: "",
        other: "",
        "t4.reconsideration.upheld": "abc",
        "t4.reconsideration.total": "2",
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /请填写非负整数/);
      assert.ok(bad.body.includes("本年度总体情况（已修改）"));
      assert.equal((await t.deps.disclosure.report(id)).figures["t4.reconsideration.total"], 0);

      const ok = await staffPost(t.app, admin, url, {
        overview: "本年度总体情况（已修改）",
        problems: "个别申请答复时间偏长。",
        other: "无。",
        "t4.reconsideration.upheld": "1",
        "t4.reconsideration.total": "1",
      });
      assert.equal(ok.statusCode, 303);
      assert.equal((await t.deps.disclosure.report(id)).figures["t4.reconsideration.upheld"], 1);

      assert.equal((await staffPost(t.app, admin, `${url}/publish`)).statusCode, 303);
      const published = await t.deps.disclosure.report(id);
      assert.equal(published.status, "published");
      const article = await t.deps.content.get(published.articleId!);
      assert.equal(article.status, "published");
      assert.equal(article.title, "楚云省人力资源和社会保障厅2025年政府信息公开工作年度报告");
      assert.match(article.bodyHtml, /收到和处理政府信息公开申请情况/);
      assert.match(article.bodyHtml, /本年度总体情况（已修改）/);
      const links = await t.deps.content.repo.channelLinks(article.id);
      const zwgk = (await t.deps.sites.repo.channelsOfSite(rst)).find(
        (ch) => ch.kind === "disclosure" && ch.parentId === null,
      )!;
      assert.ok(
        links.some((l) => l.channelId === zwgk.id),
        "published in the 政务公开 section",
      );
      // Published reports are no longer edited.
      assert.equal((await staffPost(t.app, admin, url, { overview: "x" })).statusCode, 409);
    });

    /** An application to the department's first item, submitted at `when`, by `accountId`. */
    const applied = async (accountId: number, when: string, n: number) => {
      const item = await t.deps.store.db
        .selectFrom("serviceItems")
        .select(["code", "name"])
        .where("siteId", "=", rst)
        .orderBy("id")
        .executeTakeFirstOrThrow();
      await insertApplication(t, {
        trackingNo: `TESTWEBSITE${n}`,
        siteId: rst,
        accountId,
        item,
        status: "review",
        submittedAt: when,
      });
    };

    it("generates the 网站工作年度报表 from platform figures, takes staff figures, and publishes it", async () => {
      const admin = await staffSession(t.app, t.deps, "rst_admin");
      const first17 = "91420106MA4R2X8TQ";
      const company = await t.deps.accounts.register({
        kind: "enterprise",
        name: "楚云报表测试有限公司",
        creditCode: first17 + creditCodeCheckChar(first17),
        contactName: "张三",
        phone: "13900002222",
        password: "Report-Test-2025!",
        password2: "Report-Test-2025!",
        agree: "1",
      });
      const person = await t.deps.store.db
        .selectFrom("accounts")
        .select("id")
        .where("kind", "=", "person")
        .orderBy("id")
        .executeTakeFirstOrThrow();
      await applied(person.id, "2025-05-06T02:00:00.000Z", 1);
      await applied(person.id, "2025-07-06T02:00:00.000Z", 2);
      await applied(company.id, "2025-08-06T02:00:00.000Z", 3);
      await applied(company.id, "2026-01-06T02:00:00.000Z", 4); // the next year's
      const gen = await staffPost(t.app, admin, "/admin/disclosure/reports", {
        siteId: String(rst),
        year: "2025",
        kind: "website",
      });
      assert.equal(gen.statusCode, 303);
      const url = gen.headers.location as string;
      const id = Number(url.split("/").pop());
      const report = await t.deps.disclosure.report(id);
      assert.equal(report.kind, "website");
      assert.ok(report.figures["w.published"] >= 2, "the 2025 policy documents count");
      assert.ok(report.figures["w.catalogue"] >= 2);
      assert.equal(report.figures["w.disclosure_requests"], 4);
      const page = await t.app.inject({ url, headers: { cookie: admin.cookie } });
      assert.match(page.body, /信息发布总数（条）（平台统计）/);
      const bad = await staffPost(t.app, admin, url, { "w.security_checks": "-5" });
      assert.equal(bad.statusCode, 400);
      assert.ok(bad.body.includes('value="-5"'), "the typed value is kept");
      // Every part of the national form, 是/否 rows as choices.
      for (const part of ["办事服务", "互动交流", "安全防护", "移动新媒体", "创新发展", "政策解读"])
        assert.match(page.body, new RegExp(`<th scope="colgroup" colspan="2">${part}</th>`), part);
      assert.match(page.body, /<select name="w.security_drills"/);
      assert.match(page.body, /在线访谈：访谈期数/);
      assert.equal(report.figures["w.smart_qa"], 1, "the assistant answers on every site");
      assert.deepEqual(
        [report.figures["w.cases_total"], report.figures["w.cases_person"], report.figures["w.cases_legal"]],
        [3, 2, 1],
      );
      assert.ok(report.figures["w.service_online"] <= report.figures["w.service_items"]);
      const notYesNo = await staffPost(t.app, admin, url, { "w.new_media": "也许" });
      assert.equal(notYesNo.statusCode, 400);
      assert.match(notYesNo.body, /请选择“是”或“否”/);
      assert.equal(
        (
          await staffPost(t.app, admin, url, {
            "w.security_checks": "120345",
            "w.security_drills": "1",
            "w.interp_products": "7",
            "w.interp_media": "2",
            "w.interpretations": "999",
          })
        ).statusCode,
        303,
      );
      const edited = await t.deps.disclosure.report(id);
      assert.equal(
        edited.figures["w.interpretations"],
        edited.figures["w.interp_materials"] + 9,
        "the total is the sum of its parts, not a typed figure",
      );
      assert.equal((await staffPost(t.app, admin, `${url}/publish`)).statusCode, 303);
      const published = await t.deps.disclosure.report(id);
      const article = await t.deps.content.get(published.articleId!);
      assert.equal(article.title, "楚云省人力资源和社会保障厅2025年网站工作年度报表");
      assert.match(article.bodyHtml, /120345/);
      assert.match(article.bodyHtml, /是否开展应急演练<\/th><td>是<\/td>/);
      assert.match(article.bodyHtml, /是否有移动新媒体<\/th><td>否<\/td>/);
      assert.match(article.bodyHtml, /4200000011/, "the site identity code");
    });

    it("prepares this year's report as a draft but publishes it only after the year ends", async () => {
      const admin = await staffSession(t.app, t.deps, "rst_admin");
      const year = Number(chinaDate(new Date()).slice(0, 4));
      for (const kind of ["website", "annual"]) {
        const gen = await staffPost(t.app, admin, "/admin/disclosure/reports", {
          siteId: String(rst),
          year: String(year),
          kind,
        });
        assert.equal(gen.statusCode, 303, gen.body);
        const url = gen.headers.location as string;
        const refused = await staffPost(t.app, admin, `${url}/publish`);
        assert.equal(refused.statusCode, 409, kind);
        assert.match(refused.body, new RegExp(`${year}年度尚未结束`));
        const report = await t.deps.disclosure.report(Number(url.split("/").pop()));
        assert.equal(report.status, "draft");
      }
      // A past year's draft generated before that year ended is regenerated before it is published.
      const gen = await staffPost(t.app, admin, "/admin/disclosure/reports", {
        siteId: String(rst),
        year: "2024",
        kind: "website",
      });
      const url = gen.headers.location as string;
      const id = Number(url.split("/").pop());
      await t.deps.store.db
        .updateTable("disclosureReports")
        .set({ generatedAt: "2024-11-30T02:00:00.000Z" })
        .where("id", "=", id)
        .execute();
      const early = await staffPost(t.app, admin, `${url}/publish`);
      assert.equal(early.statusCode, 409);
      assert.match(early.body, /重新生成/);
      await staffPost(t.app, admin, "/admin/disclosure/reports", {
        siteId: String(rst),
        year: "2024",
        kind: "website",
      });
      assert.equal((await staffPost(t.app, admin, `${url}/publish`)).statusCode, 303);
    });

    it("counts the year's visits and letters of the site into the 网站工作年度报表", async () => {
      const year = Number(chinaDate(new Date()).slice(0, 4));
      const before = await t.deps.disclosure.websiteFigures(rst, year);
      const browser = "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
      for (const path of ["/sites/rst/", "/sites/rst/interaction/"]) {
        const page = await t.app.inject({
          url: path,
          headers: { "user-agent": browser },
          remoteAddress: "10.9.8.7",
        });
        assert.equal(page.statusCode, 200);
      }
      await t.deps.analytics.flush();
      const filed = await fileLetter(t.app, t.deps, "rst", { phone: "13900001111" }, "10.9.8.7");
      assert.equal(filed.status, 200);
      const after = await t.deps.disclosure.websiteFigures(rst, year);
      assert.equal(after["w.visits"] - before["w.visits"], 2, "two page views");
      assert.equal(after["w.visitors"] - before["w.visitors"], 1, "by one visitor");
      assert.equal(after["w.letters_received"] - before["w.letters_received"], 1, "one letter written");
      const portal = await t.deps.disclosure.websiteFigures(t.deps.sites.byCodeCached("www")!.id, year);
      const portalViews = await t.deps.analytics.summary("www", `${year}-01-01`, `${year}-12-31`);
      assert.equal(
        portal["w.visits"],
        portalViews.pageviews,
        "the portal's report counts the portal's own views",
      );
    });
  });
}
