import { Layout, type PageContext } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import type { ArticleListItem, Page } from "../repo.ts";
import type { ArticleHref } from "../article-address.ts";
import { VALIDITY } from "../service.ts";
import { ArticleList } from "./channel.tsx";

export interface PolicyFilterValues {
  issuer: string;
  year: string;
  theme: string;
  validity: string;
}

export function PoliciesPage({
  ctx,
  filter,
  facets,
  list,
  articleHref,
}: {
  ctx: PageContext;
  filter: PolicyFilterValues;
  facets: { issuers: string[]; themes: string[]; years: number[] };
  list: Page<ArticleListItem>;
  /** The portal lists every site's documents, most of them read under their own site. */
  articleHref: ArticleHref;
}) {
  const href = `${ctx.base}/policies`;
  const activeFilters = Object.values(filter).filter((v) => v !== "" && v != null).length;
  return (
    <Layout
      ctx={ctx}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "政务公开", href: `${ctx.base}/zwgk` },
        { name: "政策文件库" },
      ]}
      meta={{ title: "政策文件库", columnName: "政策文件", columnType: "政策文件", url: href }}
    >
      <h1>政策文件库</h1>
      {/* On a phone the filters fold into 筛选 (a <details>, no script); wider screens show them open. */}
      <details class="filter-panel">
        <summary>
          筛选政策文件
          {activeFilters ? `（已选${activeFilters}项）` : ""}
        </summary>
        <form class="filters" method="get" action={href}>
          <label>
            发文机关
            <select name="issuer">
              <option value="">全部</option>
              {facets.issuers.map((i) => (
                <option selected={filter.issuer === i}>{i}</option>
              ))}
            </select>
          </label>
          <label>
            发布年份
            <select name="year">
              <option value="">全部</option>
              {facets.years.map((y) => (
                <option selected={filter.year === String(y)}>{y}</option>
              ))}
            </select>
          </label>
          <label>
            主题分类
            <select name="theme">
              <option value="">全部</option>
              {facets.themes.map((t) => (
                <option selected={filter.theme === t}>{t}</option>
              ))}
            </select>
          </label>
          <label>
            有效性
            <select name="validity">
              <option value="">全部</option>
              {VALIDITY.map((v) => (
                <option selected={filter.validity === v}>{v}</option>
              ))}
            </select>
          </label>
          <button type="submit" class="button">
            筛选
          </button>
        </form>
      </details>
      <p class="meta" role="status">
        共找到 {list.total} 件政策文件
      </p>
      <ArticleList items={list.rows} href={articleHref} policy />
      <Pagination
        base={href}
        params={{ ...filter }}
        page={list.page}
        pageSize={list.pageSize}
        total={list.total}
      />
    </Layout>
  );
}
