import { RichText } from "../../../web/components/rich-text.tsx";
import { formatDate, formatPubDate, Layout, type Crumb, type PageContext } from "../../../web/layout.tsx";
import type { Article, ArticleListItem, Attachment } from "../repo.ts";
import { ARTICLE_KINDS } from "../service.ts";
import type { ArticleHref } from "../article-address.ts";

function PolicyInfo({ article }: { article: Article }) {
  return (
    <table class="policy-info">
      <caption class="visually-hidden">文件信息</caption>
      <tbody>
        <tr>
          <th scope="row">索引号</th>
          <td>{article.indexNo ?? "—"}</td>
          <th scope="row">主题分类</th>
          <td>{article.theme ?? "—"}</td>
        </tr>
        <tr>
          <th scope="row">发文机关</th>
          <td>{article.issuer ?? "—"}</td>
          <th scope="row">成文日期</th>
          <td>{article.writtenAt ? article.writtenAt.slice(0, 10) : "—"}</td>
        </tr>
        <tr>
          <th scope="row">发文字号</th>
          <td>{article.docNumber ?? "—"}</td>
          <th scope="row">发布日期</th>
          <td>{formatDate(article.publishedAt)}</td>
        </tr>
        <tr>
          <th scope="row">标题</th>
          <td colSpan={3}>{article.title}</td>
        </tr>
        <tr>
          <th scope="row">有效性</th>
          <td colSpan={3}>
            <span class={`validity validity-${article.validity}`}>{article.validity}</span>
          </td>
        </tr>
      </tbody>
    </table>
  );
}

function BudgetTable({ json }: { json: string }) {
  let table: { columns: string[]; rows: string[][] };
  try {
    table = JSON.parse(json);
  } catch {
    return null;
  }
  return (
    <table class="data-table">
      <caption>预决算数据</caption>
      <thead>
        <tr>
          {table.columns.map((c) => (
            <th scope="col">{c}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {table.rows.map((r) => (
          <tr>
            {r.map((cell) => (
              <td>{cell}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface ArticlePageProps {
  ctx: PageContext;
  article: Article;
  crumbs: Crumb[];
  columnName: string;
  attachments: Attachment[];
  interpretations: ArticleListItem[];
  policy: Article | null;
  /** Where the interpretations and the interpreted policy are read: another site's may not be served here. */
  articleHref: ArticleHref;
  /** The canonical absolute address when this site's copy is not the canonical one. */
  canonical?: string;
}

export function ArticlePage({
  ctx,
  article,
  crumbs,
  columnName,
  attachments,
  interpretations,
  policy,
  articleHref,
  canonical,
}: ArticlePageProps) {
  const withdrawn = article.status === "withdrawn";
  return (
    <Layout
      ctx={ctx}
      crumbs={crumbs}
      meta={{
        title: article.title,
        columnName,
        columnType: ARTICLE_KINDS[article.kind],
        articleTitle: article.title,
        pubDate: article.publishedAt,
        contentSource: article.source || article.issuer || ctx.site.name,
        keywords: article.keywords || undefined,
        description: article.summary || article.title,
        url: `${ctx.base}/art/${article.id}.html`,
        canonical,
      }}
    >
      <article>
        {article.kind === "policy" ? <PolicyInfo article={article} /> : null}
        <header class="article-header">
          <h1>{article.title}</h1>
          <p class="article-meta">
            <span>发布时间：{formatPubDate(article.publishedAt)}</span>
            {article.source || article.issuer ? <span>来源：{article.source || article.issuer}</span> : null}
            {article.docNumber ? <span>{article.docNumber}</span> : null}
          </p>
        </header>
        {withdrawn ? (
          <div class="notice" role="note">
            <p>
              <strong>本信息已撤回。</strong>
              {article.unpublishNote}
            </p>
          </div>
        ) : null}
        {article.kind === "policy" && article.validity && article.validity !== "有效" ? (
          <div class="notice" role="note">
            <p>
              <strong>本文件已{article.validity}。</strong>
              {article.validityNote}
            </p>
          </div>
        ) : null}
        {policy ? (
          <p class="notice info">
            解读文件：<a href={articleHref(policy.id)}>{policy.title}</a>
            {policy.docNumber ? `（${policy.docNumber}）` : null}
          </p>
        ) : null}
        <RichText html={article.bodyHtml} />
        {article.tableJson ? <BudgetTable json={article.tableJson} /> : null}
        {attachments.length > 0 ? (
          <section aria-labelledby="attachments-title">
            <h2 id="attachments-title">附件</h2>
            <ul>
              {attachments.map((a) => (
                <li>
                  <a href={`${ctx.base}/attachments/${a.id}`} download={a.fileName}>
                    {a.fileName}
                  </a>{" "}
                  <span class="meta">（{Math.max(1, Math.round(a.size / 1024))} KB）</span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        {interpretations.length > 0 ? (
          <section aria-labelledby="interp-title">
            <h2 id="interp-title">相关解读</h2>
            <ul class="list">
              {interpretations.map((i) => (
                <li>
                  <a href={articleHref(i.id)}>{i.title}</a>
                  <time>{formatDate(i.publishedAt)}</time>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </article>
    </Layout>
  );
}
