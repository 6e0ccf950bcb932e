import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { formatPubDate } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { STATUS_LABELS } from "../applications.ts";
import type { ServiceItem } from "../catalogue.ts";
import { ALERT_LABELS, LIMIT_LABELS } from "../supervision.ts";
import {
  GROUP_KIND_LABELS,
  MAX_STAGES,
  MAX_STEPS,
  type ServiceGroup,
  type WorkflowDefinition,
} from "../workflow.ts";

function GroupSelect({
  id,
  name,
  groups,
  value,
  blank,
}: {
  id: string;
  name: string;
  groups: ServiceGroup[];
  value: number;
  blank?: string;
}) {
  return (
    <select id={id} name={name}>
      {blank !== undefined ? <option value="">{blank}</option> : null}
      {groups.map((g) => (
        <option value={String(g.id)} selected={g.id === value}>
          {g.name}
        </option>
      ))}
    </select>
  );
}

/**
 * The workflow editor: a plain form (works without JavaScript) with room for MAX_STAGES stages of
 * MAX_STEPS steps each; blank rows are ignored. Saving makes a new version.
 */
export function WorkflowEditorPage({
  ctx,
  item,
  definition,
  version,
  groups,
  history,
  errors,
  saved,
}: {
  ctx: AdminContext;
  item: ServiceItem;
  definition: WorkflowDefinition;
  version: number;
  groups: ServiceGroup[];
  history: { version: number; note: string; createdBy: string; createdAt: string }[];
  errors: Record<string, string>;
  saved?: string;
}) {
  const title = `办理流程：${item.name}`;
  const stages = Array.from({ length: MAX_STAGES }, (_, i) => definition.stages[i]);
  return (
    <AdminLayout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p>
        当前为{version ? `第${version}版` : "部门默认流程"}。流程：预审受理 →
        审查阶段（按顺序，每个阶段串行或并行会签）→ 决定 → 制证送达 → 办结。每一步交给本部门的一个办理组（
        <a href="/admin/services/groups">管理办理组</a>
        ），组内承办人认领后办理。保存后生成新版本：新提交的办件按新流程办理，在办件仍按提交时的流程。
      </p>
      {saved ? <p class="notice info">{saved}</p> : null}
      <ErrorSummary errors={errors} title="办理流程设置有误，请按提示修改" />
      <form
        method="post"
        action={`/admin/service-items/${encodeURIComponent(item.code)}/workflow`}
        class="form"
      >
        <CsrfField token={ctx.csrf} />
        <Field id="acceptGroupId" label="预审受理（受理/补正/不予受理）由" error={errors.acceptGroupId}>
          <GroupSelect
            id="acceptGroupId"
            name="acceptGroupId"
            groups={groups}
            value={definition.acceptGroupId}
          />
        </Field>
        {stages.map((stage, i) => (
          <fieldset class="card">
            <legend>
              第{i + 1}个审查阶段{i > 0 ? "（不用可留空）" : ""}
            </legend>
            <Field id={`s${i}.name`} label="阶段名称" error={errors[`s${i}.name`]}>
              <input id={`s${i}.name`} name={`s${i}.name`} maxLength={20} value={stage?.name ?? ""} />
            </Field>
            <Field id={`s${i}.mode`} label="办理方式" error={errors[`s${i}.mode`]}>
              <select id={`s${i}.mode`} name={`s${i}.mode`}>
                <option value="serial" selected={stage?.mode !== "parallel"}>
                  串行（步骤依次办理）
                </option>
                <option value="parallel" selected={stage?.mode === "parallel"}>
                  并行会签（各步骤同时办理，全部完成后进入下一阶段）
                </option>
              </select>
            </Field>
            {Array.from({ length: MAX_STEPS }, (_, j) => {
              const step = stage?.steps[j];
              const n = `s${i}.step${j}`;
              return (
                <div class="filters">
                  <Field id={`${n}.name`} label={`步骤${j + 1}名称`} error={errors[`${n}.name`]}>
                    <input id={`${n}.name`} name={`${n}.name`} maxLength={20} value={step?.name ?? ""} />
                  </Field>
                  <Field id={`${n}.group`} label={`步骤${j + 1}办理组`} error={errors[`${n}.group`]}>
                    <GroupSelect
                      id={`${n}.group`}
                      name={`${n}.group`}
                      groups={groups}
                      value={step?.groupId ?? 0}
                      blank="（不用）"
                    />
                  </Field>
                </div>
              );
            })}
          </fieldset>
        ))}
        <Field id="decideGroupId" label="作出决定由" error={errors.decideGroupId}>
          <GroupSelect
            id="decideGroupId"
            name="decideGroupId"
            groups={groups}
            value={definition.decideGroupId}
          />
        </Field>
        <Field id="deliverGroupId" label="制证送达、办结由" error={errors.deliverGroupId}>
          <GroupSelect
            id="deliverGroupId"
            name="deliverGroupId"
            groups={groups}
            value={definition.deliverGroupId}
          />
        </Field>
        <div class="field">
          <label>
            <input type="checkbox" name="joint" value="1" checked={definition.joint} />{" "}
            联合办理（法定期限可经批准延长15个工作日，否则10个工作日）
          </label>
        </div>
        <Field id="note" label="修改说明">
          <input id="note" name="note" maxLength={200} />
        </Field>
        <button type="submit" class="button">
          检查并保存为新版本
        </button>
      </form>
      {history.length ? (
        <>
          <h2>历史版本</h2>
          <ul>
            {history.map((h) => (
              <li>
                第{h.version}版 · {formatPubDate(h.createdAt)} · {h.createdBy} · {h.note || "—"}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </AdminLayout>
  );
}

export function GroupsPage({
  ctx,
  site,
  departments,
  groups,
  handlers,
}: {
  ctx: AdminContext;
  site: { id: number; name: string };
  departments: { id: number; name: string }[];
  groups: (ServiceGroup & { members: { id: number; displayName: string }[] })[];
  handlers: { id: number; displayName: string }[];
}) {
  return (
    <AdminLayout ctx={ctx} title="办理组">
      <h1>办理组：{site.name}</h1>
      <p>
        办理流程的每一步交给一个办理组；组内承办人在工作台认领任务。组内无成员时，本部门承办人均可认领。分管领导组审批延期申请并接收超期督办。
      </p>
      {departments.length > 1 ? (
        <form method="get" action="/admin/services/groups" class="filters">
          <label>
            部门
            <select name="site">
              {departments.map((d) => (
                <option value={String(d.id)} selected={d.id === site.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="button secondary">
            切换
          </button>
        </form>
      ) : null}
      {groups.map((g) => (
        <section class="card">
          <h2>
            {g.name}（{GROUP_KIND_LABELS[g.kind] ?? g.kind}）
          </h2>
          <ul>
            {g.members.map((m) => (
              <li>
                {m.displayName}{" "}
                <form method="post" action={`/admin/services/groups/${g.id}`} class="inline">
                  <CsrfField token={ctx.csrf} />
                  <input type="hidden" name="userId" value={String(m.id)} />
                  <button type="submit" name="op" value="remove" class="button secondary">
                    移出
                  </button>
                </form>
              </li>
            ))}
            {g.members.length === 0 ? <li>暂无成员</li> : null}
          </ul>
          <form method="post" action={`/admin/services/groups/${g.id}`} class="filters">
            <CsrfField token={ctx.csrf} />
            <label>
              加入承办人
              <select name="userId">
                {handlers
                  .filter((h) => !g.members.some((m) => m.id === h.id))
                  .map((h) => (
                    <option value={String(h.id)}>{h.displayName}</option>
                  ))}
              </select>
            </label>
            <button type="submit" name="op" value="add" class="button secondary">
              加入
            </button>
          </form>
        </section>
      ))}
    </AdminLayout>
  );
}

export function SupervisionPage({
  ctx,
  rows,
  total,
  page,
  kind,
  extensions,
}: {
  ctx: AdminContext;
  rows: {
    id: number;
    kind: string;
    limitKind: string;
    due: string;
    createdAt: string;
    groupName: string;
    applicationId: number;
    trackingNo: string;
    itemName: string;
    status: string;
    assigneeName: string | null;
    department: string;
  }[];
  total: number;
  page: number;
  kind: string;
  extensions: {
    id: number;
    days: number;
    reason: string;
    requestedByName: string;
    applicationId: number;
    trackingNo: string;
    itemName: string;
    dueLegal: string | null;
  }[];
}) {
  return (
    <AdminLayout ctx={ctx} title="督办与预警">
      <h1>督办与预警</h1>
      <p>
        <a href="/admin/services">返回办件工作台</a>
      </p>
      {extensions.length ? (
        <section>
          <h2>待我审批的延期申请</h2>
          <ul>
            {extensions.map((e) => (
              <li>
                <a href={`/admin/services/applications/${e.applicationId}`}>{e.trackingNo}</a> {e.itemName}：
                {e.requestedByName}申请延长{e.days}个工作日（{e.reason}），当前法定期限{e.dueLegal}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <form method="get" action="/admin/services/supervision" class="filters">
        <label>
          类别
          <select name="kind">
            <option value="">全部</option>
            <option value="escalation" selected={kind === "escalation"}>
              超期督办
            </option>
            <option value="warning" selected={kind === "warning"}>
              临期预警
            </option>
          </select>
        </label>
        <button type="submit" class="button">
          筛选
        </button>
      </form>
      <p>共{total}条</p>
      <table class="data-table">
        <caption class="visually-hidden">督办与预警</caption>
        <thead>
          <tr>
            <th scope="col">类别</th>
            <th scope="col">办件编号</th>
            <th scope="col">事项</th>
            <th scope="col">部门</th>
            <th scope="col">时限</th>
            <th scope="col">督办至</th>
            <th scope="col">当前状态</th>
            <th scope="col">时间</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>
                <strong class={`status limit-${r.kind === "escalation" ? "overdue" : "warning"}`}>
                  {ALERT_LABELS[r.kind]}
                </strong>
              </td>
              <td>
                <a href={`/admin/services/applications/${r.applicationId}`}>{r.trackingNo}</a>
              </td>
              <td>{r.itemName}</td>
              <td>{r.department}</td>
              <td>
                {LIMIT_LABELS[r.limitKind]} {r.due}
              </td>
              <td>{r.groupName}</td>
              <td>
                {STATUS_LABELS[r.status]}（{r.assigneeName ?? "待认领"}）
              </td>
              <td>{formatPubDate(r.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination
        base="/admin/services/supervision"
        params={{ kind }}
        page={page}
        pageSize={20}
        total={total}
      />
    </AdminLayout>
  );
}
