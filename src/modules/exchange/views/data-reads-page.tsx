import { formatPubDate, Layout, type PageContext } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";

export interface DataRead {
  at: string;
  member: string;
  department: string;
  resource: string;
  fields: string[];
  caseNo: string;
  basis: string;
}

/** 谁查看了我的数据: every exchange call that read the signed-in person's or enterprise's records. */
export function DataReadsPage({
  ctx,
  reads,
  total = reads.length,
  page = 1,
  pageSize = 20,
}: {
  ctx: PageContext;
  reads: DataRead[];
  total?: number;
  page?: number;
  pageSize?: number;
}) {
  const url = `${ctx.base}/account/data-reads`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "谁查看了我的数据", url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "我的账号", href: `${ctx.base}/account/` },
        { name: "谁查看了我的数据" },
      ]}
    >
      <h1>谁查看了我的数据</h1>
      <p>
        政府部门办理您的事项时，可以经省数据共享交换平台查询已有的信息，您就不必再提交证明材料。每次查询都必须写明办件编号和法律依据，
        并记入不可篡改的审计日志。下面是最近的查询记录；如有疑问，可通过领导信箱反映。
      </p>
      {reads.length === 0 ? (
        <p>暂无部门查询您的数据。</p>
      ) : (
        <table class="data-table">
          <caption>共 {total} 次查询（最新的在前）</caption>
          <thead>
            <tr>
              <th scope="col">时间</th>
              <th scope="col">查询部门（系统）</th>
              <th scope="col">数据资源</th>
              <th scope="col">查看的信息项</th>
              <th scope="col">办件编号</th>
              <th scope="col">依据</th>
            </tr>
          </thead>
          <tbody>
            {reads.map((r) => (
              <tr>
                <td>{formatPubDate(r.at)}</td>
                <td>
                  {r.department}
                  <br />
                  <small>{r.member}</small>
                </td>
                <td>{r.resource}</td>
                <td>{r.fields.join("、")}</td>
                <td>{r.caseNo}</td>
                <td>{r.basis}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination base={url} page={page} pageSize={pageSize} total={total} />
    </Layout>
  );
}
