import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { formatPubDate } from "../../../web/layout.tsx";
import type { SiteAssessment } from "../assessment.ts";
import { RULES, type Countdown, type Veto } from "../rules.ts";
import type { InspectionRun, ProbeProblem } from "../service.ts";

const ruleName = (r: string) => RULES[r] ?? r;

export interface SiteRow {
  code: string;
  name: string;
  latest: InspectionRun | null;
  running: InspectionRun | null;
  countdowns: Countdown[];
  vetoes: Veto[];
}

function RunProgress({ run }: { run: InspectionRun }) {
  const total = Math.max(run.progressTotal, 1);
  return (
    <p>
      <label>
        {run.status === "queued" ? "排队等待后台巡检" : `正在巡检：${run.phase}`}（{run.progressDone}/
        {run.progressTotal}）{" "}
        <progress max={total} value={Math.min(run.progressDone, total)}>
          {run.progressDone}/{run.progressTotal}
        </progress>
      </label>
    </p>
  );
}

function Countdowns({ countdowns, vetoes }: { countdowns: Countdown[]; vetoes: Veto[] }) {
  if (!countdowns.length && !vetoes.length) return <p>目前没有即将触发的单项否决。</p>;
  return (
    <ul class="inspection-warnings">
      {vetoes.map((v) => (
        <li>
          <span class="badge overdue">已触发单项否决</span> {ruleName(v.rule)}：{v.detail}
        </li>
      ))}
      {countdowns.map((c) => (
        <li>
          <span class="badge soon">{c.daysLeft} 天后未通过检查</span> {ruleName(c.rule)}：{c.detail}（
          {c.failsOn}） <a href={c.url}>查看</a>
        </li>
      ))}
    </ul>
  );
}

export function InspectionOverview({
  ctx,
  rows,
  isOperator,
  probeProblem,
}: {
  ctx: AdminContext;
  rows: SiteRow[];
  isOperator: boolean;
  /** The last probe round reached no site at all (see InspectionService.probeAll). */
  probeProblem: ProbeProblem | null;
}) {
  return (
    <AdminLayout ctx={ctx} title="网站巡检" refreshSeconds={rows.some((r) => r.running) ? 5 : undefined}>
      <h1>网站巡检</h1>
      {probeProblem && isOperator ? (
        <div class="notice warning" role="alert">
          <p>
            {formatPubDate(probeProblem.at)}：{probeProblem.detail}
          </p>
        </div>
      ) : null}
      <p class="hint">
        按全国政府网站检查指标持续巡检：可用性探测（每站每天不少于20次，15秒内无响应计为失败）、首页与栏目更新、空白栏目、留言答复、办事指南要素、链接、元数据、无障碍与适老化。先判单项否决，再按100分扣分。
      </p>
      {isOperator ? (
        <p>
          <a href="/admin/inspection/assessment">绩效评估与排行</a> ·{" "}
          <a href="/admin/disclosure/reports">政府信息公开工作年度报告与网站工作年度报表（依申请公开模块）</a>
        </p>
      ) : null}
      <table class="data-table">
        <caption>网站巡检概况</caption>
        <thead>
          <tr>
            <th scope="col">网站</th>
            <th scope="col">最近得分</th>
            <th scope="col">结论</th>
            <th scope="col">预警</th>
            <th scope="col">进度</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>
                <a href={`/admin/inspection/sites/${r.code}`}>{r.name}</a>
              </td>
              <td>{r.latest?.score ?? "未巡检"}</td>
              <td>{r.latest ? (r.latest.passed ? "合格" : "不合格") : "—"}</td>
              <td>
                {r.vetoes.length ? <span class="badge overdue">单项否决 {r.vetoes.length}</span> : null}{" "}
                {r.countdowns.length ? (
                  <span class="badge soon">{r.countdowns[0]!.daysLeft} 天后未通过检查</span>
                ) : null}
              </td>
              <td>{r.running ? <RunProgress run={r.running} /> : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminLayout>
  );
}

function RunResult({ run }: { run: InspectionRun }) {
  const d = run.detail;
  if (!d) return run.error ? <p class="error">巡检出错：{run.error}</p> : null;
  return (
    <section aria-labelledby={`run-${run.id}`}>
      <h2 id={`run-${run.id}`}>
        {formatPubDate(run.finishedAt)} 巡检结果：{d.score} 分，{d.passed ? "合格" : "不合格"}
      </h2>
      <p>
        抓取 {d.crawl?.pages ?? 0} 个页面，检查 {d.crawl?.checkedLinks ?? 0} 个链接，用时{" "}
        {Math.round((d.crawl?.elapsedMs ?? 0) / 1000)} 秒；无障碍检查：
        {d.accessibilityChecked ? "已在 Chromium 中检查" : "未检查"}。
      </p>
      <h3>单项否决（{d.vetoes.length}）</h3>
      {d.vetoes.length ? (
        <ul>
          {d.vetoes.map((v) => (
            <li>
              {ruleName(v.rule)}：{v.detail}
            </li>
          ))}
        </ul>
      ) : (
        <p>无</p>
      )}
      <table class="data-table">
        <caption>扣分项（{d.deductions.length}）</caption>
        <thead>
          <tr>
            <th scope="col">指标</th>
            <th scope="col">扣分</th>
            <th scope="col">说明</th>
            <th scope="col">地址</th>
          </tr>
        </thead>
        <tbody>
          {d.deductions.length === 0 ? (
            <tr>
              <td colSpan={4}>无扣分</td>
            </tr>
          ) : (
            d.deductions.map((x) => (
              <tr>
                <td>{ruleName(x.rule)}</td>
                <td>{x.points}</td>
                <td>{x.detail}</td>
                <td>
                  <a href={x.url}>{x.url}</a>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {d.notes.length ? (
        <>
          <h3>检查说明</h3>
          <ul>
            {d.notes.map((n) => (
              <li>
                {n.detail}
                {n.url ? `（${n.url}）` : ""}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export function SiteInspectionPage(p: {
  ctx: AdminContext;
  site: { code: string; name: string };
  countdowns: Countdown[];
  vetoes: Veto[];
  running: InspectionRun | null;
  shown: InspectionRun | null;
  history: { rows: InspectionRun[]; total: number };
  page: number;
  perPage: number;
  chartHref: string;
}) {
  return (
    <AdminLayout ctx={p.ctx} title={`${p.site.name} 网站巡检`} refreshSeconds={p.running ? 5 : undefined}>
      <p>
        <a href="/admin/inspection">网站巡检</a> › {p.site.name}
      </p>
      <h1>{p.site.name} 网站巡检</h1>
      <h2>预警（按当前数据实时计算）</h2>
      <Countdowns countdowns={p.countdowns} vetoes={p.vetoes} />
      {p.running ? (
        <RunProgress run={p.running} />
      ) : (
        <form method="post" action={`/admin/inspection/sites/${p.site.code}/run`}>
          <CsrfField token={p.ctx.csrf} />
          <button type="submit" class="button">
            立即巡检
          </button>{" "}
          <span class="hint">巡检在后台进行，不影响网站访问；本页显示进度。</span>
        </form>
      )}
      <p>
        <a href={`/admin/inspection/assessment/${p.site.code}`}>本站绩效评估月报</a>
      </p>
      <figure>
        <img src={p.chartHref} alt="近90天巡检得分走势，数据见下方巡检记录表" width={640} height={280} />
        <figcaption>近90天巡检得分走势</figcaption>
      </figure>
      {p.shown ? <RunResult run={p.shown} /> : <p>尚无完成的巡检。</p>}
      <table class="data-table">
        <caption>巡检记录</caption>
        <thead>
          <tr>
            <th scope="col">时间</th>
            <th scope="col">发起</th>
            <th scope="col">状态</th>
            <th scope="col">得分</th>
            <th scope="col">单项否决</th>
          </tr>
        </thead>
        <tbody>
          {p.history.rows.map((r) => (
            <tr>
              <td>
                <a href={`/admin/inspection/sites/${p.site.code}?run=${r.id}`}>
                  {formatPubDate(r.createdAt)}
                </a>
              </td>
              <td>{r.requestedBy}</td>
              <td>
                {
                  { queued: "排队", running: "进行中", done: r.passed ? "合格" : "不合格", failed: "出错" }[
                    r.status
                  ]
                }
              </td>
              <td>{r.score ?? "—"}</td>
              <td>{r.vetoCount ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination
        base={`/admin/inspection/sites/${p.site.code}`}
        page={p.page}
        pageSize={p.perPage}
        total={p.history.total}
      />
    </AdminLayout>
  );
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? "—" : String(v));

export function MonthForm({ action, month }: { action: string; month: string }) {
  return (
    <form method="get" action={action} class="filter-form">
      <div class="field">
        <label for="month">月份</label>
        <input id="month" name="month" type="month" value={month} />
      </div>
      <button type="submit" class="button">
        查看
      </button>
    </form>
  );
}

export function LeaguePage({
  ctx,
  month,
  rows,
  error,
}: {
  ctx: AdminContext;
  month: string;
  rows: (SiteAssessment & { rank: number | null })[];
  error?: string;
}) {
  const kinds: Record<string, string> = {
    department: "部门网站",
    city: "市级网站",
    county: "县级网站",
    portal: "门户网站",
  };
  return (
    <AdminLayout ctx={ctx} title="绩效评估排行">
      <p>
        <a href="/admin/inspection">网站巡检</a> › 绩效评估
      </p>
      <h1>{month} 网站绩效评估排行</h1>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <MonthForm action="/admin/inspection/assessment" month={month} />
      <p>
        综合得分 = 巡检平均分 50% + 留言按时答复率 15% + 留言满意率 10% + 办件按时办结率 15% + 好差评满意率
        10%（缺项按其余权重折算；当月有单项否决的不超过59分）。
        <a href={`/admin/inspection/assessment?month=${month}&format=html`}>打印版</a> ·{" "}
        <a href={`/admin/inspection/assessment?month=${month}&format=pdf`}>PDF</a> ·{" "}
        <a href="/admin/disclosure/reports">年度报告与网站工作年度报表</a>
      </p>
      <table class="data-table">
        <caption>按网站类别排名</caption>
        <thead>
          <tr>
            <th scope="col">类别</th>
            <th scope="col">名次</th>
            <th scope="col">网站</th>
            <th scope="col">综合得分</th>
            <th scope="col">巡检平均分</th>
            <th scope="col">浏览量</th>
            <th scope="col">留言按时率</th>
            <th scope="col">办件按时率</th>
            <th scope="col">好差评满意率</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>{kinds[r.site.kind] ?? r.site.kind}</td>
              <td>{num(r.rank)}</td>
              <td>
                <a href={`/admin/inspection/assessment/${r.site.code}?month=${month}`}>{r.site.name}</a>
              </td>
              <td>{num(r.score)}</td>
              <td>{num(r.inspection.averageScore)}</td>
              <td>{r.analytics.pageviews}</td>
              <td>{num(r.letters.onTimeRate)}</td>
              <td>{num(r.services?.onTimeRate)}</td>
              <td>{num(r.services?.satisfaction)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminLayout>
  );
}

export function SiteReportPage({ ctx, a }: { ctx: AdminContext; a: SiteAssessment }) {
  const rows: [string, string][] = [
    ["综合得分", num(a.score)],
    ["当月巡检次数", String(a.inspection.runs)],
    ["巡检最近得分", num(a.inspection.latestScore)],
    ["巡检平均得分", num(a.inspection.averageScore)],
    ["浏览量", String(a.analytics.pageviews)],
    ["访客数", String(a.analytics.visitors)],
    ["站内搜索次数", String(a.analytics.searches)],
    ["无结果搜索占比（%）", num(a.analytics.zeroResultRate)],
    ["当月收到留言", String(a.letters.received)],
    ["留言按时答复率（%）", num(a.letters.onTimeRate)],
    ["留言满意率（%）", num(a.letters.satisfaction)],
    ["当月提交办件", a.services ? String(a.services.applications) : "—"],
    ["当月办结按时率（%）", num(a.services?.onTimeRate)],
    ["好差评满意率（%）", num(a.services?.satisfaction)],
    ["当月差评 / 月内已整改", a.services ? `${a.services.badReviews} / ${a.services.rectified}` : "—"],
  ];
  const base = `/admin/inspection/assessment/${a.site.code}`;
  return (
    <AdminLayout ctx={ctx} title={`${a.site.name} 绩效评估月报`}>
      <p>
        <a href="/admin/inspection">网站巡检</a> ›{" "}
        <a href={`/admin/inspection/sites/${a.site.code}`}>{a.site.name}</a> › 绩效评估
      </p>
      <h1>
        {a.site.name} {a.month} 绩效评估月报
      </h1>
      <MonthForm action={base} month={a.month} />
      <p>
        <a href={`${base}?month=${a.month}&format=html`}>打印版</a> ·{" "}
        <a href={`${base}?month=${a.month}&format=pdf`}>PDF</a>
      </p>
      {a.inspection.vetoes.length ? (
        <ul>
          {a.inspection.vetoes.map((v) => (
            <li>单项否决：{v}</li>
          ))}
        </ul>
      ) : null}
      <table class="data-table">
        <caption>月度指标</caption>
        <tbody>
          {rows.map(([k, v]) => (
            <tr>
              <th scope="row">{k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminLayout>
  );
}
