import type { MatchResult } from "../service.ts";
import { STATUS_WORD } from "../service.ts";

const MET: Record<string, string> = { true: "满足", false: "不满足", null: "无法判断" };

/** One benefit's answer with every condition, its clause and what would change it. */
export function MatchCard({ m, applyHref }: { m: MatchResult; applyHref?: string }) {
  return (
    <li class="card">
      <h3>{m.title}</h3>
      <p>
        <strong class={m.status === "eligible" ? "tag ok" : "tag warn"}>{STATUS_WORD[m.status]}</strong>
        {m.automatic ? " · 免申即享（由共享数据判定，无需申请）" : ""}
        {m.amount ? ` · ${m.amount}` : ""}
      </p>
      {m.missing.length ? <p>缺少的数据：{m.missing.join("、")}</p> : null}
      <table class="data-table">
        <caption class="visually-hidden">{m.title}的逐条判断</caption>
        <thead>
          <tr>
            <th scope="col">条件</th>
            <th scope="col">依据条款</th>
            <th scope="col">结论</th>
            <th scope="col">说明</th>
          </tr>
        </thead>
        <tbody>
          {m.conditions.map((c) => (
            <tr>
              <td>{c.condition}</td>
              <td>{c.clause}</td>
              <td>{MET[String(c.met)]}</td>
              <td>
                {c.why}
                {c.whatWouldChange ? `（${c.whatWouldChange}）` : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {applyHref && m.status !== "ineligible" && !m.automatic ? (
        <p>
          <a href={applyHref}>快速申请（自动带入企业信息）</a>
        </p>
      ) : null}
    </li>
  );
}
