import { formatDate, Layout, type PageContext } from "../../../web/layout.tsx";
import { SHARE_CLASS_LABEL, type Resource } from "../catalogue.ts";

const SENSITIVITY_LABEL: Record<string, string> = {
  public: "公开",
  internal: "内部",
  personal: "个人信息",
  sensitive: "敏感个人信息",
};

/** 政务数据资源目录: every resource is listed; unconditional ones link to their full description. */
export function CataloguePage({ ctx, resources }: { ctx: PageContext; resources: Resource[] }) {
  const href = `${ctx.base}/data/`;
  return (
    <Layout
      ctx={ctx}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "政务数据资源目录" }]}
      meta={{ title: "政务数据资源目录", columnName: "政务数据资源目录", url: href }}
    >
      <h1>政务数据资源目录</h1>
      <p>
        按《政务信息资源共享管理暂行办法》（国发〔2016〕51号）编制。部门业务系统通过省数据共享交换平台调用，
        每次调用都须签名、写明办件编号和法律依据，并记入可公开核验的审计日志；涉及个人的调用，本人可在“我的”中查看。
      </p>
      <table class="data-table">
        <caption>共 {resources.length} 项资源</caption>
        <thead>
          <tr>
            <th scope="col">资源代码</th>
            <th scope="col">资源名称</th>
            <th scope="col">提供部门</th>
            <th scope="col">共享类型</th>
            <th scope="col">更新周期</th>
          </tr>
        </thead>
        <tbody>
          {resources.map((r) => (
            <tr>
              <td>{r.code}</td>
              <td>{r.shareClass === "unconditional" ? <a href={`${href}${r.code}`}>{r.name}</a> : r.name}</td>
              <td>{r.provider}</td>
              <td>{SHARE_CLASS_LABEL[r.shareClass]}</td>
              <td>{r.updateCycle}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        机器可读目录：<a href="/api/exchange/catalogue">/api/exchange/catalogue</a>（JSON）。
      </p>
    </Layout>
  );
}

export function ResourcePage({ ctx, resource }: { ctx: PageContext; resource: Resource }) {
  const href = `${ctx.base}/data/${resource.code}`;
  return (
    <Layout
      ctx={ctx}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "政务数据资源目录", href: `${ctx.base}/data/` },
        { name: resource.name },
      ]}
      meta={{ title: resource.name, columnName: "政务数据资源目录", url: href }}
    >
      <h1>{resource.name}</h1>
      <dl class="facts">
        <dt>资源代码</dt>
        <dd>{resource.code}</dd>
        <dt>提供部门</dt>
        <dd>{resource.provider}</dd>
        <dt>共享类型</dt>
        <dd>{SHARE_CLASS_LABEL[resource.shareClass]}</dd>
        {resource.legalBasis ? (
          <>
            <dt>共享依据</dt>
            <dd>{resource.legalBasis}</dd>
          </>
        ) : null}
        <dt>更新周期</dt>
        <dd>{resource.updateCycle}</dd>
        <dt>发布日期</dt>
        <dd>{formatDate(resource.publishedAt)}</dd>
      </dl>
      <p>{resource.summary}</p>
      <table class="data-table">
        <caption>信息项</caption>
        <thead>
          <tr>
            <th scope="col">字段</th>
            <th scope="col">名称</th>
            <th scope="col">类型</th>
            <th scope="col">敏感级别</th>
            <th scope="col">可作查询条件</th>
          </tr>
        </thead>
        <tbody>
          {resource.fields.map((f) => (
            <tr>
              <td>
                <code>{f.name}</code>
              </td>
              <td>{f.label}</td>
              <td>{f.format ?? f.type}</td>
              <td>{SENSITIVITY_LABEL[f.sensitivity] ?? f.sensitivity}</td>
              <td>{f.filterable ? "是" : "否"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>样例</h2>
      <pre>{JSON.stringify(resource.sample, null, 2)}</pre>
      <p>
        接口说明：<a href={`/api/exchange/catalogue/${resource.code}/openapi.json`}>OpenAPI 描述</a>
      </p>
    </Layout>
  );
}
