import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import { ENGINES, startPlatform, type TestContext } from "./engines.ts";
import { csrfOf, DEMO_PASSWORD, StaffSession, totpCode } from "./staff-session.ts";
import { postCitizenForm } from "./citizen-form.ts";
import { newTotpSecret } from "../src/modules/staff/totp.ts";
import { LOCKED_MESSAGE, TOTP_USED_MESSAGE } from "../src/modules/staff/service.ts";
import { DEMO_CITIZENS } from "../src/modules/onestop/seed.ts";
import { dummyChecks } from "../src/platform/auth/passwords.ts";

/** TOTP replay, login CSRF and foreign origins, open redirects and account enumeration. */

const FORM = { "content-type": "application/x-www-form-urlencoded" };

function setCookies(res: LightMyRequestResponse): string[] {
  const header = res.headers["set-cookie"];
  return Array.isArray(header) ? header : header ? [header] : [];
}

for (const engine of ENGINES) {
  describe(`sign-in hardening on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("accepts a TOTP code once: the same code does not complete a second or third sign-in", async () => {
      const secret = newTotpSecret();
      const op = await t.deps.staff.create(
        { username: "replay_op", displayName: "重放测试", password: DEMO_PASSWORD, isOperator: true },
        "test",
      );
      await t.deps.store.db
        .updateTable("staffUsers")
        .set({ totpSecret: secret })
        .where("id", "=", op.id)
        .execute();
      const code = totpCode(secret);
      const outcomes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s = new StaffSession(t.app, `10.60.0.${i + 1}`);
        const pw = await s.submitLogin("replay_op", DEMO_PASSWORD);
        assert.equal(pw.headers.location, "/admin/login/totp");
        s.csrf = csrfOf((await s.get("/admin/login/totp")).body)!;
        const res = await s.post("/admin/login/totp", { code });
        outcomes.push(res.statusCode);
        if (i > 0) assert.ok(res.body.includes(TOTP_USED_MESSAGE), "says the code was used");
      }
      const completed = outcomes.filter((c) => c === 303).length;
      console.log(`[figures] ${engine} one TOTP code, three sign-ins: ${completed} completed`);
      assert.deepEqual(outcomes, [303, 401, 401]);
    });

    it("refuses a foreign page's auto-posted citizen sign-in and registration (login CSRF)", async () => {
      const foreign = {
        ...FORM,
        origin: "https://evil.example.com",
        referer: "https://evil.example.com/x.html",
      };
      const login = await t.app.inject({
        method: "POST",
        url: "/sites/www/account/login",
        headers: foreign,
        payload: new URLSearchParams({
          loginName: DEMO_CITIZENS.person.loginName,
          password: DEMO_PASSWORD,
        }).toString(),
      });
      const signedIn = login.cookies.some((c) => c.name === "cy_citizen");
      console.log(
        `[figures] ${engine} foreign auto-post of citizen login: ${login.statusCode}, signed in ${signedIn}`,
      );
      assert.equal(login.statusCode, 403);
      assert.equal(signedIn, false);
      assert.match(login.body, /请求来源不明/);
      // Without Origin/Referer (a privacy proxy strips them) the missing token still stops it.
      for (const url of ["/sites/www/account/login", "/sites/www/account/register"]) {
        const bare = await t.app.inject({
          method: "POST",
          url,
          headers: FORM,
          payload: new URLSearchParams({
            loginName: DEMO_CITIZENS.person.loginName,
            password: DEMO_PASSWORD,
          }).toString(),
        });
        assert.equal(bare.statusCode, 403, url);
        assert.match(bare.body, /页面已过期/);
        assert.equal(
          bare.cookies.some((c) => c.name === "cy_citizen"),
          false,
        );
      }
      // The real form, from this site, still signs in.
      const ok = await postCitizenForm(t.app, "/sites/www/account/login", {
        loginName: DEMO_CITIZENS.person.loginName,
        password: DEMO_PASSWORD,
      });
      assert.equal(ok.statusCode, 303);
    });

    it("refuses console and API posts that a browser says come from another origin", async () => {
      const s = await StaffSession.login(t.app, "rst_editor", { remoteAddress: "10.61.0.1" });
      const post = (headers: Record<string, string>) =>
        t.app.inject({
          method: "POST",
          url: "/admin/logout",
          remoteAddress: "10.61.0.1",
          headers: { ...FORM, cookie: s.cookieHeader(), ...headers },
          payload: new URLSearchParams({ _csrf: s.csrf }).toString(),
        });
      const byOrigin = await post({ origin: "https://evil.example.com" });
      assert.equal(byOrigin.statusCode, 403);
      assert.match(byOrigin.body, /请求来源不明/);
      const byReferer = await post({ referer: "http://evil.example.com/page" });
      assert.equal(byReferer.statusCode, 403);
      const nullOrigin = await post({ origin: "null" });
      assert.equal(nullOrigin.statusCode, 403);
      const api = await t.app.inject({
        method: "POST",
        url: "/api/services/applications",
        headers: { "content-type": "application/json", origin: "https://evil.example.com" },
        payload: "{}",
      });
      assert.equal(api.statusCode, 403);
      assert.equal(api.json().error.code, "cross_origin");
      // The API-key partner API (Open311) is not a browser form: a partner page may call it.
      const partner = await t.app.inject({
        method: "POST",
        url: "/open311/v2/requests.json",
        headers: { ...FORM, origin: "https://partner.example.com" },
        payload: "api_key=nope",
      });
      assert.doesNotMatch(partner.body, /请求来源不明/);
      // The same post from this site's own page goes through.
      const own = await post({ origin: "http://localhost:80", host: "localhost:80" });
      assert.equal(own.statusCode, 303);
    });

    it("sets SameSite=Lax on every cookie of the sign-in flows", async () => {
      const answers = [
        await t.app.inject({ url: "/admin/login" }),
        await t.app.inject({ url: "/sites/www/account/login" }),
        await t.app.inject({ url: "/sites/www/account/register" }),
        await postCitizenForm(t.app, "/sites/www/account/login", {
          loginName: DEMO_CITIZENS.person.loginName,
          password: DEMO_PASSWORD,
        }),
        await t.app.inject({ url: "/sites/www/elder?on=1&back=/sites/www/" }),
      ];
      const s = new StaffSession(t.app, "10.62.0.1");
      answers.push(await s.submitLogin("www_editor", DEMO_PASSWORD));
      const lines = answers.flatMap(setCookies);
      assert.ok(lines.length >= 5);
      for (const line of lines) assert.match(line, /SameSite=Lax/i, line);
    });

    it("never redirects to another host, and a non-ASCII next is encoded, not a 500", async () => {
      for (const bad of [
        "//evil.example.com",
        "/\\evil.example.com",
        "/%5Cevil.example.com",
        "/%2F%2Fevil.example.com",
        "https://evil.example.com",
        "javascript:alert(1)",
        "/\tevil",
      ]) {
        const staff = await t.app.inject({ url: `/admin/login?next=${encodeURIComponent(bad)}` });
        assert.equal(staff.statusCode, 200);
        assert.match(staff.body, /name="next" value="\/admin"/, bad);
        const elder = await t.app.inject({ url: `/sites/www/elder?on=1&back=${encodeURIComponent(bad)}` });
        assert.equal(elder.headers.location, "/sites/www/", bad);
      }
      // A signed-in editor sent to a non-ASCII next: a redirect with an encoded Location.
      const s = await StaffSession.login(t.app, "www_editor", { remoteAddress: "10.63.0.1" });
      const staffNext = await s.get(`/admin/login?next=${encodeURIComponent("/admin/articles?q=社保")}`);
      assert.equal(staffNext.statusCode, 303);
      assert.equal(staffNext.headers.location, "/admin/articles?q=%E7%A4%BE%E4%BF%9D");
      const raw = await t.app.inject({
        method: "POST",
        url: "/admin/login",
        headers: FORM,
        payload: `next=${encodeURIComponent("/admin/办事")}&username=x&password=y`,
      });
      assert.ok(raw.statusCode < 500, `staff login with a non-ASCII next: ${raw.statusCode}`);
      const citizen = await postCitizenForm(t.app, "/sites/www/account/login", {
        loginName: DEMO_CITIZENS.person.loginName,
        password: DEMO_PASSWORD,
        next: "/sites/www/services/办事指南",
      });
      assert.equal(citizen.statusCode, 303);
      assert.equal(citizen.headers.location, `/sites/www/services/${encodeURIComponent("办事指南")}`);
      // A consolidated article's new address must be a local path: "/\host" is refused.
      const article = await t.deps.store.db
        .selectFrom("articles")
        .select("id")
        .where("status", "=", "published")
        .executeTakeFirstOrThrow();
      for (const target of ["/\\evil.example.com", "//evil.example.com", "/%5C%5Cevil.example.com"])
        await assert.rejects(
          t.deps.content.unpublish(article.id, "consolidated", "已整合", target, { id: null, name: "test" }),
          /撤稿信息有误/,
          target,
        );
    });

    it("answers an unknown name exactly like a real account, lockout included, after a real check", async () => {
      const ask = async (username: string, i: number) => {
        const s = new StaffSession(t.app, `10.64.${username.length}.${i + 1}`);
        const res = await s.submitLogin(username, `Wrong@pass${i}x`);
        return {
          status: res.statusCode,
          message: /role="alert"[\s\S]*?<p>([^<]+)<\/p>/.exec(res.body)?.[1] ?? "",
        };
      };
      const before = dummyChecks.count;
      const real: { status: number; message: string }[] = [];
      const unknown: { status: number; message: string }[] = [];
      for (let i = 0; i < 7; i++) {
        real.push(await ask("rst_reviewer", i));
        unknown.push(await ask("no_such_staff", i));
      }
      assert.deepEqual(unknown, real);
      assert.ok(real.slice(4).every((r) => r.message.includes(LOCKED_MESSAGE.slice(0, 8))));
      // The unknown name's first five tries each ran a (dummy) password check; the locked ones none.
      assert.equal(dummyChecks.count - before, 5);

      const citizen = async (loginName: string, i: number) => {
        const res = await postCitizenForm(
          t.app,
          "/sites/www/account/login",
          { loginName, password: `Wrong@pass${i}x` },
          `10.65.${loginName.length}.${i + 1}`,
        );
        return {
          status: res.statusCode,
          message: /class="field-error"[^>]*>([^<]+)</.exec(res.body)?.[1] ?? "",
        };
      };
      const realC: { status: number; message: string }[] = [];
      const unknownC: { status: number; message: string }[] = [];
      for (let i = 0; i < 7; i++) {
        realC.push(await citizen(DEMO_CITIZENS.person.loginName, i));
        unknownC.push(await citizen("13999999999", i));
      }
      assert.deepEqual(
        unknownC.map((r) => r.status),
        realC.map((r) => r.status),
      );
      assert.deepEqual(
        unknownC.map((r) => r.message),
        realC.map((r) => r.message),
      );
      assert.equal(realC.at(-1)!.status, 429);
    });
  });
}
