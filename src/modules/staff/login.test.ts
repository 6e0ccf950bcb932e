import QRCode from "qrcode";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { DEMO_PASSWORD, StaffSession, totpCode } from "../../../test/staff-session.ts";
import { LOCKED_MESSAGE, LOGIN_FAILED_MESSAGE } from "./service.ts";

for (const engine of ENGINES) {
  describe(`staff login on ${engine}`, () => {
    let t: TestContext;
    let adminSecret = "";
    /** The operator signed in by the TOTP test (each TOTP code signs in once, so it is reused). */
    let adminSession: StaffSession | null = null;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("signs an editor in and sends an anonymous visitor to the login form", async () => {
      const anon = new StaffSession(t.app, "10.0.0.1");
      const res = await anon.get("/admin/articles");
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, "/admin/login?next=%2Fadmin%2Farticles");
      const s = await StaffSession.login(t.app, "rst_editor", { remoteAddress: "10.0.0.1" });
      const home = await s.get("/admin");
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /人社厅编辑/);
      assert.match(home.body, /我的草稿/);
    });

    it("gives one message for an unknown user and a wrong password, and honours only local next", async () => {
      const s = new StaffSession(t.app, "10.0.0.2");
      const unknown = await s.submitLogin("nobody_here", DEMO_PASSWORD);
      const wrong = await s.submitLogin("rst_reviewer", "Wrong@password1");
      assert.equal(unknown.statusCode, 401);
      assert.equal(wrong.statusCode, 401);
      assert.ok(unknown.body.includes(LOGIN_FAILED_MESSAGE));
      assert.ok(wrong.body.includes(LOGIN_FAILED_MESSAGE));
      assert.match(wrong.body, /value="rst_reviewer"/, "the typed user name is kept");
      const evil = await s.submitLogin("rst_reviewer", DEMO_PASSWORD, "//evil.example.com/x");
      assert.equal(evil.headers.location, "/admin");
      const s2 = new StaffSession(t.app, "10.0.0.2");
      const good = await s2.submitLogin("rst_reviewer", DEMO_PASSWORD, "/admin/review");
      assert.equal(good.headers.location, "/admin/review");
    });

    it("refuses a login form posted without its CSRF token", async () => {
      const s = new StaffSession(t.app, "10.0.0.3");
      await s.get("/admin/login");
      const res = await s.post("/admin/login", {
        _csrf: "forged",
        username: "rst_admin",
        password: DEMO_PASSWORD,
      });
      assert.equal(res.statusCode, 403);
      assert.equal(s.cookies.has("cy_staff"), false);
    });

    it("makes an operator enrol TOTP at first login, then asks for a code every time", async () => {
      const first = new StaffSession(t.app, "10.0.0.6");
      const res = await first.submitLogin("admin", DEMO_PASSWORD);
      assert.equal(res.headers.location, "/admin/login/totp");
      // Half-signed-in: the console is still closed.
      const blocked = await first.get("/admin");
      assert.equal(blocked.statusCode, 303);
      const page = await first.get("/admin/login/totp");
      const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.body)?.[1];
      assert.ok(secret, "the secret is shown in base32");
      adminSecret = secret;
      assert.match(page.body, /otpauth:\/\/totp\//);
      // A QR code to scan: the otpauth link drawn as an SVG image (the secret text stays as fallback).
      const uri = /<code class="break">([^<]+)</.exec(page.body)![1].replace(/&amp;/g, "&");
      const qr = /<img class="totp-qr" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(page.body)?.[1];
      assert.ok(qr, "the enrolment page shows a QR code");
      const expected = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
      assert.equal(Buffer.from(qr, "base64").toString(), expected, "the QR code encodes the otpauth link");
      first.csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
      const bad = await first.post("/admin/login/totp", {
        code: "000000" === totpCode(secret) ? "111111" : "000000",
      });
      assert.equal(bad.statusCode, 401);
      assert.match(bad.body, /动态验证码错误/);
      const ok = await first.post("/admin/login/totp", { code: totpCode(secret) });
      assert.equal(ok.statusCode, 303);
      assert.equal((await first.get("/admin")).statusCode, 200);

      // Next login: no enrolment page, the stored secret's code is required.
      const second = new StaffSession(t.app, "10.0.0.7");
      await second.submitLogin("admin", DEMO_PASSWORD);
      const ask = await second.get("/admin/login/totp");
      assert.doesNotMatch(ask.body, /totp-secret/);
      const again = await StaffSession.login(t.app, "admin", {
        totpSecret: secret,
        remoteAddress: "10.0.0.7",
      });
      assert.equal((await again.get("/admin")).statusCode, 200);
      adminSession = again;
    });

    it("locks an account after five failures, even for the right password, until unlocked", async () => {
      const s = new StaffSession(t.app, "10.0.0.4");
      for (let i = 0; i < 4; i++) {
        const res = await s.submitLogin("rst_admin", `Wrong@pass${i}x`);
        assert.ok(res.body.includes(LOGIN_FAILED_MESSAGE));
      }
      const fifth = await s.submitLogin("rst_admin", "Wrong@pass5x");
      assert.ok(fifth.body.includes(LOCKED_MESSAGE));
      const right = await s.submitLogin("rst_admin", DEMO_PASSWORD);
      assert.equal(right.statusCode, 401);
      assert.ok(right.body.includes(LOCKED_MESSAGE));
      const user = await t.deps.store.db
        .selectFrom("staffUsers")
        .select("lockedUntil")
        .where("username", "=", "rst_admin")
        .executeTakeFirstOrThrow();
      const minutes = (Date.parse(user.lockedUntil!) - Date.now()) / 60000;
      assert.ok(minutes > 14 && minutes <= 15, `locked for ${minutes} minutes`);
      // An operator resets the lockout from the users page.
      const admin =
        adminSession ??
        (await StaffSession.login(t.app, "admin", { remoteAddress: "10.0.0.5", totpSecret: adminSecret }));
      const id = (
        await t.deps.store.db
          .selectFrom("staffUsers")
          .select("id")
          .where("username", "=", "rst_admin")
          .executeTakeFirstOrThrow()
      ).id;
      const unlock = await admin.post(`/admin/users/${id}/unlock`);
      assert.equal(unlock.statusCode, 303);
      await StaffSession.login(t.app, "rst_admin", { remoteAddress: "10.0.0.4" });
    });

    it("logs out only with a CSRF token, and the session is gone afterwards", async () => {
      const s = await StaffSession.login(t.app, "www_editor", { remoteAddress: "10.0.0.8" });
      const forged = await s.post("/admin/logout", { _csrf: "nope" });
      assert.equal(forged.statusCode, 403);
      assert.equal((await s.get("/admin")).statusCode, 200);
      const out = await s.post("/admin/logout");
      assert.equal(out.statusCode, 303);
      assert.equal((await s.get("/admin")).statusCode, 303);
    });

    it("rate-limits the login route per address", async () => {
      const s = new StaffSession(t.app, "10.0.0.9");
      await s.get("/admin/login");
      s.csrf = "x";
      let limited = false;
      for (let i = 0; i < 25 && !limited; i++) {
        const res = await s.post("/admin/login", { username: "nobody", password: "x" });
        limited = res.statusCode === 429;
      }
      assert.ok(limited, "the 21st attempt within a minute is refused");
    });

    it("audits successful and failed logins", async () => {
      const rows = await t.deps.store.db
        .selectFrom("auditLog")
        .select(["action", "actor"])
        .where("action", "like", "staff.login%")
        .execute();
      assert.ok(rows.some((r) => r.action === "staff.login" && r.actor === "rst_editor"));
      assert.ok(rows.some((r) => r.action === "staff.login.failed" && r.actor === "rst_admin"));
      assert.ok(rows.some((r) => r.action === "staff.login.failed" && r.actor === "anonymous"));
    });
  });
}
