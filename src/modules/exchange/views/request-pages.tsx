import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { formatPubDate } from "../../../web/layout.tsx";
import { SHARE_CLASS_LABEL, type Resource } from "../catalogue.ts";
import {
  AccessRequests,
  PAGE_SIZE,
  REQUEST_STATUS_LABEL,
  type AccessRequest,
  type ExchangeScope,
} from "../requests.ts";
import type { Member } from "../service.ts";
import type { AccessRequestStatus } from "../tables.ts";

export type RequestForm = Partial<
  Record<
    | "memberId"
    | "resourceCode"
    | "purpose"
    | "legalBasis"
    | "expiresOn"
    | "dailyQuota"
    | "ratePerMinute"
    | "decision"
    | "note"
    | "reason"
    | "disputeReason"
    | "finalNote"
    | "needsPublication",
    string
  >
> & { fields?: string[] };

function Notice({ text }: { text?: string }) {
  return text ? (
    <div class="notice info" role="status">
      <p>{text}</p>
    </div>
  ) : null;
}

function DueCell({ r }: { r: AccessRequest }) {
  if (!r.dueAt) return <span>—</span>;
  return (
    <span>
      {formatPubDate(r.dueAt)}
      {r.overdue ? <strong class="overdue"> 已超期</strong> : null}
    </span>
  );
}

function ExchangeTabs({ path }: { path: string }) {
  const tabs = [
    ["/admin/exchange", "概览"],
    ["/admin/exchange/requests", "共享申请"],
    ["/admin/exchange/requests/new", "提出申请"],
  ];
  return (
    <nav aria-label="数据共享" class="tabs">
      <ul>
        {tabs.map(([href, name]) => (
          <li>
            <a href={href} aria-current={path === href ? "page" : undefined}>
              {name}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
export { ExchangeTabs };

/** 共享申请 list: filter by status or overdue, paged. */
export function RequestListPage({
  ctx,
  rows,
  total,
  page,
  filter,
  notice,
}: {
  ctx: AdminContext;
  rows: AccessRequest[];
  total: number;
  page: number;
  filter: { status: string; overdue: boolean };
  notice?: string;
}) {
  return (
    <AdminLayout ctx={ctx} title="共享申请">
      <ExchangeTabs path={ctx.path} />
      <h1>共享申请</h1>
      <Notice text={notice} />
      <form method="get" action="/admin/exchange/requests" class="filters">
        <Field id="status" label="状态">
          <select id="status" name="status">
            <option value="">全部</option>
            {Object.entries(REQUEST_STATUS_LABEL).map(([value, label]) => (
              <option value={value} selected={filter.status === value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <label class="checkbox">
          <input type="checkbox" name="overdue" value="1" checked={filter.overdue} /> 只看已超期
        </label>{" "}
        <button type="submit" class="button secondary">
          筛选
        </button>
      </form>
      {rows.length === 0 ? (
        <p>没有符合条件的共享申请。</p>
      ) : (
        <table class="data-table">
          <thead>
            <tr>
              <th scope="col">编号</th>
              <th scope="col">申请部门</th>
              <th scope="col">数据资源</th>
              <th scope="col">提供部门</th>
              <th scope="col">状态</th>
              <th scope="col">当前期限</th>
              <th scope="col">申请时间</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>
                  <a href={`/admin/exchange/requests/${r.id}`}>SQ{String(r.id).padStart(6, "0")}</a>
                </td>
                <td>{r.consumerDepartment}</td>
                <td>{r.resourceCode}</td>
                <td>{r.providerDepartment}</td>
                <td>{REQUEST_STATUS_LABEL[r.status]}</td>
                <td>
                  <DueCell r={r} />
                </td>
                <td>{formatPubDate(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination
        base="/admin/exchange/requests"
        params={{ status: filter.status, overdue: filter.overdue ? "1" : "" }}
        page={page}
        pageSize={PAGE_SIZE}
        total={total}
      />
    </AdminLayout>
  );
}

function TermsFields({ form, errors }: { form: RequestForm; errors: Record<string, string> }) {
  return (
    <>
      <Field id="expiresOn" label="授权到期日期" error={errors.expiresOn}>
        <input id="expiresOn" name="expiresOn" type="date" value={form.expiresOn ?? ""} />
      </Field>
      <Field id="dailyQuota" label="每日调用限额" error={errors.dailyQuota}>
        <input
          id="dailyQuota"
          name="dailyQuota"
          type="number"
          min={1}
          max={1000000}
          value={form.dailyQuota ?? "1000"}
        />
      </Field>
      <Field id="ratePerMinute" label="每分钟调用限额" error={errors.ratePerMinute}>
        <input
          id="ratePerMinute"
          name="ratePerMinute"
          type="number"
          min={1}
          max={60000}
          value={form.ratePerMinute ?? "60"}
        />
      </Field>
    </>
  );
}

/** The application form (提出共享申请) for a member system of the actor's department. */
export function NewRequestPage({
  ctx,
  members,
  resources,
  form = {},
  errors = {},
}: {
  ctx: AdminContext;
  members: Member[];
  resources: Resource[];
  form?: RequestForm;
  errors?: Record<string, string>;
}) {
  return (
    <AdminLayout ctx={ctx} title="提出共享申请">
      <ExchangeTabs path={ctx.path} />
      <h1>提出共享申请</h1>
      <p>
        有条件共享、不予共享的资源须写明法律法规依据。数据主管部门在2个工作日内完成合规审核，提供部门在5个工作日内答复（须先编目发布的为10个工作日）。
      </p>
      <ErrorSummary errors={errors} />
      {members.length === 0 ? (
        <p class="notice warning">本部门还没有登记接入系统，请先在概览页登记。</p>
      ) : null}
      <form method="post" action="/admin/exchange/requests">
        <CsrfField token={ctx.csrf} />
        <Field id="memberId" label="申请的接入系统" error={errors.memberId}>
          <select id="memberId" name="memberId">
            {members.map((m) => (
              <option value={String(m.id)} selected={form.memberId === String(m.id)}>
                {m.name}（{m.department}）
              </option>
            ))}
          </select>
        </Field>
        <Field id="resourceCode" label="数据资源" error={errors.resourceCode}>
          <select id="resourceCode" name="resourceCode">
            {resources.map((r) => (
              <option value={r.code} selected={form.resourceCode === r.code}>
                {r.code} {r.name}（{r.provider}，{SHARE_CLASS_LABEL[r.shareClass]}）
              </option>
            ))}
          </select>
        </Field>
        <fieldset class={errors.fields ? "field has-error" : "field"} id="fields">
          <legend>申请的信息项（只勾选所选资源的信息项）</legend>
          {errors.fields ? <span class="field-error">{errors.fields}</span> : null}
          {resources.map((r) =>
            r.fields.map((f) => (
              <label class="checkbox">
                <input
                  type="checkbox"
                  name="fields"
                  value={`${r.code}:${f.name}`}
                  checked={form.fields?.includes(`${r.code}:${f.name}`)}
                />{" "}
                {r.code} · {f.label}（{f.name}）
              </label>
            )),
          )}
        </fieldset>
        <Field id="purpose" label="用途" hint="办理什么事项、为什么需要这些信息项" error={errors.purpose}>
          <textarea id="purpose" name="purpose" rows={3} maxLength={500}>
            {form.purpose ?? ""}
          </textarea>
        </Field>
        <Field
          id="legalBasis"
          label="法律法规依据"
          hint="有条件共享、不予共享的资源必填，如《社会保险法》第五十七条"
          error={errors.legalBasis}
        >
          <input
            id="legalBasis"
            name="legalBasis"
            type="text"
            maxLength={300}
            value={form.legalBasis ?? ""}
          />
        </Field>
        <TermsFields form={form} errors={errors} />
        <button type="submit" class="button">
          提交申请
        </button>
      </form>
    </AdminLayout>
  );
}

function Decision({
  form,
  approveLabel,
  refuseLabel,
}: {
  form: RequestForm;
  approveLabel: string;
  refuseLabel: string;
}) {
  return (
    <fieldset class="field" id="decision">
      <legend>决定</legend>
      <label class="checkbox">
        <input type="radio" name="decision" value="approve" checked={form.decision !== "refuse"} />{" "}
        {approveLabel}
      </label>
      <label class="checkbox">
        <input type="radio" name="decision" value="refuse" checked={form.decision === "refuse"} />{" "}
        {refuseLabel}
      </label>
    </fieldset>
  );
}

function Row({ label, children }: { label: string; children: unknown }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{children as string}</td>
    </tr>
  );
}

/** One request: its terms, each stage with its due date, and the form the actor may use now. */
export function RequestDetailPage({
  ctx,
  request,
  resource,
  scope,
  form = {},
  errors = {},
  notice,
}: {
  ctx: AdminContext;
  request: AccessRequest;
  resource: Resource | undefined;
  scope: ExchangeScope;
  form?: RequestForm;
  errors?: Record<string, string>;
  notice?: string;
}) {
  const r = request;
  const labels = new Map(resource?.fields.map((f) => [f.name, f.label]) ?? []);
  const base = `/admin/exchange/requests/${r.id}`;
  const status: AccessRequestStatus = r.status;
  const terms: RequestForm = {
    expiresOn: r.expiresOn,
    dailyQuota: String(r.dailyQuota),
    ratePerMinute: String(r.ratePerMinute),
    ...form,
  };
  return (
    <AdminLayout ctx={ctx} title={`共享申请 SQ${String(r.id).padStart(6, "0")}`}>
      <ExchangeTabs path={ctx.path} />
      <h1>共享申请 SQ{String(r.id).padStart(6, "0")}</h1>
      <Notice text={notice} />
      <ErrorSummary errors={errors} />
      <p>
        状态：<strong>{REQUEST_STATUS_LABEL[status]}</strong>
        {r.dueAt ? `，当前期限 ${formatPubDate(r.dueAt)}` : ""}
        {r.overdue ? <strong class="overdue">（已超期）</strong> : null}
      </p>
      <table class="data-table">
        <tbody>
          <Row label="申请部门">{r.consumerDepartment}</Row>
          <Row label="数据资源">
            {r.resourceCode} {resource?.name ?? ""}（{resource ? SHARE_CLASS_LABEL[resource.shareClass] : ""}
            ）
          </Row>
          <Row label="提供部门">{r.providerDepartment}</Row>
          <Row label="信息项">{r.fields.map((f) => labels.get(f) ?? f).join("、")}</Row>
          <Row label="用途">{r.purpose}</Row>
          <Row label="法律依据">{r.legalBasis || "（无条件共享，未填）"}</Row>
          <Row label="申请的授权条件">
            到期 {r.expiresOn}，每日 {r.dailyQuota} 次，每分钟 {r.ratePerMinute} 次
          </Row>
          <Row label="申请人 / 时间">
            {r.applicant} · {formatPubDate(r.createdAt)}
          </Row>
          <Row label="合规审核（2个工作日）">
            期限 {formatPubDate(r.complianceDueAt)}
            {r.complianceAt
              ? `；${r.complianceBy} 于 ${formatPubDate(r.complianceAt)} 审核${r.complianceNote ? `：${r.complianceNote}` : ""}`
              : ""}
          </Row>
          {r.answerDueAt ? (
            <Row label={`提供部门答复（${r.needsPublication ? 10 : 5}个工作日）`}>
              期限 {formatPubDate(r.answerDueAt)}
              {r.answeredAt
                ? `；${r.answeredBy} 于 ${formatPubDate(r.answeredAt)} 答复${r.answerReason ? `：${r.answerReason}` : ""}`
                : ""}
            </Row>
          ) : null}
          {r.disputedAt ? (
            <Row label="异议与裁定（5个工作日）">
              {formatPubDate(r.disputedAt)} 提出异议：{r.disputeReason}；裁定期限{" "}
              {formatPubDate(r.finalDueAt ?? "")}
              {r.finalAt ? `；${r.finalBy} 于 ${formatPubDate(r.finalAt)} 裁定：${r.finalNote}` : ""}
            </Row>
          ) : null}
          {r.grantId ? <Row label="共享授权">授权编号 {r.grantId}</Row> : null}
        </tbody>
      </table>

      {status === "checking" && scope.authority ? (
        <form method="post" action={`${base}/compliance`}>
          <h2>合规审核</h2>
          <CsrfField token={ctx.csrf} />
          <Decision form={form} approveLabel="合规，转提供部门答复" refuseLabel="不合规，退回" />
          <label class="checkbox">
            <input
              type="checkbox"
              name="needsPublication"
              value="1"
              checked={form.needsPublication === "1"}
            />{" "}
            资源须先编目发布（提供部门答复期限为10个工作日）
          </label>
          <Field id="note" label="审核意见" hint="不合规时必填理由" error={errors.note}>
            <textarea id="note" name="note" rows={3} maxLength={1000}>
              {form.note ?? ""}
            </textarea>
          </Field>
          <button type="submit" class="button">
            提交审核意见
          </button>
        </form>
      ) : null}

      {status === "pending" && AccessRequests.actsFor(scope, r.providerDepartment) ? (
        <form method="post" action={`${base}/answer`}>
          <h2>提供部门答复</h2>
          <CsrfField token={ctx.csrf} />
          <Decision form={form} approveLabel="同意共享（创建共享授权）" refuseLabel="不予同意" />
          <Field id="reason" label="意见与理由" hint="不予同意时必须说明理由和依据" error={errors.reason}>
            <textarea id="reason" name="reason" rows={3} maxLength={1000}>
              {form.reason ?? ""}
            </textarea>
          </Field>
          <TermsFields form={terms} errors={errors} />
          <button type="submit" class="button">
            提交答复
          </button>
        </form>
      ) : null}

      {status === "refused" && AccessRequests.actsFor(scope, r.consumerDepartment) ? (
        <form method="post" action={`${base}/dispute`}>
          <h2>提出异议</h2>
          <p>对不予同意有异议的，可提请数据主管部门裁定（5个工作日内）。</p>
          <CsrfField token={ctx.csrf} />
          <Field id="disputeReason" label="异议理由" error={errors.disputeReason}>
            <textarea id="disputeReason" name="disputeReason" rows={3} maxLength={1000}>
              {form.disputeReason ?? ""}
            </textarea>
          </Field>
          <button type="submit" class="button">
            提交异议
          </button>
        </form>
      ) : null}

      {status === "disputed" && scope.authority ? (
        <form method="post" action={`${base}/final`}>
          <h2>异议裁定</h2>
          <CsrfField token={ctx.csrf} />
          <Decision form={form} approveLabel="裁定共享（创建共享授权）" refuseLabel="维持不予共享" />
          <Field id="finalNote" label="裁定意见" error={errors.finalNote}>
            <textarea id="finalNote" name="finalNote" rows={3} maxLength={1000}>
              {form.finalNote ?? ""}
            </textarea>
          </Field>
          <TermsFields form={terms} errors={errors} />
          <button type="submit" class="button">
            提交裁定
          </button>
        </form>
      ) : null}
      <p>
        <a href="/admin/exchange/requests">返回共享申请列表</a>
      </p>
    </AdminLayout>
  );
}
