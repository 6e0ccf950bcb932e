import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";

for (const engine of ENGINES) {
  describe(`console sites, users, error reports and audit on ${engine}`, () => {
    let t: TestContext;
    let operator: StaffSession;
    let siteAdmin: StaffSession;
    before(async () => {
      t = await startPlatform(engine);
      operator = await StaffSession.login(t.app, "admin", { remoteAddress: "10.2.0.1" });
      siteAdmin = await StaffSession.login(t.app, "rst_admin", { remoteAddress: "10.2.0.2" });
    });
    after(async () => t?.close());

    it("lets an operator create a site that is served at once by path and by host", async () => {
      const started = Date.now();
      const res = await operator.post("/admin/sites/new", {
        kind: "department",
        name: "楚云省体育局",
        code: "tyj",
        siteCode: "4200000099",
        host: "tyj.example.gov.cn",
        themeColor: "#0b4ea2",
      });
      assert.equal(res.statusCode, 303, res.body.slice(0, 400));
      assert.ok(Date.now() - started < 60_000);
      const byPath = await t.app.inject({ url: "/sites/tyj/" });
      assert.equal(byPath.statusCode, 200);
      assert.match(byPath.body, /<meta name="SiteName" content="楚云省体育局"/);
      const byHost = await t.app.inject({ url: "/col/zwgk/zcwj/", headers: { host: "tyj.example.gov.cn" } });
      assert.equal(byHost.statusCode, 200);
      assert.match(byHost.body, /政策文件/);
      const clash = await operator.post("/admin/sites/new", {
        kind: "department",
        name: "重复",
        code: "tyj",
        siteCode: "4200000098",
        host: "dup.example.gov.cn",
      });
      assert.equal(clash.statusCode, 400);
      assert.match(clash.body, /该站点代码已被使用/);
      assert.match(clash.body, /value="重复"/);
    });

    it("keeps site creation to operators and site editing to that site's admin", async () => {
      assert.equal((await siteAdmin.get("/admin/sites/new")).statusCode, 403);
      const created = await siteAdmin.post("/admin/sites/new", {
        kind: "department",
        name: "越权",
        code: "yq",
        siteCode: "4200000097",
        host: "yq.example.gov.cn",
      });
      assert.equal(created.statusCode, 403);
      const www = t.deps.sites.byCodeCached("www")!;
      assert.equal((await siteAdmin.get(`/admin/sites/${www.id}`)).statusCode, 403);
      const rst = t.deps.sites.byCodeCached("rst")!;
      const ok = await siteAdmin.post(`/admin/sites/${rst.id}`, {
        name: "楚云省人力资源和社会保障厅",
        contact: "027-12345678",
        code: "hijack",
        host: "www.example.gov.cn",
        themeColor: "#b3261e",
      });
      assert.equal(ok.statusCode, 303, ok.body.slice(0, 400));
      const after = (await t.deps.sites.repo.siteById(rst.id))!;
      assert.equal(after.contact, "027-12345678");
      assert.equal(after.code, "rst", "a site admin cannot change the code or host");
    });

    it("redirects old addresses after a site rename and after channel rename and merge", async () => {
      const jyt = t.deps.sites.byCodeCached("tyj")!;
      const renamed = await operator.post(`/admin/sites/${jyt.id}`, {
        name: "楚云省体育局",
        code: "sport",
        host: "tyj.example.gov.cn",
        themeColor: "#0b4ea2",
      });
      assert.equal(renamed.statusCode, 303);
      const old = await t.app.inject({ url: "/sites/tyj/col/tzgg/" });
      assert.equal(old.statusCode, 301);
      assert.equal(old.headers.location, "/sites/sport/col/tzgg/");

      const rst = t.deps.sites.byCodeCached("rst")!;
      const gzdt = (await t.deps.sites.repo.channelByPath(rst.id, "gzdt"))!;
      const rename = await siteAdmin.post(`/admin/channels/${gzdt.id}/rename`, {
        name: "人社动态",
        slug: "rsdt",
      });
      assert.equal(rename.statusCode, 303);
      const moved = await t.app.inject({ url: "/sites/rst/col/gzdt/" });
      assert.equal(moved.statusCode, 301);
      assert.equal(moved.headers.location, "/sites/rst/col/rsdt/");
      assert.match((await t.app.inject({ url: "/sites/rst/col/rsdt/" })).body, /人社动态/);

      const create = await siteAdmin.post(`/admin/sites/${rst.id}/channels`, {
        name: "人才工作",
        slug: "rcgz",
        kind: "list",
      });
      assert.equal(create.statusCode, 303);
      const rcgz = (await t.deps.sites.repo.channelByPath(rst.id, "rcgz"))!;
      const tzgg = (await t.deps.sites.repo.channelByPath(rst.id, "tzgg"))!;
      const merge = await siteAdmin.post(`/admin/sites/${rst.id}/channels/merge`, {
        sourceId: rcgz.id,
        targetId: tzgg.id,
      });
      assert.equal(merge.statusCode, 303);
      const merged = await t.app.inject({ url: "/sites/rst/col/rcgz/" });
      assert.equal(merged.statusCode, 301);
      assert.equal(merged.headers.location, "/sites/rst/col/tzgg/");

      const www = t.deps.sites.byCodeCached("www")!;
      const wwwChannel = (await t.deps.sites.repo.channelByPath(www.id, "tzgg"))!;
      const foreign = await siteAdmin.post(`/admin/channels/${wwwChannel.id}/rename`, {
        name: "x",
        slug: "x",
      });
      assert.equal(foreign.statusCode, 403);
    });

    it("lets a site admin create staff for their own site only, with strong passwords", async () => {
      const rst = t.deps.sites.byCodeCached("rst")!;
      const www = t.deps.sites.byCodeCached("www")!;
      const weak = await siteAdmin.post("/admin/users/new", {
        username: "rst_new",
        displayName: "新编辑",
        password: "12345678",
        siteId: rst.id,
        role: "editor",
      });
      assert.equal(weak.statusCode, 400);
      assert.match(weak.body, /密码至少10位/);
      assert.match(weak.body, /value="rst_new"/);
      const foreignSite = await siteAdmin.post("/admin/users/new", {
        username: "rst_new",
        displayName: "新编辑",
        password: "Strong#Pass2026",
        siteId: www.id,
        role: "editor",
      });
      assert.equal(foreignSite.statusCode, 400);
      const ok = await siteAdmin.post("/admin/users/new", {
        username: "rst_new",
        displayName: "新编辑",
        password: "Strong#Pass2026",
        siteId: rst.id,
        role: "editor",
      });
      assert.equal(ok.statusCode, 303, ok.body.slice(0, 300));
      const id = Number(/(\d+)/.exec(ok.headers.location as string)![1]);
      const dup = await siteAdmin.post("/admin/users/new", {
        username: "rst_new",
        displayName: "重复",
        password: "Strong#Pass2026",
        siteId: rst.id,
        role: "editor",
      });
      assert.match(dup.body, /该用户名已被使用/);
      const grantWww = await siteAdmin.post(`/admin/users/${id}/roles`, { siteId: www.id, role: "editor" });
      assert.equal(grantWww.statusCode, 403);
      const grant = await siteAdmin.post(`/admin/users/${id}/roles`, { siteId: rst.id, role: "reviewer" });
      assert.equal(grant.statusCode, 303);
      const roles = await t.deps.store.db
        .selectFrom("staffRoles")
        .selectAll()
        .where("userId", "=", id)
        .execute();
      assert.deepEqual(roles.map((r) => r.role).sort(), ["editor", "reviewer"]);
      await StaffSession.login(t.app, "rst_new", { password: "Strong#Pass2026", remoteAddress: "10.2.0.3" });

      const wwwEditor = (await t.deps.store.db
        .selectFrom("staffUsers")
        .select("id")
        .where("username", "=", "www_editor")
        .executeTakeFirstOrThrow())!;
      assert.equal((await siteAdmin.get(`/admin/users/${wwwEditor.id}`)).statusCode, 403);
      assert.equal((await siteAdmin.post(`/admin/users/${id}/disable`)).statusCode, 403);
      const disable = await operator.post(`/admin/users/${id}/disable`);
      assert.equal(disable.statusCode, 303);
      const s = new StaffSession(t.app, "10.2.0.4");
      assert.equal((await s.submitLogin("rst_new", "Strong#Pass2026")).statusCode, 401);
    });

    it("lets the site's staff answer error reports; other sites' staff do not see them", async () => {
      const report = await t.app.inject({
        method: "POST",
        url: "/sites/rst/report-error",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          url: "/sites/rst/col/tzgg/",
          category: "错别字",
          description: "通知公告第二条标题有错别字",
          contact: "13812345678",
        }).toString(),
      });
      assert.equal(report.statusCode, 200);
      const rstEditor = await StaffSession.login(t.app, "rst_editor", { remoteAddress: "10.2.0.5" });
      const list = await rstEditor.get("/admin/error-reports");
      assert.match(list.body, /通知公告第二条标题有错别字/);
      assert.match(list.body, /138\*\*\*\*5678/);
      assert.doesNotMatch(list.body, /13812345678/);
      const wwwEditor = await StaffSession.login(t.app, "www_editor", { remoteAddress: "10.2.0.6" });
      assert.doesNotMatch((await wwwEditor.get("/admin/error-reports")).body, /通知公告第二条标题有错别字/);
      const row = await t.deps.store.db.selectFrom("errorReports").select("id").executeTakeFirstOrThrow();
      assert.equal(
        (await wwwEditor.post(`/admin/error-reports/${row.id}/answer`, { reply: "x" })).statusCode,
        403,
      );
      const empty = await rstEditor.post(`/admin/error-reports/${row.id}/answer`, { reply: "  " });
      assert.equal(empty.statusCode, 400);
      const answer = await rstEditor.post(`/admin/error-reports/${row.id}/answer`, {
        reply: "已更正，感谢指出",
      });
      assert.equal(answer.statusCode, 303);
      const stored = await t.deps.store.db
        .selectFrom("errorReports")
        .selectAll()
        .where("id", "=", row.id)
        .executeTakeFirstOrThrow();
      assert.equal(stored.status, "answered");
      assert.equal(stored.reply, "已更正，感谢指出");
    });

    it("renders every console page for an operator, with a CSRF token in every form", async () => {
      const rst = t.deps.sites.byCodeCached("rst")!;
      const pages = [
        "/admin",
        "/admin/sites",
        "/admin/sites/new",
        `/admin/sites/${rst.id}`,
        `/admin/sites/${rst.id}/channels`,
        "/admin/articles",
        "/admin/articles?status=published&page=2",
        "/admin/articles/new",
        "/admin/review",
        "/admin/users",
        "/admin/users/new",
        "/admin/audit",
        "/admin/error-reports?status=answered",
      ];
      for (const url of pages) {
        const res = await operator.get(url);
        assert.equal(res.statusCode, 200, url);
        const posts = res.body.match(/<form method="post"[^]*?<\/form>/g) ?? [];
        for (const form of posts) assert.match(form, /name="_csrf"/, `${url}: every form carries the token`);
      }
    });

    it("shows operators the audit log with a verified chain, and nobody else", async () => {
      const page = await operator.get("/admin/audit?verify=1&action=site.");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /哈希链完整/);
      assert.match(page.body, /site.create/);
      // In words, with the code beside them (what the log is filtered by).
      assert.match(page.body, /网站·新建<code class="meta break"> site.create<\/code>/);
      assert.match(page.body, /<td>系统<code class="meta break"> system:seed<\/code><\/td>/);
      // A staff member by name, the login they acted under beside it.
      const logins = await operator.get("/admin/audit?action=staff.login&actor=rst_admin");
      assert.match(logins.body, /<td>人社厅网站管理员<code class="meta break"> rst_admin<\/code><\/td>/);
      assert.equal((await siteAdmin.get("/admin/audit")).statusCode, 403);
      const actions = (await t.deps.store.db.selectFrom("auditLog").select("action").execute()).map(
        (r) => r.action,
      );
      for (const a of [
        "site.update",
        "channel.rename",
        "channel.merge",
        "staff.create",
        "staff.role.grant",
        "staff.disable",
        "error-report.answer",
      ])
        assert.ok(actions.includes(a), `${a} audited`);
      assert.equal((await t.deps.audit.verify()).ok, true);
    });
  });
}
