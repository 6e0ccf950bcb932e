import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "./engines.ts";
import { StaffSession } from "./staff-session.ts";
import { STAFF_ROLES } from "../src/modules/staff/index.ts";

/**
 * Each demo role of 人社厅 (rst) is shown only what it may use: every console link on its 工作台 and on
 * the pages of its menu opens for it (no 403, 404 or 500), and a console 403 page states a requirement
 * the viewer does not meet, or, when one object is refused, says why instead of listing roles.
 */
const ROLES = ["rst_admin", "rst_editor", "rst_reviewer", "rst_handler", "rst_leader"];

const DESK = "/admin/analytics/demand";
const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36";

/** The console links (`<a href="/admin…">`) of a page, decoded, without the fragment. */
function consoleLinks(html: string): string[] {
  const links: string[] = [];
  for (const [, href] of html.matchAll(/<a\b[^>]*\shref="(\/admin(?:[/?#][^"]*)?)"/g))
    links.push(href.replaceAll("&amp;", "&").split("#")[0]);
  return links;
}

function menuLinks(html: string): string[] {
  return consoleLinks(/<nav class="admin-nav"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? "");
}

/** One link stands for the others of its shape: the same path with other numeric ids or queries. */
function shapeOf(link: string): string {
  return link.split("?")[0].replace(/\/\d+(?=\/|$)/g, "/:id");
}

const textOf = (html: string) => html.replace(/<!-- -->/g, "").replace(/<[^>]+>/g, "");

/** The "所需权限" a console 403 page states, as text (null when it states none). */
function statedRequirement(html: string): string | null {
  const dd = /<dt>所需权限<\/dt>\s*<dd>([\s\S]*?)<\/dd>/.exec(html)?.[1];
  return dd === undefined ? null : textOf(dd);
}

for (const engine of ENGINES) {
  describe(`console links per role on ${engine}`, () => {
    let t: TestContext;
    /** A service item of 人社厅 and one of 住建厅, both with guides read on rst's site. */
    const itemCodes = { own: "", other: "" };

    before(async () => {
      t = await startPlatform(engine);
      // What the 需求台 shows fixes for: guides read (of the department's item and another's), a search
      // refined within a minute, a question the assistant could not answer.
      const rst = t.deps.sites.byCodeCached("rst")!;
      const zjt = t.deps.sites.byCodeCached("zjt")!;
      [itemCodes.own, itemCodes.other] = await Promise.all(
        [rst, zjt].map(async (site) => {
          const item = (await t.deps.oneStop.catalogue.list({ siteId: site.id, pageSize: 1 })).rows[0];
          assert.ok(item, `the demo has a service item of ${site.code}`);
          return item.code;
        }),
      );
      const view = (path: string, ip: string, extra: { term?: string; at?: Date } = {}) =>
        t.deps.analytics.record({ siteCode: "rst", path, ip, userAgent: UA, elder: false, ...extra });
      for (const [i, code] of [itemCodes.own, itemCodes.own, itemCodes.other].entries())
        view(`/sites/rst/services/item/${code}`, `192.0.2.${i + 1}`);
      const now = Date.now();
      view("/sites/rst/search", "192.0.2.9", { term: "社保卡补办", at: new Date(now - 40_000) });
      view("/sites/rst/search", "192.0.2.9", { term: "社会保障卡补领", at: new Date(now - 20_000) });
      await t.deps.analytics.flush();
      await t.deps.assistant.ask("火星移民签证在哪里办理", null, null);
    });
    after(async () => t?.close());

    for (const [n, username] of ROLES.entries()) {
      it(`offers ${username} only console links that open for them`, async () => {
        const s = await StaffSession.login(t.app, username, { remoteAddress: `10.9.0.${n + 1}` });
        const dashboard = await s.get("/admin");
        assert.equal(dashboard.statusCode, 200);
        const pages = ["/admin", ...new Set(menuLinks(dashboard.body))];
        const links = new Map<string, { link: string; on: string }>();
        const broken: string[] = [];
        for (const page of pages) {
          const res = page === "/admin" ? dashboard : await s.get(page);
          if (res.statusCode !== 200) {
            broken.push(`${page} (menu) → ${res.statusCode}`);
            continue;
          }
          for (const link of consoleLinks(res.body))
            if (!pages.includes(link) && !links.has(shapeOf(link)))
              links.set(shapeOf(link), { link, on: page });
        }
        for (const { link, on } of links.values()) {
          const res = await s.get(link);
          if (res.statusCode !== 200 && res.statusCode !== 303)
            broken.push(`${link} (on ${on}) → ${res.statusCode}`);
        }
        assert.deepEqual(broken, [], `${username} is offered links that do not open`);
      });
    }

    it("shows the 需求台's fixes to those who may make them, a guide only to its department's admin", async () => {
      const desk = async (username: string, ip: string) =>
        consoleLinks(
          (await (await StaffSession.login(t.app, username, { remoteAddress: ip })).get(DESK)).body,
        );
      const admin = await desk("rst_admin", "10.9.2.1");
      assert.ok(admin.includes(`/admin/service-items/${itemCodes.own}`), "the admin improves rst's guide");
      assert.ok(!admin.includes(`/admin/service-items/${itemCodes.other}`), "not 住建厅's");
      const editor = await desk("rst_editor", "10.9.2.2");
      assert.ok(
        editor.some((l) => l.startsWith("/admin/search/synonyms?word=")),
        "editors add synonyms",
      );
      assert.ok(
        editor.some((l) => l.startsWith("/admin/assistant/faqs/new?")),
        "and write answers",
      );
      assert.ok(!editor.some((l) => l.startsWith("/admin/service-items")), "but edit no guide");
      const reviewer = await desk("rst_reviewer", "10.9.2.3");
      for (const fix of ["/admin/search/synonyms", "/admin/assistant/", "/admin/service-items"])
        assert.ok(!reviewer.some((l) => l.startsWith(fix)), `a reviewer is offered no ${fix}`);
    });

    it("states on a 403 page the right that refused, never one the viewer holds", async () => {
      const zjt = t.deps.sites.byCodeCached("zjt")!;
      const letter = await t.deps.store.db
        .selectFrom("letters")
        .select("id")
        .where("ownerSiteId", "=", zjt.id)
        .where("transferToSiteId", "is", null)
        .orderBy("id")
        .executeTakeFirst();
      assert.ok(letter, "the demo has a letter of 住建厅");
      const cases: { username: string; url: string; right: RegExp | null }[] = [
        { username: "rst_editor", url: "/admin/users", right: /「用户」需要站点管理员/ },
        {
          username: "rst_reviewer",
          url: "/admin/search/synonyms",
          right: /「搜索同义词」需要编辑或站点管理员/,
        },
        { username: "rst_reviewer", url: "/admin/assistant/faqs/new", right: /「编写智能客服问答」/ },
        { username: "rst_handler", url: "/admin/services/groups", right: /「办理组」需要站点管理员/ },
        { username: "rst_handler", url: "/admin/service-items", right: /「服务事项」需要站点管理员/ },
        { username: "rst_editor", url: "/admin/review", right: /「审核」需要审核员/ },
        // Another department's letter: the area is the handler's, the letter is not.
        { username: "rst_handler", url: `/admin/interaction/letters/${letter.id}`, right: null },
      ];
      for (const [i, c] of cases.entries()) {
        const s = await StaffSession.login(t.app, c.username, { remoteAddress: `10.9.1.${i + 1}` });
        const res = await s.get(c.url);
        const what = `${c.username} ${c.url}`;
        assert.equal(res.statusCode, 403, what);
        assert.match(res.body, /<h1>无权访问<\/h1>/, what);
        const required = statedRequirement(res.body);
        if (c.right === null) {
          assert.equal(required, null, `${what} lists no roles for a refused object`);
          assert.match(textOf(res.body), /该信件不属于您所在的单位/, what);
          continue;
        }
        assert.match(required ?? "", c.right, what);
        const user = await t.deps.store.db
          .selectFrom("staffUsers")
          .select("id")
          .where("username", "=", c.username)
          .executeTakeFirstOrThrow();
        for (const r of (await t.deps.staff.principal(user.id))!.roles)
          assert.ok(
            !required!.includes(STAFF_ROLES[r.role]),
            `${what}: 「${required}」names ${r.role}, held`,
          );
      }
    });
  });
}
