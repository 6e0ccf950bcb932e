import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { citizenLogin } from "../onestop/test-helpers.ts";

/** The header of a page: the toolbar before the masthead. */
const toolbarOf = (html: string) => {
  const m = /<nav aria-label="辅助功能"[\s\S]*?<\/nav>/.exec(html);
  assert.ok(m, "no toolbar");
  return m[0];
};

for (const engine of ENGINES) {
  describe(`signed-in state in every public page header on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine, { config: { pageCacheSeconds: 60 } });
    });
    after(async () => t?.close());

    it("shows 登录/注册 when signed out, the masked name, 我的 and 退出 when signed in, without leaking through the page cache", async () => {
      const anon = await t.app.inject({ url: "/sites/www/" });
      assert.equal(anon.statusCode, 200);
      const bar = toolbarOf(anon.body);
      assert.match(bar, /href="\/sites\/www\/account\/login\?next=%2Fsites%2Fwww%2F"[^>]*>登录</);
      assert.match(bar, />注册</);
      assert.doesNotMatch(bar, /退出/);
      assert.match(String(anon.headers.vary), /Cookie/i);

      const cookie = await citizenLogin(t, "13900000001");
      for (const url of ["/sites/www/", "/sites/rst/services/", "/sites/rst/interaction/"]) {
        const mine = await t.app.inject({ url, headers: { cookie } });
        assert.equal(mine.statusCode, 200, url);
        assert.notEqual(mine.headers["x-page-cache"], "hit", url);
        const signedIn = toolbarOf(mine.body);
        assert.match(signedIn, /张\*/, url);
        assert.doesNotMatch(signedIn, /张三/, url);
        assert.match(signedIn, /href="\/sites\/[a-z]+\/account\/"[^>]*>我的</, url);
        assert.match(signedIn, /<form method="post" action="\/sites\/[a-z]+\/account\/logout"/, url);
        assert.match(signedIn, /name="_csrf" value="[^"]+"/, url);
        assert.doesNotMatch(signedIn, />登录</, url);
        assert.match(String(mine.headers["cache-control"]), /private, no-store/, url);
      }
      // Elder mode keeps the same links.
      const elder = await t.app.inject({ url: "/sites/www/", headers: { cookie: `elder=1; ${cookie}` } });
      assert.match(elder.body, /<html lang="zh-CN" class="elder"/);
      assert.match(toolbarOf(elder.body), /张\*[\s\S]*我的[\s\S]*退出/);

      // The anonymous copy is still the anonymous one (served from the cache now).
      const again = await t.app.inject({ url: "/sites/www/" });
      assert.equal(again.headers["x-page-cache"], "hit");
      assert.doesNotMatch(toolbarOf(again.body), /张\*|退出/);
    });

    it("signs out with a POST carrying the CSRF token; the old cookie no longer works anywhere", async () => {
      const cookie = await citizenLogin(t, "13900000001");
      const page = await t.app.inject({ url: "/sites/rst/services/", headers: { cookie } });
      const csrf =
        /action="\/sites\/rst\/account\/logout"[^>]*><input type="hidden" name="_csrf" value="([^"]+)"/.exec(
          page.body,
        )?.[1];
      assert.ok(csrf, "no 退出 form");
      const forged = await t.app.inject({
        method: "POST",
        url: "/sites/rst/account/logout",
        payload: "_csrf=forged",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(forged.statusCode, 403);
      const out = await t.app.inject({
        method: "POST",
        url: "/sites/rst/account/logout",
        payload: `_csrf=${encodeURIComponent(csrf)}`,
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(out.statusCode, 303);
      assert.equal(out.headers.location, "/sites/rst/");
      // Replaying the old cookie: the session is gone on the server, not only in the browser.
      const mine = await t.app.inject({ url: "/sites/rst/services/my", headers: { cookie } });
      assert.equal(mine.statusCode, 303);
      assert.match(String(mine.headers.location), /account\/login/);
      const home = await t.app.inject({ url: "/sites/rst/", headers: { cookie } });
      assert.match(toolbarOf(home.body), />登录</);
      assert.doesNotMatch(toolbarOf(home.body), /退出/);
    });
  });
}
