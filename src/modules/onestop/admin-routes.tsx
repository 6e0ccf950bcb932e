import { guardStaffArea } from "../staff/index.ts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { OneStopDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { adminView, requireRight, sitesWithRight, type StaffContext } from "../staff/index.ts";
import { forbidden, notFound, Invalid } from "../../platform/http/errors.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import type { AdminContext } from "../../web/admin-layout.tsx";
import { may, RIGHTS, type ConsoleRight } from "../staff/index.ts";
import { renderDocument } from "../../web/render.ts";
import { idParam, pageParam } from "../../platform/http/params.ts";
import { field, FormBody, PathCode, PathId, QueryText } from "./route-kit.ts";
import { contentDisposition } from "../../platform/files/attachments.ts";
import type { Application } from "./applications.ts";
import type { ServiceItem } from "./catalogue.ts";
import { workflowFromForm, type WorkflowDefinition } from "./workflow.ts";
import {
  ApplicationAdminPage,
  GroupsPage,
  ItemsAdminPage,
  SupervisionPage,
  WorkflowEditorPage,
  JsonEditorPage,
  QueuePage,
  RectificationsPage,
  type PostedTaskForm,
} from "./views/admin.tsx";

const IdParams = Type.Object({ id: PathId });
const ItemParams = Type.Object({ code: PathCode });
const PageQuery = Type.Object({ page: QueryText() });

/** A path id as a number; anything else is a page that does not exist. */
function idOf(value: string, message: string): number {
  const id = idParam(value);
  if (id === null) throw notFound(message);
  return id;
}

/** Console: handler work queue, application handling, catalogue and form editing, rectifications. */
const serviceAdminRoutes: FastifyPluginAsyncTypebox<{ deps: OneStopDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { oneStop, sites } = deps;
  const { applications } = oneStop;

  function staffOf(
    request: FastifyRequest,
    right: ConsoleRight = RIGHTS.applications,
  ): { s: StaffContext; ctx: AdminContext } {
    const s = request.staff;
    requireRight(s, right);
    return { s, ctx: adminView(request) };
  }

  function mayEditItem(sc: StaffContext, item: ServiceItem): boolean {
    return may(sc.staff, RIGHTS.serviceItems, item.siteId);
  }

  const QueueQuery = Type.Object({
    status: QueryText(),
    mine: QueryText(),
    groups: QueryText(),
    limit: QueryText(),
    site: QueryText(),
    page: QueryText(),
  });

  app.get("/admin/services", { schema: { hide: true, querystring: QueueQuery } }, async (request, reply) => {
    const who = staffOf(request);
    const q = request.query;
    const filter = {
      status: q.status ?? "",
      mine: q.mine === "1" ? "1" : "",
      groups: q.groups === "1" ? "1" : "",
      limit: ["overdue", "warning", "escalated"].includes(q.limit ?? "") ? (q.limit ?? "") : "",
      site: /^\d{1,9}$/.test(q.site ?? "") ? (q.site ?? "") : "",
    };
    const page = pageParam(q.page);
    const list = await applications.queue(who.s.staff, {
      status: filter.status || undefined,
      mine: filter.mine === "1",
      groups: filter.groups === "1",
      limit: (filter.limit || null) as "overdue" | "warning" | "escalated" | null,
      siteId: filter.site ? Number(filter.site) : null,
      page,
    });
    const cal = await deps.calendar.calendar();
    const allowed = sitesWithRight(who.s.staff, RIGHTS.applications);
    const departments = sites
      .list()
      .filter((x) => x.kind === "department" && (allowed === null || allowed.includes(x.id)))
      .map((x) => ({ id: x.id, name: x.name }));
    const rows = list.rows.map(({ app: a, tasks, escalated }) => ({
      app: a,
      tasks,
      escalated,
      committed: applications.limitState(cal, a.dueCommitted, a.status === "suspended"),
      legal: applications.limitState(cal, a.dueLegal, a.status === "suspended"),
      department: sites.byId(a.siteId)?.name ?? "",
    }));
    return sendHtml(
      reply,
      renderDocument(
        <QueuePage
          ctx={who.ctx}
          rows={rows}
          total={list.total}
          page={page}
          filter={filter}
          departments={departments}
        />,
      ),
    );
  });

  async function renderApplication(
    request: FastifyRequest,
    reply: FastifyReply,
    who: { s: StaffContext; ctx: AdminContext },
    a: Application,
    errors: Record<string, string> = {},
    posted?: PostedTaskForm,
  ) {
    const item = await oneStop.catalogue.byCode(a.itemCode, true);
    const form = item
      ? a.formVersion > 0
        ? await oneStop.forms.byVersion(a.itemCode, a.formVersion)
        : await oneStop.forms.current(item)
      : undefined;
    const cal = await deps.calendar.calendar();
    const suspended = a.status === "suspended";
    const open = !["closed", "refused", "withdrawn"].includes(a.status);
    await applications.ensureTasks(a);
    const tasks = await applications.tasks(a.id);
    const staff = who.s.staff;
    const taskViews = [];
    for (const t of tasks)
      taskViews.push({
        ...t,
        canTake:
          t.status === "open" &&
          (t.assigneeId === staff.id ||
            (!t.assigneeId && (await applications.mayTake(staff, t.groupId, a.siteId)))),
        members: t.status === "open" ? await oneStop.workflows.members(t.groupId) : [],
      });
    const workflow = await oneStop.workflows.of(a);
    return sendHtml(
      reply,
      renderDocument(
        <ApplicationAdminPage
          ctx={who.ctx}
          app={a}
          schema={form?.schema ?? null}
          events={await applications.events(a.id)}
          files={await applications.files(a.id)}
          handlers={await applications.handlersOf(a.siteId)}
          tasks={taskViews}
          workflow={workflow}
          groups={(await oneStop.workflows.groupsOf(a.siteId)).filter((g) => g.kind !== "supervision")}
          extensions={await applications.extensions(a.id)}
          isLeader={await applications.isLeader(staff, a.siteId)}
          committed={open ? applications.limitState(cal, a.dueCommitted, suspended) : null}
          legal={open ? applications.limitState(cal, a.dueLegal, suspended) : null}
          delivery={open ? applications.limitState(cal, a.dueDelivery, suspended) : null}
          department={sites.byId(a.siteId)?.name ?? ""}
          errors={errors}
          posted={posted}
        />,
      ),
    );
  }

  app.get(
    "/admin/services/applications/:id",
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const who = staffOf(request);
      const id = idOf(request.params.id, "该办件不存在");
      const a = await applications.forStaff(who.s.staff, id);
      // The handler sees the applicant's personal data in full: that view is audited.
      await deps.audit.record({
        actor: `staff:${who.s.staff.id}`,
        action: "application.view",
        targetType: "application",
        targetId: a.trackingNo,
      });
      return renderApplication(request, reply, who, a);
    },
  );

  app.post(
    "/admin/services/applications/:id/act",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const who = staffOf(request);
      const id = idOf(request.params.id, "该办件不存在");
      const body = request.body;
      const a = await applications.forStaff(who.s.staff, id);
      const item = await oneStop.catalogue.byCode(a.itemCode, true);
      const int = (k: string) => {
        const v = field(body, k, 12);
        return /^\d{1,9}$/.test(v) ? Number(v) : undefined;
      };
      const version = Number(field(body, "version", 12));
      return handleForm({
        parse: () => ({
          note: field(body, "note"),
          outcome: field(body, "outcome", 20) || undefined,
          assigneeId: int("assigneeId"),
          groupId: int("groupId"),
          taskId: int("taskId"),
          extensionId: int("extensionId"),
          version: Number.isInteger(version) && version > 0 ? version : undefined,
          item,
        }),
        run: (input) => applications.act(who.s.staff, id, field(body, "action", 20), input),
        onSuccess: () => reply.redirect(`/admin/services/applications/${id}`, 303),
        rerender: async (problem) => {
          reply.status(problem.status);
          // A problem without a field is shown at the note box, where the handler writes.
          const errors = problem.errors.form === undefined ? problem.errors : { note: problem.message };
          // What the handler wrote and chose comes back on the task's form.
          const posted = {
            taskId: int("taskId"),
            note: field(body, "note"),
            outcome: field(body, "outcome", 20),
          };
          return renderApplication(request, reply, who, (await applications.byId(id))!, errors, posted);
        },
      });
    },
  );

  app.get(
    "/admin/services/applications/:id/files/:fid",
    { schema: { hide: true, params: Type.Object({ id: PathId, fid: PathId }) } },
    async (request, reply) => {
      const who = staffOf(request);
      const { id, fid } = request.params;
      const a = await applications.forStaff(who.s.staff, idOf(id, "该办件不存在"));
      const f = await applications.fileBytes(a.id, idOf(fid, "文件不存在"));
      if (!f) throw notFound("文件不存在");
      await deps.audit.record({
        actor: `staff:${who.s.staff.id}`,
        action: "application.file_view",
        targetType: "application",
        targetId: a.trackingNo,
        detail: { file: fid },
      });
      return reply
        .type(f.mime)
        .header("content-disposition", contentDisposition(f.name, false))
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "private, no-store")
        .send(f.bytes);
    },
  );

  app.get(
    "/admin/service-items",
    { schema: { hide: true, querystring: PageQuery } },
    async (request, reply) => {
      const who = staffOf(request, RIGHTS.serviceItems);
      const allowed = sitesWithRight(who.s.staff, RIGHTS.serviceItems);
      const page = pageParam(request.query.page);
      const rows: ServiceItem[] = [];
      let total = 0;
      if (allowed === null) {
        const list = await oneStop.catalogue.list({ includeDrafts: true, page, pageSize: 50 });
        rows.push(...list.rows);
        total = list.total;
      } else {
        for (const siteId of allowed) {
          const list = await oneStop.catalogue.list({ siteId, includeDrafts: true, pageSize: 100 });
          rows.push(...list.rows);
          total += list.total;
        }
      }
      const problems = (await oneStop.catalogue.checkAll()).filter(
        (p) => allowed === null || allowed.includes(p.siteId),
      );
      return sendHtml(
        reply,
        renderDocument(
          <ItemsAdminPage
            ctx={who.ctx}
            rows={rows}
            total={total}
            page={page}
            problems={problems}
            siteName={(id) => sites.byId(id)?.name ?? ""}
          />,
        ),
      );
    },
  );

  async function editableItem(who: { s: StaffContext }, code: string): Promise<ServiceItem> {
    const item = await oneStop.catalogue.byCode(code, true);
    if (!item) throw notFound("该服务事项不存在");
    if (!mayEditItem(who.s, item)) throw forbidden("只有该部门的站点管理员可以修改事项和表单");
    return item;
  }

  const guideJson = (item: ServiceItem) =>
    JSON.stringify({ name: item.name, itemType: item.itemType, guide: item.guide }, null, 2);

  const SavedQuery = Type.Object({ saved: QueryText() });

  app.get(
    "/admin/service-items/:code",
    { schema: { hide: true, params: ItemParams, querystring: SavedQuery } },
    async (request, reply) => {
      const who = staffOf(request, RIGHTS.serviceItems);
      const item = await editableItem(who, request.params.code);
      const saved = request.query.saved === "1" ? "已保存，办事指南检查通过。" : undefined;
      return sendHtml(
        reply,
        renderDocument(
          <JsonEditorPage
            ctx={who.ctx}
            title={`编辑办事指南：${item.name}`}
            intro="以 JSON 编辑事项名称、类型和办事指南；保存时运行指南检查，所有问题一次列出。"
            action={`/admin/service-items/${encodeURIComponent(item.code)}`}
            json={guideJson(item)}
            errors={{}}
            saved={saved}
          />,
        ),
      );
    },
  );

  app.post(
    "/admin/service-items/:code",
    { schema: { hide: true, params: ItemParams, body: FormBody } },
    async (request, reply) => {
      const who = staffOf(request, RIGHTS.serviceItems);
      const item = await editableItem(who, request.params.code);
      const json = field(request.body, "schema", 200000);
      return handleForm({
        parse: () => {
          let parsed: { name?: unknown; itemType?: unknown; guide?: unknown };
          try {
            parsed = JSON.parse(json) as typeof parsed;
          } catch (e) {
            throw new Invalid("不是有效的 JSON", { schema: `JSON 格式错误：${(e as Error).message}` });
          }
          if (!parsed || typeof parsed !== "object" || typeof parsed.guide !== "object" || !parsed.guide)
            throw new Invalid("缺少 guide 对象", { schema: "须包含 name、itemType 和 guide" });
          return {
            code: item.code,
            name: String(parsed.name ?? ""),
            itemType: String(parsed.itemType ?? ""),
            siteId: item.siteId,
            guide: parsed.guide as ServiceItem["guide"],
          };
        },
        run: (input) => oneStop.catalogue.save(input, `staff:${who.s.staff.id}`, item.status),
        onSuccess: (): FastifyReply =>
          reply.redirect(`/admin/service-items/${encodeURIComponent(item.code)}?saved=1`, 303),
        rerender: (problem) =>
          sendHtml(
            reply.status(problem.status),
            renderDocument(
              <JsonEditorPage
                ctx={who.ctx}
                title={`编辑办事指南：${item.name}`}
                intro="保存未成功，请按提示修改。"
                action={`/admin/service-items/${encodeURIComponent(item.code)}`}
                json={json}
                errors={problem.errors}
              />,
            ),
          ),
      });
    },
  );

  // The application form of an item is designed in form-builder-routes.tsx.

  // ------------------------------------------------------------ workflows (办理流程)

  async function renderWorkflow(
    reply: FastifyReply,
    who: { s: StaffContext; ctx: AdminContext },
    item: ServiceItem,
    def: WorkflowDefinition,
    errors: Record<string, string>,
    saved?: string,
    version?: number,
  ) {
    const current = await oneStop.workflows.current(item.code, item.siteId);
    return sendHtml(
      reply,
      renderDocument(
        <WorkflowEditorPage
          ctx={who.ctx}
          item={item}
          definition={def}
          version={version ?? current.version}
          groups={(await oneStop.workflows.groupsOf(item.siteId)).filter((g) => g.kind !== "supervision")}
          history={await oneStop.workflows.history(item.code)}
          errors={errors}
          saved={saved}
        />,
      ),
    );
  }

  app.get(
    "/admin/service-items/:code/workflow",
    { schema: { hide: true, params: ItemParams, querystring: SavedQuery } },
    async (request, reply) => {
      const who = staffOf(request, RIGHTS.serviceItems);
      const item = await editableItem(who, request.params.code);
      const wf = await oneStop.workflows.current(item.code, item.siteId);
      const saved = request.query.saved;
      return renderWorkflow(
        reply,
        who,
        item,
        wf.definition,
        {},
        saved && /^\d+$/.test(saved)
          ? `已保存为第${saved}版；新提交的办件按新流程办理，在办件仍按原流程。`
          : undefined,
      );
    },
  );

  app.post(
    "/admin/service-items/:code/workflow",
    { schema: { hide: true, params: ItemParams, body: FormBody } },
    async (request, reply) => {
      const who = staffOf(request, RIGHTS.serviceItems);
      const item = await editableItem(who, request.params.code);
      const body = request.body;
      const def = workflowFromForm(body);
      return handleForm({
        parse: () => def,
        run: (d) =>
          oneStop.workflows.save(item, d, field(body, "note", 200), {
            key: `staff:${who.s.staff.id}`,
            name: who.s.staff.displayName,
          }),
        onSuccess: (v) =>
          reply.redirect(`/admin/service-items/${encodeURIComponent(item.code)}/workflow?saved=${v}`, 303),
        // Field problems show the editor again; a changed-meanwhile conflict answers as an error.
        shows: (error) => error instanceof Invalid,
        rerender: (problem) => {
          reply.status(400);
          return renderWorkflow(reply, who, item, def, problem.errors);
        },
      });
    },
  );

  // ------------------------------------------------------------ role groups (办理组)

  app.get(
    "/admin/services/groups",
    { schema: { hide: true, querystring: Type.Object({ site: QueryText() }) } },
    async (request, reply) => {
      const who = staffOf(request, RIGHTS.workGroups);
      const allowed = sitesWithRight(who.s.staff, RIGHTS.workGroups);
      const q = request.query;
      const departments = sites
        .list()
        .filter((x) => x.kind === "department" && (allowed === null || allowed.includes(x.id)));
      const site = departments.find((d) => String(d.id) === q.site) ?? departments[0];
      if (!site) throw forbidden("您没有可管理的部门");
      await oneStop.workflows.ensureDefaultGroups(site.id);
      const groups = [];
      for (const g of await oneStop.workflows.groupsOf(site.id))
        groups.push({ ...g, members: await oneStop.workflows.members(g.id) });
      return sendHtml(
        reply,
        renderDocument(
          <GroupsPage
            ctx={who.ctx}
            site={{ id: site.id, name: site.name }}
            departments={departments.map((d) => ({ id: d.id, name: d.name }))}
            groups={groups}
            handlers={await applications.handlersOf(site.id)}
          />,
        ),
      );
    },
  );

  app.post(
    "/admin/services/groups/:id",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const who = staffOf(request, RIGHTS.workGroups);
      const group = await oneStop.workflows.groupById(idOf(request.params.id, "该办理组不存在"));
      if (!group) throw notFound("该办理组不存在");
      const allowed = sitesWithRight(who.s.staff, RIGHTS.workGroups);
      if (allowed !== null && !allowed.includes(group.siteId)) throw forbidden("只能管理本部门的办理组");
      const userId = Number(field(request.body, "userId", 12)) || 0;
      const op = field(request.body, "op", 10);
      const actor = `staff:${who.s.staff.id}`;
      if (op === "add") {
        const ok = (await applications.handlersOf(group.siteId)).some((h) => h.id === userId);
        if (!ok) throw new Invalid("只能把本部门的承办人加入办理组", { userId: "请选择本部门的承办人" });
        await oneStop.workflows.addMember(group.id, userId, actor);
      } else if (op === "remove") await oneStop.workflows.removeMember(group.id, userId, actor);
      else throw new Invalid("未知操作");
      return reply.redirect(`/admin/services/groups?site=${group.siteId}`, 303);
    },
  );

  // ------------------------------------------------------------ supervision (督办)

  app.get(
    "/admin/services/supervision",
    { schema: { hide: true, querystring: Type.Object({ kind: QueryText(), page: QueryText() }) } },
    async (request, reply) => {
      const who = staffOf(request);
      const q = request.query;
      const kind = q.kind === "warning" || q.kind === "escalation" ? q.kind : "";
      const page = pageParam(q.page);
      const list = await oneStop.supervision.alerts(who.s.staff, {
        kind: kind || undefined,
        page,
        siteIds: sitesWithRight(who.s.staff, RIGHTS.applications),
      });
      return sendHtml(
        reply,
        renderDocument(
          <SupervisionPage
            ctx={who.ctx}
            rows={list.rows.map((r) => ({ ...r, department: sites.byId(r.siteId)?.name ?? "" }))}
            total={list.total}
            page={page}
            kind={kind}
            extensions={await oneStop.supervision.pendingExtensions(who.s.staff)}
          />,
        ),
      );
    },
  );

  app.get(
    "/admin/services/rectifications",
    { schema: { hide: true, querystring: PageQuery } },
    async (request, reply) => {
      const who = staffOf(request);
      const page = pageParam(request.query.page);
      const list = await oneStop.evaluations.rectifications(who.s.staff, page);
      return sendHtml(
        reply,
        renderDocument(<RectificationsPage ctx={who.ctx} rows={list.rows} total={list.total} page={page} />),
      );
    },
  );

  app.post(
    "/admin/services/rectifications/:id",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const who = staffOf(request);
      const id = idOf(request.params.id, "该整改记录不存在");
      const body = request.body;
      const op = field(body, "op", 20);
      const ev = oneStop.evaluations;
      if (op === "rectify") await ev.rectify(who.s.staff, id, field(body, "result"), field(body, "callback"));
      else if (op === "appeal") await ev.appeal(who.s.staff, id, field(body, "appealReason"));
      else if (op === "uphold" || op === "reject") await ev.decideAppeal(who.s.staff, id, op === "uphold");
      else throw new Invalid("未知操作");
      return reply.redirect("/admin/services/rectifications", 303);
    },
  );
};

export default serviceAdminRoutes;
