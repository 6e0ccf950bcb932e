import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { recurringJobs } from "../../jobs.ts";
import { chinaDate, nowIso } from "../../platform/time/china-time.ts";
import {
  citizenLogin,
  FORM,
  staffCookie,
  trackingFrom,
  urlencoded,
  postApplication,
  VALID_APPLICATION,
} from "./test-helpers.ts";

const valid = VALID_APPLICATION;

type Staff = { cookie: string; csrf: string; id: number };

for (const engine of ENGINES) {
  describe(`configurable workflows, extensions and 督办 on ${engine}`, () => {
    let t: TestContext;
    let citizen: string;
    let code: string;
    let rstId: number;
    let groups: { window: number; review: number; leader: number; legal: number };
    let admin: Staff;
    let handler: Staff; // 窗口受理组 + 业务审查组
    let handler2: Staff; // 业务审查组
    let legal: Staff; // 法规审查组
    let leader: Staff; // 分管领导
    let leader2: Staff; // 分管领导
    let before1: string; // submitted before the workflow was configured
    let configured: string;

    /** A handler account of 人社厅 in the given groups. */
    async function newStaff(username: string, displayName: string, groupIds: number[]): Promise<Staff> {
      const db = t.deps.store.db;
      const u = await db
        .insertInto("staffUsers")
        .values({ username, displayName, passwordHash: "x", isOperator: 0, createdAt: nowIso() })
        .returning("id")
        .executeTakeFirstOrThrow();
      await db.insertInto("staffRoles").values({ userId: u.id, siteId: rstId, role: "handler" }).execute();
      for (const g of groupIds) await t.deps.oneStop.workflows.addMember(g, u.id, "test");
      return staffCookie(t, username);
    }

    before(async () => {
      t = await startPlatform(engine);
      citizen = await citizenLogin(t, "13900000001");
      rstId = t.deps.sites.byCodeCached("rst")!.id;
      code = `${t.deps.sites.byCodeCached("rst")!.siteCode}-GG-0003`;
      const wf = t.deps.oneStop.workflows;
      const [window, review, lead] = await wf.ensureDefaultGroups(rstId);
      const legalGroup = await wf.ensureGroup(rstId, { code: "legal", name: "法规审查组", kind: "handling" });
      groups = { window: window.id, review: review.id, leader: lead.id, legal: legalGroup.id };
      admin = await staffCookie(t, "rst_admin");
      handler = await staffCookie(t, "rst_handler");
      leader = await staffCookie(t, "rst_leader");
      handler2 = await newStaff("rst_checker", "人社厅复核员", [review.id]);
      legal = await newStaff("rst_legal", "人社厅法规审查员", []);
      leader2 = await newStaff("rst_leader2", "人社厅副厅长", [lead.id]);
    });
    after(async () => t?.close());

    async function submit(): Promise<string> {
      const res = await postApplication(t, citizen, "rst", code, valid);
      assert.equal(res.statusCode, 303);
      return trackingFrom(res.headers.location as string);
    }
    const appOf = async (no: string) => (await t.deps.oneStop.applications.byTrackingNo(no))!;
    const act = async (who: Staff, no: string, data: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/admin/services/applications/${(await appOf(no)).id}/act`,
        headers: { cookie: who.cookie, ...FORM },
        payload: urlencoded({ _csrf: who.csrf, ...data }),
      });
    const openTasks = async (no: string) =>
      (await t.deps.oneStop.applications.tasks((await appOf(no)).id)).filter((x) => x.status === "open");
    const receipt = (no: string) =>
      t.app.inject({ url: `/sites/rst/services/receipt/${no}`, headers: { cookie: citizen } });

    it("gives every demo item a default workflow in which each step has a handler who may claim it", async () => {
      const rows = [];
      for (let page = 1; ; page++) {
        const list = await t.deps.oneStop.catalogue.list({ includeDrafts: true, page, pageSize: 100 });
        rows.push(...list.rows);
        if (list.rows.length < 100) break;
      }
      assert.ok(rows.length > 20);
      const wf = t.deps.oneStop.workflows;
      for (const item of rows) {
        const def = (await wf.current(item.code, item.siteId)).definition;
        const ids = [def.acceptGroupId, def.decideGroupId, def.deliverGroupId];
        for (const st of def.stages) for (const step of st.steps) ids.push(step.groupId);
        for (const g of ids)
          assert.ok((await wf.members(g)).length > 0, `${item.name}: group ${g} has no member`);
      }
    });

    it("lets a site admin add a group member and configure a two-stage workflow with a parallel group, validated in Chinese", async () => {
      before1 = await submit();
      const add = await t.app.inject({
        method: "POST",
        url: `/admin/services/groups/${groups.legal}`,
        headers: { cookie: admin.cookie, ...FORM },
        payload: urlencoded({ _csrf: admin.csrf, op: "add", userId: String(legal.id) }),
      });
      assert.equal(add.statusCode, 303);
      const groupsPage = await t.app.inject({
        url: "/admin/services/groups",
        headers: { cookie: admin.cookie },
      });
      assert.match(groupsPage.body, /法规审查组[\s\S]*人社厅法规审查员/);
      const outsider = await t.app.inject({
        method: "POST",
        url: `/admin/services/groups/${groups.legal}`,
        headers: { cookie: admin.cookie, ...FORM },
        payload: urlencoded({ _csrf: admin.csrf, op: "add", userId: "999999" }),
      });
      assert.equal(outsider.statusCode, 400);
      assert.match(outsider.body, /只能把本部门的承办人加入办理组/);

      const url = `/admin/service-items/${code}/workflow`;
      const page = await t.app.inject({ url, headers: { cookie: admin.cookie } });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /当前为部门默认流程/);
      const scjgWindow = (
        await t.deps.oneStop.workflows.ensureDefaultGroups(t.deps.sites.byCodeCached("scjg")!.id)
      )[0].id;
      const bad = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie: admin.cookie, ...FORM },
        payload: urlencoded({
          _csrf: admin.csrf,
          acceptGroupId: String(scjgWindow), // another department's group (tampered)
          "s0.name": "会签",
          "s0.mode": "parallel",
          "s0.step0.name": "业务会签",
          "s0.step0.group": String(groups.review),
          "s1.name": "",
          "s1.mode": "serial",
          "s1.step0.name": "复核",
          "s1.step0.group": "abc",
          decideGroupId: String(groups.leader),
          deliverGroupId: String(groups.window),
        }),
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /请选择本部门的受理办理组/);
      assert.match(bad.body, /第1个阶段为并行会签，至少需要两个步骤/);
      assert.match(bad.body, /第2个阶段请填写名称/);
      assert.match(bad.body, /第2个阶段第1步请选择本部门的办理组/);
      assert.match(bad.body, /value="业务会签"/); // the input is kept
      assert.equal(await t.deps.oneStop.workflows.currentVersion(code), 0);

      const ok = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie: admin.cookie, ...FORM },
        payload: urlencoded({
          _csrf: admin.csrf,
          acceptGroupId: String(groups.window),
          "s0.name": "初审",
          "s0.mode": "serial",
          "s0.step0.name": "材料初审",
          "s0.step0.group": String(groups.review),
          "s1.name": "会签",
          "s1.mode": "parallel",
          "s1.step0.name": "业务会签",
          "s1.step0.group": String(groups.review),
          "s1.step1.name": "法规审核",
          "s1.step1.group": String(groups.legal),
          decideGroupId: String(groups.leader),
          deliverGroupId: String(groups.window),
          note: "增加法规会签",
        }),
      });
      assert.equal(ok.statusCode, 303);
      assert.match(ok.headers.location as string, /saved=1/);
      const saved = await t.app.inject({ url, headers: { cookie: admin.cookie } });
      assert.match(saved.body, /当前为第1版/);
      assert.match(saved.body, /增加法规会签/);
      const stranger = await staffCookie(t, "scjg_handler");
      const meddle = await t.app.inject({ url, headers: { cookie: stranger.cookie } });
      assert.equal(meddle.statusCode, 403);

      configured = await submit();
      assert.equal((await appOf(before1)).workflowVersion, 0);
      assert.equal((await appOf(configured)).workflowVersion, 1);
      const oldProgress = await receipt(before1);
      assert.match(oldProgress.body, /审查·业务审查（业务审查组）：待办理/);
      assert.doesNotMatch(oldProgress.body, /法规审核/);
    });

    it("drives the configured application to 办结 with claims by the right groups; others cannot take its steps", async () => {
      const no = configured;
      assert.equal((await act(handler, no, { action: "accept" })).statusCode, 303);
      // Stage 1 (serial): 业务审查组 only.
      const [first] = await openTasks(no);
      assert.equal(first.name, "材料初审");
      const foreign = await act(legal, no, { action: "claim", taskId: String(first.id) });
      assert.equal(foreign.statusCode, 403);
      assert.match(foreign.body, /由“业务审查组”办理，您不在该办理组/);
      assert.equal((await act(handler, no, { action: "claim", taskId: String(first.id) })).statusCode, 303);
      const taken = await act(handler2, no, { action: "claim", taskId: String(first.id) });
      assert.equal(taken.statusCode, 409);
      assert.match(taken.body, /“材料初审”已由.+认领，如需接手请由其转办/);
      const steal = await act(handler2, no, { action: "complete", taskId: String(first.id) });
      assert.equal(steal.statusCode, 409);
      const tampered = await act(handler, no, { action: "complete", taskId: "999999" });
      assert.equal(tampered.statusCode, 409);
      assert.match(tampered.body, /该任务不存在或已办理完毕/);
      const badTarget = await act(handler, no, {
        action: "transfer",
        taskId: String(first.id),
        assigneeId: String(legal.id),
      });
      assert.equal(badTarget.statusCode, 400);
      assert.match(badTarget.body, /转办对象须为本部门的承办人/);
      const moved = await act(handler, no, {
        action: "transfer",
        taskId: String(first.id),
        assigneeId: String(handler2.id),
      });
      assert.equal(moved.statusCode, 303);
      assert.equal((await act(handler2, no, { action: "complete", note: "材料齐全" })).statusCode, 303);

      // Stage 2 (parallel): both groups get a task at once; the decision waits for both.
      const parallel = await openTasks(no);
      assert.deepEqual(parallel.map((x) => x.groupName).sort(), ["业务审查组", "法规审查组"].sort());
      const legalQueue = await t.app.inject({
        url: "/admin/services?groups=1",
        headers: { cookie: legal.cookie },
      });
      assert.match(legalQueue.body, new RegExp(no));
      assert.match(legalQueue.body, /法规审核（法规审查组·待认领）/);
      const reviewTask = parallel.find((x) => x.groupName === "业务审查组")!;
      assert.equal(
        (await act(handler, no, { action: "complete", taskId: String(reviewTask.id) })).statusCode,
        303,
      );
      const tooEarly = await act(leader, no, { action: "decide", outcome: "approved" });
      assert.equal(tooEarly.statusCode, 409);
      assert.equal((await appOf(no)).status, "review");
      assert.equal((await act(legal, no, { action: "complete", note: "符合规定" })).statusCode, 303);
      const decide = await openTasks(no);
      assert.deepEqual(
        decide.map((x) => [x.kind, x.groupName]),
        [["decide", "分管领导"]],
      );
      assert.equal((await act(handler, no, { action: "decide", outcome: "approved" })).statusCode, 403);
      assert.equal((await act(leader, no, { action: "decide", outcome: "approved" })).statusCode, 303);
      assert.equal((await act(handler, no, { action: "deliver" })).statusCode, 303);
      assert.equal((await act(handler, no, { action: "close" })).statusCode, 303);
      assert.equal((await appOf(no)).status, "closed");

      const r = await receipt(no);
      for (const step of [
        "预审受理（窗口受理组）：已完成",
        "初审·材料初审（业务审查组）：已完成",
        "会签·业务会签（并行）（业务审查组）：已完成",
        "会签·法规审核（并行）（法规审查组）：已完成",
        "决定（分管领导）：已完成",
        "制证送达（窗口受理组）：已完成",
        "办结：已完成",
      ])
        assert.ok(r.body.includes(step), step);
      assert.match(r.body, /材料初审（业务审查组）已完成：材料齐全/);
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("targetId", "=", no)
        .execute();
      const actions = audit.map((x) => x.action);
      for (const a of [
        "application.claim",
        "application.transfer",
        "application.complete",
        "application.decide",
      ])
        assert.ok(actions.includes(a), a);
      const wfAudit = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("targetId", "=", code)
        .where("action", "=", "service_workflow.save")
        .execute();
      assert.equal(wfAudit.length, 1);
      assert.equal((await t.deps.audit.verify()).ok, true);
    });

    it("extends the legal limit by exactly 10 working days across the National Day holiday, with a leader's approval; own approval is refused", async () => {
      const no = before1; // default workflow: 业务审查 → 分管领导 decides
      assert.equal((await act(handler, no, { action: "accept" })).statusCode, 303);
      assert.equal((await act(handler, no, { action: "complete" })).statusCode, 303);
      await t.deps.store.db
        .updateTable("applications")
        .set({ dueLegal: "2026-09-30" })
        .where("trackingNo", "=", no)
        .execute();
      const noReason = await act(leader, no, { action: "extend" });
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.body, /请写明需要延长法定办理期限的理由/);
      const outsider = await act(handler, no, { action: "extend", note: "需要现场核查" });
      assert.equal(outsider.statusCode, 403); // the decision step is the leaders' task
      assert.equal((await act(leader, no, { action: "extend", note: "需要现场核查" })).statusCode, 303);
      const own = await act(leader, no, { action: "extend_approve" });
      assert.equal(own.statusCode, 403);
      assert.match(own.body, /不能审批本人提出的延期申请/);
      const notLeader = await act(handler, no, { action: "extend_approve" });
      assert.equal(notLeader.statusCode, 403);
      assert.match(notLeader.body, /只有本部门分管领导可以审批延期申请/);
      const pendingPage = await t.app.inject({
        url: "/admin/services/supervision",
        headers: { cookie: leader2.cookie },
      });
      assert.match(pendingPage.body, /待我审批的延期申请[\s\S]*申请延长10个工作日/);
      assert.equal((await act(leader2, no, { action: "extend_approve", note: "同意" })).statusCode, 303);
      const a = await appOf(no);
      const cal = await t.deps.calendar.calendar();
      assert.equal(a.dueLegal, "2026-10-20");
      assert.equal(a.dueLegal, cal.addWorkingDays("2026-09-30", 10));
      assert.equal(cal.workingDaysBetween("2026-09-30", a.dueLegal!), 10);
      assert.equal(a.extendedDays, 10);
      const again = await act(leader, no, { action: "extend", note: "再延一次" });
      assert.equal(again.statusCode, 409);
      assert.match(again.body, /法定期限只能延长一次/);

      // 专家评审 stops the clock with its own label, and the days do not count.
      assert.equal((await act(leader, no, { action: "expert", note: "委托专家评审" })).statusCode, 303);
      let r = await receipt(no);
      assert.match(r.body, /专家评审期间计时暂停/);
      assert.match(r.body, /专家评审（期间不计入时限）/);
      assert.equal((await appOf(no)).suspendKind, "expert");
      assert.equal((await act(leader, no, { action: "resume" })).statusCode, 303);
      r = await receipt(no);
      assert.match(r.body, /法定期限经批准延长10个工作日/);
      assert.match(r.body, /批准延长法定期限/);
      assert.match(r.body, /法定期限由2026-09-30延至2026-10-20/);
      assert.match(r.body, /专家评审结束，0个工作日不计入时限/);
      const audit = await t.deps.store.db
        .selectFrom("auditLog")
        .select("action")
        .where("targetId", "=", no)
        .execute();
      for (const x of ["application.extend", "application.extend_approve", "application.expert"])
        assert.ok(
          audit.some((y) => y.action === x),
          x,
        );
    });

    it("escalates an overdue application once (however often the job runs) and warns one close to its limit", async () => {
      const overdue = await submit();
      const soon = await submit();
      for (const no of [overdue, soon]) {
        assert.equal((await act(handler, no, { action: "accept" })).statusCode, 303);
      }
      const cal = await t.deps.calendar.calendar();
      await t.deps.store.db
        .updateTable("applications")
        .set({ dueCommitted: "2026-01-06", dueLegal: "2026-01-20" })
        .where("trackingNo", "=", overdue)
        .execute();
      await t.deps.store.db
        .updateTable("applications")
        .set({ dueCommitted: cal.addWorkingDays(chinaDate(), 1), dueLegal: "2099-12-31" })
        .where("trackingNo", "=", soon)
        .execute();
      const job = recurringJobs(t.deps).find((j) => j.name === "service-limits");
      assert.ok(job, "the sweep is a recurring job");
      await job.run();
      await job.run();
      await t.deps.oneStop.supervision.sweep();
      const alerts = await t.deps.store.db
        .selectFrom("applicationAlerts")
        .innerJoin("serviceGroups", "serviceGroups.id", "applicationAlerts.groupId")
        .select(["applicationAlerts.kind", "applicationAlerts.limitKind", "serviceGroups.name"])
        .where("applicationId", "=", (await appOf(overdue)).id)
        .orderBy("applicationAlerts.limitKind")
        .execute();
      assert.deepEqual(alerts, [
        { kind: "escalation", limitKind: "committed", name: "分管领导" },
        { kind: "escalation", limitKind: "legal", name: "省政务服务管理办公室" },
      ]);
      const events = (await t.deps.oneStop.applications.events((await appOf(overdue)).id)).filter(
        (e) => e.action === "escalate",
      );
      assert.equal(events.length, 2);
      const soonAlerts = await t.deps.store.db
        .selectFrom("applicationAlerts")
        .select(["kind", "limitKind"])
        .where("applicationId", "=", (await appOf(soon)).id)
        .execute();
      assert.deepEqual(soonAlerts, [{ kind: "warning", limitKind: "committed" }]);

      const leaderView = await t.app.inject({
        url: "/admin/services/supervision?kind=escalation",
        headers: { cookie: leader.cookie },
      });
      assert.match(leaderView.body, new RegExp(`${overdue}[\\s\\S]*承诺时限 2026-01-06`));
      const office = await staffCookie(t, "zwfw_supervisor");
      const officeView = await t.app.inject({
        url: "/admin/services/supervision",
        headers: { cookie: office.cookie },
      });
      assert.match(
        officeView.body,
        new RegExp(`${overdue}[\\s\\S]*法定时限 2026-01-20[\\s\\S]*省政务服务管理办公室`),
      );
      assert.doesNotMatch(officeView.body, new RegExp(soon)); // warnings stay in the department
      const otherLeader = await staffCookie(t, "scjg_leader");
      const otherView = await t.app.inject({
        url: "/admin/services/supervision",
        headers: { cookie: otherLeader.cookie },
      });
      assert.doesNotMatch(otherView.body, new RegExp(overdue));
      const warnings = await t.app.inject({
        url: "/admin/services/supervision?kind=warning",
        headers: { cookie: handler.cookie },
      });
      assert.match(warnings.body, new RegExp(`临期预警[\\s\\S]*${soon}`));
      const queue = await t.app.inject({
        url: "/admin/services?limit=escalated",
        headers: { cookie: handler.cookie },
      });
      assert.match(queue.body, new RegExp(overdue));
      assert.match(queue.body, /已督办/);
      assert.doesNotMatch(queue.body, new RegExp(soon));
      const r = await receipt(overdue);
      assert.match(r.body, /超期督办/);
    });
  });
}
