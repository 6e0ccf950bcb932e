import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { LOOKUP_TRIES_PER_HOUR, LookupLimited } from "../../platform/lookup/lookup-guard.ts";
import { citizenLogin } from "../onestop/test-helpers.ts";
import { fileLetter, lastSmsCode } from "./test-helpers.ts";

for (const engine of ENGINES) {
  describe(`letter lookup codes on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    const lookup = (no: string, code: string, ip: string) =>
      t.app.inject({ url: `/sites/rst/interaction/lookup?no=${no}&code=${code}`, remoteAddress: ip });

    it("lets the writer look again and again, refuses a guessing address after ten wrong codes an hour, and never locks the writer out", async () => {
      const filed = await fileLetter(t.app, t.deps, "rst", { phone: "13900000071" }, "10.7.0.1");
      const other = await fileLetter(t.app, t.deps, "rst", { phone: "13900000072" }, "10.7.0.2");
      for (let i = 0; i < 3; i++)
        assert.equal((await lookup(filed.queryNo, filed.lookupCode, "10.7.1.1")).statusCode, 200);

      // Guesses from one address at once: exactly ten are checked, the rest refused.
      const letters = t.deps.mailbox.letters;
      const guesses = await Promise.allSettled(
        Array.from({ length: LOOKUP_TRIES_PER_HOUR + 8 }, (_, i) =>
          letters.lookup(filed.queryNo, `guess-${i}`, "10.7.9.9"),
        ),
      );
      assert.equal(
        guesses.filter((g) => g.status === "fulfilled" && g.value === null).length,
        LOOKUP_TRIES_PER_HOUR,
      );
      assert.ok(guesses.every((g) => g.status === "fulfilled" || g.reason instanceof LookupLimited));

      // That address now waits even with the right code, told when to come back; no letter shown.
      const refused = await lookup(filed.queryNo, filed.lookupCode, "10.7.9.9");
      assert.equal(refused.statusCode, 429);
      assert.match(refused.body, /查询码输入错误次数过多/);
      assert.ok(Number(refused.headers["retry-after"]) >= 1);
      assert.ok(!refused.body.includes("咨询养老保险转移接续"), "no letter shown");
      // The writer, from their own address, still reads the letter; another letter is not affected.
      assert.equal((await lookup(filed.queryNo, filed.lookupCode, "10.7.1.2")).statusCode, 200);
      assert.equal((await lookup(other.queryNo, other.lookupCode, "10.7.1.3")).statusCode, 200);

      // The next hour the guessing address may try again.
      const later = new Date(Date.now() + 3_600_000);
      assert.ok(await letters.lookup(filed.queryNo, filed.lookupCode, "10.7.9.9", later));
    });

    it("forgets wrong-code counters of past hours, of letters nobody looks up again", async () => {
      const filed = await fileLetter(t.app, t.deps, "rst", { phone: "13900000074" }, "10.7.0.4");
      const letters = t.deps.mailbox.letters;
      // Mid-hour, so the sweep's "this hour" is the lookups' hour whenever the test runs.
      const now = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 1_800_000);
      const id = (await letters.lookup(filed.queryNo, filed.lookupCode, "10.7.3.0", now))!.id;
      for (const ip of ["10.7.3.1", "10.7.3.2", "2001:db8:7::1"])
        assert.equal(await letters.lookup(filed.queryNo, "WRONGCODE", ip, now), null);
      const counters = async () =>
        (
          await t.deps.store.db
            .selectFrom("kv")
            .select("key")
            .where("key", "like", `mailbox:lookup-fails:${id}:%`)
            .execute()
        ).length;
      assert.equal(
        await counters(),
        5,
        "the letter's count and one per address (the right code's given back, at 0)",
      );
      await letters.sweepLookupCounters(new Date(now.getTime() + 1_000_000));
      assert.equal(await counters(), 5, "this hour's counters stay");
      await letters.sweepLookupCounters(new Date(now.getTime() + 3_600_000));
      assert.equal(await counters(), 0, "past hours' counters are gone");
      assert.ok(await letters.lookup(filed.queryNo, filed.lookupCode, "10.7.3.1"), "and the letter opens");
    });

    it("stops opening a letter a year after it was closed", async () => {
      const filed = await fileLetter(t.app, t.deps, "rst", { phone: "13900000073" }, "10.7.0.3");
      const close = (at: Date) =>
        t.deps.store.db
          .updateTable("letters")
          .set({ status: "reviewed", repliedAt: at.toISOString(), updatedAt: at.toISOString() })
          .where("queryNo", "=", filed.queryNo)
          .execute();
      const day = 86_400_000;
      await close(new Date(Date.now() - 300 * day));
      assert.equal((await lookup(filed.queryNo, filed.lookupCode, "10.7.2.1")).statusCode, 200);

      await close(new Date(Date.now() - 367 * day));
      const expired = await lookup(filed.queryNo, filed.lookupCode, "10.7.2.2");
      assert.equal(expired.statusCode, 410);
      assert.match(expired.body, /已办结满一年，查询码已失效/);
      assert.ok(!expired.body.includes("咨询养老保险转移接续"), "no letter shown");
      // A wrong code still says nothing about the letter.
      assert.equal((await lookup(filed.queryNo, "wrong-code-000", "10.7.2.3")).statusCode, 404);
    });

    it("starts a signed-in citizen's letter with their name and phone; only a post with the session's token makes it theirs", async () => {
      const cookie = await citizenLogin(t, "13900000001");
      const form = await t.app.inject({ url: "/sites/rst/interaction/write", headers: { cookie } });
      assert.match(form.body, /id="name"[^>]*value="张三"/);
      assert.match(form.body, /id="phone"[^>]*value="13900000001"/);
      assert.ok(form.body.includes('name="code"'), "the phone code is asked for as always");
      assert.match(String(form.headers["cache-control"]), /no-store/, "never cached for another visitor");
      const anonymous = await t.app.inject({ url: "/sites/rst/interaction/write" });
      assert.ok(!anonymous.body.includes("张三") && !anonymous.body.includes('name="_csrf"'));
      // Without a code, signed in or not: refused, with what was typed kept.
      const post = (fields: Record<string, string>) =>
        t.app.inject({
          method: "POST",
          url: "/sites/rst/interaction/write",
          remoteAddress: "10.8.1.1",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie },
          payload: new URLSearchParams({
            addressee: `leader:${t.deps.sites.byCodeCached("rst")!.id}`,
            kind: "consult",
            subject: "实名账号写信",
            content: "请问灵活就业人员参保后如何查询缴费记录？",
            name: "张三",
            phone: "13900000001",
            action: "submit",
            ...fields,
          }).toString(),
        });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1];
      const refused = await post({ code: "", _csrf: csrf });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /请填写6位短信验证码/);
      assert.ok(refused.body.includes("请问灵活就业人员参保后如何查询缴费记录？"), "input kept");
      // A post from elsewhere carrying the session cookie but not its token is filed, but not as the account's.
      const listed = async (queryNo: string) =>
        (await t.app.inject({ url: "/sites/rst/account/letters", headers: { cookie } })).body.includes(
          queryNo,
        );
      const filed = async (fields: Record<string, string>) => {
        await t.app.inject({
          method: "POST",
          url: "/sites/rst/interaction/write",
          remoteAddress: "10.8.1.1",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: new URLSearchParams({ phone: "13900000001", action: "code" }).toString(),
        });
        const res = await post({ code: await lastSmsCode(t.deps, "13900000001"), ...fields });
        assert.equal(res.statusCode, 200);
        return /class="query-no">(\d{14})</.exec(res.body)![1];
      };
      assert.equal(await listed(await filed({})), false, "no token: not the account's letter");
      assert.equal(await listed(await filed({ _csrf: csrf })), true, "with the token: on 我的信件");
    });

    it("lists a signed-in citizen's letters on 我的信件 with their answers, and no one else's", async () => {
      const cookie = await citizenLogin(t, "13900000001");
      const subject = `我的信件测试${engine}`;
      const mine = await fileLetter(
        t.app,
        t.deps,
        "rst",
        { phone: "13900000081", subject },
        "10.8.0.1",
        cookie,
      );
      assert.equal(mine.status, 200);
      const signedOut = await fileLetter(t.app, t.deps, "rst", { phone: "13900000082" }, "10.8.0.2");
      const list = await t.app.inject({ url: "/sites/rst/account/letters", headers: { cookie } });
      assert.equal(list.statusCode, 200);
      assert.ok(list.body.includes(subject) && list.body.includes(mine.queryNo), "the letter is listed");
      assert.ok(!list.body.includes(signedOut.queryNo), "a letter written signed out is not");
      const id = /account\/letters\/(\d+)"/.exec(list.body)![1];
      const detail = await t.app.inject({ url: `/sites/rst/account/letters/${id}`, headers: { cookie } });
      assert.equal(detail.statusCode, 200);
      assert.ok(detail.body.includes(mine.queryNo) && detail.body.includes("养老保险关系如何转移接续"));
      const otherId = (await t.deps.mailbox.letters.lookup(
        signedOut.queryNo,
        signedOut.lookupCode,
        "10.8.0.2",
      ))!.id;
      const other = await t.app.inject({ url: `/sites/rst/account/letters/${otherId}`, headers: { cookie } });
      assert.equal(other.statusCode, 404, "another person's letter is not shown");
      // Replied: the writer rates it from 我的信件, with the session (the lookup code may be long lost).
      await t.deps.store.db
        .updateTable("letters")
        .set({ status: "reviewed", answer: "已按规定办理。", repliedAt: new Date().toISOString() })
        .where("id", "=", Number(id))
        .execute();
      const replied = await t.app.inject({ url: `/sites/rst/account/letters/${id}`, headers: { cookie } });
      assert.match(replied.body, /<h1>我的信件<\/h1>/);
      const action = `/sites/rst/account/letters/${id}/rate`;
      assert.ok(replied.body.includes(`action="${action}"`), "the rating form");
      const csrf = /name="_csrf" value="([^"]+)"/.exec(replied.body.split(action)[1] ?? "")![1];
      const rate = (form: Record<string, string>, who = cookie) =>
        t.app.inject({
          method: "POST",
          url: action,
          headers: { cookie: who, "content-type": "application/x-www-form-urlencoded" },
          payload: new URLSearchParams(form).toString(),
        });
      assert.equal((await rate({ rating: "satisfied", solved: "1" })).statusCode, 403, "no CSRF token");
      const incomplete = await rate({ _csrf: csrf, rating: "satisfied", note: "谢谢" });
      assert.equal(incomplete.statusCode, 400);
      assert.match(incomplete.body, /请选择问题是否已解决/);
      assert.match(incomplete.body, /谢谢/, "what was written is kept");
      const done = await rate({ _csrf: csrf, rating: "satisfied", solved: "1" });
      assert.equal(done.statusCode, 200);
      assert.match(done.body, /感谢您的评价/);
      const stored = await t.deps.store.db
        .selectFrom("letters")
        .select(["rating", "solved"])
        .where("id", "=", Number(id))
        .executeTakeFirstOrThrow();
      assert.deepEqual([stored.rating, Number(stored.solved)], ["satisfied", 1]);
      const anonymous = await t.app.inject({ url: "/sites/rst/account/letters" });
      assert.notEqual(anonymous.statusCode, 200, "signed out, the page asks to sign in");
      assert.ok(!anonymous.body.includes(subject));
    });
  });
}
