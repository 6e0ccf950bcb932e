import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { may, RIGHTS } from "../../staff/index.ts";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { formatPubDate } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import {
  SUSPEND_KINDS,
  STATUS_LABELS,
  type Application,
  type ApplicationEvent,
  type LimitState,
  type Task,
} from "../applications.ts";
import type { ServiceGroup, Workflow } from "../workflow.ts";
import type { ServiceItem } from "../catalogue.ts";
import { RECTIFICATION_STATUS, LEVELS } from "../evaluations.ts";
import { displayValue, type FormSchema } from "../forms.ts";
import type { GuideProblem } from "../guide.ts";
import { Timeline } from "./apply.tsx";

export function LimitBadge({ label, state }: { label: string; state: LimitState | null }) {
  if (!state) return <span>—</span>;
  const text =
    state.state === "overdue"
      ? `已超期${-state.remaining}个工作日`
      : state.state === "warning"
        ? `即将到期（剩${state.remaining}个工作日）`
        : `剩${state.remaining}个工作日`;
  return (
    <span class={`status limit-${state.state}`}>
      {label}
      {state.due}·{text}
    </span>
  );
}

export interface QueueRow {
  app: Application;
  tasks: (Pick<Task, "id" | "name" | "kind" | "assigneeName"> & { groupName: string })[];
  escalated: boolean;
  committed: LimitState | null;
  legal: LimitState | null;
  department: string;
}

export function QueuePage({
  ctx,
  rows,
  total,
  page,
  filter,
  departments,
}: {
  ctx: AdminContext;
  rows: QueueRow[];
  total: number;
  page: number;
  filter: { status: string; mine: string; groups: string; limit: string; site: string };
  departments: { id: number; name: string }[];
}) {
  return (
    <AdminLayout ctx={ctx} title="办件工作台">
      <h1>办件工作台</h1>
      <p>
        <a href="/admin/services/supervision">督办与预警</a> ·{" "}
        <a href="/admin/services/rectifications">差评整改</a>
        {may(ctx.staff, RIGHTS.serviceItems) ? (
          <>
            {" "}
            · <a href="/admin/service-items">服务事项、表单与流程</a>
          </>
        ) : null}
        {may(ctx.staff, RIGHTS.workGroups) ? (
          <>
            {" "}
            · <a href="/admin/services/groups">办理组</a>
          </>
        ) : null}
      </p>
      <form method="get" action="/admin/services" class="filters">
        <label>
          状态
          <select name="status">
            <option value="">全部在办</option>
            {["prereview", "correction", "review", "decided", "delivered", "suspended"].map((s) => (
              <option value={s} selected={filter.status === s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          时限
          <select name="limit">
            <option value="">全部</option>
            <option value="warning" selected={filter.limit === "warning"}>
              即将到期
            </option>
            <option value="overdue" selected={filter.limit === "overdue"}>
              已超期
            </option>
            <option value="escalated" selected={filter.limit === "escalated"}>
              已督办
            </option>
          </select>
        </label>
        {departments.length > 1 ? (
          <label>
            部门
            <select name="site">
              <option value="">全部</option>
              {departments.map((d) => (
                <option value={String(d.id)} selected={filter.site === String(d.id)}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          <span>
            <input type="checkbox" name="mine" value="1" checked={filter.mine === "1"} /> 只看我认领的
          </span>
        </label>
        <label>
          <span>
            <input type="checkbox" name="groups" value="1" checked={filter.groups === "1"} />{" "}
            我所在办理组的待办
          </span>
        </label>
        <button type="submit" class="button">
          筛选
        </button>
      </form>
      <p>共{total}件</p>
      <table class="data-table">
        <caption class="visually-hidden">办件列表</caption>
        <thead>
          <tr>
            <th scope="col">办件编号</th>
            <th scope="col">事项</th>
            <th scope="col">部门</th>
            <th scope="col">状态</th>
            <th scope="col">当前环节（办理组·认领人）</th>
            <th scope="col">承诺时限</th>
            <th scope="col">法定时限</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>
                <a href={`/admin/services/applications/${r.app.id}`}>{r.app.trackingNo}</a>
              </td>
              <td>
                {r.app.itemName}
                {r.app.filing?.mode === "proxy" ? <strong>（代办）</strong> : null}
              </td>
              <td>{r.department}</td>
              <td>
                {STATUS_LABELS[r.app.status]}
                {r.escalated ? <strong class="status limit-overdue"> 已督办</strong> : null}
              </td>
              <td>
                {r.tasks.length
                  ? r.tasks.map((t) => (
                      <div>
                        {t.name}（{t.groupName}·{t.assigneeName ?? "待认领"}）
                      </div>
                    ))
                  : "—"}
              </td>
              <td>
                <LimitBadge label="" state={r.committed} />
              </td>
              <td>
                <LimitBadge label="" state={r.legal} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination base="/admin/services" params={filter} page={page} pageSize={20} total={total} />
    </AdminLayout>
  );
}

export type TaskView = Task & { canTake: boolean; members: { id: number; displayName: string }[] };

export interface ExtensionView {
  id: number;
  days: number;
  reason: string;
  status: string;
  requestedBy: number;
  requestedByName: string;
  requestedAt: string;
  decidedByName: string | null;
  decisionNote: string | null;
  dueBefore: string | null;
  dueAfter: string | null;
}

const EXTENSION_STATUS: Record<string, string> = { pending: "待审批", approved: "已批准", refused: "未批准" };

const CLOCK_STOPS: [string, string][] = [
  ["suspend", "挂起（计时暂停）"],
  ["hearing", "听证"],
  ["testing", "检验检测"],
  ["expert", "专家评审"],
];

/** The buttons for one task the staff member may work on, by its kind and the application's status. */
function taskActions(app: Application, task: TaskView, canCorrect: boolean): [string, string][] {
  if (app.status === "suspended") return [["resume", "恢复办理（计时继续）"]];
  const stops = CLOCK_STOPS;
  switch (`${task.kind}:${app.status}`) {
    case "accept:prereview":
      return [
        ["accept", "受理"],
        ...(canCorrect ? ([["correction", "一次性告知补正"]] as [string, string][]) : []),
        ["refuse", "不予受理"],
      ];
    case "review:review":
      return [["complete", "完成本步骤（审查通过）"], ["extend", "申请延长法定期限"], ...stops];
    case "decide:review":
      return [["decide", "作出决定"], ["return", "退回重新审查"], ["extend", "申请延长法定期限"], ...stops];
    case "deliver:decided":
      return [["deliver", "制证送达"], ["return", "退回重新审查"], ...stops];
    case "deliver:delivered":
      return [["close", "办结"]];
    default:
      return [];
  }
}

/** The values of a handler's task form that came back with errors. */
export interface PostedTaskForm {
  taskId?: number;
  note: string;
  outcome: string;
}

export function ApplicationAdminPage({
  ctx,
  app,
  schema,
  events,
  files,
  tasks,
  workflow,
  groups,
  extensions,
  isLeader,
  committed,
  legal,
  delivery,
  department,
  errors,
  posted,
}: {
  ctx: AdminContext;
  app: Application;
  schema: FormSchema | null;
  events: ApplicationEvent[];
  files: { id: number; field: string; fileName: string; size: number }[];
  handlers: { id: number; displayName: string }[];
  tasks: TaskView[];
  workflow: Workflow;
  groups: ServiceGroup[];
  extensions: ExtensionView[];
  isLeader: boolean;
  committed: LimitState | null;
  legal: LimitState | null;
  delivery: LimitState | null;
  department: string;
  errors: Record<string, string>;
  /** A task form posted and refused: its values are shown again on that task's form. */
  posted?: PostedTaskForm;
}) {
  const canCorrect = app.correctionCount === 0;
  const open = tasks.filter((t) => t.status === "open");
  const workable = open.filter((t) => t.canTake);
  const groupName = (id: number) => groups.find((g) => g.id === id)?.name ?? "（已删除的办理组）";
  const def = workflow.definition;
  return (
    <AdminLayout ctx={ctx} title={`办件 ${app.trackingNo}`}>
      <h1>
        办件 {app.trackingNo}：{app.itemName}
      </h1>
      <ErrorSummary errors={errors} title="操作未完成" />
      <p>
        部门：{department} · 状态：<strong>{STATUS_LABELS[app.status]}</strong>
        {app.status === "suspended" && app.suspendKind
          ? `（${SUSPEND_KINDS[app.suspendKind]}，计时暂停）`
          : ""}{" "}
        · 承办人：
        {app.assigneeName ?? "待认领"} · 申请人：
        {app.applicantName}
        {app.filing?.mode === "proxy" ? <strong>（代办）</strong> : null}
      </p>
      <p class="limits">
        {committed || legal ? (
          <>
            {committed ? <LimitBadge label="承诺：" state={committed} /> : null}{" "}
            {legal ? <LimitBadge label="法定：" state={legal} /> : null}{" "}
          </>
        ) : app.dueCommitted || app.dueLegal ? (
          // Finished: the limits it had, and whether it kept them.
          <span>
            {app.dueCommitted ? `承诺：${app.dueCommitted}` : ""}
            {app.dueCommitted && app.dueLegal ? " · " : ""}
            {app.dueLegal ? `法定：${app.dueLegal}` : ""}
            {app.onTime === true ? "（按时办结）" : app.onTime === false ? "（超期办结）" : ""}
          </span>
        ) : (
          <span>办理时限：受理后开始计时</span>
        )}
        {delivery ? <LimitBadge label="送达：" state={delivery} /> : null}
        {app.suspendedDays ? ` · 已暂停计时${app.suspendedDays}个工作日（不计入时限）` : ""}
        {app.extendedDays ? ` · 法定期限经批准延长${app.extendedDays}个工作日` : ""}
      </p>
      {app.prereview ? (
        <section>
          <h2>网上预审</h2>
          <ul>
            {app.prereview.checks.map((c) => (
              <li>
                {c.ok ? "通过" : "未通过"}：{c.name}（{c.detail}）
              </li>
            ))}
            {app.prereview.spared.length ? (
              <li>免提交（电子证照/数据共享）：{app.prereview.spared.join("、")}</li>
            ) : null}
          </ul>
        </section>
      ) : null}
      {app.filing?.mode === "proxy" && app.filing.principal ? (
        <section class="notice">
          <h2>
            <strong>代办</strong>
          </h2>
          <p>
            由账户实名用户 {app.filing.filedBy.name} 代 {app.filing.principal.name}（身份证号码{" "}
            {app.filing.principal.idNumber}）办理。
            {app.filing.principal.authorisation ? (
              <>
                {" "}
                授权委托书：
                <a
                  href={`/admin/services/applications/${app.id}/files/${app.filing.principal.authorisation.fileId}`}
                >
                  {app.filing.principal.authorisation.name}
                </a>
              </>
            ) : null}
          </p>
        </section>
      ) : null}
      {(app.filing?.materials.length ?? 0) > 0 ? (
        <section>
          <h2>免提交材料（电子证照、数据共享）</h2>
          {app.filing!.materials.map((m) =>
            m.status === "licence" && m.licence ? (
              <table class="data-table">
                <caption>
                  <strong>电子证照已核验</strong> {m.name}：申请人出示本人电子证照“{m.licence.kindName}”（
                  {m.licence.department}签发，证照{m.licence.id}号），
                  <strong>核验通过（有效，可信等级{m.licence.trustLevel}）</strong>，
                  {formatPubDate(m.licence.verifiedAt)}。以下为证照披露的事项：
                </caption>
                <tbody>
                  {m.fields.map((f) => (
                    <tr>
                      <th scope="row">{f.label}</th>
                      <td>{f.value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : m.status === "fetched" ? (
              <table class="data-table">
                <caption>
                  {m.name}：经申请人同意由{m.provider}“{m.resourceName}”（{m.resource}
                  ）提供，数据共享调用记录第{m.auditSeq}号，{formatPubDate(m.at)}
                </caption>
                <tbody>
                  {m.fields.map((f) => (
                    <tr>
                      <th scope="row">{f.label}</th>
                      <td>{f.value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p>
                {m.name}：申请人上传
                {m.file ? (
                  <>
                    {" "}
                    <a href={`/admin/services/applications/${app.id}/files/${m.file.fileId}`}>
                      {m.file.name}
                    </a>
                  </>
                ) : null}
              </p>
            ),
          )}
        </section>
      ) : null}
      {app.correctionNote ? (
        <p class="notice">
          已告知补正：<span class="pre-line">{app.correctionNote}</span>
        </p>
      ) : null}
      <h2>申请内容</h2>
      <table class="data-table">
        <caption class="visually-hidden">申请内容</caption>
        <tbody>
          {(schema?.fields ?? []).map((f) => (
            <tr>
              <th scope="row">{f.label}</th>
              <td>
                {f.type === "file" && app.data[f.name] ? (
                  <a
                    href={`/admin/services/applications/${app.id}/files/${(app.data[f.name] as { fileId: number }).fileId}`}
                  >
                    {displayValue(f, app.data[f.name])}
                  </a>
                ) : f.type === "group" ? (
                  <ul>
                    {((app.data[f.name] as Record<string, unknown>[] | undefined) ?? []).map((row) => (
                      <li>
                        {(f.fields ?? [])
                          .map((sub) => `${sub.label}：${displayValue(sub, row[sub.name] as never)}`)
                          .join("；")}
                      </li>
                    ))}
                  </ul>
                ) : (
                  displayValue(f, app.data[f.name])
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {files.length ? <p class="meta">共{files.length}个上传文件（含被替换的旧版本）。</p> : null}
      <h2>办理流程</h2>
      <p class="meta">
        {workflow.version ? `第${workflow.version}版流程` : "部门默认流程"}
        {def.joint ? "（联合办理）" : ""}：受理（{groupName(def.acceptGroupId)}）→{" "}
        {def.stages
          .map(
            (st) =>
              `${st.name}（${st.mode === "parallel" ? "并行：" : "串行："}${st.steps
                .map((x) => `${x.name}/${groupName(x.groupId)}`)
                .join(st.mode === "parallel" ? "、" : "→")}）`,
          )
          .join(" → ")}{" "}
        → 决定（{groupName(def.decideGroupId)}）→ 制证送达（{groupName(def.deliverGroupId)}）
      </p>
      <table class="data-table">
        <caption>办理环节与任务</caption>
        <thead>
          <tr>
            <th scope="col">环节</th>
            <th scope="col">办理组</th>
            <th scope="col">认领/办理人</th>
            <th scope="col">状态</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr>
              <td>{t.name}</td>
              <td>{t.groupName}</td>
              <td>{t.doneByName ?? t.assigneeName ?? "待认领"}</td>
              <td>
                {t.status === "open"
                  ? // Delivered, the delivery task stays open only for 办结: the applicant reads it as done.
                    t.kind === "deliver" && app.status === "delivered"
                    ? "已送达，待办结"
                    : "办理中"
                  : t.status === "done"
                    ? "已完成"
                    : "已取消"}
              </td>
              <td>
                {t.status === "open" && t.canTake && t.assigneeId !== ctx.staff.id ? (
                  <form method="post" action={`/admin/services/applications/${app.id}/act`}>
                    <CsrfField token={ctx.csrf} />
                    <input type="hidden" name="version" value={String(app.version)} />
                    <input type="hidden" name="taskId" value={String(t.id)} />
                    <button type="submit" name="action" value="claim" class="button secondary">
                      认领
                    </button>
                  </form>
                ) : null}
                {t.status === "open" && t.canTake ? (
                  <form method="post" action={`/admin/services/applications/${app.id}/act`} class="filters">
                    <CsrfField token={ctx.csrf} />
                    <input type="hidden" name="version" value={String(app.version)} />
                    <input type="hidden" name="taskId" value={String(t.id)} />
                    <label>
                      转办给承办人
                      <select name="assigneeId">
                        <option value="">（不指定）</option>
                        {t.members
                          .filter((m) => m.id !== ctx.staff.id)
                          .map((m) => (
                            <option value={String(m.id)}>{m.displayName}</option>
                          ))}
                      </select>
                    </label>
                    <label>
                      或转至办理组
                      <select name="groupId">
                        <option value="">（不转组）</option>
                        {groups
                          .filter((g) => g.id !== t.groupId)
                          .map((g) => (
                            <option value={String(g.id)}>{g.name}</option>
                          ))}
                      </select>
                    </label>
                    <button type="submit" name="action" value="transfer" class="button secondary">
                      转办
                    </button>
                  </form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>办理</h2>
      {workable.length === 0 ? (
        <p>
          {open.length
            ? `当前环节由“${[...new Set(open.map((t) => t.groupName))].join("、")}”办理，您不在该办理组或任务已由他人认领。`
            : "该办件当前无需办理。"}
        </p>
      ) : null}
      {workable.map((t, i) => {
        const actions = taskActions(app, t, canCorrect);
        if (actions.length === 0) return null;
        // The form that was posted (else the first) shows the errors, under the ids the summary links.
        const postedHere = posted
          ? posted.taskId === undefined
            ? i === 0
            : posted.taskId === t.id
          : i === 0;
        const again = posted && postedHere ? posted : null;
        const noteId = postedHere ? "note" : `note-${t.id}`;
        return (
          <form method="post" action={`/admin/services/applications/${app.id}/act`} class="form card">
            <h3>
              {t.name}（{t.groupName}）
            </h3>
            <CsrfField token={ctx.csrf} />
            <input type="hidden" name="version" value={String(app.version)} />
            <input type="hidden" name="taskId" value={String(t.id)} />
            {t.kind === "decide" && app.status === "review" ? (
              <Field
                id={postedHere ? "outcome" : `outcome-${t.id}`}
                label="决定结果"
                error={postedHere ? errors.outcome : undefined}
              >
                <select id={postedHere ? "outcome" : `outcome-${t.id}`} name="outcome">
                  <option value="">请选择</option>
                  <option value="approved" selected={again?.outcome === "approved"}>
                    准予办理
                  </option>
                  <option value="denied" selected={again?.outcome === "denied"}>
                    不予办理
                  </option>
                </select>
              </Field>
            ) : null}
            <Field
              id={noteId}
              label="意见 / 理由（补正请逐条列出全部问题；挂起、听证、检验检测、专家评审、延期须写明事由）"
              error={postedHere ? errors.note : undefined}
            >
              <textarea id={noteId} name="note" rows={4} maxLength={2000}>
                {again?.note ?? ""}
              </textarea>
            </Field>
            <p>
              {actions.map(([a, label]) => (
                <>
                  <button
                    type="submit"
                    name="action"
                    value={a}
                    class={
                      ["refuse", "return", ...CLOCK_STOPS.map((x) => x[0]), "extend"].includes(a)
                        ? "button secondary"
                        : "button"
                    }
                  >
                    {label}
                  </button>{" "}
                </>
              ))}
            </p>
          </form>
        );
      })}
      {extensions.length ? (
        <section>
          <h2>法定期限延长</h2>
          <ul>
            {extensions.map((e) => (
              <li>
                {e.requestedByName}申请延长{e.days}个工作日（{e.reason}）· {EXTENSION_STATUS[e.status]}
                {e.decidedByName ? ` · 审批人：${e.decidedByName}` : ""}
                {e.status === "approved" ? ` · 法定期限由${e.dueBefore}延至${e.dueAfter}` : ""}
                {e.decisionNote ? ` · ${e.decisionNote}` : ""}
                {e.status === "pending" && isLeader && e.requestedBy !== ctx.staff.id ? (
                  <form method="post" action={`/admin/services/applications/${app.id}/act`} class="filters">
                    <CsrfField token={ctx.csrf} />
                    <input type="hidden" name="version" value={String(app.version)} />
                    <input type="hidden" name="extensionId" value={String(e.id)} />
                    <label>
                      审批意见
                      <input name="note" maxLength={500} />
                    </label>
                    <button type="submit" name="action" value="extend_approve" class="button">
                      批准延期
                    </button>{" "}
                    <button type="submit" name="action" value="extend_refuse" class="button secondary">
                      不同意
                    </button>
                  </form>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <h2>办理过程</h2>
      <Timeline events={events} showNotes />
    </AdminLayout>
  );
}

export function ItemsAdminPage({
  ctx,
  rows,
  total,
  page,
  problems,
  siteName,
}: {
  ctx: AdminContext;
  rows: ServiceItem[];
  total: number;
  page: number;
  problems: { code: string; name: string; problems: GuideProblem[] }[];
  siteName: (id: number) => string;
}) {
  return (
    <AdminLayout ctx={ctx} title="服务事项">
      <h1>服务事项与办事指南</h1>
      <h2>指南检查</h2>
      {problems.length === 0 ? (
        <p>
          全部{total}
          项事项的办事指南均通过检查（无兜底条款、材料有依据和来源、承诺时限不超过法定时限、写明收费情况）。
        </p>
      ) : (
        <ul>
          {problems.map((p) => (
            <li>
              <a href={`/admin/service-items/${encodeURIComponent(p.code)}`}>{p.name}</a>：
              {p.problems.map((x) => x.message).join("；")}
            </li>
          ))}
        </ul>
      )}
      <table class="data-table">
        <caption>事项列表</caption>
        <thead>
          <tr>
            <th scope="col">事项编码</th>
            <th scope="col">名称</th>
            <th scope="col">部门</th>
            <th scope="col">表单版本</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((i) => (
            <tr>
              <td>{i.code}</td>
              <td>{i.name}</td>
              <td>{siteName(i.siteId)}</td>
              <td>{i.formVersion ? `第${i.formVersion}版` : "默认表单"}</td>
              <td>
                <a href={`/admin/service-items/${encodeURIComponent(i.code)}`}>编辑指南</a> ·{" "}
                <a href={`/admin/service-items/${encodeURIComponent(i.code)}/form`}>编辑表单</a> ·{" "}
                <a href={`/admin/service-items/${encodeURIComponent(i.code)}/workflow`}>办理流程</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination base="/admin/service-items" page={page} pageSize={50} total={total} />
    </AdminLayout>
  );
}

export function JsonEditorPage({
  ctx,
  title,
  intro,
  action,
  json,
  errors,
  saved,
  history,
}: {
  ctx: AdminContext;
  title: string;
  intro: string;
  action: string;
  json: string;
  errors: Record<string, string>;
  saved?: string;
  history?: { version: number; note: string; createdBy: string; createdAt: string }[];
}) {
  return (
    <AdminLayout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p>{intro}</p>
      {saved ? <p class="notice info">{saved}</p> : null}
      <ErrorSummary errors={errors} />
      <form method="post" action={action} class="form">
        <CsrfField token={ctx.csrf} />
        <Field
          id="schema"
          label="定义（JSON）"
          error={
            Object.entries(errors)
              .map(([k, v]) => (k === "schema" ? v : `${k}：${v}`))
              .join("；") || undefined
          }
        >
          <textarea id="schema" name="schema" rows={30} class="code">
            {json}
          </textarea>
        </Field>
        {history ? (
          <Field id="note" label="修改说明">
            <input id="note" name="note" maxLength={200} />
          </Field>
        ) : null}
        <button type="submit" class="button">
          检查并保存
        </button>
      </form>
      {history && history.length ? (
        <>
          <h2>历史版本</h2>
          <ul>
            {history.map((h) => (
              <li>
                第{h.version}版 · {formatPubDate(h.createdAt)} · {h.createdBy} · {h.note}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </AdminLayout>
  );
}

export function RectificationsPage({
  ctx,
  rows,
  total,
  page,
}: {
  ctx: AdminContext;
  rows: {
    id: number;
    status: string;
    dueOn: string;
    level: number;
    comment: string;
    trackingNo: string;
    itemName: string;
    result: string | null;
    appealReason: string | null;
  }[];
  total: number;
  page: number;
}) {
  return (
    <AdminLayout ctx={ctx} title="差评整改">
      <h1>差评整改</h1>
      <p>共{total}条</p>
      {rows.map((r) => (
        <section class="card">
          <h2>
            {r.itemName}（{r.trackingNo}）：{LEVELS[r.level]}
          </h2>
          <p>评价内容：{r.comment || "—"}</p>
          <p>
            状态：{RECTIFICATION_STATUS[r.status]} · 整改期限：{r.dueOn}
          </p>
          {r.result ? <p>整改结果：{r.result}</p> : null}
          {r.appealReason ? <p>申诉理由：{r.appealReason}</p> : null}
          {r.status === "open" || r.status === "appeal_rejected" ? (
            <form method="post" action={`/admin/services/rectifications/${r.id}`} class="form">
              <CsrfField token={ctx.csrf} />
              <Field id={`result-${r.id}`} label="整改措施和结果">
                <textarea id={`result-${r.id}`} name="result" rows={3}></textarea>
              </Field>
              <Field id={`callback-${r.id}`} label="回访情况">
                <textarea id={`callback-${r.id}`} name="callback" rows={2}></textarea>
              </Field>
              <Field id={`appeal-${r.id}`} label="申诉理由（认为属恶意差评时填写，并点“申诉”）">
                <textarea id={`appeal-${r.id}`} name="appealReason" rows={2}></textarea>
              </Field>
              <button type="submit" name="op" value="rectify" class="button">
                提交整改
              </button>{" "}
              {r.status === "open" ? (
                <button type="submit" name="op" value="appeal" class="button secondary">
                  申诉
                </button>
              ) : null}
            </form>
          ) : null}
          {r.status === "appealed" && ctx.staff.isOperator ? (
            <form method="post" action={`/admin/services/rectifications/${r.id}`}>
              <CsrfField token={ctx.csrf} />
              <button type="submit" name="op" value="uphold" class="button">
                申诉成立
              </button>{" "}
              <button type="submit" name="op" value="reject" class="button secondary">
                申诉不成立
              </button>
            </form>
          ) : null}
        </section>
      ))}
      <Pagination base="/admin/services/rectifications" page={page} pageSize={20} total={total} />
    </AdminLayout>
  );
}

export { GroupsPage, SupervisionPage, WorkflowEditorPage } from "./workflow-admin.tsx";
