import { Layout, type PageContext } from "../../../web/layout.tsx";
import type { ServiceItem } from "../catalogue.ts";
import { AUDIENCES } from "../guide.ts";
import { onceOnlySource, sourceText, sparedMaterials } from "../once-only.ts";
import { limitText } from "./hall.tsx";

export function GuidePage({
  ctx,
  item,
  department,
  canApply,
}: {
  ctx: PageContext;
  item: ServiceItem;
  department: string;
  canApply: boolean;
}) {
  const g = item.guide;
  const spared = sparedMaterials(g).length;
  const url = `${ctx.base}/services/item/${encodeURIComponent(item.code)}`;
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: `${item.name} 办事指南`,
        columnName: "办事服务",
        columnType: "办事指南",
        articleTitle: item.name,
        pubDate: item.updatedAt,
        contentSource: department,
        description: `${item.name}：${g.result}`,
        url,
      }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "办事服务", href: `${ctx.base}/services/` },
        { name: item.name },
      ]}
    >
      <article class="service-guide">
        <h1>{item.name}</h1>
        <p class="meta">
          事项编码：{item.code} · 实施部门：{department} · 版本 {item.version}
        </p>
        <div class="notice info">
          <p>
            <strong>{g.onlineDepth}</strong> · 跑动次数：<strong>{g.visits}次</strong> · 承诺办结：
            <strong>{limitText(g.committedLimitDays)}</strong>
            {spared > 0 ? (
              <>
                {" "}
                · <strong>可免提交{spared}件</strong>（本人申请并同意调取时，由发证部门通过数据共享提供）
              </>
            ) : null}
          </p>
          {canApply ? (
            <p class="no-print">
              <a class="button" href={`${ctx.base}/services/apply/${encodeURIComponent(item.code)}`}>
                在线办理
              </a>
            </p>
          ) : null}
          <p class="meta no-print">提示：可使用浏览器的“打印”功能打印本指南，打印时自动隐藏导航等内容。</p>
        </div>

        <h2 id="basic">基本信息</h2>
        <table class="data-table">
          <caption class="visually-hidden">基本信息</caption>
          <tbody>
            <tr>
              <th scope="row">事项名称</th>
              <td>{item.name}</td>
            </tr>
            <tr>
              <th scope="row">事项类型</th>
              <td>{item.itemType}</td>
            </tr>
            <tr>
              <th scope="row">实施主体</th>
              <td>{g.implementingBody}</td>
            </tr>
            <tr>
              <th scope="row">服务对象</th>
              <td>{g.audience.map((a) => AUDIENCES[a]).join("、")}</td>
            </tr>
            <tr>
              <th scope="row">办理结果</th>
              <td>{g.result}</td>
            </tr>
            <tr>
              <th scope="row">网办深度</th>
              <td>{g.onlineDepth}</td>
            </tr>
            <tr>
              <th scope="row">到现场次数</th>
              <td>{g.visits}次</td>
            </tr>
          </tbody>
        </table>

        <h2 id="basis">设定依据</h2>
        <ul>
          {g.legalBasis.map((b) => (
            <li>{b}</li>
          ))}
        </ul>

        <h2 id="conditions">受理条件</h2>
        <ol>
          {g.conditions.map((c) => (
            <li>{c}</li>
          ))}
        </ol>

        <h2 id="materials">申请材料</h2>
        <table class="data-table stack-table">
          <caption class="visually-hidden">申请材料清单</caption>
          <thead>
            <tr>
              <th scope="col">序号</th>
              <th scope="col">材料名称</th>
              <th scope="col">形式</th>
              <th scope="col">份数</th>
              <th scope="col">来源渠道</th>
              <th scope="col">可信等级</th>
              <th scope="col">是否免提交</th>
              <th scope="col">设定依据</th>
            </tr>
          </thead>
          <tbody>
            {g.materials.map((m, i) => (
              <tr>
                <td data-label="序号">{i + 1}</td>
                <td data-label="材料名称">
                  {m.name}
                  {m.required ? "" : "（非必要）"}
                </td>
                <td data-label="形式">{m.form}</td>
                <td data-label="份数">{m.copies}</td>
                <td data-label="来源渠道">{m.source}</td>
                <td data-label="可信等级">{m.trust}级</td>
                <td data-label="是否免提交">
                  {onceOnlySource(m)
                    ? `免提交（${sourceText(onceOnlySource(m)!)}，须本人申请并同意调取）`
                    : "需提交"}
                </td>
                <td data-label="设定依据">{m.legalBasis}</td>
              </tr>
            ))}
          </tbody>
        </table>

        <h2 id="steps">办理流程</h2>
        <ol>
          {g.steps.map((s) => (
            <li>
              <strong>{s.name}</strong>：{s.description}
            </li>
          ))}
        </ol>

        <h2 id="limits">办理时限</h2>
        <p>
          法定办结时限：{limitText(g.legalLimitDays)}；承诺办结时限：{limitText(g.committedLimitDays)}
          （按工作日计算，法定节假日除外；依法需要听证、检验、检测、鉴定和专家评审的，所需时间不计算在内）。
        </p>

        <h2 id="fees">收费标准</h2>
        <p>{g.fees}</p>

        <h2 id="place">办理地点和时间</h2>
        <p>办理地点：{g.place}</p>
        <p>办理时间：{g.hours}</p>

        <h2 id="contact">咨询和监督投诉</h2>
        <p>咨询方式：{g.consultation}</p>
        <p>监督投诉：{g.complaint}</p>
      </article>
    </Layout>
  );
}
