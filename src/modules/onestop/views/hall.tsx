import { Layout, type PageContext } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import type { ItemFacets, ServiceItem } from "../catalogue.ts";
import { AUDIENCES } from "../guide.ts";
import { sparedMaterials } from "../once-only.ts";

export interface HallParams {
  q: string;
  department: string;
  audience: string;
  theme: string;
  event: string;
}

export interface HallProps {
  ctx: PageContext;
  params: HallParams;
  rows: ServiceItem[];
  total: number;
  page: number;
  pageSize: number;
  facets: ItemFacets;
  departments: { code: string; name: string; id: number }[];
  isPortal: boolean;
  itemHref: (item: ServiceItem) => string;
  departmentName: (siteId: number) => string;
  bundlesHref?: string;
}

export function limitText(days: number): string {
  return days === 0 ? "即办" : `${days}个工作日`;
}

export function ItemSummary({
  item,
  href,
  department,
}: {
  item: ServiceItem;
  href: string;
  department: string;
}) {
  const spared = sparedMaterials(item.guide).length;
  return (
    <li class="service-item">
      <h3>
        <a href={href}>{item.name}</a>
      </h3>
      <p class="meta">
        <span>{department}</span> · <span>{item.itemType}</span> ·{" "}
        <span>{item.guide.audience.map((a) => AUDIENCES[a]).join("、")}</span>
      </p>
      <p class="meta">
        <span>{item.guide.onlineDepth}</span> ·{" "}
        <span>承诺时限：{limitText(item.guide.committedLimitDays)}</span> ·{" "}
        <span>跑动次数：{item.guide.visits}次</span>
        {spared > 0 ? (
          <>
            {" "}
            · <strong>免提交{spared}件</strong>
          </>
        ) : null}
      </p>
    </li>
  );
}

export function HallPage(p: HallProps) {
  const { ctx, params } = p;
  const title = p.isPortal ? "一网通办 · 政务服务大厅" : `${ctx.site.name} · 办事服务`;
  const base = `${ctx.base}/services/`;
  const query = {
    q: params.q,
    department: params.department,
    audience: params.audience,
    theme: params.theme,
    event: params.event,
  };
  const activeFilters = Object.values(query).filter(Boolean).length;
  const link = (over: Partial<HallParams>) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...query, ...over })) if (v) qs.set(k, v);
    const s = qs.toString();
    return s ? `${base}?${s}` : base;
  };
  return (
    <Layout
      ctx={ctx}
      meta={{ title, columnName: "办事服务", columnType: "办事服务", url: base }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "办事服务" }]}
    >
      <h1>{title}</h1>
      <p>
        共{p.total}项服务可在线办理。{p.bundlesHref ? <a href={p.bundlesHref}>一件事一次办 →</a> : null}{" "}
        <a href={`${ctx.base}/services/my`}>我的办件</a> · <a href={`${ctx.base}/services/track`}>办件查询</a>{" "}
        · <a href={`${ctx.base}/services/stats`}>办件统计与好差评</a>
      </p>
      {!p.isPortal && ctx.cluster?.[0] ? (
        <p>
          本页列出{ctx.site.name}办理的事项；全省各部门的事项请到{" "}
          <a href={`${ctx.cluster[0].href}services/`}>{ctx.cluster[0].name}办事大厅</a>。
        </p>
      ) : null}
      {/* On a phone the filters fold into 筛选 (no script: a <details>); wider screens show them open. */}
      <details class="filter-panel">
        <summary>
          筛选服务事项
          {activeFilters ? `（已选${activeFilters}项）` : ""}
        </summary>
        <form class="filters" method="get" action={base} role="search" aria-label="筛选服务事项">
          <label>
            关键词
            <input type="search" name="q" value={params.q} maxLength={100} />
          </label>
          {p.isPortal ? (
            <label>
              部门
              <select name="department">
                <option value="">全部部门</option>
                {p.departments.map((d) => (
                  <option value={d.code} selected={params.department === d.code}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label>
            服务对象
            <select name="audience">
              <option value="">全部</option>
              <option value="person" selected={params.audience === "person"}>
                个人办事
              </option>
              <option value="legal" selected={params.audience === "legal"}>
                法人办事
              </option>
            </select>
          </label>
          <label>
            主题
            <select name="theme">
              <option value="">全部主题</option>
              {p.facets.themes.map((f) => (
                <option value={f.value} selected={params.theme === f.value}>
                  {f.value}（{f.count}）
                </option>
              ))}
              {params.theme && !p.facets.themes.some((f) => f.value === params.theme) ? (
                <option value={params.theme} selected>
                  {params.theme}
                </option>
              ) : null}
            </select>
          </label>
          <label>
            人生事件
            <select name="event">
              <option value="">全部事件</option>
              {p.facets.lifeEvents.map((f) => (
                <option value={f.value} selected={params.event === f.value}>
                  {f.value}（{f.count}）
                </option>
              ))}
              {params.event && !p.facets.lifeEvents.some((f) => f.value === params.event) ? (
                <option value={params.event} selected>
                  {params.event}
                </option>
              ) : null}
            </select>
          </label>
          <button type="submit" class="button">
            筛选
          </button>
          <a href={base}>清除条件</a>
        </form>
      </details>
      <div class="search-layout">
        <aside class="facets" aria-label="按人生事件浏览">
          <h2>人生事件</h2>
          <ul>
            {p.facets.lifeEvents.slice(0, 15).map((f) => (
              <li>
                <a
                  href={link({ event: f.value })}
                  aria-current={params.event === f.value ? "true" : undefined}
                >
                  {f.value}（{f.count}）
                </a>
              </li>
            ))}
          </ul>
          {p.isPortal ? (
            <>
              <h2>部门</h2>
              <ul>
                {p.facets.departments.map((f) => {
                  const d = p.departments.find((x) => x.id === f.value);
                  return d ? (
                    <li>
                      <a
                        href={link({ department: d.code })}
                        aria-current={params.department === d.code ? "true" : undefined}
                      >
                        {d.name}（{f.count}）
                      </a>
                    </li>
                  ) : null;
                })}
              </ul>
            </>
          ) : null}
        </aside>
        <section aria-labelledby="items-title">
          <h2 id="items-title">服务事项（{p.total}项）</h2>
          {p.rows.length === 0 ? (
            <p>没有找到符合条件的服务事项，请调整筛选条件或换个关键词。</p>
          ) : (
            <ul class="list service-list">
              {p.rows.map((item) => (
                <ItemSummary item={item} href={p.itemHref(item)} department={p.departmentName(item.siteId)} />
              ))}
            </ul>
          )}
          <Pagination base={base} params={query} page={p.page} pageSize={p.pageSize} total={p.total} />
        </section>
      </div>
    </Layout>
  );
}
