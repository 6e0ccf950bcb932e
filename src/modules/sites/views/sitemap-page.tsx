import { Layout, type PageContext } from "../../../web/layout.tsx";
import { channelHref } from "../page-context.ts";
import type { ChannelNode } from "../service.ts";

function Tree({ nodes, base }: { nodes: ChannelNode[]; base: string }) {
  return (
    <ul>
      {nodes.map((n) => (
        <li>
          <a href={channelHref(base, n)}>{n.name}</a>
          {n.children.length > 0 ? <Tree nodes={n.children} base={base} /> : null}
        </li>
      ))}
    </ul>
  );
}

/** 网站地图 for people: every column and section of the site (sitemap.xml stays for crawlers). */
export function SitemapPage({ ctx, tree }: { ctx: PageContext; tree: ChannelNode[] }) {
  const b = ctx.base;
  const sections: { title: string; links: { name: string; href: string }[] }[] = [
    {
      title: "政务公开",
      links: [
        { name: "政府信息公开目录", href: `${b}/zwgk` },
        { name: "政策文件库", href: `${b}/policies` },
      ],
    },
    {
      title: "办事服务",
      links: [
        { name: "网上办事大厅", href: `${b}/services/` },
        { name: "一件事一次办", href: `${b}/services/bundles` },
        { name: "办件查询", href: `${b}/services/track` },
        { name: "办件统计与好差评", href: `${b}/services/stats` },
      ],
    },
    {
      title: "互动交流",
      links: [
        { name: "领导信箱", href: `${b}/interaction/` },
        { name: "我要写信", href: `${b}/interaction/write` },
        { name: "信件查询", href: `${b}/interaction/lookup` },
        { name: "公开信件", href: `${b}/interaction/letters` },
        { name: "意见征集", href: `${b}/interaction/consultations` },
        { name: "网上调查", href: `${b}/interaction/surveys` },
      ],
    },
    {
      title: "便民服务",
      links: [
        { name: "智能客服", href: `${b}/assistant` },
        { name: "站内搜索", href: `${b}/search` },
        { name: "我为政府网站找错", href: `${b}/report-error` },
      ],
    },
  ];
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "网站地图", columnName: "网站地图", url: `${b}/sitemap` }}
      crumbs={[{ name: "首页", href: `${b}/` }, { name: "网站地图" }]}
    >
      <h1>网站地图</h1>
      <section aria-labelledby="sitemap-columns">
        <h2 id="sitemap-columns">网站栏目</h2>
        <div class="directory">
          <ul>
            <li>
              <a href={`${b}/`}>首页</a>
            </li>
          </ul>
          <Tree nodes={tree} base={b} />
        </div>
      </section>
      {sections.map((s, i) => (
        <section aria-labelledby={`sitemap-section-${i}`}>
          <h2 id={`sitemap-section-${i}`}>{s.title}</h2>
          <ul class="directory">
            {s.links.map((l) => (
              <li>
                <a href={l.href}>{l.name}</a>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </Layout>
  );
}
