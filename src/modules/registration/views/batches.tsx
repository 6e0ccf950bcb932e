import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { formatPubDate } from "../../../web/layout.tsx";
import type { Batch } from "../batch.ts";
import type { Campaign } from "../service.ts";
import type { BatchStatus } from "../tables.ts";

export const BATCH_STATUS: Record<BatchStatus, string> = {
  queued: "排队中",
  running: "导入中",
  done: "已完成",
  failed: "已中断",
};

/** The figures a progress element and its script show. */
export function batchProgress(b: Batch, running: boolean) {
  return {
    status: b.status,
    statusText: b.status === "running" && !running ? "已中断（处理进程已停止）" : BATCH_STATUS[b.status],
    totalRows: b.totalRows,
    handled: b.nextRow,
    accepted: b.accepted,
    rejected: b.rejected,
    pending: Math.max(0, b.totalRows - b.nextRow),
    message: b.message,
    running,
  };
}

function UploadForm({ c, csrf, error }: { c: Campaign; csrf: string; error?: string }) {
  const errors: Record<string, string> = error ? { file: error } : {};
  return (
    <form method="post" action={`/admin/registration-batches/${c.code}`} enctype="multipart/form-data">
      <CsrfField token={csrf} />
      <ErrorSummary errors={errors} />
      <Field
        id="file"
        label="登记文件（CSV 或 XLSX，不超过 20 MB、10 万行）"
        hint={`第一行为列名：姓名、身份证号、手机号、所在地区（6位区划代码或县市区名称）${c.form.fields.length ? `，以及各题目：${c.form.fields.map((f) => f.label).join("、")}` : ""}；多选题的多个选项用“、”分隔。CSV 可为 UTF-8 或 GBK 编码。上传中断后重新上传同一文件，将从中断处继续。`}
        error={errors.file}
      >
        <input
          id="file"
          name="file"
          type="file"
          accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          required
          aria-invalid={errors.file ? "true" : undefined}
        />
      </Field>
      <button type="submit" class="button">
        上传并导入
      </button>
    </form>
  );
}

export function BatchCampaignsPage({ ctx, campaigns }: { ctx: AdminContext; campaigns: Campaign[] }) {
  return (
    <AdminLayout ctx={ctx} title="登记批量上传">
      <h1>登记批量上传</h1>
      <p>社区工作人员可将纸质或表格收集的登记整理为 CSV 或 XLSX 文件，上传到正在进行的登记活动。</p>
      {campaigns.length === 0 ? <p>目前没有正在进行的登记活动。</p> : null}
      <ul>
        {campaigns.map((c) => (
          <li>
            <a href={`/admin/registration-batches/${c.code}`}>{c.title}</a>（{c.code}）
          </li>
        ))}
      </ul>
    </AdminLayout>
  );
}

export function BatchListPage({
  ctx,
  campaign: c,
  batches,
  total,
  page,
  perPage,
  error,
}: {
  ctx: AdminContext;
  campaign: Campaign;
  batches: Batch[];
  total: number;
  page: number;
  perPage: number;
  error?: string;
}) {
  const base = `/admin/registration-batches/${c.code}`;
  return (
    <AdminLayout ctx={ctx} title={`批量上传：${c.title}`}>
      <h1>批量上传：{c.title}</h1>
      <p>
        <a href="/admin/registration-batches">全部登记活动</a>
      </p>
      <UploadForm c={c} csrf={ctx.csrf} error={error} />
      <table class="data-table">
        <caption>上传记录</caption>
        <thead>
          <tr>
            <th scope="col">文件</th>
            <th scope="col">上传人</th>
            <th scope="col">时间</th>
            <th scope="col">状态</th>
            <th scope="col">行数</th>
            <th scope="col">已导入</th>
            <th scope="col">有误</th>
          </tr>
        </thead>
        <tbody>
          {batches.map((b) => (
            <tr>
              <td>
                <a href={`${base}/${b.id}`}>{b.fileName || `批次 ${b.id}`}</a>
              </td>
              <td>{b.createdBy}</td>
              <td>{formatPubDate(b.createdAt)}</td>
              <td>{BATCH_STATUS[b.status]}</td>
              <td>{b.totalRows}</td>
              <td>{b.accepted}</td>
              <td>{b.rejected}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination base={base} page={page} pageSize={perPage} total={total} />
    </AdminLayout>
  );
}

export function BatchPage({
  ctx,
  campaign: c,
  batch: b,
  running,
  notice,
}: {
  ctx: AdminContext;
  campaign: Campaign;
  batch: Batch;
  running: boolean;
  notice?: string;
}) {
  const p = batchProgress(b, running);
  const base = `/admin/registration-batches/${c.code}/${b.id}`;
  return (
    <AdminLayout ctx={ctx} title={`导入进度：${b.fileName}`} scripts={["/static/js/registration-batch.js"]}>
      <h1>导入进度：{b.fileName}</h1>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div id="batch-progress" data-progress-url={`${base}/progress`}>
        <p>
          <label for="batch-bar">进度</label>{" "}
          <progress id="batch-bar" max={p.totalRows || 1} value={p.handled}>
            {p.handled}/{p.totalRows}
          </progress>{" "}
          <span data-field="percent">{p.totalRows ? Math.floor((p.handled * 100) / p.totalRows) : 0}%</span>
        </p>
        <dl class="facts" aria-live="polite">
          <dt>状态</dt>
          <dd data-field="statusText">{p.statusText}</dd>
          <dt>数据行</dt>
          <dd data-field="totalRows">{p.totalRows}</dd>
          <dt>已导入</dt>
          <dd data-field="accepted">{p.accepted}</dd>
          <dt>有误未导入</dt>
          <dd data-field="rejected">{p.rejected}</dd>
          <dt>待处理</dt>
          <dd data-field="pending">{p.pending}</dd>
          <dt>编码</dt>
          <dd>{b.encoding || "—"}</dd>
        </dl>
        <p data-field="message" role={p.status === "failed" ? "alert" : undefined}>
          {p.message}
        </p>
      </div>
      {running ? (
        <p data-when="running">
          <noscript>
            <meta httpEquiv="refresh" content="3" />
          </noscript>
          导入在后台进行，离开本页不影响导入。进度自动更新；也可<a href={base}>手动刷新进度</a>。
        </p>
      ) : null}
      <p>
        <a href={`${base}/errors.csv`} download>
          下载有误行清单（CSV）
        </a>{" "}
        · <a href={`/admin/registration-batches/${c.code}`}>全部上传记录</a>
      </p>
    </AdminLayout>
  );
}

export function NoticesPage({
  ctx,
  notices,
  campaigns,
  total,
  page,
  perPage,
}: {
  ctx: AdminContext;
  notices: { id: number; campaignId: number; text: string; createdAt: string }[];
  campaigns: Map<number, Campaign>;
  total: number;
  page: number;
  perPage: number;
}) {
  return (
    <AdminLayout ctx={ctx} title="风险提示通知">
      <h1>风险提示通知</h1>
      <p class="meta">
        登记活动中某县（市、区）当天达到风险阈值时，通知负责单位的工作人员（每地区每条阈值每天一次）。
      </p>
      {notices.length === 0 ? <p>暂无通知。</p> : null}
      <ul class="notice-list">
        {notices.map((n) => {
          const c = campaigns.get(n.campaignId);
          return (
            <li>
              <time dateTime={n.createdAt}>{formatPubDate(n.createdAt)}</time> {n.text}
              {c ? (
                <>
                  {" "}
                  <a href={`/sites/www/registration/${c.code}/figures`}>查看统计</a>
                </>
              ) : null}
            </li>
          );
        })}
      </ul>
      <Pagination base="/admin/registration-notices" page={page} pageSize={perPage} total={total} />
    </AdminLayout>
  );
}
