import { nowIso } from "../../platform/time/china-time.ts";
import { after, before, describe, it } from "node:test";

import assert from "node:assert/strict";
import { startPlatform, type TestContext } from "../../../test/engines.ts";

import { PrivateRedis } from "../../../test/production/processes.ts";

import { DEMO_PASSWORD, StaffSession } from "../../../test/staff-session.ts";

import { hashPassword } from "../../platform/auth/passwords.ts";

import { STAFF_COOKIE } from "./auth.ts";

/**
 * Regression: disabling staff user N deleted every session with user id N, citizens' included (their
 * ids are a separate sequence), and nothing at all when sessions live in Redis. Now it ends exactly
 * that staff user's sessions, on both session stores.
 */
for (const store of ["sql", "redis"] as const) {
  describe(`disabling a staff user ends only that user's sessions (${store} sessions)`, () => {
    let t: TestContext;
    let redis: PrivateRedis | null = null;
    before(async () => {
      redis = store === "redis" ? await PrivateRedis.start() : null;
      t = await startPlatform("sqlite", { config: redis ? { redisUrl: redis.url } : {} });
    });
    after(async () => {
      await t?.close();
      await redis?.stop();
    });

    it("keeps the citizen with the same numeric id signed in", async () => {
      const { staff, sessions } = t.deps;
      const user = await staff.create(
        { username: `twin${store}`, displayName: "同号工作人员", password: DEMO_PASSWORD },
        "test",
      );
      // A citizen account with the same id as the staff user.
      await t.deps.store.db
        .insertInto("accounts")
        .values({
          id: user.id,
          kind: "person",
          loginName: `1390000${String(user.id).padStart(4, "0")}`,
          name: "同号群众",
          phone: `1390000${String(user.id).padStart(4, "0")}`,
          passwordHash: await hashPassword(DEMO_PASSWORD),
          verified: 1,
          provider: "local",
          subject: `twin-${user.id}`,
          createdAt: nowIso(),
        })
        .execute();
      const citizen = await sessions.create(user.id, "citizen", 3600);
      const citizenCookie = `cy_citizen=${t.app.signCookie(citizen.token)}`;
      const accountPage = () =>
        t.app.inject({ url: "/sites/www/account/", headers: { cookie: citizenCookie } });
      assert.equal((await accountPage()).statusCode, 200);

      const desk = await StaffSession.login(t.app, user.username);
      assert.equal((await desk.get("/admin")).statusCode, 200);
      const staffToken = t.app.unsignCookie(desk.cookies.get(STAFF_COOKIE)!).value!;
      assert.ok(await sessions.get(staffToken));

      await staff.setDisabled(user.id, true, "test");

      assert.equal(await sessions.get(staffToken), null, "the staff session is gone from the store");
      assert.equal((await desk.get("/admin")).statusCode, 303);
      assert.ok(await sessions.get(citizen.token), "the citizen's session is kept");
      assert.equal((await accountPage()).statusCode, 200);

      // Enabling the account again does not bring the old session back.
      await staff.setDisabled(user.id, false, "test");
      assert.equal((await desk.get("/admin")).statusCode, 303);
      assert.equal((await accountPage()).statusCode, 200);
    });
  });
}
