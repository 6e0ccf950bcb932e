import { ErrorSummary } from "../../../web/components/form.tsx";
import { formatPubDate, Layout, type PageContext } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import {
  ACTION_LABELS,
  STATUS_LABELS,
  SUSPEND_KINDS,
  type Application,
  type ApplicationEvent,
  type ProgressStep,
} from "../applications.ts";

const PROGRESS_LABELS: Record<ProgressStep["state"], string> = {
  done: "已完成",
  current: "办理中",
  pending: "待办理",
  stopped: "未办理",
};
import type { ServiceItem } from "../catalogue.ts";
import { displayValue, type FormSchema, type FormValues } from "../forms.ts";
import { sparedMaterials } from "../guide.ts";
import { FormFields } from "./form-fields.tsx";

export function ApplyPage(p: {
  ctx: PageContext;
  item: ServiceItem;
  schema: FormSchema;
  values: FormValues;
  errors: Record<string, string>;
  csrf: string;
  idem: string;
  application: Application | null;
  addRowFor?: string;
  rawRows?: Record<string, number>;
  saved?: boolean;
}) {
  const { ctx, item } = p;
  const url = `${ctx.base}/services/apply/${encodeURIComponent(item.code)}`;
  const spared = sparedMaterials(item.guide);
  const multipart = p.schema.fields.some((f) => f.type === "file");
  return (
    <Layout
      ctx={ctx}
      meta={{ title: `在线办理：${item.name}`, url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "办事服务", href: `${ctx.base}/services/` },
        { name: item.name, href: `${ctx.base}/services/item/${encodeURIComponent(item.code)}` },
        { name: "在线办理" },
      ]}
    >
      <h1>在线办理：{item.name}</h1>
      {p.application?.status === "correction" ? (
        <div class="notice" role="alert">
          <h2>请按以下意见一次性补正后重新提交</h2>
          <p class="pre-line">{p.application.correctionNote}</p>
        </div>
      ) : null}
      {p.saved ? <p class="notice info">草稿已保存，可随时从“我的办件”继续填写。</p> : null}
      {spared.length > 0 ? (
        <p class="notice info">
          免提交{spared.length}件：{spared.map((m) => m.name).join("、")}
          （由电子证照或数据共享获取，无需上传）
        </p>
      ) : null}
      <ErrorSummary errors={p.errors} />
      <form
        method="post"
        action={url}
        enctype={multipart ? "multipart/form-data" : undefined}
        novalidate
        class="form"
      >
        <input type="hidden" name="_csrf" value={p.csrf} />
        <input type="hidden" name="_idem" value={p.idem} />
        <FormFields
          schema={p.schema}
          values={p.values}
          errors={p.errors}
          addRowFor={p.addRowFor}
          rawRows={p.rawRows}
        />
        <p>
          <button type="submit" name="_action" value="submit" class="button">
            提交申请
          </button>{" "}
          <button type="submit" name="_action" value="draft" class="button secondary" formnovalidate>
            保存草稿
          </button>
        </p>
      </form>
    </Layout>
  );
}

export function Timeline({ events, showNotes }: { events: ApplicationEvent[]; showNotes: boolean }) {
  return (
    <ol class="timeline">
      {events.map((e) => (
        <li>
          <time dateTime={e.at}>{formatPubDate(e.at)}</time> {ACTION_LABELS[e.action] ?? e.action}
          {e.actorKind === "staff" && showNotes ? `（${e.actorName}）` : ""} →{" "}
          {STATUS_LABELS[e.toStatus] ?? e.toStatus}
          {showNotes && e.note ? <span class="pre-line">：{e.note}</span> : null}
        </li>
      ))}
    </ol>
  );
}

export function ReceiptPage(p: {
  ctx: PageContext;
  application: Application;
  item: ServiceItem | undefined;
  schema: FormSchema | null;
  events: ApplicationEvent[];
  progress?: ProgressStep[];
  csrf: string;
  department: string;
  duplicate?: boolean;
  evaluation?: { level: number; comment: string; isDefault: boolean } | null;
  rectification?: { status: string; result: string | null } | null;
}) {
  const a = p.application;
  const { ctx } = p;
  const url = `${ctx.base}/services/receipt/${a.trackingNo}`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: `办件回执 ${a.trackingNo}`, url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "我的办件", href: `${ctx.base}/services/my` },
        { name: "办件回执" },
      ]}
    >
      <h1>办件回执</h1>
      {p.duplicate ? <p class="notice info">该申请已提交过，无需重复提交。以下是已提交的办件。</p> : null}
      <table class="data-table">
        <caption class="visually-hidden">办件信息</caption>
        <tbody>
          <tr>
            <th scope="row">办件编号</th>
            <td>
              <strong class="tracking-no">{a.trackingNo}</strong>
            </td>
          </tr>
          <tr>
            <th scope="row">办理事项</th>
            <td>{a.itemName}</td>
          </tr>
          <tr>
            <th scope="row">办理部门</th>
            <td>{p.department}</td>
          </tr>
          <tr>
            <th scope="row">当前状态</th>
            <td>{STATUS_LABELS[a.status]}</td>
          </tr>
          <tr>
            <th scope="row">提交时间</th>
            <td>{a.submittedAt ? formatPubDate(a.submittedAt) : "尚未提交"}</td>
          </tr>
          {a.dueCommitted ? (
            <tr>
              <th scope="row">承诺办结日期</th>
              <td>
                {a.dueCommitted}（法定时限截止 {a.dueLegal}）
                {a.status === "suspended"
                  ? `，${SUSPEND_KINDS[a.suspendKind ?? "suspend"] ?? "挂起"}期间计时暂停`
                  : ""}
                {a.extendedDays ? `；法定期限经批准延长${a.extendedDays}个工作日` : ""}
                {a.suspendedDays ? `；已有${a.suspendedDays}个工作日不计入时限` : ""}
              </td>
            </tr>
          ) : null}
          {a.outcomeText ? (
            <tr>
              <th scope="row">办理结果</th>
              <td>
                {a.outcome === "approved"
                  ? "准予办理"
                  : a.outcome === "denied"
                    ? "不予办理"
                    : a.outcome === "refused"
                      ? "不予受理"
                      : ""}
                ：{a.outcomeText}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {a.status === "draft" || a.status === "correction" ? (
        <p>
          <a class="button" href={`${ctx.base}/services/apply/${encodeURIComponent(a.itemCode)}?app=${a.id}`}>
            {a.status === "correction" ? "补正材料" : "继续填写"}
          </a>
        </p>
      ) : null}
      {a.status === "correction" ? (
        <div class="notice" role="alert">
          <h2>补正告知</h2>
          <p class="pre-line">{a.correctionNote}</p>
        </div>
      ) : null}
      {a.prereview ? (
        <>
          <h2>网上预审结果</h2>
          <ul>
            {a.prereview.checks.map((c) => (
              <li>
                {c.ok ? "✓" : "✗"} {c.name}：{c.detail}
              </li>
            ))}
            {a.prereview.spared.length ? (
              <li>
                免提交{a.prereview.spared.length}件：{a.prereview.spared.join("、")}
              </li>
            ) : null}
          </ul>
        </>
      ) : null}
      {p.schema ? (
        <>
          <h2>申请内容</h2>
          <table class="data-table">
            <caption class="visually-hidden">申请内容</caption>
            <tbody>
              {p.schema.fields.map((f) => (
                <tr>
                  <th scope="row">{f.label}</th>
                  <td>{displayValue(f, a.data[f.name])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {p.progress && p.progress.length ? (
        <>
          <h2>办理环节</h2>
          <ol class="steps">
            {p.progress.map((st) => (
              <li class={`step-${st.state}`}>
                {st.name}
                {st.group ? `（${st.group}）` : ""}：{PROGRESS_LABELS[st.state]}
                {st.at ? ` ${formatPubDate(st.at)}` : ""}
              </li>
            ))}
          </ol>
        </>
      ) : null}
      <h2>办理进度</h2>
      <Timeline events={p.events} showNotes />
      {["prereview", "correction", "review", "suspended"].includes(a.status) ? (
        <form method="post" action={`${ctx.base}/services/receipt/${a.trackingNo}/withdraw`} class="no-print">
          <input type="hidden" name="_csrf" value={p.csrf} />
          <label for="withdraw-reason">撤回原因（选填）</label>{" "}
          <input id="withdraw-reason" type="text" name="reason" maxLength={200} />{" "}
          <button type="submit" class="button secondary">
            撤回申请
          </button>
        </form>
      ) : null}
      {a.status === "closed" || a.status === "refused" ? (
        p.evaluation ? (
          <p>
            您的评价：{["", "非常不满意", "不满意", "基本满意", "满意", "非常满意"][p.evaluation.level]}
            {p.evaluation.isDefault ? "（超期未评价，系统默认）" : ""}
            {p.rectification
              ? `；整改情况：${p.rectification.status === "done" ? p.rectification.result : "整改中"}`
              : ""}
          </p>
        ) : (
          <p class="no-print">
            <a class="button" href={`${ctx.base}/services/receipt/${a.trackingNo}/evaluate`}>
              评价本次服务（好差评）
            </a>
          </p>
        )
      ) : null}
    </Layout>
  );
}

export function MyApplicationsPage({
  ctx,
  rows,
  total,
  page,
}: {
  ctx: PageContext;
  rows: Application[];
  total: number;
  page: number;
}) {
  const url = `${ctx.base}/services/my`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "我的办件", url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "办事服务", href: `${ctx.base}/services/` },
        { name: "我的办件" },
      ]}
    >
      <h1>我的办件</h1>
      {rows.length === 0 ? (
        <p>
          您还没有办件。<a href={`${ctx.base}/services/`}>去办事</a>
        </p>
      ) : (
        <table class="data-table">
          <caption class="visually-hidden">我的办件列表</caption>
          <thead>
            <tr>
              <th scope="col">办件编号</th>
              <th scope="col">事项</th>
              <th scope="col">状态</th>
              <th scope="col">更新时间</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr>
                <td>
                  <a href={`${ctx.base}/services/receipt/${a.trackingNo}`}>
                    {a.status === "draft" ? "（草稿）" : a.trackingNo}
                  </a>
                </td>
                <td>{a.itemName}</td>
                <td>{STATUS_LABELS[a.status]}</td>
                <td>{formatPubDate(a.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination base={url} page={page} pageSize={20} total={total} />
    </Layout>
  );
}

export function TrackPage({
  ctx,
  no,
  application,
  events,
  message,
}: {
  ctx: PageContext;
  no: string;
  application: Application | null;
  events: ApplicationEvent[];
  message?: string;
}) {
  const url = `${ctx.base}/services/track`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "办件查询", url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "办事服务", href: `${ctx.base}/services/` },
        { name: "办件查询" },
      ]}
    >
      <h1>办件进度查询</h1>
      <form method="get" action={url} class="filters" role="search">
        <label>
          办件编号
          <input type="text" name="no" value={no} maxLength={30} />
        </label>
        <button type="submit" class="button">
          查询
        </button>
      </form>
      {message ? <p class="notice">{message}</p> : null}
      {application ? (
        <section aria-labelledby="track-result">
          <h2 id="track-result">
            {application.itemName}：{STATUS_LABELS[application.status]}
          </h2>
          <p class="meta">为保护个人信息，此处只显示办理进度；申请内容请登录后在“我的办件”中查看。</p>
          <Timeline events={events} showNotes={false} />
        </section>
      ) : null}
    </Layout>
  );
}
