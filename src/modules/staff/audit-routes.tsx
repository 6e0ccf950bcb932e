import { guardStaffArea } from "./auth.ts";
import { consoleRequest } from "./console-request.ts";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { StaffDeps } from "./deps.ts";
import { forbidden } from "../../platform/http/errors.ts";
import { AdminLayout } from "../../web/admin-layout.tsx";
import { Pagination } from "../../web/components/pagination.tsx";
import { sendPage } from "../../web/console.ts";
import { chinaTime } from "../../platform/time/china-time.ts";
import { pageParam } from "../../platform/http/params.ts";
import { actorText } from "../../web/actor-text.ts";
import { actionText, targetText } from "./audit-labels.ts";

const PAGE_SIZE = 50;

/** The audit log's filters: longer values are cut, odd ones ignored, never refused. */
const AuditQuery = Type.Object({
  actor: Type.Optional(Type.String({ maxLength: 500 })),
  action: Type.Optional(Type.String({ maxLength: 500 })),
  page: Type.Optional(Type.String({ maxLength: 40 })),
  verify: Type.Optional(Type.String({ maxLength: 40 })),
});

/** The actor in words, and the login or key as recorded when the words differ. */
function ActorCell({ actor, names }: { actor: string; names: ReadonlyMap<string, string> }) {
  const text = actorText(actor, names);
  return text === actor ? (
    <>{actor}</>
  ) : (
    <>
      {text}
      <code class="meta break"> {actor}</code>
    </>
  );
}

const auditRoutes: FastifyPluginAsyncTypebox<{ deps: StaffDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });

  app.get("/admin/audit", { schema: { hide: true, querystring: AuditQuery } }, async (request, reply) => {
    const c = consoleRequest(request);
    if (!c.auth.staff.isOperator) throw forbidden("只有平台运维人员可以查看审计日志");
    const q = request.query;
    const actor = (q.actor ?? "").trim().slice(0, 64);
    const action = (q.action ?? "").trim().slice(0, 64);
    const page = pageParam(q.page);
    const { rows, total } = await deps.audit.list(page, PAGE_SIZE, {
      actor: actor || undefined,
      action: action || undefined,
    });
    const check = q.verify === "1" ? await deps.audit.verify() : null;
    const staffNames = await deps.staff.displayNames([...new Set(rows.map((r) => r.actor))]);
    return sendPage(
      reply,
      <AdminLayout ctx={c.view} title="审计日志">
        <h1>审计日志</h1>
        <p>每条记录都与上一条以哈希相连，任何修改或删除都会使校验失败。</p>
        <form method="get" action="/admin/audit" class="filters" role="search" aria-label="筛选审计日志">
          <label>
            操作人
            <input name="actor" value={actor} maxLength={64} />
          </label>
          <label>
            操作（前缀，如 article.）
            <input name="action" value={action} maxLength={64} />
          </label>
          <button type="submit" class="button secondary">
            筛选
          </button>
          <button type="submit" class="button secondary" name="verify" value="1">
            校验哈希链
          </button>
        </form>
        {check ? (
          <p class={check.ok ? "notice info" : "notice"} role="status">
            {check.ok
              ? `哈希链完整：已校验 ${check.checked} 条记录，未发现篡改。`
              : `哈希链在第 ${check.brokenAt} 条记录处断开：该记录或其之前的记录已被修改或删除（此前 ${check.checked} 条校验通过）。`}
          </p>
        ) : null}
        <table class="data-table">
          <caption class="visually-hidden">审计日志，共{total}条</caption>
          <thead>
            <tr>
              <th scope="col">序号</th>
              <th scope="col">时间</th>
              <th scope="col">操作人</th>
              <th scope="col">操作</th>
              <th scope="col">对象</th>
              <th scope="col">详情</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{r.id}</td>
                <td>{chinaTime(r.at)}</td>
                <td>
                  <ActorCell actor={r.actor} names={staffNames} />
                </td>
                <td>
                  {actionText(r.action) ?? ""}
                  <code class="meta break"> {r.action}</code>
                </td>
                <td>{targetText(r.targetType, r.targetId)}</td>
                <td>
                  <code class="break">{r.detail.slice(0, 300)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pagination
          base="/admin/audit"
          params={{ actor, action }}
          page={page}
          pageSize={PAGE_SIZE}
          total={total}
        />
      </AdminLayout>,
    );
  });
};
export default auditRoutes;
