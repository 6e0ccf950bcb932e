import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { StaffSession } from "../../../test/staff-session.ts";
import { citizenLogin, trackingFrom, postApplication, VALID_APPLICATION } from "./test-helpers.ts";

const valid = VALID_APPLICATION;

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}(?:="([^"]*)")?[\\s/>]`).exec(tag);
  return m ? unescape(m[1] ?? "") : null;
};

/** What a browser would post from the form whose action ends with `action` (no submit buttons). */
function formFields(html: string, action: string): Record<string, string | string[]> {
  const start = html.indexOf(`action="${action}"`);
  assert.ok(start > 0, `no form posting to ${action}`);
  const form = html.slice(start, html.indexOf("</form>", start));
  const out: Record<string, string | string[]> = {};
  const add = (k: string, v: string) => {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  };
  for (const m of form.matchAll(/<(input|textarea|select)\b[^>]*>/g)) {
    const tag = m[0];
    const name = attr(tag, "name");
    if (!name) continue;
    if (m[1] === "input") {
      const type = attr(tag, "type") ?? "text";
      if (type === "submit") continue;
      if (type === "checkbox" && attr(tag, "checked") === null) continue;
      add(name, attr(tag, "value") ?? "");
    } else if (m[1] === "textarea") {
      const end = form.indexOf("</textarea>", m.index);
      add(name, unescape(form.slice(m.index! + tag.length, end)));
    } else {
      const body = form.slice(m.index!, form.indexOf("</select>", m.index));
      const options = [...body.matchAll(/<option\b[^>]*>/g)].map((o) => o[0]);
      const chosen = options.find((o) => attr(o, "selected") !== null) ?? options[0];
      add(name, chosen ? (attr(chosen, "value") ?? "") : "");
    }
  }
  return out;
}

/** The error text shown beside the control with this id (empty when there is none). */
function errorBeside(html: string, id: string): string {
  const start = html.indexOf(`id="${id}-error">`);
  if (start < 0) return "";
  const rest = html.slice(start).replace(/^[^>]*>(<span class="visually-hidden">[^<]*<\/span>)?/, "");
  return rest.slice(0, rest.indexOf("</span>"));
}

for (const engine of ENGINES) {
  describe(`form builder on ${engine}`, () => {
    let t: TestContext;
    let admin: StaffSession;
    let citizen: string;
    let code: string;
    let oldTracking: string;
    let base: string;

    before(async () => {
      t = await startPlatform(engine);
      admin = await StaffSession.login(t.app, "rst_admin");
      citizen = await citizenLogin(t, "13900000001");
      code = (await t.deps.oneStop.catalogue.list({ q: "灵活就业登记" })).rows.find(
        (r) => r.name === "灵活就业登记",
      )!.code;
      base = `/admin/service-items/${code}/form`;
      oldTracking = await apply(valid);
    });
    after(async () => t?.close());

    async function applyPage() {
      const res = await t.app.inject({
        url: `/sites/rst/services/apply/${code}`,
        headers: { cookie: citizen },
      });
      assert.equal(res.statusCode, 200);
      return res.body;
    }
    const submitForm = (values: Record<string, string | string[]>) =>
      postApplication(t, citizen, "rst", code, values);
    async function apply(values: Record<string, string | string[]>): Promise<string> {
      const res = await submitForm(values);
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      return trackingFrom(res.headers.location as string);
    }
    /** Loads the builder, lets the test change what a user would type, and presses one button. */
    async function press(
      action: string,
      edit: (fields: Record<string, string | string[]>) => void = () => {},
    ) {
      const page = await admin.get(base);
      assert.equal(page.statusCode, 200);
      const fields = formFields(page.body, `${base}/draft`);
      edit(fields);
      const { _csrf, ...rest } = fields;
      void _csrf;
      return admin.post(`${base}/draft`, { ...rest, _action: action });
    }

    it("shows the fields in order with their settings and a preview rendered like the apply page", async () => {
      const page = await admin.get(base);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /当前为第1版/);
      const fields = formFields(page.body, `${base}/draft`);
      assert.equal(fields["f.0.label"], "姓名");
      assert.equal(fields["f.0.name"], "applicantName");
      assert.equal(fields["f.0.required"], "1");
      // The preview uses the applicant renderer: same ids, same condition hints.
      assert.match(page.body, /<input id="applicantName" name="applicantName"/);
      assert.match(page.body, /（就业形式为“新就业形态（平台就业）”时填写）/);
      // Trying the preview runs the applicant-side validation, with its Chinese messages.
      const tried = await admin.post(`${base}/try`, { applicantName: "", form: "新就业形态（平台就业）" });
      assert.equal(tried.statusCode, 200);
      assert.match(tried.body, /试填发现\d+处问题/);
      assert.match(tried.body, /id="applicantName-error">[\s\S]{0,60}请填写姓名/);
      assert.match(tried.body, /<option value="新就业形态（平台就业）" selected/);
      // No inline scripts (strict CSP) and the page works as plain forms.
      assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)/);
    });

    it("adds a select field with options and a conditional text field, moves them, saves a new version", async () => {
      let res = await press("add", (f) => (f.addType = "select"));
      assert.equal(res.statusCode, 303);
      assert.match(res.headers.location as string, /#fb-f-\d+$/);
      const sel = Number(/#fb-f-(\d+)$/.exec(res.headers.location as string)![1]);
      res = await press("add", (f) => {
        f[`f.${sel}.label`] = "是否有随迁子女";
        f[`f.${sel}.name`] = "hasChildren";
        f[`f.${sel}.required`] = "1";
        f[`f.${sel}.options`] = "有\r\n无";
        f.addType = "text";
      });
      assert.equal(res.statusCode, 303);
      const txt = sel + 1;
      // The new text field's condition may only name earlier fields: "是否有随迁子女" is offered.
      const page = await admin.get(base);
      assert.match(
        page.body,
        new RegExp(`name="f\\.${txt}\\.whenField"[\\s\\S]*?<option value="hasChildren">`),
      );
      // Move the conditional field above the one it depends on, then try to save: refused beside the field.
      res = await press(`up:${txt}`, (f) => {
        f[`f.${txt}.label`] = "子女姓名";
        f[`f.${txt}.name`] = "childName";
        f[`f.${txt}.required`] = "1";
        f[`f.${txt}.whenField`] = "hasChildren";
        f[`f.${txt}.whenEquals`] = "有";
      });
      assert.equal(res.statusCode, 303);
      res = await press("save", (f) => (f["fb-note"] = "增加随迁子女"));
      assert.equal(res.statusCode, 400);
      assert.match(errorBeside(res.body, `f.${sel}.whenField`), /须引用它之前的字段/);
      assert.equal(formFields(res.body, `${base}/draft`)[`f.${sel}.name`], "childName");
      assert.equal((await t.deps.oneStop.catalogue.byCode(code, true))!.formVersion, 1);
      // Move it back below and save.
      res = await press(`down:${sel}`);
      assert.equal(res.statusCode, 303);
      res = await press("save", (f) => (f["fb-note"] = "增加随迁子女"));
      assert.equal(res.statusCode, 303, res.body.slice(0, 2000));
      assert.match(res.headers.location as string, /\?saved=2$/);
      const saved = await admin.get(res.headers.location as string);
      assert.match(saved.body, /已保存为第2版/);
      assert.match(saved.body, /当前为第2版/);
      assert.match(saved.body, /增加随迁子女/); // the note in the version history
      assert.match(saved.body, /人社厅网站管理员/); // who saved it
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .selectAll()
        .where("action", "=", "service_form.save")
        .where("targetId", "=", code)
        .execute();
      const entry = audit.filter((r) => /增加随迁子女/.test(JSON.stringify(r)));
      assert.equal(entry.length, 1);
      assert.match(String(entry[0].detail), /"version":2/);
    });

    it("the apply page shows the new fields; the server enforces the condition and required flag in Chinese", async () => {
      const html = await applyPage();
      assert.match(html, /是否有随迁子女/);
      assert.match(html, /<option value="有"/);
      assert.match(html, /子女姓名（是否有随迁子女为“有”时填写）|（是否有随迁子女为“有”时填写）/);
      let res = await submitForm(valid);
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /请选择是否有随迁子女/);
      assert.doesNotMatch(res.body, /请填写子女姓名/);
      res = await submitForm({ ...valid, hasChildren: "有" });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /请填写子女姓名/);
      assert.match(res.body, /<option value="有" selected/); // the choice is kept
      const no = await apply({ ...valid, hasChildren: "无" });
      const yes = await apply({ ...valid, hasChildren: "有", childName: "张小明" });
      const receipt = await t.app.inject({
        url: `/sites/rst/services/receipt/${yes}`,
        headers: { cookie: citizen },
      });
      assert.match(receipt.body, /张小明/);
      assert.ok(no);
    });

    it("refuses duplicate names, bad patterns, min > max, empty selects and empty groups beside each field", async () => {
      let res = await press("add", (f) => (f.addType = "text"));
      const a = Number(/#fb-f-(\d+)$/.exec(res.headers.location as string)![1]);
      res = await press("add", (f) => {
        f[`f.${a}.label`] = "重复的姓名";
        f[`f.${a}.name`] = "applicantName";
        f[`f.${a}.pattern`] = "([a-z";
        f[`f.${a}.patternMessage`] = "格式不对";
        f.addType = "number";
      });
      assert.equal(res.statusCode, 303);
      res = await press("add", (f) => {
        f[`f.${a + 1}.label`] = "人数";
        f[`f.${a + 1}.min`] = "10";
        f[`f.${a + 1}.max`] = "1";
        f.addType = "select";
      });
      assert.equal(res.statusCode, 303);
      res = await press("add", (f) => {
        f[`f.${a + 2}.label`] = "空选项";
        f.addType = "group";
      });
      assert.equal(res.statusCode, 303);
      // The new group starts with one sub-field: delete it.
      res = await press(`del:${a + 3}.0`, (f) => (f[`f.${a + 3}.label`] = "家庭成员"));
      assert.equal(res.statusCode, 303);
      res = await press("save", (f) => {
        f[`f.0.label`] = "";
        f["fb-note"] = "坏的修改";
      });
      assert.equal(res.statusCode, 400);
      assert.match(errorBeside(res.body, `f.${a}.name`), /applicantName.*重复/);
      assert.match(errorBeside(res.body, `f.${a}.pattern`), /不是有效的正则表达式/);
      assert.match(errorBeside(res.body, `f.${a + 1}.min`), /最小值不能大于最大值/);
      assert.match(errorBeside(res.body, `f.${a + 2}.options`), /须提供 options 选项/);
      assert.match(errorBeside(res.body, `f.${a + 3}.fields`), /至少包含一个子字段/);
      assert.match(errorBeside(res.body, "f.0.label"), /请填写标签/);
      // Every message is also in the summary at the top, linking to its control.
      assert.match(res.body, new RegExp(`<a href="#f\\.${a}\\.pattern">`));
      // What the user typed is kept, in the page and in the draft (a reload shows it again).
      const kept = formFields(res.body, `${base}/draft`);
      assert.equal(kept[`f.${a}.pattern`], "([a-z");
      assert.equal(kept[`f.${a}.name`], "applicantName");
      assert.equal(kept[`f.${a + 1}.min`], "10");
      assert.equal(kept["fb-note"], "坏的修改");
      const again = formFields((await admin.get(base)).body, `${base}/draft`);
      assert.equal(again[`f.${a}.pattern`], "([a-z");
      assert.equal((await t.deps.oneStop.catalogue.byCode(code, true))!.formVersion, 2);
      // Discarding the draft brings back the saved version.
      const discard = await admin.post(`${base}/discard`);
      assert.equal(discard.statusCode, 303);
      const clean = formFields((await admin.get(base)).body, `${base}/draft`);
      assert.equal(clean["f.0.label"], "姓名");
      assert.equal(clean[`f.${a}.name`], undefined);
    });

    it("never answers 500 to tampered builder posts", async () => {
      for (const body of [
        { "f.0.type": "colour", "f.0.name": "x y" },
        { "f.99999.type": "text", _action: "up:99999" },
        { "f.0.type": ["text", "group"], "f.0.sub.0.type": "file", _action: "del:7.9" },
        { _action: "save" },
      ]) {
        const res = await admin.post(`${base}/draft`, { _action: "apply", ...body });
        assert.ok(
          res.statusCode === 303 || res.statusCode === 400,
          `${res.statusCode} for ${JSON.stringify(body)}`,
        );
      }
      const empty = await admin.post(`${base}/draft`, { _action: "save", "fb-note": "清空" });
      assert.equal(empty.statusCode, 400);
      assert.match(empty.body, /表单至少需要一个字段/);
      await admin.post(`${base}/discard`);
    });

    it("keeps showing an application with the form version it was submitted on", async () => {
      const receipt = await t.app.inject({
        url: `/sites/rst/services/receipt/${oldTracking}`,
        headers: { cookie: citizen },
      });
      assert.equal(receipt.statusCode, 200);
      assert.match(receipt.body, /就业形式/);
      assert.doesNotMatch(receipt.body, /是否有随迁子女/);
      const app = (await t.deps.oneStop.applications.byTrackingNo(oldTracking))!;
      assert.equal(app.formVersion, 1);
      const staffView = await admin.get(`/admin/services/applications/${app.id}`);
      assert.equal(staffView.statusCode, 200);
      assert.doesNotMatch(staffView.body, /是否有随迁子女/);
    });

    it("shows an old version and restores it as a new version, audited", async () => {
      const old = await admin.get(`${base}/versions/1`);
      assert.equal(old.statusCode, 200);
      assert.match(old.body, /第1版申请表单/);
      assert.doesNotMatch(old.body, /是否有随迁子女/);
      const res = await admin.post(`${base}/versions/1/restore`);
      assert.equal(res.statusCode, 303);
      assert.match(res.headers.location as string, /\?saved=3$/);
      const page = await admin.get(base);
      assert.match(page.body, /当前为第3版/);
      assert.match(page.body, /恢复第1版/);
      assert.doesNotMatch(await applyPage(), /是否有随迁子女/);
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select("detail")
        .where("action", "=", "service_form.save")
        .where("targetId", "=", code)
        .execute();
      assert.equal(audit.filter((r) => /"restoredFrom":1,?.*"version":3/.test(String(r.detail))).length, 1);
      assert.equal((await admin.get(`${base}/versions/77`)).statusCode, 404);
    });

    it("gives staff without rights over the item the console's 403 page", async () => {
      for (const username of ["rst_editor", "scjg_handler"]) {
        const other = await StaffSession.login(t.app, username);
        const page = await other.get(base);
        assert.equal(page.statusCode, 403, username);
        // Neither holds the right to 服务事项 (the department's site admins maintain the catalogue).
        assert.match(page.body, /您没有使用「服务事项」的权限：需要站点管理员/);
        const post = await other.post(`${base}/draft`, { _action: "save", "f.0.type": "text" });
        assert.equal(post.statusCode, 403);
        const restore = await other.post(`${base}/versions/1/restore`);
        assert.equal(restore.statusCode, 403);
      }
      // Another department's site admin holds the right, but not over this item.
      const scjg = t.deps.sites.byCodeCached("scjg")!;
      const user = await t.deps.staff.create(
        { username: "scjg_admin", displayName: "市场监管局网站管理员", password: "Scjg@2026-admin" },
        "test",
      );
      await t.deps.staff.grantRole(user.id, scjg.id, "site_admin", "test");
      const scjgAdmin = await StaffSession.login(t.app, "scjg_admin", { password: "Scjg@2026-admin" });
      const foreign = await scjgAdmin.get(base);
      assert.equal(foreign.statusCode, 403);
      assert.match(foreign.body, /只有该部门的站点管理员可以修改事项和表单/);
      assert.doesNotMatch(foreign.body, /所需权限/, "the refusal is about the item, not a missing right");
      assert.equal((await t.deps.oneStop.catalogue.byCode(code, true))!.formVersion, 3);
    });
  });
}
