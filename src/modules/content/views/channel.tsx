import { formatDate, Layout, type Crumb, type PageContext } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import type { Channel } from "../../sites/index.ts";
import type { ArticleListItem, Page } from "../repo.ts";
import { articlePath, type ArticleHref } from "../article-address.ts";

export function ArticleList({
  items,
  href,
  policy,
}: {
  items: ArticleListItem[];
  href: ArticleHref;
  policy: boolean;
}) {
  if (items.length === 0) return <p class="meta">本栏目暂无信息</p>;
  if (policy) {
    return (
      <table class="data-table policy-table">
        <caption class="visually-hidden">政策文件列表</caption>
        <thead>
          <tr>
            <th scope="col">标题</th>
            <th scope="col">发文字号</th>
            <th scope="col">发布日期</th>
            <th scope="col">有效性</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr>
              <td>
                <a href={href(a.id)}>{a.title}</a>
              </td>
              <td class="doc-number">{a.docNumber ?? "—"}</td>
              <td class="date">
                <time dateTime={a.publishedAt ?? undefined}>{formatDate(a.publishedAt)}</time>
              </td>
              <td>
                <span class={`validity validity-${a.validity}`}>{a.validity ?? "—"}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <ul class="list">
      {items.map((a) => (
        <li>
          <a href={href(a.id)}>{a.title}</a>
          <time dateTime={a.publishedAt ?? undefined}>{formatDate(a.publishedAt)}</time>
        </li>
      ))}
    </ul>
  );
}

export function ChannelPage({
  ctx,
  channel,
  crumbs,
  children,
  list,
}: {
  ctx: PageContext;
  channel: Channel;
  crumbs: Crumb[];
  children: Channel[];
  list: Page<ArticleListItem>;
}) {
  const href = `${ctx.base}/col/${channel.path}/`;
  return (
    <Layout
      ctx={ctx}
      crumbs={crumbs}
      meta={{
        title: channel.name,
        columnName: channel.name,
        columnType: "列表",
        columnDescription: `${ctx.site.name}“${channel.name}”栏目发布的信息`,
        columnKeywords: [...crumbs.slice(1).map((c) => c.name), ctx.site.name].join(","),
        url: list.page > 1 ? `${href}?page=${list.page}` : href,
        feeds: [
          { type: "application/rss+xml", title: `${channel.name} RSS订阅`, href: `${href}rss.xml` },
          { type: "application/atom+xml", title: `${channel.name} Atom订阅`, href: `${href}atom.xml` },
        ],
      }}
    >
      <h1>{channel.name}</h1>
      {children.length > 0 ? (
        <nav aria-label="子栏目" class="filters">
          {children.map((c) => (
            <a href={`${ctx.base}/col/${c.path}/`}>{c.name}</a>
          ))}
        </nav>
      ) : null}
      {/* A channel lists only what it carries, and a site serves what its channels carry. */}
      <ArticleList
        items={list.rows}
        href={(id) => articlePath(ctx.site.code, id)}
        policy={channel.kind === "policy"}
      />
      <Pagination base={href} page={list.page} pageSize={list.pageSize} total={list.total} />
      <p class="meta no-print">
        订阅本栏目：<a href={`${href}rss.xml`}>RSS</a> · <a href={`${href}atom.xml`}>Atom</a>
      </p>
    </Layout>
  );
}
