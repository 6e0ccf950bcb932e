import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { formatPubDate, Layout, type PageContext } from "../../../web/layout.tsx";
import { maskIdNumber, maskName, maskPhone } from "../../../platform/mask/mask.ts";
import { chinaDate } from "../../../platform/time/china-time.ts";
import {
  ACTION_LABELS,
  APPLICANT_KINDS,
  DELIVERY_FORMS,
  ORG_TYPES,
  outcomeLabel,
  REQUEST_STATUS,
} from "../model.ts";
import type { DisclosureRequest } from "../requests.ts";

export interface ApplyValues {
  applicantKind: string;
  orgType: string;
  name: string;
  idNumber: string;
  phone: string;
  email: string;
  address: string;
  description: string;
  purpose: string;
  delivery: string;
  identity: string;
}

export interface SignedInApplicant {
  name: string;
  idNumber: string | null;
  creditCode: string | null;
  kind: "person" | "enterprise";
  verified: boolean;
}

interface PublicEvent {
  at: string;
  action: string;
  note: string;
}

const crumbsFor = (ctx: PageContext, name: string) => [
  { name: "首页", href: `${ctx.base}/` },
  { name: "政务公开", href: `${ctx.base}/zwgk` },
  { name: "依申请公开", href: `${ctx.base}/disclosure/apply` },
  { name },
];

const meta = (ctx: PageContext, title: string, path: string) => ({
  title,
  columnName: "政务公开",
  columnType: "政务公开",
  contentSource: ctx.site.name,
  url: `${ctx.base}${path}`,
});

export function ApplyPage({
  ctx,
  values,
  errors,
  summary,
  account,
}: {
  ctx: PageContext;
  values: ApplyValues;
  errors: Record<string, string>;
  summary?: string;
  account: SignedInApplicant | null;
}) {
  const next = encodeURIComponent(`${ctx.base}/disclosure/apply`);
  return (
    <Layout
      ctx={ctx}
      meta={meta(ctx, "政府信息公开申请", "/disclosure/apply")}
      crumbs={crumbsFor(ctx, "提交申请")}
    >
      <h1>政府信息公开申请</h1>
      <p>
        依据《中华人民共和国政府信息公开条例》，公民、法人或者其他组织可以向{ctx.site.name}
        申请获取政府信息。本机关自收到申请之日起
        20个工作日内答复；需要延长的，经负责人同意并告知申请人，延长期限最长不超过20个工作日。
      </p>
      <p>
        提交后将获得查询编号和查询码，可在<a href={`${ctx.base}/disclosure/lookup`}>申请查询</a>
        页面查看办理进度和答复书。
      </p>
      <form method="post" action={`${ctx.base}/disclosure/apply`} enctype="multipart/form-data" novalidate>
        <ErrorSummary errors={errors} title={summary} />
        <fieldset class={errors.applicantKind ? "field has-error" : "field"} id="applicantKind">
          <legend>申请人类型（必填）</legend>
          {errors.applicantKind ? <span class="field-error">{errors.applicantKind}</span> : null}
          {Object.entries(APPLICANT_KINDS).map(([value, label]) => (
            <label class="inline">
              <input
                type="radio"
                name="applicantKind"
                value={value}
                checked={values.applicantKind === value}
              />{" "}
              {label}
            </label>
          ))}
        </fieldset>
        <Field id="orgType" label="组织类型（法人或其他组织申请时必填）" error={errors.orgType}>
          <select id="orgType" name="orgType">
            <option value="">请选择</option>
            {Object.entries(ORG_TYPES).map(([value, label]) => (
              <option value={value} selected={values.orgType === value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="description"
          label="所需政府信息的名称、文号或者便于查询的其他特征性描述（必填）"
          error={errors.description}
          hint="5至3000字"
        >
          <textarea id="description" name="description" rows={6} maxLength={3000} required>
            {values.description}
          </textarea>
        </Field>
        <Field id="purpose" label="申请用途（选填）" error={errors.purpose} hint="500字以内">
          <textarea id="purpose" name="purpose" rows={2} maxLength={500}>
            {values.purpose}
          </textarea>
        </Field>
        <fieldset class={errors.delivery ? "field has-error" : "field"} id="delivery">
          <legend>获取信息的方式（必填）</legend>
          {errors.delivery ? <span class="field-error">{errors.delivery}</span> : null}
          {Object.entries(DELIVERY_FORMS).map(([value, label]) => (
            <label class="inline">
              <input type="radio" name="delivery" value={value} checked={values.delivery === value} /> {label}
            </label>
          ))}
        </fieldset>
        <fieldset class={errors.identity ? "field has-error" : "field"} id="identity">
          <legend>身份核验（必填）</legend>
          {errors.identity ? <span class="field-error">{errors.identity}</span> : null}
          <label class="inline">
            <input type="radio" name="identity" value="account" checked={values.identity === "account"} />{" "}
            使用实名账号
            {account
              ? `（已登录：${maskName(account.name)}，${account.verified ? `证件号 ${maskIdNumber((account.kind === "enterprise" ? account.creditCode : account.idNumber) ?? "")}` : "尚未实名认证"}）`
              : null}
          </label>
          {account ? null : (
            <p class="meta">
              <a href={`${ctx.base}/account/login?next=${next}`}>登录实名账号</a>后可免上传身份证明。
            </p>
          )}
          <label class="inline">
            <input type="radio" name="identity" value="upload" checked={values.identity === "upload"} />{" "}
            填写证件号码并上传身份证明
          </label>
        </fieldset>
        <Field id="name" label="姓名或组织名称（上传身份证明时必填）" error={errors.name}>
          <input id="name" name="name" type="text" maxLength={60} value={values.name} autoComplete="name" />
        </Field>
        <Field
          id="idNumber"
          label="身份证号码或统一社会信用代码（上传身份证明时必填）"
          error={errors.idNumber}
          hint="仅用于核验身份，页面和答复书中均作隐去处理"
        >
          <input
            id="idNumber"
            name="idNumber"
            type="text"
            maxLength={18}
            value={values.idNumber}
            autoComplete="off"
          />
        </Field>
        <Field
          id="idFile"
          label="身份证件或营业执照照片、扫描件（上传身份证明时必填）"
          error={errors.idFile}
          hint={`PDF 或图片，不超过20MB${errors.idFile ? "；请重新选择文件" : ""}`}
        >
          <input id="idFile" name="idFile" type="file" accept=".pdf,.png,.jpg,.jpeg" />
        </Field>
        <Field id="phone" label="联系电话（必填）" error={errors.phone}>
          <input id="phone" name="phone" type="tel" maxLength={15} value={values.phone} autoComplete="tel" />
        </Field>
        <Field id="email" label="电子邮箱（选填）" error={errors.email}>
          <input
            id="email"
            name="email"
            type="email"
            maxLength={100}
            value={values.email}
            autoComplete="email"
          />
        </Field>
        <Field id="address" label="通信地址（选择纸质邮寄时必填）" error={errors.address}>
          <input
            id="address"
            name="address"
            type="text"
            maxLength={200}
            value={values.address}
            autoComplete="address-line1"
          />
        </Field>
        <button type="submit" class="button">
          提交申请
        </button>
      </form>
    </Layout>
  );
}

export function ReceiptPage({
  ctx,
  queryNo,
  lookupCode,
  lookupUrl,
}: {
  ctx: PageContext;
  queryNo: string;
  lookupCode: string;
  lookupUrl: string;
}) {
  return (
    <Layout
      ctx={ctx}
      meta={meta(ctx, "申请已提交", "/disclosure/apply")}
      crumbs={crumbsFor(ctx, "申请已提交")}
    >
      <h1>申请已提交</h1>
      <div class="notice info" role="status">
        <p>
          查询编号：<strong class="query-no">{queryNo}</strong>
        </p>
        <p>
          查询码：<strong class="lookup-code">{lookupCode}</strong>
        </p>
        <p>请妥善保存查询编号和查询码，凭二者可查看办理进度、补正申请和下载答复书。查询码只显示这一次。</p>
        <p>
          <a href={lookupUrl} class="lookup-link">
            免登录查看办理进度
          </a>
        </p>
      </div>
    </Layout>
  );
}

/** What the applicant sees of a request (masked identity, status, clock, events, the answer). */
export function RequestSummary({
  r,
  events,
  ownerName,
  letterHref,
}: {
  r: DisclosureRequest;
  events: PublicEvent[];
  ownerName: string;
  letterHref: string | null;
}) {
  return (
    <>
      <table class="data-table">
        <tbody>
          <tr>
            <th scope="row">查询编号</th>
            <td>{r.queryNo}</td>
          </tr>
          <tr>
            <th scope="row">申请人</th>
            <td>
              {maskName(r.applicantName)}（{APPLICANT_KINDS[r.applicantKind]}，证件号{" "}
              {maskIdNumber(r.idNumber)}，电话 {maskPhone(r.phone)}）
            </td>
          </tr>
          <tr>
            <th scope="row">承办单位</th>
            <td>{ownerName}</td>
          </tr>
          <tr>
            <th scope="row">办理状态</th>
            <td class="request-status">{REQUEST_STATUS[r.status]}</td>
          </tr>
          <tr>
            <th scope="row">收到申请</th>
            <td>{formatPubDate(r.receivedAt)}</td>
          </tr>
          <tr>
            <th scope="row">答复期限</th>
            <td class="due-date">
              {r.status === "decided"
                ? "已答复"
                : r.dueAt
                  ? `${chinaDate(r.dueAt)}前${r.limitDays > 20 ? "（已依法延长）" : ""}`
                  : "暂停计算（补正或征求第三方意见期间不计入）"}
            </td>
          </tr>
          <tr>
            <th scope="row">所需信息</th>
            <td>{r.description}</td>
          </tr>
          {r.outcome ? (
            <tr>
              <th scope="row">办理结果</th>
              <td class="outcome">{outcomeLabel(r.outcome, r.outcomeReason)}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {letterHref ? (
        <p>
          答复书：<a href={letterHref}>网页版</a> · <a href={`${letterHref}&format=pdf`}>PDF 版</a>
        </p>
      ) : null}
      <h2>办理过程</h2>
      <ol class="timeline">
        {events.map((e) => (
          <li>
            <span class="meta">{formatPubDate(e.at)}</span> {ACTION_LABELS[e.action] ?? e.action}
            {e.note ? `：${e.note}` : ""}
          </li>
        ))}
      </ol>
    </>
  );
}

export function LookupPage({
  ctx,
  no,
  code,
  error,
  request,
  events,
  ownerName,
  correctionErrors,
  notice,
  correctionReply = "",
}: {
  ctx: PageContext;
  no: string;
  code?: string;
  error?: string;
  request?: DisclosureRequest;
  events?: PublicEvent[];
  ownerName?: string;
  correctionErrors?: Record<string, string>;
  notice?: string;
  correctionReply?: string;
}) {
  return (
    <Layout ctx={ctx} meta={meta(ctx, "申请查询", "/disclosure/lookup")} crumbs={crumbsFor(ctx, "申请查询")}>
      <h1>政府信息公开申请查询</h1>
      {notice ? (
        <div class="notice info" role="status">
          <p>{notice}</p>
        </div>
      ) : null}
      {error ? (
        <div class="error-summary" role="alert">
          <p>{error}</p>
        </div>
      ) : null}
      {request && code ? (
        <>
          <RequestSummary
            r={request}
            events={events ?? []}
            ownerName={ownerName ?? ""}
            letterHref={
              request.letterHtml
                ? `${ctx.base}/disclosure/letter?no=${request.queryNo}&code=${encodeURIComponent(code)}`
                : null
            }
          />
          {request.status === "correction" ? (
            <form method="post" action={`${ctx.base}/disclosure/lookup/correct`}>
              <h2>补正申请</h2>
              <p>需要补正的事项：{request.correctionNote}</p>
              <ErrorSummary errors={correctionErrors ?? {}} />
              <input type="hidden" name="no" value={request.queryNo} />
              <input type="hidden" name="code" value={code} />
              <Field id="correctionReply" label="补正内容（必填）" error={correctionErrors?.correctionReply}>
                <textarea id="correctionReply" name="correctionReply" rows={5} maxLength={3000}>
                  {correctionReply}
                </textarea>
              </Field>
              <button type="submit" class="button">
                提交补正
              </button>
            </form>
          ) : null}
        </>
      ) : (
        <form method="get" action={`${ctx.base}/disclosure/lookup`}>
          <Field id="no" label="查询编号">
            <input id="no" name="no" type="text" inputMode="numeric" maxLength={14} value={no} />
          </Field>
          <Field id="code" label="查询码">
            <input id="code" name="code" type="text" maxLength={64} autoComplete="off" />
          </Field>
          <button type="submit" class="button">
            查询
          </button>
        </form>
      )}
    </Layout>
  );
}

export function AccountRequestsPage({
  ctx,
  rows,
  total,
  page,
}: {
  ctx: PageContext;
  rows: DisclosureRequest[];
  total: number;
  page: number;
}) {
  return (
    <Layout
      ctx={ctx}
      meta={meta(ctx, "我的政府信息公开申请", "/account/disclosure")}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "个人中心", href: `${ctx.base}/account/` },
        { name: "我的政府信息公开申请" },
      ]}
    >
      <h1>我的政府信息公开申请</h1>
      <p>
        <a href={`${ctx.base}/disclosure/apply`}>提交新的申请</a>
      </p>
      {rows.length === 0 ? (
        <p>您还没有以本账号提交的政府信息公开申请。</p>
      ) : (
        <table class="data-table">
          <thead>
            <tr>
              <th scope="col">查询编号</th>
              <th scope="col">所需信息</th>
              <th scope="col">状态</th>
              <th scope="col">答复期限</th>
              <th scope="col">答复书</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{r.queryNo}</td>
                <td>{r.description.slice(0, 60)}</td>
                <td>
                  {REQUEST_STATUS[r.status]}
                  {r.outcome ? `：${outcomeLabel(r.outcome, r.outcomeReason)}` : ""}
                </td>
                <td>{r.status === "decided" ? "—" : r.dueAt ? chinaDate(r.dueAt) : "暂停计算"}</td>
                <td>
                  {r.letterHtml ? (
                    <>
                      <a href={`${ctx.base}/account/disclosure/${r.id}/letter`}>网页版</a> ·{" "}
                      <a href={`${ctx.base}/account/disclosure/${r.id}/letter?format=pdf`}>PDF</a>
                    </>
                  ) : (
                    "—"
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination base={`${ctx.base}/account/disclosure`} page={page} pageSize={20} total={total} />
    </Layout>
  );
}
