import { InlineHtml } from "../../../web/components/rich-text.tsx";
import { formatDate, Layout, type PageContext } from "../../../web/layout.tsx";
import type { SearchResult } from "../../../platform/search/search-index.ts";
import { Pagination, pageHref } from "../../../web/components/pagination.tsx";
import type { Site } from "../../sites/index.ts";

export interface SearchPageParams {
  q: string;
  scope: string;
  kind: string;
  year: string;
}

export function SearchPage({
  ctx,
  params,
  result,
  siteName,
  kindLabel,
  message,
}: {
  ctx: PageContext;
  params: SearchPageParams;
  result: SearchResult | null;
  siteName: (id: number) => Site | undefined;
  /** The label of a document kind (from the search-kind registry). */
  kindLabel: (kind: string) => string;
  message?: string;
}) {
  const href = `${ctx.base}/search`;
  const link = (over: Partial<SearchPageParams>) => pageHref(href, { ...params, ...over }, 1);
  return (
    <Layout
      ctx={ctx}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "搜索" }]}
      meta={{ title: params.q ? `搜索：${params.q}` : "搜索", columnName: "搜索", url: href }}
    >
      <h1>搜索</h1>
      <form method="get" action={href} class="filters" role="search">
        <label>
          关键词
          <input id="q" name="q" type="search" value={params.q} maxLength={100} />
        </label>
        {ctx.site.kind !== "portal" ? (
          <label>
            范围
            <select id="scope" name="scope">
              <option value="site" selected={params.scope !== "all"}>
                本站
              </option>
              <option value="all" selected={params.scope === "all"}>
                全省政府网站
              </option>
            </select>
          </label>
        ) : null}
        <button type="submit" class="button">
          搜索
        </button>
      </form>
      {message ? <p class="notice">{message}</p> : null}
      {result ? (
        <div class="search-layout">
          <aside class="facets" aria-label="筛选">
            <h2>信息类型</h2>
            <ul>
              <li>
                <a href={link({ kind: "" })} aria-current={!params.kind ? "true" : undefined}>
                  全部
                </a>
              </li>
              {result.facets.kind.map((f) => (
                <li>
                  <a
                    href={link({ kind: f.value })}
                    aria-current={params.kind === f.value ? "true" : undefined}
                  >
                    {kindLabel(f.value)}（{f.count}）
                  </a>
                </li>
              ))}
            </ul>
            <h2>年份</h2>
            <ul>
              <li>
                <a href={link({ year: "" })}>全部</a>
              </li>
              {result.facets.year.map((f) => (
                <li>
                  <a
                    href={link({ year: String(f.value) })}
                    aria-current={params.year === String(f.value) ? "true" : undefined}
                  >
                    {f.value}（{f.count}）
                  </a>
                </li>
              ))}
            </ul>
            <h2>网站</h2>
            <ul>
              {result.facets.site.slice(0, 15).map((f) => {
                const site = siteName(f.value);
                return site ? (
                  <li>
                    <a
                      href={pageHref(
                        `/sites/${site.code}/search`,
                        { q: params.q, kind: params.kind, year: params.year },
                        1,
                      )}
                    >
                      {site.name}（{f.count}）
                    </a>
                  </li>
                ) : null;
              })}
            </ul>
          </aside>
          <section aria-labelledby="results-title">
            <div role="status">
              <h2 id="results-title">
                {result.total > 0 ? `找到约 ${result.total} 条结果` : `没有找到与“${params.q}”相关的结果`}
              </h2>
            </div>
            {result.suggestion ? (
              <p class="notice info">
                您是不是要找：<a href={link({ q: result.suggestion })}>{result.suggestion}</a>
              </p>
            ) : null}
            {result.total === 0 ? <p>建议：检查错别字，换用更常见的说法，或减少关键词。</p> : null}
            <ol class="results">
              {result.hits.map((hit) => (
                <li>
                  <a class="title" href={hit.url}>
                    <InlineHtml html={hit.titleHtml} />
                  </a>
                  <p>
                    <InlineHtml html={hit.snippet} />
                  </p>
                  <p class="meta">
                    {kindLabel(hit.kind)} · {formatDate(hit.publishedAt)}
                    {typeof hit.meta.docNumber === "string" ? ` · ${hit.meta.docNumber}` : ""}
                  </p>
                </li>
              ))}
            </ol>
            <Pagination
              base={href}
              params={{ ...params }}
              page={result.page}
              pageSize={result.pageSize}
              total={Math.min(result.total, 1000)}
            />
          </section>
        </div>
      ) : null}
    </Layout>
  );
}
