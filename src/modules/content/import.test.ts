import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { importJsonl, ImportAbort } from "./import.ts";
import { channelSlug } from "../sites/service.ts";
import { chinaDate } from "../../platform/time/china-time.ts";

const run = promisify(execFile);

interface ApiSearch {
  total: number;
  results: { id: number | string; externalId: string | null; site: string; title: string; url: string }[];
}

const GOOD = [
  {
    id: "imp-001",
    column: "人才招聘",
    type: "notice",
    title: "关于2024年度事业单位公开招聘鹤鸣岗位的公告",
    publishedAt: "2024-03-01",
    body: "第一段：报名时间为三月。\n第二段：考试地点另行通知。",
  },
  {
    id: "imp-002",
    column: "政策文件",
    type: "policy",
    title: "关于调整鹤鸣地区社会保险缴费基数的通知",
    docNumber: "楚人社发[2024]12号",
    issuer: "楚云省人力资源和社会保障厅",
    publishedAt: "2024-03-02 10:30",
    body: '<p>各市人社局：</p><script>alert("x")</script><p onclick="evil()">缴费基数按规定调整。</p>',
  },
  {
    id: "imp-003",
    column: "人才招聘",
    type: "news",
    title: "鹤鸣招聘会圆满举办",
    publishedAt: "2024-04-01T09:00:00+08:00",
    body: "招聘会共吸引企业两百家。",
  },
];

function jsonl(lines: (object | string)[]): string {
  return lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n";
}

describe("channel slugs for imported columns", () => {
  it("are the pinyin initials of the name", () => {
    assert.equal(channelSlug("人才招聘"), "rczp");
    assert.equal(channelSlug("GDP统计"), "gdptj");
    assert.equal(channelSlug("！！"), "lm");
  });
});

for (const engine of ENGINES) {
  describe(`bulk import on ${engine}`, () => {
    let t: TestContext;
    let dir: string;
    const file = (name: string, lines: (object | string)[]) => {
      const path = join(dir, name);
      writeFileSync(path, jsonl(lines));
      return path;
    };
    const search = async (q: string): Promise<ApiSearch> => {
      const res = await t.app.inject({ url: `/api/search?q=${encodeURIComponent(q)}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<ApiSearch>();
    };
    const importedCount = async () =>
      Number(
        (
          await t.deps.store.db
            .selectFrom("articles")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .where("externalId", "like", "imp-%")
            .executeTakeFirstOrThrow()
        ).n,
      );

    before(async () => {
      t = await startPlatform(engine);
      dir = mkdtempSync(join(tmpdir(), "chuyun-import-"));
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await t?.close();
    });

    it("imports a good file: published, searchable with its externalId, new column created", async () => {
      const summary = await importJsonl(t.deps, file("good.jsonl", GOOD), "rst");
      assert.deepEqual(
        { imported: summary.imported, updated: summary.updated, bad: summary.bad },
        { imported: 3, updated: 0, bad: 0 },
      );
      // Matching every word ranks first; documents that match only one word follow.
      const found = await search("鹤鸣 社会保险");
      assert.equal(found.results[0].externalId, "imp-002");
      assert.equal(found.results[0].site, "rst");
      const byDocNumber = await search("楚人社发〔2024〕12号");
      assert.equal(byDocNumber.results[0]?.externalId, "imp-002");
      // The new column is a channel of the site with a readable address, listing its articles.
      const column = await t.app.inject({ url: "/sites/rst/col/rczp/" });
      assert.equal(column.statusCode, 200);
      assert.match(column.body, /人才招聘/);
      assert.match(column.body, /鹤鸣招聘会圆满举办/);
      const channels = await t.deps.sites.repo.channelsOfSite(t.deps.sites.byCodeCached("rst")!.id);
      assert.equal(channels.filter((c) => c.name === "人才招聘").length, 1);
    });

    it("sanitises HTML bodies and turns plain text into paragraphs", async () => {
      const policy = (await search("缴费基数")).results.find((r) => r.externalId === "imp-002")!;
      const page = await t.app.inject({ url: policy.url });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /缴费基数按规定调整/);
      assert.doesNotMatch(page.body, /alert\("x"\)|onclick|evil\(\)/);
      assert.match(page.body, /楚人社发〔2024〕12号/);
      const notice = (await search("事业单位公开招聘")).results.find((r) => r.externalId === "imp-001")!;
      const noticePage = await t.app.inject({ url: notice.url });
      assert.match(noticePage.body, /<p>第一段：报名时间为三月。<\/p>\s*<p>第二段：考试地点另行通知。<\/p>/);
    });

    it("is idempotent on id: the same file changes nothing, an edited line updates the article", async () => {
      const again = await importJsonl(t.deps, file("good.jsonl", GOOD), "rst");
      assert.deepEqual(
        { imported: again.imported, updated: again.updated, unchanged: again.unchanged },
        { imported: 0, updated: 0, unchanged: 3 },
      );
      assert.equal(await importedCount(), 3);
      const article = await t.deps.content.repo.byExternalId("imp-003");
      assert.equal(article!.version, 1, "an unchanged line makes no new version");

      const edited = [...GOOD];
      edited[2] = { ...GOOD[2], title: "鹤鸣招聘会圆满举办（更新）", body: "招聘会共吸引企业三百家。" };
      const third = await importJsonl(t.deps, file("edited.jsonl", edited), "rst");
      assert.deepEqual(
        { imported: third.imported, updated: third.updated, unchanged: third.unchanged },
        { imported: 0, updated: 1, unchanged: 2 },
      );
      assert.equal(await importedCount(), 3);
      const page = await t.app.inject({ url: `/sites/rst/art/${article!.id}.html` });
      assert.match(page.body, /鹤鸣招聘会圆满举办（更新）/);
      assert.match(page.body, /三百家/);
      const found = await search("三百家");
      assert.equal(found.results[0]?.externalId, "imp-003");
      assert.equal((await search("两百家")).results.length, 0);
    });

    it("reports bad lines by number, imports the good ones and leaves stored articles alone", async () => {
      const before = await t.deps.content.repo.byExternalId("imp-001");
      const summary = await importJsonl(
        t.deps,
        file("mixed.jsonl", [
          '{"id": "imp-010", "title": broken',
          { ...GOOD[0], id: "imp-011", title: "鹤鸣岗位补充公告", type: "memo" },
          { ...GOOD[1], id: "imp-012", docNumber: "楚人社发[2024]第012号" },
          { ...GOOD[0], title: "" }, // would overwrite imp-001: missing title
          { ...GOOD[0], id: "imp-013", publishedAt: "2024-02-30" },
          {
            id: "imp-014",
            column: "工作动态",
            type: "news",
            title: "鹤鸣脚本清除测试",
            body: "<p>安全内容</p><script>document.cookie</script><img src=x onerror=alert(1)>",
          },
          "",
          { ...GOOD[0], id: "imp-015", site: "nosuchsite" },
        ]),
        "rst",
      );
      assert.equal(summary.imported, 3);
      assert.equal(summary.bad, 4);
      const byLine = new Map(summary.problems.map((p) => [p.line, p]));
      assert.deepEqual([...byLine.keys()], [1, 4, 5, 8]);
      assert.match(byLine.get(1)!.reason, /JSON/);
      // A type the platform does not have imports as the kind its words name (公告: notice), with a
      // warning; a 发文字号 in a non-standard style is normalised with a warning. Neither is refused.
      assert.deepEqual(
        summary.warnings.map((w) => w.line),
        [2, 3],
      );
      assert.match(summary.warnings[0].reason, /未知的信息类型“memo”.*通知公告/);
      assert.equal((await t.deps.content.repo.byExternalId("imp-011"))?.kind, "notice");
      assert.match(summary.warnings[0].reason, /工作动态（news）/);
      assert.match(summary.warnings[1].reason, /第.*楚人社发〔2024〕12号/);
      assert.equal((await t.deps.content.repo.byExternalId("imp-012"))?.docNumber, "楚人社发〔2024〕12号");
      assert.match(byLine.get(4)!.reason, /缺少标题/);
      assert.match(byLine.get(5)!.reason, /发布日期/);
      assert.match(byLine.get(8)!.reason, /nosuchsite/);
      const after = await t.deps.content.repo.byExternalId("imp-001");
      assert.deepEqual(after, before, "a bad line with an existing id leaves that article untouched");
      for (const id of ["imp-010", "imp-013", "imp-015"])
        assert.equal(await t.deps.content.repo.byExternalId(id), undefined);
      const clean = (await search("鹤鸣脚本清除测试")).results[0];
      assert.equal(clean?.externalId, "imp-014");
      const page = await t.app.inject({ url: clean.url });
      assert.match(page.body, /安全内容/);
      assert.doesNotMatch(page.body, /document\.cookie|onerror/);
    });

    it("takes a policy's 成文日期 and 索引号 year from its China-time date, not the UTC one", async () => {
      // "2025-01-01" alone is 00:00 in Beijing, which is still 31 December 2024 in UTC.
      const summary = await importJsonl(
        t.deps,
        file("new-year.jsonl", [
          {
            ...GOOD[1],
            id: "early-001",
            title: "鹤鸣元旦政策文件",
            docNumber: "楚人社发〔2025〕1号",
            publishedAt: "2025-01-01",
          },
        ]),
        "rst",
      );
      assert.equal(summary.imported, 1);
      const article = (await t.deps.content.repo.byExternalId("early-001"))!;
      assert.equal(article.writtenAt, "2025-01-01");
      assert.match(article.indexNo ?? "", /\/2025-\d{5}$/);
    });

    it("reads the date styles government sites publish, and refuses dates that do not exist", async () => {
      const styles: [string, string][] = [
        ["2024年5月17日", "2024-05-17"],
        ["2024/5/7", "2024-05-07"],
        ["2024.05.17", "2024-05-17"],
        ["20240517", "2024-05-17"],
        ["２０２４年０５月１７日 09:30", "2024-05-17"],
      ];
      const summary = await importJsonl(
        t.deps,
        file("dates.jsonl", [
          ...styles.map(([publishedAt], i) => ({ ...GOOD[0], id: `date-${i}`, publishedAt })),
          { ...GOOD[0], id: "date-bad", publishedAt: "2024年2月30日" },
        ]),
        "rst",
      );
      assert.equal(summary.imported, styles.length);
      assert.match(summary.problems[0]?.reason ?? "", /发布日期“2024年2月30日”无效/);
      for (const [i, [, day]] of styles.entries()) {
        const article = (await t.deps.content.repo.byExternalId(`date-${i}`))!;
        assert.equal(chinaDate(article.publishedAt!), day, `style ${styles[i][0]}`);
      }
    });

    it("stops before reading anything for an unknown site", async () => {
      await assert.rejects(importJsonl(t.deps, file("x.jsonl", GOOD), "nosuch"), ImportAbort);
    });

    it("creates one channel when two imports ask for the same new column at once", async () => {
      const siteId = t.deps.sites.byCodeCached("rst")!.id;
      const [a, b] = await Promise.all([
        t.deps.sites.ensureChannel(siteId, "鹤鸣专栏", "test"),
        t.deps.sites.ensureChannel(siteId, "鹤鸣专栏", "test"),
      ]);
      assert.equal(a.id, b.id);
      assert.equal(a.path, "hmzl");
    });

    it("runs as a CLI against the live database; the running app sees the result", async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: t.config.dataDir };
      if (t.config.databaseUrl) env.DATABASE_URL = t.config.databaseUrl;
      else delete env.DATABASE_URL;
      const path = file("cli.jsonl", [
        {
          id: "imp-cli-1",
          column: "鹤鸣新栏目",
          type: "news",
          title: "鹤鸣命令行导入测试",
          body: "命令行导入。",
        },
        "not json",
      ]);
      const result = await run(
        process.execPath,
        ["--import", "tsx", "src/main.ts", "import", path, "--site", "rst"],
        {
          env,
        },
      ).then(
        () => ({ code: 0, stderr: "" }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
      assert.equal(result.code, 1, "exit code 1 when some line was bad");
      assert.match(result.stderr, /第2行：不是有效的 JSON/);
      assert.match(result.stderr, /新增 1/);
      assert.equal((await search("鹤鸣命令行导入测试")).results[0]?.externalId, "imp-cli-1");
      const channels = await t.deps.sites.repo.channelsOfSite(t.deps.sites.byCodeCached("rst")!.id);
      const created = channels.find((c) => c.name === "鹤鸣新栏目");
      assert.ok(created);
      const list = await t.app.inject({ url: `/sites/rst/col/${created.path}/` });
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /鹤鸣命令行导入测试/);

      const missing = await run(
        process.execPath,
        ["--import", "tsx", "src/main.ts", "import", path, "--site", "nosuch"],
        { env },
      ).then(
        () => ({ code: 0, stderr: "" }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /网站“nosuch”不存在/);
    });
  });
}
