import type { ComponentChildren } from "preact";
import { AdminLayout, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import type { AnalyticsSummary } from "../service.ts";

export interface DashboardQuery {
  site: string;
  from: string;
  to: string;
}

/** A figures table with a header row and 暂无数据 when empty (the dashboard's and the demand desk's). */
export function Table<T>({
  caption,
  captionHidden = false,
  head,
  rows,
  cells,
}: {
  caption: string;
  /** The caption for screen readers only, where a heading above already names the table. */
  captionHidden?: boolean;
  head: string[];
  rows: T[];
  cells: (row: T) => ComponentChildren[];
}) {
  return (
    <table class="data-table">
      <caption class={captionHidden ? "visually-hidden" : undefined}>{caption}</caption>
      <thead>
        <tr>
          {head.map((h) => (
            <th scope="col">{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={head.length}>暂无数据</td>
          </tr>
        ) : (
          rows.map((r) => (
            <tr>
              {cells(r).map((c) => (
                <td>{c}</td>
              ))}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

const percent = (part: number, whole: number) => (whole ? `${((part / whole) * 100).toFixed(1)}%` : "—");

/** The analytics dashboard: figures as tables (they work without script) and a server-drawn chart. */
export function AnalyticsDashboard({
  ctx,
  sites,
  cluster,
  query,
  summary,
  chartHref,
  errors,
}: {
  ctx: AdminContext;
  sites: { code: string; name: string }[];
  /** Whether the viewer may read the whole cluster's figures (operators). */
  cluster: boolean;
  query: DashboardQuery;
  summary: AnalyticsSummary | null;
  chartHref: string | null;
  errors?: Record<string, string>;
}) {
  return (
    <AdminLayout ctx={ctx} title="访问统计">
      <h1>访问统计</h1>
      <p>
        <a href="/admin/analytics/demand">需求台：无结果搜索、客服未答、信件类别、服务漏斗与上升话题</a>
      </p>
      <p class="hint">
        无 Cookie 统计：访客以每日更换的随机盐对 IP 与浏览器标识取摘要，IP
        不落盘，不同日期之间无法关联同一访客。
      </p>
      {errors ? <ErrorSummary errors={errors} /> : null}
      <form method="get" action="/admin/analytics" class="filter-form">
        <div class="field">
          <label for="site">网站</label>
          <select id="site" name="site">
            {cluster ? <option value="">全部网站（站群）</option> : null}
            {sites.map((s) => (
              <option value={s.code} selected={s.code === query.site}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <Field id="from" label="开始日期" error={errors?.from}>
          <input
            id="from"
            name="from"
            type="date"
            value={query.from}
            aria-describedby={errors?.from ? "from-error" : undefined}
          />
        </Field>
        <Field id="to" label="结束日期" error={errors?.to}>
          <input
            id="to"
            name="to"
            type="date"
            value={query.to}
            aria-describedby={errors?.to ? "to-error" : undefined}
          />
        </Field>
        <button type="submit" class="button">
          查询
        </button>
      </form>
      {summary ? (
        <>
          <dl class="figures">
            <div>
              <dt>浏览量</dt>
              <dd>{summary.pageviews}</dd>
            </div>
            <div>
              <dt>访客数</dt>
              <dd>{summary.visitors}</dd>
            </div>
            <div>
              <dt>长辈版浏览</dt>
              <dd>
                {summary.elderViews}（{percent(summary.elderViews, summary.pageviews)}）
              </dd>
            </div>
            <div>
              <dt>搜索换词率 / 结果页离开率</dt>
              <dd>
                {percent(summary.search.refinements, summary.search.resultViews)} /{" "}
                {percent(summary.search.exits, summary.search.resultViews)}
              </dd>
            </div>
            <div>
              <dt>站内搜索</dt>
              <dd>
                {summary.search.total} 次，无结果 {summary.search.zeroResult} 次（
                {percent(summary.search.zeroResult, summary.search.total)}）
              </dd>
            </div>
          </dl>
          {chartHref ? (
            <figure class="chart">
              <img
                src={chartHref}
                alt="每日浏览量与访客数折线图，数据见下方“每日数据”表"
                width={640}
                height={280}
              />
              <figcaption>每日浏览量与访客数</figcaption>
            </figure>
          ) : null}
          <Table
            caption="每日数据"
            head={["日期", "浏览量", "访客数"]}
            rows={summary.daily}
            cells={(d) => [d.day, d.pageviews, d.visitors]}
          />
          <Table
            caption="热门页面"
            head={["页面", "浏览量"]}
            rows={summary.topPages}
            cells={(p) => [p.path, p.views]}
          />
          <Table
            caption="入口页面"
            head={["页面", "访客数"]}
            rows={summary.entryPages}
            cells={(p) => [p.path, p.visitors]}
          />
          <Table
            caption="退出页面"
            head={["页面", "访客数"]}
            rows={summary.exitPages}
            cells={(p) => [p.path, p.visitors]}
          />
          <Table
            caption={`页面停留（开启脚本的浏览共 ${summary.engagement.beacons} 次，平均 ${summary.engagement.averageSeconds ?? "—"} 秒，滚动 ${summary.engagement.averageScroll ?? "—"}%）`}
            head={["页面", "回报数", "平均停留（秒）", "平均滚动深度（%）"]}
            rows={summary.engagement.pages}
            cells={(p) => [p.path, p.beacons, p.averageSeconds, p.averageScroll]}
          />
          <Table
            caption="来源网站"
            head={["来源", "浏览量"]}
            rows={summary.referrers}
            cells={(r) => [r.host, r.views]}
          />
          <Table
            caption="设备"
            head={["设备", "浏览量"]}
            rows={summary.devices}
            cells={(d) => [d.device, d.views]}
          />
          <Table
            caption="热门搜索词"
            head={["搜索词", "次数", "平均结果数"]}
            rows={summary.search.topTerms}
            cells={(t) => [t.term, t.count, t.results]}
          />
          <Table
            caption="无结果搜索词（可据此补充同义词或内容）"
            head={["搜索词", "次数"]}
            rows={summary.search.zeroResultTerms}
            cells={(t) => [t.term, t.count]}
          />
        </>
      ) : null}
    </AdminLayout>
  );
}
