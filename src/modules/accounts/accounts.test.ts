import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as oidc from "openid-client";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { idCheckChar } from "../../platform/validation/china-ids.ts";
import { DEMO_PASSWORD } from "../../seed/demo-password.ts";
import { loadConfig } from "../../config.ts";
import { identityFromClaims, OidcProvider } from "./identity.ts";
import { postCitizenForm } from "../../../test/citizen-form.ts";

const form = (data: Record<string, string>) => ({
  payload: new URLSearchParams(data).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded" },
});

function cookieOf(res: { cookies: { name: string; value: string }[] }, name = "cy_citizen"): string {
  const c = res.cookies.find((x) => x.name === name);
  assert.ok(c, `no ${name} cookie`);
  return `${name}=${c.value}`;
}

for (const engine of ENGINES) {
  describe(`citizen accounts on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    const id17 = "42010219850615001";
    const person = {
      kind: "person",
      name: "王小明",
      idNumber: id17 + idCheckChar(id17),
      phone: "13712345678",
      password: "Chuyun#Test2026",
      password2: "Chuyun#Test2026",
      agree: "1",
    };

    it("rejects a wrong ID checksum with a message next to the field and keeps what was typed", async () => {
      const bad = { ...person, idNumber: id17 + (idCheckChar(id17) === "1" ? "2" : "1") };
      const res = await postCitizenForm(t.app, "/sites/www/account/register", bad);
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /身份证号码校验位不正确/);
      assert.match(res.body, /value="王小明"/);
      assert.match(res.body, /value="13712345678"/);
      assert.doesNotMatch(res.body, /Chuyun#Test2026/);
    });

    it("registers, signs in and shows the profile with masked personal data and the real-name flag", async () => {
      const res = await postCitizenForm(t.app, "/sites/www/account/register", person);
      assert.equal(res.statusCode, 303);
      const profile = await t.app.inject({ url: "/sites/www/account/", headers: { cookie: cookieOf(res) } });
      assert.equal(profile.statusCode, 200);
      assert.match(profile.body, /王小明/);
      assert.match(profile.body, /420102\*{8}/);
      assert.doesNotMatch(profile.body, new RegExp(person.idNumber));
      assert.match(profile.body, /137\*\*\*\*5678/);
      assert.match(profile.body, /未实名认证/);
      const again = await postCitizenForm(t.app, "/sites/www/account/register", person);
      assert.equal(again.statusCode, 400);
      assert.match(again.body, /该手机号已注册/);
    });

    it("signs in with the password, refuses a wrong one and locks after repeated failures", async () => {
      const ok = await postCitizenForm(t.app, "/sites/www/account/login", {
        loginName: "13900000001",
        password: DEMO_PASSWORD,
        next: "/sites/www/services/",
      });
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers.location, "/sites/www/services/");
      const profile = await t.app.inject({ url: "/sites/www/account/", headers: { cookie: cookieOf(ok) } });
      assert.match(profile.body, /已实名认证/);
      const evil = await postCitizenForm(t.app, "/sites/www/account/login", {
        loginName: "13900000001",
        password: DEMO_PASSWORD,
        next: "//evil.example.com/",
      });
      assert.equal(evil.headers.location, "/sites/www/account/");
      for (let i = 0; i < 5; i++) {
        const bad = await postCitizenForm(t.app, "/sites/www/account/login", {
          loginName: person.phone,
          password: "wrong-password",
        });
        // The fifth wrong password uses the last attempt: it says so.
        assert.equal(bad.statusCode, i < 4 ? 401 : 429);
        assert.match(bad.body, i < 4 ? /账号或密码错误/ : /账号已锁定/);
        assert.match(bad.body, /value="13712345678"/);
      }
      const locked = await postCitizenForm(t.app, "/sites/www/account/login", {
        loginName: person.phone,
        password: person.password,
      });
      assert.equal(locked.statusCode, 429);
      assert.match(locked.body, /账号已锁定/);
    });

    it("sends anonymous visitors to the login form and needs the CSRF token to sign out", async () => {
      const anon = await t.app.inject({ url: "/sites/rst/account/" });
      assert.equal(anon.statusCode, 303);
      assert.match(anon.headers.location as string, /^\/sites\/rst\/account\/login\?next=/);
      const login = await postCitizenForm(t.app, "/sites/www/account/login", {
        loginName: "13900000001",
        password: DEMO_PASSWORD,
      });
      const cookie = cookieOf(login);
      const noCsrf = await t.app.inject({
        method: "POST",
        url: "/sites/www/account/logout",
        ...form({}),
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(noCsrf.statusCode, 403);
      const page = await t.app.inject({ url: "/sites/www/account/", headers: { cookie } });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
      const out = await t.app.inject({
        method: "POST",
        url: "/sites/www/account/logout",
        payload: `_csrf=${encodeURIComponent(csrf)}`,
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(out.statusCode, 303);
      const after = await t.app.inject({ url: "/sites/www/account/", headers: { cookie } });
      assert.equal(after.statusCode, 303);
    });
  });
}

describe("OIDC identity provider (configuration, URL building, claim mapping; the flow: oidc.test.ts)", () => {
  const env = {
    OIDC_ISSUER: "https://idp.example.gov.cn",
    OIDC_CLIENT_ID: "chuyun",
    OIDC_CLIENT_SECRET: "s3cret",
    OIDC_REDIRECT_URI: "https://www.example.gov.cn/sites/www/account/oidc/callback",
    OIDC_NAME: "楚云统一身份认证",
  };

  const oidcSettingsOf = (e: NodeJS.ProcessEnv) => loadConfig(e).oidc;

  it("is off unless issuer, client id and redirect URI are configured", () => {
    assert.equal(oidcSettingsOf({}), null);
    assert.equal(oidcSettingsOf({ ...env, OIDC_CLIENT_ID: "" }), null);
    assert.equal(oidcSettingsOf(env)?.displayName, "楚云统一身份认证");
  });

  it("builds an authorisation URL with PKCE, state and nonce", async () => {
    const settings = oidcSettingsOf(env)!;
    const config = new oidc.Configuration(
      {
        issuer: env.OIDC_ISSUER,
        authorization_endpoint: `${env.OIDC_ISSUER}/authorize`,
        token_endpoint: `${env.OIDC_ISSUER}/token`,
      },
      env.OIDC_CLIENT_ID,
      env.OIDC_CLIENT_SECRET,
    );
    const provider = new OidcProvider(settings, config);
    const { url, state } = await provider.start();
    const u = new URL(url);
    assert.equal(u.origin + u.pathname, "https://idp.example.gov.cn/authorize");
    assert.equal(u.searchParams.get("client_id"), "chuyun");
    assert.equal(u.searchParams.get("redirect_uri"), env.OIDC_REDIRECT_URI);
    assert.equal(u.searchParams.get("response_type"), "code");
    assert.equal(u.searchParams.get("code_challenge_method"), "S256");
    assert.equal(u.searchParams.get("state"), state.state);
    assert.equal(u.searchParams.get("nonce"), state.nonce);
    assert.equal(u.searchParams.get("code_challenge"), await oidc.calculatePKCECodeChallenge(state.verifier));
  });

  it("maps ID token claims to an identity, with the real-name flag from the configured claim", () => {
    const settings = oidcSettingsOf(env)!;
    const idNumber = "11010519491231002" + idCheckChar("11010519491231002");
    const a = identityFromClaims(settings, {
      sub: "u1",
      name: "赵六",
      real_name_verified: true,
      phone_number: "13800000000",
      id_number: idNumber.toLowerCase(),
    });
    assert.deepEqual(
      [a.subject, a.kind, a.name, a.verified, a.phone, a.idNumber],
      ["u1", "person", "赵六", true, "13800000000", idNumber.toUpperCase()],
    );
    const flagOnly = identityFromClaims(settings, { sub: "u2", name: "钱七", real_name_verified: true });
    assert.equal(flagOnly.verified, false, "no 已实名认证 without an ID number");
    const b = identityFromClaims(settings, { sub: "e1", name: "某公司", credit_code: "91420100MA4K000010" });
    assert.deepEqual([b.kind, b.verified], ["enterprise", false]);
  });
});
