import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { PostButton } from "../../../web/components/post-button.tsx";
import { formatPubDate } from "../../../web/layout.tsx";
import { maskIdNumber, maskName, maskPhone } from "../../../platform/mask/mask.ts";
import { chinaDate } from "../../../platform/time/china-time.ts";
import {
  ACTION_LABELS,
  APPLICANT_KINDS,
  DELIVERY_FORMS,
  ORG_TYPES,
  OUTCOMES,
  outcomeLabel,
  REQUEST_STATUS,
} from "../model.ts";
import type { DisclosureRequest } from "../requests.ts";
import { websiteSections, websiteValue, type WebsiteRow } from "../website-report.ts";
import {
  T2_CELL_LABELS,
  T2_ROWS,
  T3_COLUMNS,
  T3_ROWS,
  T4_CELLS,
  T4_GROUPS,
  type Figures,
  type ReportTexts,
} from "../report.ts";

const BASE = "/admin/disclosure";

function SubNav() {
  return (
    <p class="subnav">
      <a href={BASE}>申请办理</a> · <a href={`${BASE}/timeliness`}>主动公开时效</a> ·{" "}
      <a href={`${BASE}/reports`}>年度报告</a>
    </p>
  );
}

function dueText(r: DisclosureRequest, now: string): string {
  if (r.status === "decided") return "已答复";
  if (!r.dueAt) return "暂停计时";
  return `${chinaDate(r.dueAt)}${r.dueAt < now ? "（已超期）" : ""}`;
}

export function QueuePage({
  ctx,
  rows,
  total,
  page,
  filter,
  siteName,
  now,
}: {
  ctx: AdminContext;
  rows: DisclosureRequest[];
  total: number;
  page: number;
  filter: { status: string; view: string; q: string };
  siteName: (id: number) => string;
  now: string;
}) {
  const views: [string, string][] = [
    ["", "全部"],
    ["warned", "临期"],
    ["overdue", "超期"],
    ["escalated", "督办"],
    ["paused", "暂停计时"],
  ];
  return (
    <AdminLayout ctx={ctx} title="依申请公开">
      <h1>依申请公开</h1>
      <SubNav />
      <p>
        {views.map(([v, label]) =>
          filter.view === v ? (
            <strong>{label} </strong>
          ) : (
            <a href={v ? `${BASE}?view=${v}` : BASE}>{label} </a>
          ),
        )}
      </p>
      <form method="get" action={BASE} class="filters">
        <input type="hidden" name="view" value={filter.view} />
        <Field id="q" label="查询编号或所需信息">
          <input id="q" name="q" type="search" value={filter.q} maxLength={60} />
        </Field>
        <Field id="status" label="状态">
          <select id="status" name="status">
            <option value="">全部</option>
            {Object.entries(REQUEST_STATUS).map(([k, v]) => (
              <option value={k} selected={filter.status === k}>
                {v}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="button secondary">
          筛选
        </button>
      </form>
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">查询编号</th>
            <th scope="col">所需信息</th>
            <th scope="col">承办单位</th>
            <th scope="col">状态</th>
            <th scope="col">答复期限</th>
            <th scope="col">提醒</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>
                <a href={`${BASE}/requests/${r.id}`}>{r.queryNo}</a>
              </td>
              <td>{r.description.slice(0, 40)}</td>
              <td>{siteName(r.ownerSiteId)}</td>
              <td>{REQUEST_STATUS[r.status]}</td>
              <td>{dueText(r, now)}</td>
              <td>
                {r.escalatedAt && r.status !== "decided"
                  ? "督办"
                  : r.warnedAt && r.status !== "decided"
                    ? "临期"
                    : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p>没有符合条件的申请。</p> : null}
      <Pagination base={BASE} params={filter} page={page} pageSize={20} total={total} />
    </AdminLayout>
  );
}

export interface DetailCan {
  handle: boolean;
  approve: boolean;
  operator: boolean;
}

export interface FoundDocument {
  key: string;
  title: string;
  url: string;
  snippet: string;
  publishedAt: string;
}

export function RequestAdminPage({
  ctx,
  r,
  events,
  can,
  sites,
  siteName,
  found,
  q,
  errors,
  values,
  done,
  now,
}: {
  ctx: AdminContext;
  r: DisclosureRequest;
  events: { at: string; actor: string; action: string; note: string; public: number }[];
  can: DetailCan;
  sites: { id: number; name: string }[];
  siteName: (id: number) => string;
  found: FoundDocument[] | null;
  q: string;
  errors: Record<string, string>;
  values: Record<string, string>;
  done?: string;
  now: string;
}) {
  const action = (a: string) => `${BASE}/requests/${r.id}/${a}`;
  const open = r.status !== "decided";
  const documents = JSON.parse(r.documents) as { title: string; url: string }[];
  return (
    <AdminLayout ctx={ctx} title={`申请 ${r.queryNo}`}>
      <h1>政府信息公开申请 {r.queryNo}</h1>
      <SubNav />
      {done ? (
        <div class="notice info" role="status">
          <p>已完成：{ACTION_LABELS[done] ?? done}</p>
        </div>
      ) : null}
      <ErrorSummary errors={errors} title={values._summary} />
      <table class="data-table">
        <tbody>
          <tr>
            <th scope="row">申请人</th>
            <td>
              {maskName(r.applicantName)}（{APPLICANT_KINDS[r.applicantKind]}
              {r.orgType ? `·${ORG_TYPES[r.orgType]}` : ""}）证件号 {maskIdNumber(r.idNumber)}，电话{" "}
              {maskPhone(r.phone)}
              ，身份核验：{r.identityMethod === "account" ? "实名账号" : "上传证件"}
              {r.idFileSha256 ? (
                <>
                  {" "}
                  <a href={action("id-file")}>查看证件（留痕）</a>
                </>
              ) : null}
            </td>
          </tr>
          <tr>
            <th scope="row">所需信息</th>
            <td>{r.description}</td>
          </tr>
          <tr>
            <th scope="row">用途</th>
            <td>{r.purpose || "—"}</td>
          </tr>
          <tr>
            <th scope="row">获取方式</th>
            <td>{DELIVERY_FORMS[r.delivery]}</td>
          </tr>
          <tr>
            <th scope="row">承办单位</th>
            <td>{siteName(r.ownerSiteId)}</td>
          </tr>
          <tr>
            <th scope="row">状态</th>
            <td>
              {REQUEST_STATUS[r.status]}
              {r.outcome ? `：${outcomeLabel(r.outcome, r.outcomeReason)}` : ""}
            </td>
          </tr>
          <tr>
            <th scope="row">收到 / 期限</th>
            <td>
              {formatPubDate(r.receivedAt)} / {dueText(r, now)}
              {r.limitDays > 20 ? "（已延期）" : ""}
              {r.escalatedAt && open ? "【督办】" : ""}
            </td>
          </tr>
          {r.correctionNote ? (
            <tr>
              <th scope="row">补正</th>
              <td>
                告知：{r.correctionNote}；
                {r.correctionReply ? `申请人补正：${r.correctionReply}` : "待申请人补正"}
              </td>
            </tr>
          ) : null}
          {r.consultParty ? (
            <tr>
              <th scope="row">第三方</th>
              <td>
                {r.consultParty}
                {r.consultDueAt ? `（意见期限 ${chinaDate(r.consultDueAt)}）` : ""}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {r.letterHtml ? (
        <p>
          答复书 {r.letterNo}：<a href={action("letter")}>网页版</a> ·{" "}
          <a href={`${action("letter")}?format=pdf`}>PDF</a>
          {r.deliveredAt ? `（${formatPubDate(r.deliveredAt)} 已送达）` : "（待送达）"}
        </p>
      ) : null}

      {can.operator && (r.status === "received" || r.status === "assigned") ? (
        <form method="post" action={action("assign")}>
          <h2>转交承办单位</h2>
          <CsrfField token={ctx.csrf} />
          <Field id="ownerSiteId" label="承办单位" error={errors.ownerSiteId}>
            <select id="ownerSiteId" name="ownerSiteId">
              {sites.map((s) => (
                <option value={String(s.id)} selected={s.id === r.ownerSiteId}>
                  {s.name}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" class="button secondary">
            转交
          </button>
        </form>
      ) : null}
      {can.handle && r.status === "received" ? (
        <PostButton action={action("assign")} csrf={ctx.csrf} label="由我承办" />
      ) : null}

      {can.handle && open ? (
        <>
          <h2>检索信息资源库</h2>
          <form method="get" action={`${BASE}/requests/${r.id}`}>
            <Field id="find" label="关键词（默认按所需信息描述检索）">
              <input id="find" name="find" type="search" value={q} maxLength={100} />
            </Field>
            <button type="submit" class="button secondary">
              检索
            </button>
          </form>
          {found ? (
            found.length === 0 ? (
              <p>信息资源库中没有找到匹配的信息。</p>
            ) : (
              <form method="post" action={action("documents")}>
                <CsrfField token={ctx.csrf} />
                <fieldset>
                  <legend>选择可答复本申请的已公开信息</legend>
                  {found.map((d, i) => (
                    <label class="block">
                      <input type="checkbox" name="doc" value={String(i)} /> <a href={d.url}>{d.title}</a>{" "}
                      <span class="meta">{formatPubDate(d.publishedAt)}</span>
                      <input type="hidden" name={`title${i}`} value={d.title} />
                      <input type="hidden" name={`url${i}`} value={d.url} />
                    </label>
                  ))}
                </fieldset>
                <button type="submit" class="button secondary">
                  记入答复
                </button>
              </form>
            )
          ) : null}
          {documents.length ? (
            <>
              <h3>已选信息</h3>
              <ul>
                {documents.map((d) => (
                  <li>
                    <a href={d.url}>{d.title}</a>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      ) : null}

      {can.handle && (r.status === "received" || r.status === "assigned") ? (
        <>
          <form method="post" action={action("correction")}>
            <h2>告知补正（收到申请7个工作日内，一次性告知；期间暂停计时）</h2>
            <CsrfField token={ctx.csrf} />
            <Field id="correctionNote" label="需要补正的事项" error={errors.correctionNote}>
              <textarea id="correctionNote" name="correctionNote" rows={3} maxLength={2000}>
                {values.correctionNote ?? ""}
              </textarea>
            </Field>
            <button type="submit" class="button secondary">
              告知补正
            </button>
          </form>
          <form method="post" action={action("consult")}>
            <h2>征求第三方意见（15个工作日，不计入答复期限）</h2>
            <CsrfField token={ctx.csrf} />
            <Field id="consultParty" label="第三方" error={errors.consultParty}>
              <input
                id="consultParty"
                name="consultParty"
                type="text"
                maxLength={100}
                value={values.consultParty ?? ""}
              />
            </Field>
            <button type="submit" class="button secondary">
              开始征求意见
            </button>
          </form>
        </>
      ) : null}
      {can.handle && r.status === "consulting" ? (
        <form method="post" action={action("consult-end")}>
          <h2>第三方意见</h2>
          <CsrfField token={ctx.csrf} />
          <Field id="consultNote" label="第三方意见摘要">
            <input
              id="consultNote"
              name="consultNote"
              type="text"
              maxLength={500}
              value={values.consultNote ?? ""}
            />
          </Field>
          <button type="submit" class="button secondary">
            意见已收到，恢复计时
          </button>
        </form>
      ) : null}

      {can.handle && open && r.limitDays <= 20 && !r.extensionRequestedBy ? (
        <form method="post" action={action("extend")}>
          <h2>申请延长答复期限（20个工作日，须负责人同意）</h2>
          <CsrfField token={ctx.csrf} />
          <Field id="reason" label="延期理由" error={errors.reason}>
            <input id="reason" name="reason" type="text" maxLength={500} value={values.reason ?? ""} />
          </Field>
          <button type="submit" class="button secondary">
            申请延期
          </button>
        </form>
      ) : null}
      {can.approve && open && r.extensionRequestedBy && !r.extensionApprovedBy ? (
        <form method="post" action={action("extension")}>
          <h2>延期审批</h2>
          <p>延期理由：{r.extensionReason}</p>
          <CsrfField token={ctx.csrf} />
          <button type="submit" name="approve" value="1" class="button">
            同意延期并告知申请人
          </button>{" "}
          <button type="submit" name="approve" value="0" class="button secondary">
            不同意
          </button>
        </form>
      ) : null}

      {can.handle && open ? (
        <form method="post" action={action("decide")}>
          <h2>作出答复</h2>
          <CsrfField token={ctx.csrf} />
          <Field id="outcome" label="办理结果（国家年度报告分类）" error={errors.outcome}>
            <select id="outcome" name="outcome">
              <option value="">请选择</option>
              {Object.entries(OUTCOMES).map(([k, c]) => (
                <option value={k} selected={values.outcome === k}>
                  {c.label}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="outcomeReason"
            label="理由类别（不予公开、无法提供、不予处理、其他处理须选择）"
            error={errors.outcomeReason}
          >
            <select id="outcomeReason" name="outcomeReason">
              <option value="">不适用</option>
              {Object.entries(OUTCOMES)
                .filter(([, c]) => Object.keys(c.reasons).length > 0)
                .map(([, c]) => (
                  <optgroup label={c.label}>
                    {Object.entries(c.reasons).map(([rk, label]) => (
                      <option value={rk} selected={values.outcomeReason === rk}>
                        {label}
                      </option>
                    ))}
                  </optgroup>
                ))}
            </select>
          </Field>
          <Field id="text" label="答复内容" error={errors.text}>
            <textarea id="text" name="text" rows={8} maxLength={5000}>
              {values.text ?? ""}
            </textarea>
          </Field>
          <button type="submit" class="button">
            作出答复并生成答复书
          </button>
        </form>
      ) : null}
      {can.handle && r.status === "decided" && !r.deliveredAt ? (
        <form method="post" action={action("delivered")}>
          <h2>送达（{DELIVERY_FORMS[r.delivery]}）</h2>
          <CsrfField token={ctx.csrf} />
          <Field id="deliveryNote" label="送达说明（如邮寄单号）">
            <input id="deliveryNote" name="deliveryNote" type="text" maxLength={200} />
          </Field>
          <button type="submit" class="button secondary">
            已送达
          </button>
        </form>
      ) : null}

      <h2>办理记录</h2>
      <ol class="timeline">
        {events.map((e) => (
          <li>
            <span class="meta">
              {formatPubDate(e.at)} {e.actor}
              {e.public ? "" : "（内部）"}
            </span>{" "}
            {ACTION_LABELS[e.action] ?? e.action}
            {e.note ? `：${e.note}` : ""}
          </li>
        ))}
      </ol>
    </AdminLayout>
  );
}

export function TimelinessPage({
  ctx,
  sites,
  siteId,
  year,
  items,
  checked,
  page,
  siteName,
}: {
  ctx: AdminContext;
  sites: { id: number; name: string }[];
  siteId: number;
  year: number;
  items: {
    id: number;
    title: string;
    ownerSiteId: number;
    writtenAt: string;
    publishedAt: string;
    lateDays: number;
  }[];
  checked: number;
  page: number;
  siteName: (id: number) => string;
}) {
  const shown = items.slice((page - 1) * 20, page * 20);
  return (
    <AdminLayout ctx={ctx} title="主动公开时效">
      <h1>主动公开时效</h1>
      <SubNav />
      <p>
        《政府信息公开条例》第二十六条：属于主动公开范围的政府信息，应当自该政府信息形成或者变更之日起20个工作日内予以公开。以下为成文日期后超过20个工作日才发布的信息。
      </p>
      <form method="get" action={`${BASE}/timeliness`} class="filters">
        <Field id="site" label="网站">
          <select id="site" name="site">
            {sites.map((s) => (
              <option value={String(s.id)} selected={s.id === siteId}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field id="year" label="年度">
          <input id="year" name="year" type="number" value={String(year)} min={2008} max={2100} />
        </Field>
        <button type="submit" class="button secondary">
          查看
        </button>
      </form>
      <p class="late-summary">
        {year}年检查 {checked} 条有成文日期的已发布信息，超期公开 <strong>{items.length}</strong> 条。
      </p>
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">标题</th>
            <th scope="col">网站</th>
            <th scope="col">成文日期</th>
            <th scope="col">发布时间</th>
            <th scope="col">间隔工作日</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((it) => (
            <tr class="late">
              <td>
                <a href={`/admin/articles/${it.id}`}>{it.title}</a>
              </td>
              <td>{siteName(it.ownerSiteId)}</td>
              <td>{it.writtenAt.slice(0, 10)}</td>
              <td>{formatPubDate(it.publishedAt)}</td>
              <td>{it.lateDays}（超期）</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination
        base={`${BASE}/timeliness`}
        params={{ site: siteId, year }}
        page={page}
        pageSize={20}
        total={items.length}
      />
    </AdminLayout>
  );
}

export function ReportsPage({
  ctx,
  rows,
  total,
  page,
  sites,
  siteName,
  errors,
  year,
}: {
  ctx: AdminContext;
  rows: {
    id: number;
    siteId: number;
    year: number;
    status: string;
    kind: string;
    generatedAt: string;
    publishedAt: string | null;
    articleId: number | null;
  }[];
  total: number;
  page: number;
  sites: { id: number; name: string }[];
  siteName: (id: number) => string;
  errors: Record<string, string>;
  year: number;
}) {
  return (
    <AdminLayout ctx={ctx} title="政府信息公开工作年度报告">
      <h1>政府信息公开工作年度报告</h1>
      <SubNav />
      <p>
        按国办公开办函〔2021〕30号格式，从平台记录生成本单位（门户为全省）上一年度报告草稿；行政复议、行政诉讼等数据由工作人员填写，核对修改后发布到“政务公开”栏目（每年1月31日前）。
      </p>
      <ErrorSummary errors={errors} />
      <form method="post" action={`${BASE}/reports`}>
        <CsrfField token={ctx.csrf} />
        <Field id="siteId" label="单位" error={errors.siteId}>
          <select id="siteId" name="siteId">
            {sites.map((s) => (
              <option value={String(s.id)}>{s.name}</option>
            ))}
          </select>
        </Field>
        <Field id="year" label="年度" error={errors.year}>
          <input id="year" name="year" type="number" value={String(year)} min={2008} max={2100} />
        </Field>
        <Field id="kind" label="报告类型" error={errors.kind}>
          <select id="kind" name="kind">
            <option value="annual">政府信息公开工作年度报告</option>
            <option value="website">网站工作年度报表</option>
          </select>
        </Field>
        <button type="submit" class="button">
          生成报告草稿
        </button>
      </form>
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">单位</th>
            <th scope="col">年度</th>
            <th scope="col">类型</th>
            <th scope="col">状态</th>
            <th scope="col">生成时间</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>
                <a href={`${BASE}/reports/${r.id}`}>{siteName(r.siteId)}</a>
              </td>
              <td>{r.year}</td>
              <td>{r.kind === "website" ? "网站工作年度报表" : "政务公开年报"}</td>
              <td>{r.status === "published" ? `已发布 ${formatPubDate(r.publishedAt)}` : "草稿"}</td>
              <td>{formatPubDate(r.generatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination base={`${BASE}/reports`} page={page} pageSize={20} total={total} />
    </AdminLayout>
  );
}

/** A 是/否 row of the 网站工作年度报表: a select, keeping what was chosen. */
function YesNoCell({
  row,
  f,
  edits,
  errors,
  readOnly,
}: {
  row: WebsiteRow;
  f: Figures;
  edits: Record<string, string>;
  errors: Record<string, string>;
  readOnly: boolean;
}) {
  const chosen = edits[row.key] ?? String(f[row.key] ?? 0);
  return (
    <td class={errors[row.key] ? "has-error" : undefined}>
      {readOnly ? (
        websiteValue(row, f)
      ) : (
        <select
          name={row.key}
          id={row.key}
          aria-label={row.label}
          aria-invalid={errors[row.key] ? "true" : undefined}
        >
          <option value="1" selected={chosen === "1" || chosen === "是"}>
            是
          </option>
          <option value="0" selected={chosen === "0" || chosen === "否"}>
            否
          </option>
        </select>
      )}
    </td>
  );
}

function Cell({
  name,
  label,
  f,
  edits,
  errors,
  readOnly,
}: {
  name: string;
  /** The accessible name (the row's label); the key where a table has none yet. */
  label?: string;
  f: Figures;
  edits: Record<string, string>;
  errors: Record<string, string>;
  readOnly: boolean;
}) {
  const value = edits[name] ?? String(f[name] ?? 0);
  return (
    <td class={errors[name] ? "has-error" : undefined}>
      {readOnly ? (
        value
      ) : (
        <input
          type="text"
          inputMode="decimal"
          name={name}
          id={name}
          value={value}
          size={6}
          aria-label={label ?? name}
          aria-invalid={errors[name] ? "true" : undefined}
        />
      )}
    </td>
  );
}

export function ReportEditPage({
  ctx,
  id,
  title,
  status,
  figures,
  texts,
  edits,
  errors,
  summary,
  articleId,
  done,
}: {
  ctx: AdminContext;
  id: number;
  title: string;
  status: string;
  figures: Figures;
  texts: ReportTexts;
  edits: Record<string, string>;
  errors: Record<string, string>;
  summary?: string;
  articleId: number | null;
  done?: string;
}) {
  const readOnly = status === "published";
  const c = (name: string) => (
    <Cell name={name} f={figures} edits={edits} errors={errors} readOnly={readOnly} />
  );
  return (
    <AdminLayout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <SubNav />
      {done ? (
        <div class="notice info" role="status">
          <p>{done === "published" ? "已发布到政务公开栏目" : "已保存"}</p>
        </div>
      ) : null}
      {readOnly ? <p>已发布（信息编号 {articleId}），不能再修改。</p> : null}
      <ErrorSummary errors={errors} title={summary} />
      <form method="post" action={`${BASE}/reports/${id}`}>
        <CsrfField token={ctx.csrf} />
        <Field id="overview" label="一、总体情况" error={errors.overview}>
          <textarea id="overview" name="overview" rows={6} readOnly={readOnly}>
            {texts.overview}
          </textarea>
        </Field>
        <h2>二、主动公开政府信息情况</h2>
        <table class="data-table report-table">
          <tbody>
            {T2_ROWS.map((r) => (
              <tr>
                <th scope="row">{r.label}</th>
                {r.cells.map((cell) => (
                  <>
                    <td>{T2_CELL_LABELS[cell]}</td>
                    {c(`t2.${r.key}.${cell}`)}
                  </>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <h2>三、收到和处理政府信息公开申请情况</h2>
        <table class="data-table report-table">
          <thead>
            <tr>
              <th scope="col">项目</th>
              {T3_COLUMNS.map((col) => (
                <th scope="col">{col.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {T3_ROWS.map((r) => (
              <tr>
                <th scope="row" class={`level-${r.level}`}>
                  {r.label}
                </th>
                {T3_COLUMNS.map((col) => c(`t3.${r.key}.${col.key}`))}
              </tr>
            ))}
          </tbody>
        </table>
        <h2>四、政府信息公开行政复议、行政诉讼情况</h2>
        <table class="data-table report-table">
          <thead>
            <tr>
              <th scope="col">类别</th>
              {T4_CELLS.map((cell) => (
                <th scope="col">{cell.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {T4_GROUPS.map((g) => (
              <tr>
                <th scope="row">{g.label}</th>
                {T4_CELLS.map((cell) => c(`t4.${g.key}.${cell.key}`))}
              </tr>
            ))}
          </tbody>
        </table>
        <Field id="problems" label="五、存在的主要问题及改进情况" error={errors.problems}>
          <textarea id="problems" name="problems" rows={4} readOnly={readOnly}>
            {texts.problems}
          </textarea>
        </Field>
        <Field id="other" label="六、其他需要报告的事项" error={errors.other}>
          <textarea id="other" name="other" rows={4} readOnly={readOnly}>
            {texts.other}
          </textarea>
        </Field>
        {readOnly ? null : (
          <button type="submit" class="button">
            保存修改
          </button>
        )}
      </form>
      {readOnly ? null : (
        <PostButton action={`${BASE}/reports/${id}/publish`} csrf={ctx.csrf} label="发布到政务公开栏目" />
      )}
    </AdminLayout>
  );
}

export function WebsiteReportEditPage({
  ctx,
  id,
  title,
  status,
  figures,
  edits,
  errors,
  summary,
  articleId,
  done,
}: {
  ctx: AdminContext;
  id: number;
  title: string;
  status: string;
  figures: Figures;
  edits: Record<string, string>;
  errors: Record<string, string>;
  summary?: string;
  articleId: number | null;
  done?: string;
}) {
  const readOnly = status === "published";
  return (
    <AdminLayout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <SubNav />
      {done ? (
        <div class="notice info" role="status">
          <p>{done === "published" ? "已发布到政务公开栏目" : "已保存"}</p>
        </div>
      ) : null}
      {readOnly ? <p>已发布（信息编号 {articleId}），不能再修改。</p> : null}
      <p>标注“平台统计”的数据由平台记录生成，其余由工作人员填写；发布前均可修改。</p>
      <ErrorSummary errors={errors} title={summary} />
      <form method="post" action={`${BASE}/reports/${id}`}>
        <CsrfField token={ctx.csrf} />
        <table class="data-table report-table">
          <tbody>
            {websiteSections().map(({ section, rows }) => (
              <>
                <tr>
                  <th scope="colgroup" colspan={2}>
                    {section}
                  </th>
                </tr>
                {rows
                  // A report published before a row existed does not show it as 0 or 否.
                  .filter((r) => !readOnly || r.key in figures)
                  .map((r) => (
                    <tr>
                      <th scope="row">
                        {r.label}
                        {r.generated ? "（平台统计）" : ""}
                      </th>
                      {r.key === "w.interpretations" ? (
                        <td>{websiteValue(r, figures)}（自动合计）</td>
                      ) : r.kind === "yesno" ? (
                        <YesNoCell row={r} f={figures} edits={edits} errors={errors} readOnly={readOnly} />
                      ) : (
                        <Cell
                          name={r.key}
                          label={r.label}
                          f={figures}
                          edits={edits}
                          errors={errors}
                          readOnly={readOnly}
                        />
                      )}
                    </tr>
                  ))}
              </>
            ))}
          </tbody>
        </table>
        {readOnly ? null : (
          <button type="submit" class="button">
            保存修改
          </button>
        )}
      </form>
      {readOnly ? null : (
        <PostButton action={`${BASE}/reports/${id}/publish`} csrf={ctx.csrf} label="发布到政务公开栏目" />
      )}
    </AdminLayout>
  );
}
