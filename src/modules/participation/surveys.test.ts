import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { chinaDate } from "../../platform/time/china-time.ts";
import { lastSmsCode, staffPost, staffSession } from "../mailbox/test-helpers.ts";

const form = { "content-type": "application/x-www-form-urlencoded" };
const DAY = 86_400_000;
const day = (offset: number) => chinaDate(new Date(Date.now() + offset * DAY).toISOString());

for (const engine of ENGINES) {
  describe(`surveys on ${engine}`, () => {
    let t: TestContext;
    let editor: { cookie: string; csrf: string };
    let surveyId: number;
    let q: { single: number; multi: number; scale: number; text: number };
    let url: string;
    before(async () => {
      t = await startPlatform(engine);
      editor = await staffSession(t.app, t.deps, "rst_editor");
    });
    after(async () => t?.close());

    /** Answers like a citizen: ask for a code (answers kept on the page), read it, submit. */
    async function answer(phone: string, answers: [string, string][], ip: string) {
      const fields = (extra: [string, string][]) =>
        new URLSearchParams([...answers, ["phone", phone], ...extra]);
      const codeRes = await t.app.inject({
        method: "POST",
        url,
        payload: fields([["action", "code"]]).toString(),
        headers: form,
        remoteAddress: ip,
      });
      assert.equal(codeRes.statusCode, 200, codeRes.body.slice(0, 300));
      const code = await lastSmsCode(t.deps, phone);
      return t.app.inject({
        method: "POST",
        url,
        payload: fields([
          ["code", code],
          ["action", "submit"],
        ]).toString(),
        headers: form,
        remoteAddress: ip,
      });
    }

    it("staff build and publish a survey with four kinds of question", async () => {
      const created = await staffPost(t.app, editor, "/admin/interaction/surveys/new", {
        siteId: String(t.deps.sites.byCodeCached("rst")!.id),
        title: "社保经办服务满意度调查",
        description: "请根据您最近一次办理社保业务的体验作答。",
        startDate: day(0),
        endDate: day(30),
      });
      assert.equal(created.statusCode, 303);
      surveyId = Number(/surveys\/(\d+)\?/.exec(created.headers.location as string)![1]);
      url = `/sites/rst/interaction/surveys/${surveyId}`;
      const add = (fields: Record<string, string>) =>
        staffPost(t.app, editor, `/admin/interaction/surveys/${surveyId}/questions`, fields);
      const oneOption = await add({ kind: "single", text: "只有一个选项", options: "唯一", required: "1" });
      assert.equal(oneOption.statusCode, 400);
      assert.match(oneOption.body, /选择题至少需要2个选项/);
      assert.equal(
        (
          await add({
            kind: "single",
            text: "您对办理结果是否满意？",
            options: "满意\n一般\n<b>不满意</b>",
            required: "1",
          })
        ).statusCode,
        303,
      );
      assert.equal(
        (
          await add({
            kind: "multi",
            text: "您通过哪些渠道办理？",
            options: "窗口\n网上\n掌上12333",
            required: "1",
          })
        ).statusCode,
        303,
      );
      assert.equal(
        (await add({ kind: "scale", text: "请为工作人员服务态度打分", options: "", required: "1" }))
          .statusCode,
        303,
      );
      assert.equal((await add({ kind: "text", text: "您还有什么建议？", options: "" })).statusCode, 303);
      const questions = await t.deps.participation.surveys.questions(surveyId);
      q = {
        single: questions[0].id,
        multi: questions[1].id,
        scale: questions[2].id,
        text: questions[3].id,
      };
      assert.equal(questions[3].required, false);
      assert.equal((await t.app.inject({ url })).statusCode, 404, "a draft survey is not public");
      assert.equal(
        (await staffPost(t.app, editor, `/admin/interaction/surveys/${surveyId}/publish`)).statusCode,
        303,
      );
      const locked = await add({ kind: "text", text: "发布后再加的题", options: "" });
      assert.equal(locked.statusCode, 409, "questions are fixed once published");
      const page = await t.app.inject({ url });
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes("&lt;b>不满意&lt;/b>"), "option text shown as text");
      assert.match(page.body, /5分（很满意）/);
      const actions = (
        await t.deps.store.db
          .selectFrom("auditLog")
          .select("action")
          .where("action", "like", "survey.%")
          .execute()
      ).map((r) => r.action);
      for (const a of ["survey.create", "survey.question_add", "survey.publish"])
        assert.ok(actions.includes(a), a);
    });

    it("takes one answer per verified person and stores no phone number", async () => {
      const first = await answer(
        "13922220001",
        [
          [`q${q.single}`, "0"],
          [`q${q.multi}`, "0"],
          [`q${q.multi}`, "2"],
          [`q${q.scale}`, "5"],
          [`q${q.text}`, `<script>alert(1)</script>希望延长窗口时间，我的电话13922220001`],
        ],
        "10.8.0.1",
      );
      assert.equal(first.statusCode, 303, first.body.slice(0, 500));
      const done = await t.app.inject({ url: first.headers.location as string });
      assert.match(done.body, /答卷已提交，感谢您的参与/);

      // A minute later the same person tries again (a new code may be sent after one minute).
      await t.deps.store.db
        .updateTable("phoneCodes")
        .set({ createdAt: new Date(Date.now() - 120_000).toISOString() })
        .where("phone", "=", t.deps.phone.phoneKey("13922220001"))
        .execute();
      const twice = await answer(
        "13922220001",
        [
          [`q${q.single}`, "1"],
          [`q${q.multi}`, "1"],
          [`q${q.scale}`, "1"],
        ],
        "10.8.0.9",
      );
      assert.equal(twice.statusCode, 409);
      assert.match(twice.body, /您已参加过本次调查，每人只能提交一次答卷/);

      assert.equal(
        (
          await answer(
            "13922220002",
            [
              [`q${q.single}`, "0"],
              [`q${q.multi}`, "1"],
              [`q${q.scale}`, "3"],
            ],
            "10.8.0.2",
          )
        ).statusCode,
        303,
      );
      assert.equal(
        (
          await answer(
            "13922220003",
            [
              [`q${q.single}`, "2"],
              [`q${q.multi}`, "0"],
              [`q${q.multi}`, "1"],
              [`q${q.multi}`, "2"],
              [`q${q.scale}`, "4"],
              [`q${q.text}`, "办事指南写得更通俗一些"],
            ],
            "10.8.0.3",
          )
        ).statusCode,
        303,
      );

      // Missing required answers and an out-of-range option: named per question, choices kept.
      const bad = await t.app.inject({
        method: "POST",
        url,
        payload: new URLSearchParams([
          [`q${q.single}`, "7"],
          [`q${q.multi}`, "1"],
          [`q${q.text}`, "保留的文字回答"],
          ["phone", "13922220004"],
          ["code", "123456"],
          ["action", "submit"],
        ]).toString(),
        headers: form,
        remoteAddress: "10.8.0.4",
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /所选答案不在选项范围内/);
      assert.match(bad.body, /请选择此题的答案/);
      assert.ok(bad.body.includes("保留的文字回答"), "typed answer kept");
      assert.ok(new RegExp(`name="q${q.multi}" value="1" checked`).test(bad.body), "ticked box kept");

      const responses = await t.deps.store.db
        .selectFrom("surveyResponses")
        .selectAll()
        .where("surveyId", "=", surveyId)
        .execute();
      assert.equal(responses.length, 3);
      const stored = JSON.stringify(responses);
      for (const phone of ["13922220001", "13922220002", "13922220003"]) assert.ok(!stored.includes(phone));
      assert.ok(responses.every((r) => /^[0-9a-f]{64}$/.test(r.personHash)));
    });

    it("shows results that match the stored answers, as SVG charts and tables", async () => {
      const db = t.deps.store.db;
      const stored = await db
        .selectFrom("surveyAnswers")
        .select(["questionId", "value", (eb) => eb.fn.countAll<number>().as("n")])
        .where("questionId", "in", [q.single, q.multi, q.scale])
        .groupBy(["questionId", "value"])
        .execute();
      const countOf = (qid: number, value: string) =>
        Number(stored.find((s) => s.questionId === qid && s.value === value)?.n ?? 0);
      assert.equal(countOf(q.single, "0"), 2);
      assert.equal(countOf(q.multi, "1"), 2);

      const res = await t.app.inject({ url: `${url}/results` });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /class="response-count">3</);
      const cell = (label: string, n: number) =>
        res.body.includes(`<th scope="row">${label}</th><td>${n}</td>`);
      assert.ok(cell("满意", countOf(q.single, "0")));
      assert.ok(cell("一般", countOf(q.single, "1")));
      assert.ok(cell("&lt;b>不满意&lt;/b>", countOf(q.single, "2")), "option label escaped in the table");
      assert.ok(cell("窗口", countOf(q.multi, "0")));
      assert.ok(cell("网上", countOf(q.multi, "1")));
      assert.ok(cell("掌上12333", countOf(q.multi, "2")));
      assert.ok(cell("5分（很满意）", countOf(q.scale, "5")));
      assert.ok(cell("3分", countOf(q.scale, "3")));
      assert.match(res.body, /平均 4 分/);
      assert.ok(res.body.includes(`<img class="survey-chart" src="${url}/charts/${q.single}.svg"`));
      assert.match(res.body, /alt="第1题“您对办理结果是否满意？”的统计图，具体数字见下表"/);
      assert.ok(!res.body.includes("希望延长窗口时间"), "free text not public");
      assert.match(res.body, /共收到 2 条文字回答，不公开展示/);

      const svg = await t.app.inject({ url: `${url}/charts/${q.single}.svg` });
      assert.equal(svg.statusCode, 200);
      assert.match(String(svg.headers["content-type"]), /^image\/svg\+xml/);
      assert.match(String(svg.headers["content-security-policy"]), /default-src 'none'/);
      assert.match(svg.body, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg.body, /<\/svg>\s*$/);
      // Well-formed XML (a browser refuses the whole image otherwise): every tag's attributes quoted cleanly.
      for (const tag of svg.body.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "").match(/<[^>]*>/g) ?? [])
        assert.match(tag, /^<\/?[a-zA-Z][\w:-]*(\s+[\w:-]+="[^"<]*")*\s*\/?>$/, tag);
      assert.ok(
        svg.body.includes(">满意</text>") && svg.body.includes(">一般</text>"),
        "labels in the chart",
      );
      assert.ok(svg.body.includes(">2</text>"), "the count of 满意 is drawn");
      assert.ok(svg.body.includes("&lt;b&gt;不满意&lt;/b&gt;") && !svg.body.includes("<b>"), "label escaped");
      const scale = await t.app.inject({ url: `${url}/charts/${q.scale}.svg` });
      assert.ok(
        scale.body.includes(">5分</text>") && scale.body.includes(">2分</text>"),
        "every score labelled",
      );
      assert.equal((await t.app.inject({ url: `${url}/charts/${q.text}.svg` })).statusCode, 404);
      assert.equal((await t.app.inject({ url: `${url}/charts/abc.svg` })).statusCode, 404);

      // Staff read the free text, masked and escaped.
      const staff = await t.app.inject({
        url: `/admin/interaction/surveys/${surveyId}/results`,
        headers: { cookie: editor.cookie },
      });
      assert.equal(staff.statusCode, 200);
      assert.ok(staff.body.includes("&lt;script>alert(1)&lt;/script>希望延长窗口时间"));
      assert.ok(staff.body.includes("139****0001") && !staff.body.includes("13922220001"), "phone masked");
      assert.ok(staff.body.includes("办事指南写得更通俗一些"));
    });

    it("refuses answers after the survey closes", async () => {
      await t.deps.store.db
        .updateTable("surveys")
        .set({
          closesAt: new Date(Date.now() - DAY).toISOString(),
          opensAt: new Date(Date.now() - 9 * DAY).toISOString(),
        })
        .where("id", "=", surveyId)
        .execute();
      const res = await t.app.inject({
        method: "POST",
        url,
        payload: new URLSearchParams([
          [`q${q.single}`, "0"],
          ["phone", "13922220005"],
          ["action", "code"],
        ]).toString(),
        headers: form,
        remoteAddress: "10.8.0.5",
      });
      assert.equal(res.statusCode, 409);
      assert.match(res.body, /本次调查已于\d{4}-\d{2}-\d{2}结束，不再接收答卷/);
      const page = await t.app.inject({ url });
      assert.ok(!page.body.includes(`action="${url}"`), "no form once closed");
      assert.equal((await t.app.inject({ url: `${url}/results` })).statusCode, 200, "results stay public");
    });
  });
}
