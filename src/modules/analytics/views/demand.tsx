import type { ComponentChildren } from "preact";
import { AdminLayout, type AdminContext } from "../../../web/admin-layout.tsx";
import { may, RIGHTS } from "../../staff/index.ts";
import { ErrorSummary } from "../../../web/components/form.tsx";
import type { QueueGroup } from "../../assistant/index.ts";
import type { Funnels, FunnelRow, RisingTopics } from "../insights.ts";
import type { AnalyticsSummary } from "../service.ts";
import { Table, type DashboardQuery } from "./dashboard.tsx";

export interface DemandData {
  summary: AnalyticsSummary;
  misses: QueueGroup[];
  letterKinds: { kind: string; label: string; count: number }[];
  funnels: Funnels;
  rising: RisingTopics;
}

/** How many rows of the item funnel and of the top pages the desk shows. */
export const FUNNEL_ROWS = 20;
export const TOP_PAGE_ROWS = 15;

const percent = (part: number, whole: number) => (whole ? `${((part / whole) * 100).toFixed(1)}%` : "—");

function Panel({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="demand-panel" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** The service item code of a guide or application page, if the path is one. */
export function guideCodeOf(path: string): string | null {
  const m = /\/services\/(?:item|apply)\/([^/]+)/.exec(path);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

const synonymHref = (term: string) =>
  `/admin/search/synonyms?${new URLSearchParams({ word: term })}#add-synonym`;
const guideHref = (code: string) => `/admin/service-items/${encodeURIComponent(code)}`;

/** A fix link for those who may use the page it leads to; a dash for others. */
function Fix({ allowed, href, children }: { allowed: boolean; href: string; children: string }) {
  return allowed ? <a href={href}>{children}</a> : <span class="meta">—</span>;
}

/** A search term's row: the term, how often, and its fix (a synonym) for those who may add one. */
function synonymRow(t: { term: string; count: number }, fixes: Fixes) {
  return [
    t.term,
    t.count,
    <Fix allowed={fixes.synonyms} href={synonymHref(t.term)}>
      添加同义词
    </Fix>,
  ];
}

/** Which fixes the viewer may make: each follows the right of the page the fix link opens. */
interface Fixes {
  synonyms: boolean;
  faqs: boolean;
  serviceItems: boolean;
  /** Codes of the items whose guide the viewer may edit. */
  guides: ReadonlySet<string>;
}

function FunnelTable({ caption, rows, fixes }: { caption: string; rows: FunnelRow[]; fixes: Fixes }) {
  return (
    <Table
      captionHidden
      caption={caption}
      head={["事项", "看指南", "开始申报", "提交", "办结", "指南→提交", "改进"]}
      rows={rows}
      cells={(r) => [
        r.name,
        r.guideViews,
        r.startViews ?? "—",
        r.submitted,
        r.completed,
        percent(r.submitted, r.guideViews),
        r.startViews === null ? (
          <Fix allowed={fixes.serviceItems} href="/admin/service-items">
            改进一件事指南
          </Fix>
        ) : (
          <Fix allowed={fixes.guides.has(r.code)} href={guideHref(r.code)}>
            改进办事指南
          </Fix>
        ),
      ]}
    />
  );
}

/**
 * 需求台: what people look for and do not find, side by side, each with the fix one click away
 * (a synonym, an FAQ entry, a better guide). Tables work without JavaScript; charts are server SVG.
 */
export function DemandDesk({
  ctx,
  sites,
  cluster,
  query,
  data,
  chartQuery,
  editableGuides = new Set(),
  errors,
}: {
  ctx: AdminContext;
  sites: { code: string; name: string }[];
  /** Whether the viewer may read the whole cluster's figures (operators). */
  cluster: boolean;
  query: DashboardQuery;
  data: DemandData | null;
  chartQuery: string;
  editableGuides?: ReadonlySet<string>;
  errors?: Record<string, string>;
}) {
  const s = data?.summary;
  const fixes: Fixes = {
    synonyms: may(ctx.staff, RIGHTS.searchSynonyms),
    faqs: may(ctx.staff, RIGHTS.assistantEdit),
    serviceItems: may(ctx.staff, RIGHTS.serviceItems),
    guides: editableGuides,
  };
  return (
    <AdminLayout ctx={ctx} title="需求台">
      <h1>需求台</h1>
      <p class="hint">
        群众找不到、问不到、办不成的事集中在这里：无结果的搜索、智能客服未答的问题、信件类别与热门页面，每项旁边是一键修复入口。
      </p>
      {errors ? <ErrorSummary errors={errors} /> : null}
      <form method="get" action="/admin/analytics/demand" class="filter-form">
        <div class="field">
          <label for="site">网站</label>
          <select id="site" name="site">
            {cluster ? <option value="">全部网站（站群）</option> : null}
            {sites.map((x) => (
              <option value={x.code} selected={x.code === query.site}>
                {x.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="from">开始日期</label>
          <input id="from" name="from" type="date" value={query.from} />
        </div>
        <div class="field">
          <label for="to">结束日期</label>
          <input id="to" name="to" type="date" value={query.to} />
        </div>
        <button type="submit" class="button">
          查询
        </button>
        <a href={`/admin/analytics?${chartQuery}`}>访问统计</a>
      </form>
      {s && data ? (
        <>
          <dl class="figures">
            <div>
              <dt>无结果率</dt>
              <dd>
                {percent(s.search.zeroResult, s.search.total)}（{s.search.zeroResult}/{s.search.total}）
              </dd>
            </div>
            <div>
              <dt>换词再搜率</dt>
              <dd>{percent(s.search.refinements, s.search.resultViews)}</dd>
            </div>
            <div>
              <dt>结果页离开率</dt>
              <dd>{percent(s.search.exits, s.search.resultViews)}</dd>
            </div>
            <div>
              <dt>客服未答问题</dt>
              <dd>{data.misses.reduce((n, m) => n + m.count, 0)}</dd>
            </div>
          </dl>
          <div class="demand-desk">
            <Panel title="无结果搜索">
              <Table
                captionHidden
                caption="无结果搜索词"
                head={["搜索词", "次数", "修复"]}
                rows={s.search.zeroResultTerms.slice(0, 15)}
                cells={(t) => synonymRow(t, fixes)}
              />
              <h3>换词再搜最多的词</h3>
              <Table
                captionHidden
                caption="换词再搜的搜索词"
                head={["搜索词", "次数", "修复"]}
                rows={s.search.refinedTerms}
                cells={(t) => synonymRow(t, fixes)}
              />
            </Panel>
            <Panel title="智能客服未答">
              <Table
                captionHidden
                caption="智能客服未答问题"
                head={["问题", "次数", "修复"]}
                rows={data.misses.slice(0, 15)}
                cells={(m) => [
                  m.question,
                  m.count,
                  <Fix
                    allowed={fixes.faqs}
                    href={`/admin/assistant/faqs/new?${new URLSearchParams({
                      question: m.question,
                      turns: m.turnIds.slice(0, 200).join(","),
                    })}`}
                  >
                    编写问答
                  </Fix>,
                ]}
              />
            </Panel>
            <Panel title="信件类别">
              <Table
                captionHidden
                caption="领导信箱信件类别"
                head={["类别", "信件数", "修复"]}
                rows={data.letterKinds}
                cells={(k) => [
                  k.label,
                  k.count,
                  <Fix allowed={fixes.faqs} href="/admin/assistant/letters">
                    据信件编写问答
                  </Fix>,
                ]}
              />
            </Panel>
            <Panel title="热门页面">
              <Table
                captionHidden
                caption="热门页面"
                head={["页面", "浏览量", "修复"]}
                rows={s.topPages.slice(0, TOP_PAGE_ROWS)}
                cells={(p) => {
                  const code = guideCodeOf(p.path);
                  return [
                    p.path,
                    p.views,
                    code ? (
                      <Fix allowed={fixes.guides.has(code)} href={guideHref(code)}>
                        改进办事指南
                      </Fix>
                    ) : (
                      <a href={p.path}>查看页面</a>
                    ),
                  ];
                }}
              />
            </Panel>
          </div>
          <h2>服务漏斗（看指南 → 开始申报 → 提交 → 办结）</h2>
          <figure class="chart">
            <img
              src={`/admin/analytics/funnel.svg?${chartQuery}`}
              alt="服务漏斗条形图，数据见下方“办事事项漏斗”表"
              width={640}
              height={320}
            />
            <figcaption>浏览量前列事项的漏斗</figcaption>
          </figure>
          <FunnelTable caption="办事事项漏斗" rows={data.funnels.items.slice(0, FUNNEL_ROWS)} fixes={fixes} />
          <h3>一件事一次办</h3>
          <FunnelTable caption="一件事漏斗" rows={data.funnels.bundles} fixes={fixes} />
          <h2>
            上升话题（{data.rising.from} 至 {data.rising.to} 对比前7天，本周至少 {data.rising.minVolume} 次）
          </h2>
          <figure class="chart">
            <img
              src={`/admin/analytics/rising.svg?${chartQuery}`}
              alt="上升最快的搜索词条形图，数据见下方表格"
              width={640}
              height={280}
            />
          </figure>
          <Table
            captionHidden
            caption="上升的搜索词"
            head={["搜索词", "本周", "上周", "增加", "修复"]}
            rows={data.rising.terms}
            cells={(r) => [
              r.key,
              r.current,
              r.previous,
              r.rise,
              <Fix allowed={fixes.synonyms} href={synonymHref(r.key)}>
                添加同义词
              </Fix>,
            ]}
          />
          <Table
            captionHidden
            caption="上升的页面"
            head={["页面", "本周", "上周", "增加"]}
            rows={data.rising.pages}
            cells={(r) => [r.key, r.current, r.previous, r.rise]}
          />
        </>
      ) : null}
    </AdminLayout>
  );
}
