import { Layout, formatDate, type PageContext } from "../../../web/layout.tsx";
import { ErrorSummary } from "../../../web/components/form.tsx";
import { FIELD_BY_NAME, PROFILE_FIELDS, showValue } from "../fields.ts";
import type { Benefit, Funnel, Grant, MatchResult, ProfileFieldView } from "../service.ts";
import { MatchCard } from "./explain.tsx";
import type { ArticleHref } from "../../content/index.ts";

export const STAGES: { key: Benefit["stage"]; name: string; services: string }[] = [
  { key: "start", name: "开办", services: "企业开办" },
  { key: "operate", name: "经营", services: "变更" },
  { key: "expand", name: "扩张", services: "社会保险" },
  { key: "exit", name: "退出", services: "注销" },
];

const SOURCE: Record<string, string> = {
  registry: "登记信息（数据共享）",
  enterprise: "企业填报",
  unknown: "未知",
};

export interface ZoneData {
  benefits: Benefit[];
  funnel: Funnel;
  check?: { values: Record<string, string>; results?: MatchResult[]; errors?: Record<string, string> };
  /** Where a policy article is read (another department's is not served on this site). */
  articleHref: ArticleHref;
  mine?: {
    name: string;
    profile: ProfileFieldView[];
    matches: MatchResult[];
    inbox: { id: number; title: string; message: string; createdAt: string }[];
    grants: Grant[];
    notice?: string;
    errors?: Record<string, string>;
    values?: Record<string, string>;
    csrf: string;
  };
}

function ProfileInputs({ values, prefix = "" }: { values: Record<string, string>; prefix?: string }) {
  return (
    <div class="form-grid">
      {PROFILE_FIELDS.filter((f) => !f.derivedFrom).map((f) => (
        <div class="field">
          <label for={`${prefix}${f.name}`}>
            {f.label}
            {f.unit ? `（${f.unit}）` : ""}
          </label>
          {f.options || f.type === "boolean" ? (
            <select id={`${prefix}${f.name}`} name={f.name}>
              <option value="">未知</option>
              {Object.entries(f.options ?? { 是: "是", 否: "否" }).map(([k, label]) => (
                <option value={k} selected={values[f.name] === k}>
                  {label}
                </option>
              ))}
            </select>
          ) : f.type === "date" ? (
            <input id={`${prefix}${f.name}`} name={f.name} value={values[f.name] ?? ""} type="date" />
          ) : (
            <input
              id={`${prefix}${f.name}`}
              name={f.name}
              value={values[f.name] ?? ""}
              inputMode={f.type === "integer" || f.type === "number" ? "decimal" : undefined}
            />
          )}
        </div>
      ))}
    </div>
  );
}

/** 企业服务专区: lifecycle, benefits, figures, the anonymous check; the enterprise's own matches when signed in. */
export function ZonePage({ ctx, data }: { ctx: PageContext; data: ZoneData }) {
  const f = data.funnel;
  const mine = data.mine;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "企业服务专区", url: `${ctx.base}/enterprise` }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "企业服务专区" }]}
    >
      <h1>企业服务专区</h1>
      <p>
        惠企政策“免申即享”：平台根据法人登记信息和企业自己填报的信息匹配政策，逐条说明是否符合、依据哪一条款、
        还差什么；全部条件可由共享数据判定的，无需申请直接兑现（公示期内可提出异议）。
      </p>
      {mine ? (
        <section aria-labelledby="mine">
          <h2 id="mine">{mine.name}的政策匹配</h2>
          {mine.notice ? <p class="notice">{mine.notice}</p> : null}
          {mine.inbox.length ? (
            <>
              <h3>消息</h3>
              <ul>
                {mine.inbox.map((m) => (
                  <li>
                    {formatDate(m.createdAt)} {m.message}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {mine.grants.length ? (
            <>
              <h3>免申即享兑现</h3>
              <ul>
                {mine.grants.map((g) => (
                  <li>
                    {g.title}：
                    {g.status === "noticed"
                      ? `公示中，异议截止 ${formatDate(g.objectionUntil)}`
                      : g.status === "objected"
                        ? "已提出异议，待核实"
                        : g.status === "granted"
                          ? `已兑现，应于 ${formatDate(g.payDue!)} 前拨付（60个工作日）`
                          : g.status === "withdrawn"
                            ? "经核实已撤销兑现"
                            : `已拨付（${formatDate(g.paidAt!)}）`}
                    {g.status === "noticed" ? (
                      <form method="post" action={`${ctx.base}/enterprise/grants/${g.id}/object`}>
                        <input type="hidden" name="_csrf" value={mine.csrf} />
                        <label for={`objection-${g.id}`}>异议内容</label>
                        <input id={`objection-${g.id}`} name="reason" maxLength={500} />
                        <button type="submit" class="button secondary">
                          提出异议
                        </button>
                      </form>
                    ) : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <ul class="card-list">
            {mine.matches
              .filter((m) => m.status !== "ineligible")
              .map((m) => (
                <MatchCard m={m} applyHref={`${ctx.base}/enterprise/apply/${m.benefitId}`} />
              ))}
          </ul>
          <details>
            <summary>
              不符合的政策（{mine.matches.filter((m) => m.status === "ineligible").length} 项）及原因
            </summary>
            <ul class="card-list">
              {mine.matches
                .filter((m) => m.status === "ineligible")
                .map((m) => (
                  <MatchCard m={m} />
                ))}
            </ul>
          </details>
          <h3 id="profile">企业信息（每项注明来源）</h3>
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">项目</th>
                <th scope="col">取值</th>
                <th scope="col">来源</th>
              </tr>
            </thead>
            <tbody>
              {mine.profile.map((p) => (
                <tr>
                  <td>{p.label}</td>
                  <td>{showValue(FIELD_BY_NAME.get(p.name), p.value)}</td>
                  <td>{SOURCE[p.source]}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <form method="post" action={`${ctx.base}/enterprise/profile#profile`}>
            <input type="hidden" name="_csrf" value={mine.csrf} />
            {mine.errors ? <ErrorSummary errors={mine.errors} /> : null}
            <p>核对或补充企业信息（与登记信息不同的，以企业填报为准并注明来源）：</p>
            <ProfileInputs values={mine.values ?? {}} prefix="p-" />
            <button type="submit" name="action" value="save" class="button">
              保存并重新匹配
            </button>{" "}
            <button type="submit" name="action" value="registry" class="button secondary">
              从登记信息更新
            </button>
          </form>
          <p>
            <a href={`${ctx.base}/services/my`}>我的办件</a>
          </p>
        </section>
      ) : (
        <p>
          <a href={`${ctx.base}/account/login?next=${encodeURIComponent(`${ctx.base}/enterprise`)}`}>
            法人（企业）账号登录
          </a>
          后可查看本企业的政策匹配、消息和兑现进度。
        </p>
      )}
      <section aria-labelledby="lifecycle">
        <h2 id="lifecycle">企业全生命周期</h2>
        {STAGES.map((s) => (
          <div>
            <h3>{s.name}</h3>
            <ul>
              <li>
                <a href={`${ctx.base}/services/?q=${encodeURIComponent(s.services)}`}>相关办事服务</a> ·{" "}
                <a href={`${ctx.base}/services/bundles`}>一件事一次办</a>
                {s.key === "expand" ? (
                  <>
                    {" "}
                    · <a href={`${ctx.base}/search?q=${encodeURIComponent("融资")}`}>融资通知</a>
                  </>
                ) : null}
              </li>
              {data.benefits
                .filter((b) => b.stage === s.key)
                .map((b) => (
                  <li>
                    {b.title}（{b.amount}）
                    {b.policyArticleId ? (
                      <>
                        {" "}
                        · <a href={data.articleHref(b.policyArticleId)}>政策原文</a>
                      </>
                    ) : null}
                    {b.interpretationArticleId ? (
                      <>
                        {" "}
                        · <a href={data.articleHref(b.interpretationArticleId)}>政策解读</a>
                      </>
                    ) : null}
                  </li>
                ))}
            </ul>
          </div>
        ))}
      </section>
      <section aria-labelledby="check">
        <h2 id="check">政策试算（不保存任何信息）</h2>
        <form method="post" action={`${ctx.base}/enterprise/check#check`}>
          {data.check?.errors ? <ErrorSummary errors={data.check.errors} /> : null}
          <ProfileInputs values={data.check?.values ?? {}} />
          <button type="submit" class="button">
            试算
          </button>
        </form>
        {data.check?.results ? (
          <ul class="card-list">
            {data.check.results.map((m) => (
              <MatchCard m={m} />
            ))}
          </ul>
        ) : null}
      </section>
      <section aria-labelledby="figures">
        <h2 id="figures">惠企政策兑现情况</h2>
        <table class="data-table">
          <thead>
            <tr>
              <th scope="col">匹配符合</th>
              <th scope="col">已推送</th>
              <th scope="col">已查看</th>
              <th scope="col">已申请</th>
              <th scope="col">已兑现</th>
              <th scope="col">已拨付</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>{f.matched}</td>
              <td>{f.pushed}</td>
              <td>{f.opened}</td>
              <td>{f.applied}</td>
              <td>{f.granted}</td>
              <td>{f.paid}</td>
            </tr>
          </tbody>
        </table>
      </section>
    </Layout>
  );
}
