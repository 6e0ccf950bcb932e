import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { minimalPdf } from "../../seed/sample-files.ts";
import { fileLetter, lastSmsCode, multipart } from "./test-helpers.ts";

const form = { "content-type": "application/x-www-form-urlencoded" };

for (const engine of ENGINES) {
  describe(`interaction letters on ${engine}`, () => {
    let t: TestContext;
    before(async () => {
      t = await startPlatform(engine);
    });
    after(async () => t?.close());

    it("every site's interaction channel opens the interaction centre", async () => {
      const home = await t.app.inject({ url: "/sites/rst/" });
      assert.match(home.body, /href="\/sites\/rst\/interaction\/"/);
      const res = await t.app.inject({ url: "/sites/rst/interaction/" });
      assert.equal(res.statusCode, 200);
      for (const heading of ["我要写信", "信件查询", "办理情况", "最新答复", "意见征集", "网上调查"])
        assert.ok(res.body.includes(heading), heading);
    });

    it("files a letter with a phone code and finds it again only with the lookup code", async () => {
      const script = `<script>alert("x")</script>`;
      const filed = await fileLetter(
        t.app,
        t.deps,
        "rst",
        {
          phone: "13900000001",
          subject: `${script}社保卡挂失`,
          content: `社保卡丢了怎么挂失？${script}<img src=x onerror=alert(1)>`,
          name: `<b>李四</b>`,
        },
        "10.0.1.1",
      );
      assert.equal(filed.status, 200);
      assert.match(filed.queryNo, /^\d{14}$/);
      // A code people can read aloud: 8 characters without 0/O/1/I/L.
      assert.match(filed.lookupCode, /^[2-9A-HJKMNP-Z]{8}$/);
      const own = await t.app.inject({
        url: `/sites/rst/interaction/lookup?no=${filed.queryNo}&code=${filed.lookupCode}`,
      });
      assert.equal(own.statusCode, 200);
      assert.ok(
        own.body.includes("&lt;script>alert(&quot;x&quot;)&lt;/script>社保卡挂失"),
        "subject shown as text",
      );
      assert.ok(!own.body.includes('<script>alert("x")'), "no live script");
      assert.ok(!own.body.includes("<img src=x"), "no live image tag");
      assert.ok(own.body.includes("办理中"), "addressed to a department's leader mailbox: owned at once");

      // Another citizen knows the number but not the code: nothing at all.
      const last = filed.lookupCode.at(-1) === "A" ? "B" : "A";
      for (const code of ["", "wrong-code-123456", filed.lookupCode.slice(0, -1) + last]) {
        const res = await t.app.inject({
          url: `/sites/rst/interaction/lookup?no=${filed.queryNo}&code=${code}`,
        });
        assert.ok(!res.body.includes("社保卡挂失"), `no data with code "${code}"`);
        assert.ok(!res.body.includes("13900000001") && !res.body.includes("139****0001"));
      }
      const noCode = await t.app.inject({ url: `/sites/rst/interaction/lookup?no=${filed.queryNo}` });
      assert.equal(noCode.statusCode, 404);
      assert.match(noCode.body, /未找到该信件/);
    });

    it("opens a letter with its code in any case and grouping, and with a code issued before", async () => {
      const filed = await fileLetter(t.app, t.deps, "rst", { phone: "13900000061" }, "10.0.1.61");
      const typed = `${filed.lookupCode.slice(0, 4).toLowerCase()} ${filed.lookupCode.slice(4)}`;
      const res = await t.app.inject({
        url: `/sites/rst/interaction/lookup?no=${filed.queryNo}&code=${encodeURIComponent(typed)}`,
      });
      assert.equal(res.statusCode, 200);
      assert.ok(res.body.includes("咨询养老保险转移接续"), "found with a lower-case, spaced code");
      // A code issued before the readable alphabet (16 case-sensitive characters) still works as typed.
      const old = "Ab3_xY9-kLmN0pQr";
      await t.deps.store.db
        .updateTable("letters")
        .set({ lookupHash: createHash("sha256").update(old).digest("hex") })
        .where("queryNo", "=", filed.queryNo)
        .execute();
      const again = await t.app.inject({
        url: `/sites/rst/interaction/lookup?no=${filed.queryNo}&code=${encodeURIComponent(old)}`,
      });
      assert.ok(again.body.includes("咨询养老保险转移接续"), "an old code opens its letter");
      const wrongCase = await t.app.inject({
        url: `/sites/rst/interaction/lookup?no=${filed.queryNo}&code=${encodeURIComponent(old.toLowerCase())}`,
      });
      assert.ok(!wrongCase.body.includes("咨询养老保险转移接续"), "old codes stay case-sensitive");
    });

    it("starts the publication consent unticked", async () => {
      const res = await t.app.inject({ url: "/sites/rst/interaction/write" });
      assert.equal(res.statusCode, 200);
      const box = /<input[^>]*name="publishConsent"[^>]*>/.exec(res.body)?.[0] ?? "";
      assert.ok(box, "the consent box is on the form");
      assert.doesNotMatch(box, /checked/);
    });

    it("dates the query number in China time: 07:30 in Beijing is still the day before in UTC", async () => {
      const siteId = t.deps.sites.byCodeCached("rst")!.id;
      const filedAt = new Date("2026-03-02T07:30:00+08:00"); // 2026-03-01T23:30Z
      const filed = await t.deps.mailbox.letters.submit(
        {
          siteId,
          addressee: `leader:${siteId}`,
          kind: "consult",
          subject: "早晨来信的查询编号",
          content: "早上七点半写的信，查询编号应当是当天的日期。",
          name: "王五",
          phone: "13900000077",
          code: "",
          via: "open311",
          email: "",
          address: "",
          publishConsent: false,
          files: [],
          ip: "10.0.1.77",
        },
        filedAt,
      );
      assert.match(filed.queryNo, /^20260302\d{6}$/);
    });

    it("shows the code on the page only when the demo flag is on", async () => {
      const payload = new URLSearchParams({
        phone: "13900000002",
        action: "code",
        subject: "保留的标题",
      }).toString();
      const shown = await t.app.inject({
        method: "POST",
        url: "/sites/rst/interaction/write",
        payload,
        headers: form,
        remoteAddress: "10.0.2.1",
      });
      const code = await lastSmsCode(t.deps, "13900000002");
      assert.ok(shown.body.includes(`<strong class="demo-code">${code}</strong>`));
      assert.ok(shown.body.includes('value="保留的标题"'), "typed input kept across the code request");
      t.deps.config.smsShowCode = false;
      try {
        const hidden = await t.app.inject({
          method: "POST",
          url: "/sites/rst/interaction/write",
          payload: new URLSearchParams({ phone: "13900000003", action: "code" }).toString(),
          headers: form,
          remoteAddress: "10.0.2.2",
        });
        assert.equal(hidden.statusCode, 200);
        assert.ok(!hidden.body.includes("demo-code"));
        assert.match(hidden.body, /验证码已发送/);
      } finally {
        t.deps.config.smsShowCode = true;
      }
      const stored = await t.deps.store.db
        .selectFrom("phoneCodes")
        .select("codeHash")
        .where("phone", "=", t.deps.phone.phoneKey("13900000002"))
        .executeTakeFirstOrThrow();
      assert.ok(!stored.codeHash.includes(code), "codes are stored hashed");
    });

    it("rejects a wrong code, and burns a code after five wrong tries", async () => {
      const phone = "13900000004";
      await t.deps.phone.request(phone, "letter", "10.0.3.1");
      const real = await lastSmsCode(t.deps, phone);
      const wrong = real === "000000" ? "111111" : "000000";
      for (let i = 0; i < 5; i++) await assert.rejects(t.deps.phone.verify(phone, "letter", wrong), /验证码/);
      await assert.rejects(t.deps.phone.verify(phone, "letter", real), /错误次数过多/);
    });

    it("expires codes after ten minutes", async () => {
      const phone = "13900000005";
      const past = new Date(Date.now() - 11 * 60_000);
      const code = await t.deps.phone.request(phone, "letter", "10.0.3.2", past);
      await assert.rejects(t.deps.phone.verify(phone, "letter", code), /过期/);
    });

    it("rate-limits code requests per phone and per address, and letters per phone", async () => {
      const first = await t.app.inject({
        method: "POST",
        url: "/sites/rst/interaction/write",
        payload: new URLSearchParams({ phone: "13900000006", action: "code" }).toString(),
        headers: form,
        remoteAddress: "10.0.4.1",
      });
      assert.equal(first.statusCode, 200);
      const again = await t.app.inject({
        method: "POST",
        url: "/sites/rst/interaction/write",
        payload: new URLSearchParams({ phone: "13900000006", action: "code" }).toString(),
        headers: form,
        remoteAddress: "10.0.4.2",
      });
      assert.equal(again.statusCode, 429);
      assert.match(again.body, /\d+秒后再重新获取/);

      // One address asking codes for many phones.
      let limited = 0;
      for (let i = 0; i < 22; i++) {
        const res = await t.app.inject({
          method: "POST",
          url: "/sites/rst/interaction/write",
          payload: new URLSearchParams({
            phone: `1370000${String(i).padStart(4, "0")}`,
            action: "code",
          }).toString(),
          headers: form,
          remoteAddress: "10.0.4.9",
        });
        if (res.statusCode === 429) limited++;
      }
      assert.ok(limited >= 2, `address limit kicked in (${limited} refused)`);

      // Letters per phone per day.
      const phone = "13900000007";
      for (let i = 0; i < 5; i++) {
        const ok = await fileLetter(
          t.app,
          t.deps,
          "rst",
          { phone, subject: `第${i}封`, content: `这是第${i}封完全不同内容的测试信件，编号${i * 7919}。` },
          `10.0.5.${i + 1}`,
        );
        assert.equal(ok.status, 200, `letter ${i}`);
        await t.deps.store.db
          .updateTable("phoneCodes")
          .set({ createdAt: new Date(Date.now() - 3_600_000 * 2).toISOString() })
          .where("phone", "=", t.deps.phone.phoneKey(phone))
          .execute();
      }
      const sixth = await fileLetter(t.app, t.deps, "rst", { phone, subject: "第六封" }, "10.0.5.9");
      assert.equal(sixth.status, 429);
      assert.match(sixth.body, /最多提交5封/);
    });

    it("floods of form posts from one address are cut off with 429", async () => {
      let last = 0;
      for (let i = 0; i < 32; i++) {
        const res = await t.app.inject({
          method: "POST",
          url: "/sites/rst/interaction/write",
          payload: new URLSearchParams({ action: "similar", subject: "社保" }).toString(),
          headers: form,
          remoteAddress: "10.0.6.1",
        });
        last = res.statusCode;
      }
      assert.equal(last, 429);
    });

    it("rejects an attachment whose bytes are not what its name claims, keeping what was typed", async () => {
      const before = await t.deps.store.db
        .selectFrom("letters")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      const phone = "13900000008";
      await t.deps.phone.request(phone, "letter", "10.0.7.1");
      const code = await lastSmsCode(t.deps, phone);
      const fields = {
        addressee: `dept:${t.deps.sites.byCodeCached("rst")!.id}`,
        kind: "complaint",
        subject: "工资拖欠投诉<i>原样</i>",
        content: "某公司拖欠工资三个月，请求劳动监察部门介入处理。",
        name: "王五",
        phone,
        code,
        publishConsent: "1",
        action: "submit",
      };
      const bad = multipart(fields, [
        {
          field: "attachments",
          name: "合同.pdf",
          type: "application/pdf",
          bytes: Buffer.from("MZ\x90\x00 this is an executable, not a PDF"),
        },
      ]);
      const res = await t.app.inject({
        method: "POST",
        url: "/sites/rst/interaction/write",
        ...bad,
        remoteAddress: "10.0.7.2",
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /不是 PDF 文件/);
      assert.ok(res.body.includes('value="工资拖欠投诉&lt;i>原样&lt;/i>"'), "subject kept, as text");
      assert.ok(res.body.includes("某公司拖欠工资三个月"), "content kept");
      assert.ok(res.body.includes('value="13900000008"'), "phone kept");
      const after = await t.deps.store.db
        .selectFrom("letters")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n), "nothing filed");

      // The code was not consumed by the rejected attempt: the same code files with a real PDF.
      const good = multipart(fields, [
        { field: "attachments", name: "合同.pdf", type: "application/pdf", bytes: minimalPdf("合同") },
      ]);
      const ok = await t.app.inject({
        method: "POST",
        url: "/sites/rst/interaction/write",
        ...good,
        remoteAddress: "10.0.7.3",
      });
      assert.equal(ok.statusCode, 200);
      const queryNo = /class="query-no">(\d{14})</.exec(ok.body)![1];
      const letter = await t.deps.store.db
        .selectFrom("letters")
        .select("id")
        .where("queryNo", "=", queryNo)
        .executeTakeFirstOrThrow();
      const files = await t.deps.mailbox.letters.attachments(letter.id);
      assert.deepEqual(
        files.map((f) => [f.fileName, f.mime]),
        [["合同.pdf", "application/pdf"]],
      );
    });

    it("gives clear field messages for missing input and never a 500", async () => {
      const res = await t.app.inject({
        method: "POST",
        url: "/sites/rst/interaction/write",
        payload: new URLSearchParams({
          action: "submit",
          kind: "nonsense",
          addressee: "dept:999999",
        }).toString(),
        headers: form,
        remoteAddress: "10.0.8.1",
      });
      assert.equal(res.statusCode, 400);
      for (const m of [
        "请选择收信对象",
        "请选择信件类型",
        "请填写信件标题",
        "信件内容至少10个字",
        "请填写姓名",
        "请填写正确的11位手机号码",
        "请填写6位短信验证码",
      ])
        assert.ok(res.body.includes(m), m);
    });
  });
}
