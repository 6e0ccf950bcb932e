import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { citizenLogin, PNG } from "../onestop/test-helpers.ts";
import { fileRequest, ID_NUMBER } from "./fixtures.test.ts";
import { addressBucket } from "../../platform/lookup/lookup-guard.ts";
import {
  LOOKUP_TRIES_PAST_CEILING,
  LOOKUP_TRIES_PER_HOUR,
  LOOKUP_TRIES_PER_REQUEST_HOUR,
  LookupLimited,
} from "./requests.ts";

for (const engine of ENGINES) {
  describe(`disclosure requests on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("is linked from the 政务公开 directory and takes a request with an uploaded ID, masked and sealed", async () => {
      const dir = await t.app.inject({ url: "/sites/rst/zwgk" });
      assert.match(dir.body, /href="\/sites\/rst\/disclosure\/apply"/);
      const form = await t.app.inject({ url: "/sites/rst/disclosure/apply" });
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /政府信息公开申请/);

      const { res, queryNo, lookupCode } = await fileRequest(t);
      assert.equal(res.statusCode, 200, res.body.slice(0, 500));
      assert.match(queryNo, /^\d{14}$/);
      assert.match(lookupCode, /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/, "a readable 8-character code");

      const page = await t.app.inject({
        url: `/sites/rst/disclosure/lookup?no=${queryNo}&code=${lookupCode}`,
      });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /待分办/);
      assert.match(page.body, /李\*光/);
      assert.match(page.body, /420102\*{8}\d{3}[\dX]/);
      assert.match(page.body, /139\*\*\*\*5678/);
      assert.ok(!page.body.includes(ID_NUMBER), "ID number masked");
      assert.ok(!page.body.includes("李四光"), "name masked");

      // Sealed at rest: the raw columns hold no clear personal data.
      const raw = await t.deps.store.db
        .selectFrom("disclosureRequests")
        .select("id")
        .where("queryNo", "=", queryNo)
        .executeTakeFirstOrThrow();
      const { sql } = await import("kysely");
      const clear = await sql<{
        v: string;
      }>`SELECT applicant_name || id_number || phone AS v FROM disclosure_requests WHERE id = ${raw.id}`.execute(
        t.deps.store.db,
      );
      assert.ok(!clear.rows[0].v.includes(ID_NUMBER) && !clear.rows[0].v.includes("李四光"));

      const api = await t.app.inject({ url: `/api/disclosure/requests/${queryNo}?code=${lookupCode}` });
      assert.equal(api.statusCode, 200);
      const json = api.json();
      assert.deepEqual(Object.keys(json).sort(), ["dueDate", "outcome", "receivedAt", "status"]);
      assert.equal(json.status, "received");
      assert.match(json.dueDate, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(json.outcome, null);
    });

    it("refuses a request without a description, keeping everything typed", async () => {
      const { res } = await fileRequest(t, "rst", { description: "   " });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /所需的政府信息.*不能为空/);
      assert.match(res.body, /value="李四光"/);
      assert.match(res.body, /value="13912345678"/);
      assert.match(res.body, /了解补助政策/);
    });

    it("refuses a 50 MB ID file with a clear message, keeping everything typed", async () => {
      const big = Buffer.concat([PNG, Buffer.alloc(50 * 1024 * 1024)]);
      const before = await t.deps.store.db
        .selectFrom("disclosureRequests")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      const { res } = await fileRequest(t, "rst", {}, { name: "身份证.png", bytes: big, type: "image/png" });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /不能超过20MB/);
      assert.match(res.body, /2025年度本厅就业补助资金分配结果/);
      assert.match(res.body, /value="李四光"/);
      const afterCount = await t.deps.store.db
        .selectFrom("disclosureRequests")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      assert.equal(Number(afterCount.n), Number(before.n));
    });

    it("takes the identity from a signed-in real-name account and lists the request on the account page", async () => {
      const cookie = await citizenLogin(t, "13900000001");
      const { res, queryNo } = await fileRequest(
        t,
        "rst",
        { identity: "account", name: "", idNumber: "" },
        null,
        cookie,
      );
      assert.equal(res.statusCode, 200, res.body.slice(0, 800));
      const mine = await t.app.inject({ url: "/sites/rst/account/disclosure", headers: { cookie } });
      assert.equal(mine.statusCode, 200);
      assert.ok(mine.body.includes(queryNo));
      // Without an account the choice is refused with a message.
      const anon = await fileRequest(t, "rst", { identity: "account" }, null);
      assert.equal(anon.res.statusCode, 400);
      assert.match(anon.res.body, /请先登录实名账号/);
    });

    it("limits wrong lookup codes per request and address, with Retry-After, without locking the applicant out", async () => {
      const { queryNo, lookupCode } = await fileRequest(t);
      const api = (code: string, remoteAddress = "203.0.113.7") =>
        t.app.inject({ url: `/api/disclosure/requests/${queryNo}?code=${code}`, remoteAddress });
      for (let i = 0; i < LOOKUP_TRIES_PER_HOUR; i++) assert.equal((await api(`wrong-${i}`)).statusCode, 404);
      // The guessing address is refused, even with the right code, and told when to come back.
      const refused = await api(lookupCode);
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.json().error.code, "lookup_limited");
      assert.match(refused.json().error.message, /查询码输入错误次数过多/);
      const wait = Number(refused.headers["retry-after"]);
      assert.ok(
        Number.isInteger(wait) && wait >= 1 && wait <= 3600,
        `Retry-After ${refused.headers["retry-after"]}`,
      );
      const page = await t.app.inject({
        url: `/sites/rst/disclosure/lookup?no=${queryNo}&code=wrong-x`,
        remoteAddress: "203.0.113.7",
      });
      assert.equal(page.statusCode, 429);
      assert.ok(Number(page.headers["retry-after"]) >= 1);
      assert.match(page.body, /查询码输入错误次数过多/);
      const letter = await t.app.inject({
        url: `/sites/rst/disclosure/letter?no=${queryNo}&code=${lookupCode}`,
        remoteAddress: "203.0.113.7",
      });
      assert.equal(letter.statusCode, 429);
      assert.ok(Number(letter.headers["retry-after"]) >= 1);
      // The applicant, from their own address, still gets in with the right code.
      const mine = await api(lookupCode, "198.51.100.20");
      assert.equal(mine.statusCode, 200, mine.body);
      const mobile = await t.app.inject({
        url: `/sites/rst/disclosure/lookup?no=${queryNo}&code=${lookupCode}`,
        remoteAddress: "2001:db8:1:2::99",
      });
      assert.equal(mobile.statusCode, 200);
      // A wrong code on the 补正 form counts once (the page it comes back to does not count it again).
      for (let i = 0; i < LOOKUP_TRIES_PER_HOUR; i++) {
        const correct = await t.app.inject({
          method: "POST",
          url: "/sites/rst/disclosure/lookup/correct",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: new URLSearchParams({
            no: queryNo,
            code: `wrong-${i}`,
            correctionReply: "补正",
          }).toString(),
          remoteAddress: "203.0.113.8",
        });
        assert.equal(correct.statusCode, 404, `wrong code ${i + 1} on the 补正 form`);
      }
      // An hour later the guessing address may try again.
      const later = new Date(Date.now() + 3_600_000);
      assert.ok(await t.deps.disclosure.requests.lookup(queryNo, lookupCode, "203.0.113.7", later));
    });

    it("bounds guessing spread over many addresses and counts atomically under parallel guesses", async () => {
      const { queryNo, lookupCode } = await fileRequest(t);
      const lookup = (code: string, client: string) =>
        t.deps.disclosure.requests.lookup(queryNo, code, client);
      const outcomes = async (attempts: Promise<unknown>[]) => {
        const settled = await Promise.allSettled(attempts);
        return {
          wrong: settled.filter((s) => s.status === "fulfilled" && s.value === null).length,
          limited: settled.filter((s) => s.status === "rejected" && s.reason instanceof LookupLimited).length,
        };
      };
      // Parallel guesses from one address: exactly the hour's tries are answered, the rest refused.
      const burst = await outcomes(
        Array.from({ length: LOOKUP_TRIES_PER_HOUR + 15 }, (_, i) => lookup(`burst-${i}`, "192.0.2.1")),
      );
      assert.deepEqual(burst, { wrong: LOOKUP_TRIES_PER_HOUR, limited: 15 });
      // Addresses in one IPv6 /64 count as one.
      assert.equal(addressBucket("2001:db8:a:b:1::1"), addressBucket("2001:0db8:000a:000b:ffff::2"));
      assert.equal(addressBucket("::ffff:192.0.2.1"), "192.0.2.1");
      const v6 = await outcomes(
        Array.from({ length: LOOKUP_TRIES_PER_HOUR + 5 }, (_, i) =>
          lookup(`v6-${i}`, `2001:db8:a:b::${i + 1}`),
        ),
      );
      assert.deepEqual(v6, { wrong: LOOKUP_TRIES_PER_HOUR, limited: 5 });
      // Spread over many addresses the request's ceiling is reached…
      let spent = 2 * LOOKUP_TRIES_PER_HOUR;
      for (let a = 1; spent < LOOKUP_TRIES_PER_REQUEST_HOUR; a++) {
        const n = Math.min(LOOKUP_TRIES_PER_HOUR, LOOKUP_TRIES_PER_REQUEST_HOUR - spent);
        const r = await outcomes(Array.from({ length: n }, (_, i) => lookup(`spread-${i}`, `10.0.${a}.1`)));
        assert.deepEqual(r, { wrong: n, limited: 0 });
        spent += n;
      }
      // …after which each fresh address gets only a few tries (in parallel too)…
      const past = await outcomes(
        Array.from({ length: LOOKUP_TRIES_PER_HOUR }, (_, i) => lookup(`past-${i}`, "10.9.9.9")),
      );
      assert.deepEqual(past, {
        wrong: LOOKUP_TRIES_PAST_CEILING,
        limited: LOOKUP_TRIES_PER_HOUR - LOOKUP_TRIES_PAST_CEILING,
      });
      // …while the applicant's right code from their own address still opens it.
      assert.ok(await lookup(lookupCode, "198.51.100.20"));
      assert.ok(await lookup(lookupCode, "198.51.100.20"), "a right code takes no try");
    });
  });
}
