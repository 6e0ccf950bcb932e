import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { minimalPdf } from "../../seed/sample-files.ts";
import { DomainError } from "../../platform/http/errors.ts";
import { docNumberProblem, normaliseDocNumberInput } from "./policy-numbers.ts";
import type { Actor, ArticleInput } from "./service.ts";

const editor: Actor = { id: null, name: "test:editor" };
const reviewer: Actor = { id: null, name: "test:reviewer" };

describe("发文字号 validation", () => {
  it("accepts the standard form", () => {
    assert.equal(docNumberProblem("楚人社发〔2026〕8号"), null);
    assert.equal(docNumberProblem("国办发〔2024〕12号"), null);
  });
  it("accepts the announcement form as standard", () => {
    assert.equal(docNumberProblem("国家税务总局公告2023年第1号"), null);
  });
  it("explains each deviation in Chinese and names the standard form", () => {
    assert.match(docNumberProblem("楚人社发[2026]8号")!, /六角括号〔〕.*楚人社发〔2026〕8号/);
    assert.match(docNumberProblem("楚人社发（2026）8号")!, /六角括号〔〕/);
    assert.match(docNumberProblem("楚人社发〔2026〕第8号")!, /不加“第”/);
    assert.match(docNumberProblem("楚人社发〔2026〕008号")!, /不编虚位/);
    assert.match(docNumberProblem("楚人社发〔2026〕8")!, /以“号”结尾/);
    assert.match(docNumberProblem("楚人社发〔２０２６〕８号")!, /半角/);
    assert.match(docNumberProblem("楚人社发8号")!, /缺少年份/);
  });
  it("normalises every common style to the standard form", () => {
    for (const typed of [
      "楚人社发[2026]8号",
      "楚人社发(2026)8号",
      "楚人社发【2026】8号",
      "楚人社发 2026 8号",
      "楚人社发〔２０２６〕第８号",
      "楚人社发〔2026〕008号",
      "楚人社发2026 8号",
    ])
      assert.equal(normaliseDocNumberInput(typed), "楚人社发〔2026〕8号", typed);
    assert.equal(normaliseDocNumberInput("国家税务总局公告 2023年 第1号"), "国家税务总局公告2023年第1号");
    assert.equal(normaliseDocNumberInput("某某文件一"), "某某文件一");
  });
});

for (const engine of ENGINES) {
  describe(`content library on ${engine}`, () => {
    let t: TestContext;
    const site = (code: string) => t.deps.sites.byCodeCached(code)!;
    const channel = async (code: string, path: string) =>
      (await t.deps.sites.repo.channelByPath(site(code).id, path))!;
    const get = (url: string) => t.app.inject({ url });

    async function published(input: Partial<ArticleInput> & { title: string }, channels: number[]) {
      const { content } = t.deps;
      const a = await content.create(
        {
          kind: "notice",
          bodyText: `${input.title}的正文。`,
          ownerSiteId: site("rst").id,
          channelIds: channels,
          ...input,
        },
        editor,
      );
      await content.submit(a.id, editor);
      await content.publish(a.id, reviewer);
      return a;
    }

    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("publishes one article to channels of several sites, and one edit shows everywhere", async () => {
      const channels = [
        (await channel("rst", "tzgg")).id,
        (await channel("jiangcheng", "tzgg")).id,
        (await channel("yunmeng", "tzgg")).id,
      ];
      const a = await published({ title: "全省统一发布的测试通知甲" }, channels);
      for (const code of ["rst", "jiangcheng", "yunmeng"]) {
        const page = await get(`/sites/${code}/art/${a.id}.html`);
        assert.equal(page.statusCode, 200, code);
        assert.match(page.body, /全省统一发布的测试通知甲/);
        const list = await get(`/sites/${code}/col/tzgg/`);
        assert.match(list.body, new RegExp(`/art/${a.id}\\.html`), `listed on ${code}`);
      }
      // Not on a site it was not published to.
      assert.equal((await get(`/sites/zjt/art/${a.id}.html`)).statusCode, 404);

      await t.deps.content.update(
        a.id,
        {
          kind: "notice",
          title: "全省统一发布的测试通知乙",
          bodyText: "修改后的正文。",
          ownerSiteId: site("rst").id,
        },
        editor,
      );
      for (const code of ["rst", "jiangcheng", "yunmeng"]) {
        const page = await get(`/sites/${code}/art/${a.id}.html`);
        assert.match(page.body, /全省统一发布的测试通知乙/);
        assert.match(page.body, /修改后的正文/);
        assert.doesNotMatch(page.body, /测试通知甲/);
      }
      const found = await t.deps.search.search({ q: "全省统一发布的测试通知乙" });
      assert.equal(found.hits[0].key, `article:${a.id}`);
      assert.equal(found.hits[0].title, "全省统一发布的测试通知乙");
      const old = await t.deps.search.search({ q: "全省统一发布的测试通知甲" });
      assert.ok(
        old.hits.every((h) => !h.title.includes("通知甲")),
        "the old title is gone from search",
      );
    });

    it("refuses a body that shows nothing (an editor's empty paragraph), and takes an image alone", async () => {
      const { content } = t.deps;
      const input = {
        kind: "news" as const,
        title: "空正文测试",
        ownerSiteId: site("rst").id,
        channelIds: [(await channel("rst", "gzdt")).id],
      };
      for (const bodyHtml of ["<p></p>", "<p>&nbsp; </p><br>", "   "])
        await assert.rejects(
          content.create({ ...input, bodyHtml }, editor),
          (e: DomainError & { fields?: Record<string, string> }) => e.fields?.body === "请填写正文",
          bodyHtml,
        );
      const picture = await content.create(
        { ...input, bodyHtml: '<p><img src="https://www.example.gov.cn/a.png" alt="现场照片"></p>' },
        editor,
      );
      assert.ok(picture.id > 0);
    });

    it("moves through draft → submitted → published → withdrawn, refusing skipped steps", async () => {
      const { content } = t.deps;
      const a = await content.create(
        {
          kind: "news",
          title: "流程测试信息",
          bodyText: "正文",
          ownerSiteId: site("rst").id,
          channelIds: [(await channel("rst", "gzdt")).id],
        },
        editor,
      );
      assert.equal((await content.get(a.id)).status, "draft");
      assert.equal((await get(`/sites/rst/art/${a.id}.html`)).statusCode, 404, "drafts are not public");
      await assert.rejects(content.publish(a.id, reviewer), DomainError);
      await content.submit(a.id, editor);
      assert.equal((await content.get(a.id)).status, "submitted");
      await content.publish(a.id, reviewer);
      assert.equal((await content.get(a.id)).status, "published");
      await assert.rejects(content.unpublish(a.id, "withdrawn", "", null, reviewer), (e: DomainError) => {
        assert.ok(e.fields.note);
        return true;
      });
      await content.unpublish(a.id, "withdrawn", "内容已过时，以新通知为准", null, reviewer);
      assert.equal((await content.get(a.id)).status, "withdrawn");
      const page = await get(`/sites/rst/art/${a.id}.html`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /本信息已撤回/);
      assert.match(page.body, /内容已过时，以新通知为准/);
      const search = await t.deps.search.search({ q: "流程测试信息" });
      assert.ok(!search.hits.some((h) => h.key === `article:${a.id}`), "withdrawn articles leave search");
    });

    it("answers 410 for an article published in error and 301 for a consolidated one", async () => {
      const { content } = t.deps;
      const gzdt = (await channel("rst", "gzdt")).id;
      const wrong = await published({ title: "误发的信息" }, [gzdt]);
      await content.unpublish(wrong.id, "error", "误发", null, reviewer);
      const gone = await get(`/sites/rst/art/${wrong.id}.html`);
      assert.equal(gone.statusCode, 410);
      assert.match(gone.body, /已撤下/);
      assert.match(
        gone.body,
        /<meta name="SiteName" content="楚云省人力资源和社会保障厅"/,
        "in the site's look",
      );

      const target = await published({ title: "整合后的新信息" }, [gzdt]);
      const old = await published({ title: "被整合的旧信息" }, [gzdt]);
      await assert.rejects(content.unpublish(old.id, "consolidated", "已整合", null, reviewer), DomainError);
      await assert.rejects(
        content.unpublish(old.id, "consolidated", "已整合", "https://evil.example/", reviewer),
        DomainError,
      );
      await content.unpublish(old.id, "consolidated", "已整合", `/sites/rst/art/${target.id}.html`, reviewer);
      const moved = await get(`/sites/rst/art/${old.id}.html`);
      assert.equal(moved.statusCode, 301);
      assert.equal(moved.headers.location, `/sites/rst/art/${target.id}.html`);
    });

    it("publishes a scheduled article exactly once, even when two schedulers run together", async () => {
      const { content } = t.deps;
      const a = await content.create(
        {
          kind: "notice",
          title: "定时发布测试",
          bodyText: "正文",
          ownerSiteId: site("rst").id,
          channelIds: [(await channel("rst", "tzgg")).id],
        },
        editor,
      );
      await content.submit(a.id, editor);
      const at = new Date(Date.now() + 3600_000).toISOString();
      await content.publish(a.id, reviewer, at);
      assert.equal((await content.get(a.id)).status, "scheduled");
      assert.equal((await get(`/sites/rst/art/${a.id}.html`)).statusCode, 404);
      assert.equal(await content.publishDue(new Date()), 0, "not due yet");
      const later = new Date(Date.now() + 2 * 3600_000);
      const counts = await Promise.all([content.publishDue(later), content.publishDue(later)]);
      assert.equal(counts[0] + counts[1], 1);
      assert.equal((await content.get(a.id)).status, "published");
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("targetType", "=", "article")
        .where("targetId", "=", String(a.id))
        .execute();
      assert.equal(audit.filter((r) => r.action === "article.publish.scheduled").length, 1);
      assert.equal(await content.publishDue(later), 0);
    });

    it("keeps every version and shows what changed", async () => {
      const { content } = t.deps;
      const a = await content.create(
        { kind: "news", title: "版本测试", bodyText: "第一版的内容。", ownerSiteId: site("rst").id },
        editor,
      );
      await content.update(
        a.id,
        { kind: "news", title: "版本测试", bodyText: "第二版的内容。", ownerSiteId: site("rst").id },
        editor,
      );
      const versions = await content.repo.versions(a.id);
      assert.deepEqual(versions.map((v) => v.version).sort(), [1, 2]);
      const diff = await content.versionDiff(a.id, 1, 2);
      const removed = diff
        .filter((p) => p.removed)
        .map((p) => p.value)
        .join("");
      const added = diff
        .filter((p) => p.added)
        .map((p) => p.value)
        .join("");
      assert.match(removed, /一/);
      assert.match(added, /二/);
      assert.doesNotMatch(removed + added, /版本测试/, "unchanged title is not marked");
    });

    it("gives policy documents a unique 索引号 in the issuer's format and validates 发文字号", async () => {
      const { content, store } = t.deps;
      await store.db
        .insertInto("issuers")
        .values({
          name: "楚云省测试厅",
          code: "TEST",
          docPrefix: "楚测发",
          indexFormat: "{code}-{year}-{seq:3}",
          siteId: site("rst").id,
        })
        .execute();
      const zcwj = (await channel("rst", "zwgk/zcwj")).id;
      const base = {
        kind: "policy",
        issuer: "楚云省测试厅",
        writtenAt: "2026-03-01",
        ownerSiteId: site("rst").id,
      };
      const p1 = await published({ ...base, title: "测试厅文件一", docNumber: "楚测发〔2026〕1号" }, [zcwj]);
      const p2 = await published({ ...base, title: "测试厅文件二", docNumber: "楚测发〔2026〕2号" }, [zcwj]);
      const n1 = (await content.get(p1.id)).indexNo;
      const n2 = (await content.get(p2.id)).indexNo;
      assert.equal(n1, "TEST-2026-001");
      assert.equal(n2, "TEST-2026-002");
      // The default format for a demo issuer: {code}/{year}-{seq:5}.
      const p3 = await published(
        {
          ...base,
          issuer: "楚云省人力资源和社会保障厅",
          title: "人社厅测试文件",
          docNumber: "楚人社发〔2026〕99号",
        },
        [zcwj],
      );
      assert.match((await content.get(p3.id)).indexNo ?? "", /^[0-9A-Z]{18}\/2026-\d{5}$/);
      const all = await store.db
        .selectFrom("articles")
        .select("indexNo")
        .where("indexNo", "is not", null)
        .execute();
      assert.equal(new Set(all.map((r) => r.indexNo)).size, all.length, "索引号 unique across the library");
      assert.match((await get(`/sites/rst/art/${p1.id}.html`)).body, /TEST-2026-001/);

      // Without a 成文日期 the year is that of publication in China time: 07:30 on 1 January 2025
      // in Beijing is still 2024 in UTC.
      const newYear = await published(
        {
          kind: "policy",
          issuer: "楚云省人力资源和社会保障厅",
          title: "人社厅元旦测试文件",
          publishedAt: "2025-01-01T07:30:00+08:00",
        },
        [zcwj],
      );
      assert.match((await content.get(newYear.id)).indexNo ?? "", /^[0-9A-Z]{18}\/2025-\d{5}$/);
      // The policy library files it under 2025 too.
      const titlesOf = async (year: number) =>
        (await content.repo.policies({ siteId: null, year }, 1, 100)).rows.map((r) => r.title);
      assert.ok((await titlesOf(2025)).includes("人社厅元旦测试文件"));
      assert.ok(!(await titlesOf(2024)).includes("人社厅元旦测试文件"));
      assert.ok((await content.repo.policyFacets(null)).years.includes(2025));

      // Any style of 发文字号 is accepted and stored in the standard form.
      for (const [i, docNumber] of [
        "楚测发[2026]3号",
        "楚测发〔2026〕第4号",
        "楚测发（２０２６）05号",
      ].entries()) {
        const a = await content.create(
          { ...base, title: `格式各异的文件${i}`, bodyText: "正文", docNumber },
          editor,
        );
        assert.equal((await content.get(a.id)).docNumber, `楚测发〔2026〕${i + 3}号`);
      }
    });

    it("shows 废止 on the policy and links a policy and its interpretation both ways", async () => {
      const { content } = t.deps;
      const policy = await published(
        {
          kind: "policy",
          title: "被废止的测试政策",
          docNumber: "楚人社发〔2026〕77号",
          issuer: "楚云省人力资源和社会保障厅",
        },
        [(await channel("rst", "zwgk/zcwj")).id],
      );
      const interp = await published(
        { kind: "interpretation", title: "测试政策的解读", policyId: policy.id },
        [(await channel("rst", "zwgk/zcjd")).id],
      );
      const policyPage = await get(`/sites/rst/art/${policy.id}.html`);
      assert.match(
        policyPage.body,
        new RegExp(`href="/sites/rst/art/${interp.id}\\.html"[^>]*>测试政策的解读`),
      );
      const interpPage = await get(`/sites/rst/art/${interp.id}.html`);
      assert.match(
        interpPage.body,
        new RegExp(`href="/sites/rst/art/${policy.id}\\.html"[^>]*>被废止的测试政策`),
      );

      await assert.rejects(content.setValidity(policy.id, "废止", "", reviewer), DomainError);
      await content.setValidity(policy.id, "废止", "已被楚人社发〔2026〕78号废止", reviewer);
      const after = await get(`/sites/rst/art/${policy.id}.html`);
      assert.match(after.body, /本文件已废止/);
      assert.match(after.body, /已被楚人社发〔2026〕78号废止/);
      const list = await get(`/sites/rst/policies?validity=废止`);
      assert.match(list.body, /被废止的测试政策/);
    });

    it("links a shared policy's interpretation, and an interpretation's policy, where each can be read", async () => {
      const policy = await published(
        { kind: "policy", title: "两站共用的测试政策", docNumber: "楚人社发〔2026〕81号" },
        [(await channel("rst", "zwgk/zcwj")).id, (await channel("jiangcheng", "zwgk/zcwj")).id],
      );
      const interp = await published(
        { kind: "interpretation", title: "两站共用政策的解读", policyId: policy.id },
        [(await channel("rst", "zwgk/zcjd")).id],
      );
      const rstOnly = await published(
        { kind: "policy", title: "只在人社厅的测试政策", docNumber: "楚人社发〔2026〕82号" },
        [(await channel("rst", "zwgk/zcwj")).id],
      );
      const cityInterp = await published(
        { kind: "interpretation", title: "江城市转载的解读", policyId: rstOnly.id },
        [(await channel("jiangcheng", "zwgk/zcjd")).id],
      );
      const link = async (page: string, title: string) => {
        const res = await get(page);
        assert.equal(res.statusCode, 200, page);
        const href = new RegExp(`href="([^"]+)"[^>]*>${title}<`).exec(res.body)?.[1];
        assert.ok(href, `${page} links ${title}`);
        assert.equal((await get(href)).statusCode, 200, `${page} links ${title} at ${href}`);
        return href;
      };
      // Read under 江城市, the policy links its interpretation where it is published (人社厅).
      assert.equal(
        await link(`/sites/jiangcheng/art/${policy.id}.html`, "两站共用政策的解读"),
        `/sites/rst/art/${interp.id}.html`,
      );
      assert.equal(
        await link(`/sites/jiangcheng/art/${cityInterp.id}.html`, "只在人社厅的测试政策"),
        `/sites/rst/art/${rstOnly.id}.html`,
      );
      // A site that serves the article keeps the visitor on it.
      assert.equal(
        await link(`/sites/rst/art/${policy.id}.html`, "两站共用政策的解读"),
        `/sites/rst/art/${interp.id}.html`,
      );
      // Each copy names the owner's address as canonical (search engines index one), the owner's its own.
      const canonicalOf = async (page: string) =>
        /<link rel="canonical" href="([^"]+)"/.exec((await get(page)).body)?.[1] ?? "";
      const own = await canonicalOf(`/sites/rst/art/${policy.id}.html`);
      assert.match(own, new RegExp(`/art/${policy.id}\\.html$`));
      assert.equal(await canonicalOf(`/sites/jiangcheng/art/${policy.id}.html`), own);
      assert.notEqual(await canonicalOf(`/sites/jiangcheng/art/${cityInterp.id}.html`), own);
    });

    it("the portal's policy library links every site's documents where they can be read", async () => {
      const onPortal = await published(
        { kind: "policy", title: "门户也发布的测试政策", docNumber: "楚人社发〔2026〕83号" },
        [(await channel("rst", "zwgk/zcwj")).id, (await channel("www", "zwgk/zcwj")).id],
      );
      const first = await get("/sites/www/policies");
      const pages = Math.ceil(Number(/共找到 (\d+) 件政策文件/.exec(first.body)?.[1]) / 20);
      assert.ok(pages >= 2, "the library lists the province's documents over several pages");
      const broken: string[] = [];
      const links: string[] = [];
      for (let page = 1; page <= pages; page++) {
        const body = (await get(`/sites/www/policies?page=${page}`)).body;
        for (const [, href] of body.matchAll(/href="(\/sites\/[^/"]+\/art\/\d+\.html)"/g)) {
          links.push(href);
          const status = (await get(href)).statusCode;
          if (status !== 200) broken.push(`${href} answers ${status}`);
        }
      }
      assert.deepEqual(broken, []);
      assert.ok(links.includes(`/sites/www/art/${onPortal.id}.html`), "the portal's own stay on the portal");
      assert.ok(
        links.some((href) => !href.startsWith("/sites/www/")),
        "documents only another site publishes are linked there",
      );
    });

    it("stores attachments checked by their bytes and serves them with the right name and type", async () => {
      const { content } = t.deps;
      const a = await published({ title: "附件测试通知" }, [(await channel("rst", "tzgg")).id]);
      const pdf = minimalPdf("附件");
      const att = await content.addAttachment(a.id, "C:\\temp\\办事指南（2026年版）.pdf", pdf, editor);
      assert.equal(att.fileName, "办事指南（2026年版）.pdf");
      const res = await get(`/sites/rst/attachments/${att.id}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers["content-type"], "application/pdf");
      assert.equal(res.headers["x-content-type-options"], "nosniff");
      const disposition = String(res.headers["content-disposition"]);
      assert.match(disposition, /filename\*=UTF-8''/);
      assert.ok(disposition.includes(encodeURIComponent("办事指南（2026年版）.pdf")));
      assert.ok(res.rawPayload.equals(pdf));
      assert.match((await get(`/sites/rst/art/${a.id}.html`)).body, /办事指南（2026年版）\.pdf/);

      const exe = Buffer.concat([
        Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00", "latin1"),
        Buffer.alloc(200),
      ]);
      await assert.rejects(content.addAttachment(a.id, "通知.pdf", exe, editor), (e: DomainError) => {
        assert.ok(e instanceof DomainError);
        assert.match(e.message, /不是 PDF 文件/);
        return true;
      });
      await assert.rejects(content.addAttachment(a.id, "setup.exe", exe, editor), DomainError);
      await assert.rejects(content.addAttachment(a.id, "空.pdf", Buffer.alloc(0), editor), DomainError);
      assert.equal((await content.repo.attachmentsOf(a.id)).length, 1, "nothing else stored");
      assert.equal((await get(`/sites/rst/attachments/999999`)).statusCode, 404);
      assert.equal((await get(`/sites/rst/attachments/abc`)).statusCode, 404);
    });

    it("records each step in a verifiable audit log that detects tampering", async () => {
      const { audit, store } = t.deps;
      const actions = await store.db.selectFrom("auditLog").select("action").execute();
      for (const action of [
        "article.create",
        "article.submit",
        "article.publish",
        "article.update",
        "article.unpublish",
        "article.validity",
        "article.schedule",
        "attachment.add",
      ]) {
        assert.ok(
          actions.some((r) => r.action === action),
          `audit has ${action}`,
        );
      }
      const before = await audit.verify();
      assert.equal(before.ok, true);
      assert.equal(before.checked, actions.length);

      const victim = await store.db
        .selectFrom("auditLog")
        .selectAll()
        .where("action", "=", "article.unpublish")
        .orderBy("id")
        .executeTakeFirstOrThrow();
      await store.db
        .updateTable("auditLog")
        .set({ actor: "someone-else" })
        .where("id", "=", victim.id)
        .execute();
      const tampered = await audit.verify();
      assert.equal(tampered.ok, false);
      assert.equal(tampered.brokenAt, victim.id);
      await store.db
        .updateTable("auditLog")
        .set({ actor: victim.actor })
        .where("id", "=", victim.id)
        .execute();
      assert.equal((await audit.verify()).ok, true);
    });
  });
}
