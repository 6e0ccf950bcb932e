import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Provider from "oidc-provider";
import { Agent, fetch } from "undici";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { loadConfig, type OidcSettings } from "../../config.ts";
import { idCheckChar } from "../../platform/validation/china-ids.ts";

/**
 * Sign-in through a certified OpenID Provider (panva/oidc-provider) served over HTTPS with a test CA:
 * our /oidc/start → the OP's login and consent pages (devInteractions) → our callback → account page.
 * The OP releases only `sub` in the ID token for the code flow; name, phone, ID number and the
 * real-name flag come from its UserInfo endpoint (OIDC Core §5.4).
 */

const REDIRECT_URI = "https://www.example.gov.cn/sites/www/account/oidc/callback";
const CLIENT_ID = "chuyun";
const CLIENT_SECRET = "chuyun-test-secret-0123456789abcdef";

const id17 = "42010219900101002";
const ID_NUMBER = id17 + idCheckChar(id17);

/** The OP's people, by login; a test may change them between sign-ins. */
const people: Record<string, Record<string, unknown>> = {
  "zhang.san": {
    name: "张三",
    phone_number: "13911112222",
    id_number: ID_NUMBER,
    real_name_verified: true,
  },
  "li.si": { name: "李四", phone_number: "13933334444", real_name_verified: true },
};

function openssl(dir: string, ...args: string[]) {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** A throwaway CA and a server certificate it signs for localhost / 127.0.0.1. */
function makeCertificates(dir: string) {
  openssl(
    dir,
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Chuyun Test CA"],
    ...["-keyout", "ca.key", "-out", "ca.pem"],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  );
  openssl(
    dir,
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "op.key",
    "-out",
    "op.csr",
  );
  writeFileSync(
    join(dir, "op.ext"),
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  openssl(
    dir,
    ...["x509", "-req", "-in", "op.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"],
    ...["-days", "1", "-out", "op.pem", "-extfile", "op.ext"],
  );
  return {
    caFile: join(dir, "ca.pem"),
    key: readFileSync(join(dir, "op.key")),
    cert: readFileSync(join(dir, "op.pem")),
  };
}

async function startOp(key: Buffer, cert: Buffer): Promise<{ server: Server; issuer: string }> {
  const server = createServer({ key, cert });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT_URI],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: {
      openid: ["sub"],
      profile: ["name"],
      phone: ["phone_number"],
      realname: ["id_number", "real_name_verified"],
    },
    jwks: { keys: [{ ...signingKey, kid: "test-key", use: "sig", alg: "RS256" }] },
    cookies: { keys: ["chuyun-oidc-test-cookie-key"] },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, ...people[sub] }),
    }),
  });
  server.on("request", provider.callback());
  return { server, issuer };
}

/** A browser's cookies for the OP (one host; paths and expiry beyond deletion are not needed here). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  store(setCookies: string[]) {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=.*1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (expired || !value) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

const cookieOf = (res: { cookies: { name: string; value: string }[] }, name: string) => {
  const c = res.cookies.find((x) => x.name === name);
  assert.ok(c, `no ${name} cookie`);
  return `${name}=${c.value}`;
};

describe("OIDC sign-in against a certified OpenID Provider over HTTPS", () => {
  let dir: string;
  let op: { server: Server; issuer: string };
  let settings: OidcSettings;
  let dispatcher: Agent;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "chuyun-oidc-"));
    const certs = makeCertificates(dir);
    op = await startOp(certs.key, certs.cert);
    dispatcher = new Agent({ connect: { ca: readFileSync(certs.caFile, "utf8") } });
    settings = loadConfig({
      OIDC_ISSUER: op.issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_REDIRECT_URI: REDIRECT_URI,
      OIDC_SCOPE: "openid profile phone realname",
      OIDC_CA_FILE: certs.caFile,
    }).oidc!;
  });
  after(async () => {
    await new Promise((resolve) => op?.server.close(resolve));
    await dispatcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a non-HTTPS issuer when the configuration loads", () => {
    const env = {
      OIDC_ISSUER: "http://idp.example.gov.cn",
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_REDIRECT_URI: REDIRECT_URI,
    };
    assert.throws(() => loadConfig(env), /OIDC_ISSUER must be an https:\/\/ URL/);
    assert.throws(() => loadConfig({ ...env, OIDC_ISSUER: "idp.example.gov.cn" }), /OIDC_ISSUER/);
    assert.throws(
      () =>
        loadConfig({
          ...env,
          OIDC_ISSUER: "https://idp.example.gov.cn",
          OIDC_CLIENT_SECRET: "",
          OIDC_TOKEN_AUTH_METHOD: "client_secret_post",
        }),
      /OIDC_CLIENT_SECRET is required/,
    );
    assert.equal(
      loadConfig({ ...env, OIDC_ISSUER: "https://idp.example.gov.cn" }).oidc?.tokenAuthMethod,
      "client_secret_basic",
    );
  });

  for (const engine of ENGINES) {
    describe(`on ${engine}`, () => {
      let t: TestContext;
      before(async () => {
        t = await startPlatform(engine, { config: { oidc: settings } });
      });
      after(async () => t?.close());

      /** The OP as a browser reaches it: our CA trusted, redirects followed by hand, cookies kept. */
      const opRequest = (url: string, jar: CookieJar, form?: Record<string, string>) =>
        fetch(url, {
          dispatcher,
          redirect: "manual",
          method: form ? "POST" : "GET",
          headers: {
            cookie: jar.header(),
            ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
          },
          body: form ? new URLSearchParams(form).toString() : undefined,
        }).then(async (res) => {
          jar.store(res.headers.getSetCookie());
          return { status: res.status, location: res.headers.get("location"), body: await res.text() };
        });

      /** Runs the whole sign-in as `login`; returns our callback's answer and the citizen cookie. */
      async function signInAs(login: string) {
        const start = await t.app.inject({ url: "/sites/www/account/oidc/start?next=/sites/www/account/" });
        assert.equal(start.statusCode, 303);
        const authorize = new URL(start.headers.location as string);
        assert.equal(authorize.origin, op.issuer);
        assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
        assert.ok(authorize.searchParams.get("code_challenge"));
        assert.ok(authorize.searchParams.get("state"));
        assert.ok(authorize.searchParams.get("nonce"));
        const appCookie = cookieOf(start, "cy_oidc");

        const jar = new CookieJar();
        let url = authorize.href;
        let res = await opRequest(url, jar);
        for (let step = 0; step < 12; step++) {
          if (res.location) {
            url = new URL(res.location, url).href;
            if (url.startsWith(REDIRECT_URI)) break;
            res = await opRequest(url, jar);
            continue;
          }
          assert.equal(res.status, 200, res.body.slice(0, 500));
          const action = /<form[^>]*action="([^"]+)"/.exec(res.body)?.[1];
          const prompt = /name="prompt" value="(\w+)"/.exec(res.body)?.[1];
          assert.ok(action && prompt, `an OP page with a form: ${res.body.slice(0, 300)}`);
          const form: Record<string, string> =
            prompt === "login" ? { prompt, login, password: "any" } : { prompt };
          res = await opRequest(new URL(action, url).href, jar, form);
        }
        assert.ok(url.startsWith(REDIRECT_URI), `the OP sends the browser back to us: ${url}`);
        const back = new URL(url);
        assert.ok(back.searchParams.get("code"), url);
        const callback = await t.app.inject({
          url: back.pathname + back.search,
          headers: { cookie: appCookie },
        });
        return callback;
      }

      async function accountPage(login: string) {
        const callback = await signInAs(login);
        assert.equal(callback.statusCode, 303, callback.body.slice(0, 500));
        assert.equal(callback.headers.location, "/sites/www/account/");
        const page = await t.app.inject({
          url: "/sites/www/account/",
          headers: { cookie: cookieOf(callback, "cy_citizen") },
        });
        assert.equal(page.statusCode, 200);
        return page.body;
      }

      it("signs in with UserInfo claims and shows 已实名认证 with an ID number", async () => {
        const body = await accountPage("zhang.san");
        assert.match(body, /张三/, "the name comes from UserInfo");
        assert.match(body, /139\*\*\*\*2222/, "the phone comes from UserInfo");
        assert.match(body, /420102\*{8}/, "the ID number, masked");
        assert.match(body, /已实名认证/);
      });

      it("does not show 已实名认证 when the provider's flag comes without an ID number", async () => {
        const body = await accountPage("li.si");
        assert.match(body, /李四/);
        assert.doesNotMatch(body, /已实名认证/);
        assert.match(body, /未实名认证/);
      });

      it("refreshes name, phone, ID number and verification on every sign-in", async () => {
        const before = { ...people["zhang.san"] };
        people["zhang.san"] = { name: "张叁", phone_number: "13955556666", real_name_verified: false };
        try {
          const body = await accountPage("zhang.san");
          assert.match(body, /张叁/);
          assert.match(body, /139\*\*\*\*6666/);
          assert.doesNotMatch(body, /420102\*{8}/);
          assert.doesNotMatch(body, /已实名认证/);
        } finally {
          people["zhang.san"] = before;
        }
        assert.match(await accountPage("zhang.san"), /已实名认证/);
        const rows = await t.deps.store.db
          .selectFrom("accounts")
          .select("id")
          .where("provider", "=", "oidc")
          .where("subject", "=", "zhang.san")
          .execute();
        assert.equal(rows.length, 1, "one account per provider subject");
      });

      it("refuses a callback whose state does not match this browser's sign-in", async () => {
        const other = await t.app.inject({ url: "/sites/www/account/oidc/start" });
        const otherCookie = cookieOf(other, "cy_oidc");
        const start = await t.app.inject({ url: "/sites/www/account/oidc/start" });
        const state = new URL(start.headers.location as string).searchParams.get("state")!;
        const res = await t.app.inject({
          url: `/sites/www/account/oidc/callback?code=forged&state=${encodeURIComponent(state)}&iss=${encodeURIComponent(op.issuer)}`,
          headers: { cookie: otherCookie },
        });
        assert.equal(res.statusCode, 400);
        assert.match(res.body, /统一身份认证登录失败/);
      });
    });
  }
});
