import type { ComponentChildren } from "preact";
import { formatDate, Layout, type PageContext } from "../../../web/layout.tsx";
import type { ArticleListItem, HeadlineItem } from "../../content/index.ts";
import type { PortalExtras } from "../portal.ts";
import type { Site } from "../service.ts";

export interface HomeSection {
  /** Stable id for the section's heading (ASCII, unique on the page). */
  id: string;
  title: string;
  moreHref: string | null;
  items: ArticleListItem[];
}

export interface HomeData {
  headlines: HeadlineItem[];
  sections: HomeSection[];
  hotServices: { code: string; name: string; applications: number }[];
  letters: { received: number; replied: number };
  /** 政务公开 quick entries: the site's disclosure channels and the policy library. */
  disclosure: { name: string; href: string }[];
  extras: PortalExtras;
  cluster: Site[];
}

function Panel({
  id,
  title,
  more,
  span,
  children,
}: {
  id: string;
  title: string;
  more?: string | null;
  /** Columns the panel spans on a wide screen: two of three, or the whole row. */
  span?: "two" | "all";
  children: ComponentChildren;
}) {
  return (
    <section class={span ? `panel span-${span}` : "panel"} aria-labelledby={`sec-${id}`}>
      <h2 id={`sec-${id}`}>
        {title}
        {more ? (
          <a href={more} aria-label={`${title}更多`}>
            更多
          </a>
        ) : null}
      </h2>
      {children}
    </section>
  );
}

function ArticleList({ items, base }: { items: ArticleListItem[]; base: string }) {
  if (items.length === 0) return <p class="meta">暂无信息</p>;
  return (
    <ul class="list">
      {items.map((a) => (
        <li>
          <a href={`${base}/art/${a.id}.html`}>{a.title}</a>
          <time dateTime={a.publishedAt ?? undefined}>{formatDate(a.publishedAt)}</time>
        </li>
      ))}
    </ul>
  );
}

function Headlines({
  items,
  news,
  base,
  more,
}: {
  items: HeadlineItem[];
  /** The latest news, shown when no news item has a picture. */
  news: ArticleListItem[];
  base: string;
  more: string | null;
}) {
  const [first, ...rest] = items;
  return (
    <Panel id="yw" title="要闻" more={more} span="two">
      {first ? (
        <div class="headline">
          <a href={`${base}/art/${first.id}.html`} class="headline-figure">
            <img src={first.image.src} alt={first.image.alt} width={640} height={360} />
          </a>
          <div class="headline-text">
            <h3>
              <a href={`${base}/art/${first.id}.html`}>{first.title}</a>
            </h3>
            <p>{first.summary}</p>
            {rest.length > 0 ? <ArticleList items={rest} base={base} /> : null}
          </div>
        </div>
      ) : (
        <ArticleList items={news.slice(0, 6)} base={base} />
      )}
    </Panel>
  );
}

function HotServices({ data, base }: { data: HomeData; base: string }) {
  return (
    <Panel id="rdfw" title="热点服务" more={`${base}/services/`} span="all">
      {data.hotServices.length === 0 ? (
        <p class="meta">本站暂无服务事项</p>
      ) : (
        <ul class="tiles">
          {data.hotServices.map((s) => (
            <li>
              <a href={`${base}/services/item/${encodeURIComponent(s.code)}`}>
                <span class="tile-name">{s.name}</span>
                {s.applications > 0 ? <span class="tile-figure">已办 {s.applications} 件</span> : null}
              </a>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

function Interaction({ data, base }: { data: HomeData; base: string }) {
  return (
    <Panel id="hdjl" title="互动交流" more={`${base}/interaction/`}>
      <dl class="figure-cards">
        <div>
          <dt>本月收到来信</dt>
          <dd>{data.letters.received} 件</dd>
        </div>
        <div>
          <dt>本月答复来信</dt>
          <dd>{data.letters.replied} 件</dd>
        </div>
      </dl>
      <ul class="entries">
        <li>
          <a href={`${base}/interaction/write`}>我要写信</a>
        </li>
        <li>
          <a href={`${base}/interaction/lookup`}>信件查询</a>
        </li>
        <li>
          <a href={`${base}/interaction/letters`}>公开信件</a>
        </li>
        <li>
          <a href={`${base}/interaction/stats`}>办理统计</a>
        </li>
      </ul>
    </Panel>
  );
}

function Disclosure({ data, base }: { data: HomeData; base: string }) {
  return (
    <Panel id="zwgk" title="政务公开" more={`${base}/zwgk`}>
      <ul class="entries">
        {data.disclosure.map((d) => (
          <li>
            <a href={d.href}>{d.name}</a>
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function Leaders({ data }: { data: HomeData }) {
  if (data.extras.leaders.length === 0) return null;
  return (
    <Panel id="ldzc" title="领导之窗">
      <ul class="leaders">
        {data.extras.leaders.map((l) => (
          <li>
            <p class="leader-name">
              <strong>{l.name}</strong> {l.title}
            </p>
            <p class="leader-duties">{l.duties}</p>
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function Topics({ data }: { data: HomeData }) {
  if (data.extras.topics.length === 0) return null;
  return (
    <Panel id="ztzl" title="专题专栏" span="all">
      <ul class="tiles topics">
        {data.extras.topics.map((t) => (
          <li>
            <a href={t.href}>
              <span class="tile-name">{t.title}</span>
              <span class="tile-figure">{t.summary}</span>
            </a>
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function Cluster({ cluster }: { cluster: Site[] }) {
  const groups: [string, string, Site[]][] = [
    ["bmwz", "部门网站", cluster.filter((s) => s.kind === "department")],
    ["sxwz", "市县网站", cluster.filter((s) => s.kind === "city" || s.kind === "county")],
  ];
  return (
    <>
      {groups.map(([id, title, list]) => (
        <Panel id={id} title={title} span="all">
          <ul class="site-links">
            {list.map((s) => (
              <li>
                <a href={`/sites/${s.code}/`}>{s.name}</a>
              </li>
            ))}
          </ul>
        </Panel>
      ))}
    </>
  );
}

/**
 * A site's home page. The portal shows the whole cluster; every site shows its headlines, most used
 * services, disclosure entries, interaction figures, leaders and topics. In elder mode (长辈版) the
 * page is one column with the most used services first and the long lists left out.
 */
export function HomePage({ ctx, data }: { ctx: PageContext; data: HomeData }) {
  const base = ctx.base;
  const section = (id: string) => data.sections.find((s) => s.id === id);
  const list = (id: string) => {
    const s = section(id);
    return s ? (
      <Panel id={s.id} title={s.title} more={s.moreHref}>
        <ArticleList items={s.items} base={base} />
      </Panel>
    ) : null;
  };
  const news = section("gzdt");
  const portal = ctx.site.kind === "portal";
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: ctx.site.name,
        columnName: "首页",
        columnType: "首页",
        description: `${ctx.site.name}：政务公开、政策文件、办事服务、互动交流`,
        url: `${base}/`,
      }}
    >
      <h1 class="visually-hidden">{ctx.site.name}</h1>
      {ctx.elder ? (
        <div class="home elder-home">
          <HotServices data={data} base={base} />
          <Interaction data={data} base={base} />
          <Headlines
            items={data.headlines.slice(0, 1)}
            news={news?.items ?? []}
            base={base}
            more={news?.moreHref ?? null}
          />
          {list("tzgg")}
          <Disclosure data={data} base={base} />
        </div>
      ) : (
        <div class="home">
          <Headlines
            items={data.headlines}
            news={news?.items ?? []}
            base={base}
            more={news?.moreHref ?? null}
          />
          {list("tzgg")}
          <HotServices data={data} base={base} />
          <Disclosure data={data} base={base} />
          <Interaction data={data} base={base} />
          {list("gzdt")}
          {list("zcwj")}
          {list("zcjd")}
          <Leaders data={data} />
          <Topics data={data} />
          {portal ? <Cluster cluster={data.cluster} /> : null}
        </div>
      )}
    </Layout>
  );
}
