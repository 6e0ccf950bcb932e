import { Layout, type PageContext } from "../../../web/layout.tsx";
import { channelHref } from "../page-context.ts";
import type { ChannelNode } from "../service.ts";

interface Entry {
  name: string;
  href: string;
  children: Entry[];
}

/**
 * The entries of a channel: its sub-channels, or for the service hall and the interaction centre
 * (which have no sub-channels) their own sections.
 */
function entriesOf(node: ChannelNode, base: string): Entry[] {
  if (node.kind === "service")
    return [
      { name: "网上办事大厅", href: `${base}/services/`, children: [] },
      { name: "一件事一次办", href: `${base}/services/bundles`, children: [] },
    ];
  if (node.kind === "interaction")
    return [
      { name: "领导信箱", href: `${base}/interaction/`, children: [] },
      { name: "公开信件", href: `${base}/interaction/letters`, children: [] },
      { name: "意见征集", href: `${base}/interaction/consultations`, children: [] },
      { name: "网上调查", href: `${base}/interaction/surveys`, children: [] },
    ];
  return node.children.map((c) => ({
    name: c.name,
    href: channelHref(base, c),
    children: entriesOf(c, base),
  }));
}

function EntryList({ entries }: { entries: Entry[] }) {
  return (
    <ul>
      {entries.map((e) => (
        <li>
          <a href={e.href}>{e.name}</a>
          {e.children.length > 0 ? <EntryList entries={e.children} /> : null}
        </li>
      ))}
    </ul>
  );
}

/** 政务公开 directory: one block per top-level channel with its entries, plus the policy library. */
export function DirectoryPage({ ctx, tree }: { ctx: PageContext; tree: ChannelNode[] }) {
  const base = ctx.base;
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: "政府信息公开目录",
        columnName: "政务公开",
        columnType: "政务公开",
        url: `${base}/zwgk`,
      }}
      crumbs={[{ name: "首页", href: `${base}/` }, { name: "政府信息公开目录" }]}
    >
      <h1>政府信息公开目录</h1>
      <p>
        <a href={`${base}/policies`}>政策文件库</a>（按发文机关、年份、主题、有效性查询）
      </p>
      <h2>依申请公开</h2>
      <p>
        <a href={`${ctx.base}/disclosure/apply`}>政府信息公开申请</a>（在线提交，20个工作日内答复） ·{" "}
        <a href={`${ctx.base}/disclosure/lookup`}>申请查询</a>
      </p>
      <div class="directory-groups">
        {tree.map((node) => (
          <section class="directory-group" aria-labelledby={`dir-${node.id}`}>
            <h2 id={`dir-${node.id}`}>
              <a href={channelHref(base, node)}>{node.name}</a>
            </h2>
            {entriesOf(node, base).length > 0 ? <EntryList entries={entriesOf(node, base)} /> : null}
          </section>
        ))}
      </div>
    </Layout>
  );
}
