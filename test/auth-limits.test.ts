import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import { ENGINES, startPlatform, type TestContext } from "./engines.ts";
import { csrfOf, DEMO_PASSWORD, totpCode } from "./staff-session.ts";
import { newTotpSecret } from "../src/modules/staff/totp.ts";
import { DEMO_CITIZENS } from "../src/modules/onestop/seed.ts";
import { lastSmsCode } from "../src/modules/mailbox/test-helpers.ts";

/**
 * Attempt limits under parallel requests: a burst of guesses sent at once must not all be checked
 * (each attempt is reserved with an atomic increment before the secret is compared), so the right
 * secret sent together with, or after, `limit` wrong ones does not get in.
 */

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const LIMIT = 5;

function cookiesOf(res: LightMyRequestResponse): string {
  return res.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}

/** The sign-in form's cookies and token (the pre-session CSRF pair). */
async function loginForm(t: TestContext, url: string, ip: string): Promise<{ cookie: string; csrf: string }> {
  const page = await t.app.inject({ url, remoteAddress: ip });
  assert.equal(page.statusCode, 200);
  return { cookie: cookiesOf(page), csrf: csrfOf(page.body) ?? "" };
}

/** Audit entries of failed sign-ins for an actor, by reason. */
async function failures(t: TestContext, action: string, actor: string): Promise<Record<string, number>> {
  const rows = await t.deps.store.db
    .selectFrom("auditLog")
    .select("detail")
    .where("action", "=", action)
    .where("actor", "=", actor)
    .execute();
  const byReason: Record<string, number> = {};
  for (const r of rows) {
    const reason = String((JSON.parse(r.detail) as { reason?: string }).reason);
    byReason[reason] = (byReason[reason] ?? 0) + 1;
  }
  return byReason;
}

for (const engine of ENGINES) {
  describe(`attempt limits under parallel requests on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("checks at most five of 24 wrong staff passwords plus the right one sent at once", async () => {
      const { cookie, csrf } = await loginForm(t, "/admin/login", "10.50.0.1");
      const passwords = [...Array.from({ length: 24 }, (_, i) => `Wrong@pass${i}x`), DEMO_PASSWORD];
      const answers = await Promise.all(
        passwords.map((password, i) =>
          t.app.inject({
            method: "POST",
            url: "/admin/login",
            remoteAddress: `10.50.1.${i + 1}`,
            headers: { ...FORM, cookie },
            payload: new URLSearchParams({ _csrf: csrf, username: "rst_editor", password }).toString(),
          }),
        ),
      );
      const signedIn = answers.filter((a) => a.statusCode === 303).length;
      const byReason = await failures(t, "staff.login.failed", "rst_editor");
      const checked = (byReason.password ?? 0) + signedIn;
      console.log(`[figures] ${engine} staff parallel 24+1: signed in ${signedIn}, checked ${checked}`);
      assert.ok(checked <= LIMIT, `at most ${LIMIT} passwords checked, not ${checked}`);
      assert.equal(answers.at(-1)!.statusCode, 401, "the right password sent last does not sign in");
      assert.ok(answers.every((a) => a.statusCode === 401));
      // And afterwards the account is locked: the right password alone is refused too.
      const again = await loginForm(t, "/admin/login", "10.50.0.2");
      const late = await t.app.inject({
        method: "POST",
        url: "/admin/login",
        remoteAddress: "10.50.0.2",
        headers: { ...FORM, cookie: again.cookie },
        payload: new URLSearchParams({
          _csrf: again.csrf,
          username: "rst_editor",
          password: DEMO_PASSWORD,
        }).toString(),
      });
      assert.equal(late.statusCode, 401);
      assert.match(late.body, /账号已锁定/);
    });

    it("checks at most five TOTP codes sent at once on one half-finished sign-in", async () => {
      const secret = newTotpSecret();
      const op = await t.deps.staff.create(
        { username: "burst_op", displayName: "并发测试", password: DEMO_PASSWORD, isOperator: true },
        "test",
      );
      await t.deps.store.db
        .updateTable("staffUsers")
        .set({ totpSecret: secret })
        .where("id", "=", op.id)
        .execute();
      const form = await loginForm(t, "/admin/login", "10.51.0.1");
      const pw = await t.app.inject({
        method: "POST",
        url: "/admin/login",
        remoteAddress: "10.51.0.1",
        headers: { ...FORM, cookie: form.cookie },
        payload: new URLSearchParams({
          _csrf: form.csrf,
          username: "burst_op",
          password: DEMO_PASSWORD,
        }).toString(),
      });
      assert.equal(pw.headers.location, "/admin/login/totp");
      const pending = cookiesOf(pw);
      const page = await t.app.inject({ url: "/admin/login/totp", headers: { cookie: pending } });
      const csrf = csrfOf(page.body)!;
      const right = totpCode(secret);
      const wrong = Array.from({ length: 24 }, (_, i) =>
        String((Number(right) + 1000 + i * 7919) % 1_000_000).padStart(6, "0"),
      );
      const answers = await Promise.all(
        [...wrong, right].map((code, i) =>
          t.app.inject({
            method: "POST",
            url: "/admin/login/totp",
            remoteAddress: `10.51.1.${i + 1}`,
            headers: { ...FORM, cookie: pending },
            payload: new URLSearchParams({ _csrf: csrf, code }).toString(),
          }),
        ),
      );
      const signedIn = answers.filter((a) => a.statusCode === 303 && a.headers.location === "/admin").length;
      const byReason = await failures(t, "staff.login.failed", "burst_op");
      const checked = (byReason.totp ?? 0) + signedIn;
      console.log(`[figures] ${engine} TOTP parallel 24+1: signed in ${signedIn}, checked ${checked}`);
      assert.ok(checked <= LIMIT, `at most ${LIMIT} codes checked, not ${checked}`);
      assert.equal(signedIn, 0, "the right code sent after 24 wrong ones does not sign in");
    });

    it("checks at most five of 24 wrong citizen passwords plus the right one sent at once", async () => {
      const loginName = DEMO_CITIZENS.person.loginName;
      const url = "/sites/www/account/login";
      const { cookie, csrf } = await loginForm(t, url, "10.52.0.1");
      const passwords = [...Array.from({ length: 24 }, (_, i) => `Wrong@pass${i}x`), DEMO_PASSWORD];
      const answers = await Promise.all(
        passwords.map((password, i) =>
          t.app.inject({
            method: "POST",
            url,
            remoteAddress: `10.52.1.${i + 1}`,
            headers: { ...FORM, cookie },
            payload: new URLSearchParams({ _csrf: csrf, loginName, password }).toString(),
          }),
        ),
      );
      const signedIn = answers.filter((a) => a.statusCode === 303).length;
      const account = await t.deps.store.db
        .selectFrom("accounts")
        .select("id")
        .where("loginName", "=", `ph:${t.deps.store.cipher.blindIndex("phone", loginName)}`)
        .executeTakeFirstOrThrow();
      const byReason = await failures(t, "account.login.failed", `account:${account.id}`);
      const wrongAnswers = answers.filter((a) => a.body.includes("账号或密码错误")).length;
      const checked = Math.max((byReason.password ?? 0) + signedIn, wrongAnswers + signedIn);
      console.log(`[figures] ${engine} citizen parallel 24+1: signed in ${signedIn}, checked ${checked}`);
      assert.ok(checked <= LIMIT, `at most ${LIMIT} passwords checked, not ${checked}`);
      assert.equal(signedIn, 0, "the right password sent last does not sign in");
    });

    it("checks at most five of 29 wrong phone codes plus the right one sent at once", async () => {
      const phone = "13900000077";
      await t.deps.phone.request(phone, "letter", "10.53.0.1");
      const right = await lastSmsCode(t.deps, phone);
      const wrong = Array.from({ length: 29 }, (_, i) =>
        String((Number(right) + 1000 + i * 7919) % 1_000_000).padStart(6, "0"),
      );
      const site = t.deps.sites.byCodeCached("rst")!;
      const answers = await Promise.all(
        [...wrong, right].map((code, i) =>
          t.app.inject({
            method: "POST",
            url: "/sites/rst/interaction/write",
            remoteAddress: `10.53.1.${i + 1}`,
            headers: FORM,
            payload: new URLSearchParams({
              addressee: `leader:${site.id}`,
              kind: "consult",
              subject: "并发验证码测试",
              content: "我想了解养老保险关系如何转移接续，需要哪些材料？",
              name: "张三",
              phone,
              publishConsent: "1",
              code,
              action: "submit",
            }).toString(),
          }),
        ),
      );
      const filed = answers.filter((a) => /class="query-no"/.test(a.body)).length;
      const wrongAnswers = answers.filter((a) => a.body.includes("验证码不正确")).length;
      const row = await t.deps.store.db
        .selectFrom("phoneCodes")
        .select("attempts")
        .where("phone", "=", t.deps.phone.phoneKey(phone))
        .executeTakeFirstOrThrow();
      const checked = Math.max(wrongAnswers + filed, Math.min(row.attempts, 30));
      console.log(`[figures] ${engine} phone codes parallel 29+1: filed ${filed}, checked ${checked}`);
      assert.ok(checked <= LIMIT, `at most ${LIMIT} codes checked, not ${checked}`);
      assert.equal(filed, 0, "the right code sent after 29 wrong ones does not file a letter");
    });
  });
}
