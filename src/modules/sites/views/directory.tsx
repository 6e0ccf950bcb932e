import { Layout, type PageContext } from "../../../web/layout.tsx";
import type { ChannelNode } from "../service.ts";

function Tree({ nodes, base }: { nodes: ChannelNode[]; base: string }) {
  return (
    <ul>
      {nodes.map((n) => (
        <li>
          <a href={`${base}/col/${n.path}/`}>{n.name}</a>
          {n.children.length > 0 ? <Tree nodes={n.children} base={base} /> : null}
        </li>
      ))}
    </ul>
  );
}

/** 政务公开 directory: the site's channel tree plus the policy library. */
export function DirectoryPage({ ctx, tree }: { ctx: PageContext; tree: ChannelNode[] }) {
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: "政府信息公开目录",
        columnName: "政务公开",
        columnType: "政务公开",
        url: `${ctx.base}/zwgk`,
      }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "政府信息公开目录" }]}
    >
      <h1>政府信息公开目录</h1>
      <p>
        <a href={`${ctx.base}/policies`}>政策文件库</a>（按发文机关、年份、主题、有效性查询）
      </p>
      <h2>依申请公开</h2>
      <p>
        <a href={`${ctx.base}/disclosure/apply`}>政府信息公开申请</a>（在线提交，20个工作日内答复） ·{" "}
        <a href={`${ctx.base}/disclosure/lookup`}>申请查询</a>
      </p>
      <div class="directory">
        <Tree nodes={tree} base={ctx.base} />
      </div>
    </Layout>
  );
}
