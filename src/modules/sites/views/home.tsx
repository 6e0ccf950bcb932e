import { formatDate, Layout, type PageContext } from "../../../web/layout.tsx";
import type { ArticleListItem } from "../../content/index.ts";
import type { Site } from "../service.ts";

export interface HomeSection {
  title: string;
  moreHref: string | null;
  items: ArticleListItem[];
}

function Section({ section, base }: { section: HomeSection; base: string }) {
  return (
    <section class="panel" aria-labelledby={`sec-${section.title}`}>
      <h2 id={`sec-${section.title}`}>
        {section.title}
        {section.moreHref ? (
          <a href={section.moreHref} aria-label={`${section.title}更多`}>
            更多
          </a>
        ) : null}
      </h2>
      {section.items.length === 0 ? (
        <p class="meta">暂无信息</p>
      ) : (
        <ul class="list">
          {section.items.map((a) => (
            <li>
              <a href={`${base}/art/${a.id}.html`}>{a.title}</a>
              <time dateTime={a.publishedAt ?? undefined}>{formatDate(a.publishedAt)}</time>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function HomePage({
  ctx,
  sections,
  cluster,
}: {
  ctx: PageContext;
  sections: HomeSection[];
  cluster: Site[];
}) {
  const groups: [string, Site[]][] = [
    ["部门网站", cluster.filter((s) => s.kind === "department")],
    ["市县网站", cluster.filter((s) => s.kind === "city" || s.kind === "county")],
  ];
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: ctx.site.name,
        columnName: "首页",
        columnType: "首页",
        description: `${ctx.site.name}：政务公开、政策文件、办事服务、互动交流`,
        url: `${ctx.base}/`,
      }}
    >
      <h1 class="visually-hidden">{ctx.site.name}</h1>
      <div class="grid">
        {sections.map((s) => (
          <Section section={s} base={ctx.base} />
        ))}
      </div>
      <section class="panel" aria-labelledby="sec-services">
        <h2 id="sec-services">便民服务</h2>
        <ul class="list">
          <li>
            <a href={`${ctx.base}/policies`}>政策文件库</a>
          </li>
          <li>
            <a href={`${ctx.base}/zwgk`}>政府信息公开目录</a>
          </li>
          <li>
            <a href={`${ctx.base}/search`}>全站搜索</a>
          </li>
        </ul>
      </section>
      {ctx.site.kind === "portal"
        ? groups.map(([title, list]) => (
            <section class="panel" aria-labelledby={`sec-${title}`}>
              <h2 id={`sec-${title}`}>{title}</h2>
              <ul class="directory">
                {list.map((s) => (
                  <li>
                    <a href={`/sites/${s.code}/`}>{s.name}</a>
                  </li>
                ))}
              </ul>
            </section>
          ))
        : null}
    </Layout>
  );
}
