import { ErrorSummary } from "../../../web/components/form.tsx";
import { Layout, type PageContext } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { FormFields, type FormValues } from "../../onestop/index.ts";
import type { FederatedItem, OutboundApplication } from "../service.ts";

const OUTBOUND_LABELS: Record<OutboundApplication["status"], string> = {
  forwarding: "正在转送办理地",
  submitted: "已转送办理地",
  refused: "办理地未受理",
  cancelled: "已取消转送",
};

function hallCrumbs(ctx: PageContext, last: { name: string; href?: string }[]) {
  return [
    { name: "首页", href: `${ctx.base}/` },
    { name: "办事服务", href: `${ctx.base}/services/` },
    { name: "跨省通办", href: `${ctx.base}/services/federated/` },
    ...last,
  ];
}

/** 跨省通办: the peers' items offered on this hall, each marked with the province that handles it. */
export function FederatedItemsPage({
  ctx,
  items,
  peerNames,
}: {
  ctx: PageContext;
  items: FederatedItem[];
  peerNames: Record<string, string>;
}) {
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "跨省通办", url: `${ctx.base}/services/federated/` }}
      crumbs={hallCrumbs(ctx, []).slice(0, 2).concat({ name: "跨省通办" })}
    >
      <h1>跨省通办</h1>
      <p>
        以下事项由外省政务服务平台办理。您在本平台登录、填表、上传材料，申请经签名通道转送办理地，办理进度在本平台查看。
      </p>
      {items.length === 0 ? (
        <p class="notice">暂无跨省通办事项。</p>
      ) : (
        <ul class="item-list">
          {items.map((item) => (
            <li key={`${item.peerCode}-${item.itemCode}`}>
              <a
                href={`${ctx.base}/services/federated/${item.peerCode}/${encodeURIComponent(item.itemCode)}`}
              >
                {item.name}
              </a>{" "}
              <span class="tag">跨省通办·{peerNames[item.peerCode] ?? item.peerCode}办理</span>
              <span class="meta">
                {" "}
                {item.department} · 办事指南同步于 {item.syncedAt.slice(0, 16).replace("T", " ")}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href={`${ctx.base}/services/federated/applications/`}>我的跨省通办办件</a>
      </p>
    </Layout>
  );
}

/** A federated item: the owner's guide and, for a signed-in citizen, the owner's form. */
export function FederatedApplyPage({
  ctx,
  item,
  peerName,
  values,
  errors,
  message,
  csrf,
  formKey,
  locked,
}: {
  ctx: PageContext;
  item: FederatedItem;
  peerName: string;
  values: FormValues;
  errors: Record<string, string>;
  message?: string;
  csrf: string;
  formKey: string;
  locked: Record<string, string>;
}) {
  const url = `${ctx.base}/services/federated/${item.peerCode}/${encodeURIComponent(item.itemCode)}`;
  const g = item.guide;
  return (
    <Layout ctx={ctx} meta={{ title: item.name, url }} crumbs={hallCrumbs(ctx, [{ name: item.name }])}>
      <h1>{item.name}</h1>
      <p class="notice">
        跨省通办：本事项由<strong>{peerName}</strong>
        {item.department ? `（${item.department}）` : ""}办理，按办理地的办事指南和申请表受理。
      </p>
      <section aria-labelledby="guide">
        <h2 id="guide">办事指南</h2>
        <dl class="guide">
          <dt>实施机构</dt>
          <dd>{g.implementingBody || item.department}</dd>
          <dt>承诺办结时限</dt>
          <dd>{g.committedLimitDays ?? "—"} 个工作日（按办理地工作日计算）</dd>
          <dt>收费标准</dt>
          <dd>{g.fees || "—"}</dd>
          {g.conditions?.length ? (
            <>
              <dt>受理条件</dt>
              <dd>{g.conditions.join("；")}</dd>
            </>
          ) : null}
          {g.materials?.length ? (
            <>
              <dt>申请材料</dt>
              <dd>{g.materials.map((m) => m.name).join("；")}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <section aria-labelledby="apply">
        <h2 id="apply">在线申请</h2>
        {message ? (
          <p class="notice" role="alert">
            {message}
          </p>
        ) : null}
        <ErrorSummary errors={errors} />
        <form method="post" action={url} enctype="multipart/form-data">
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="_key" value={formKey} />
          <FormFields schema={item.form} values={values} errors={errors} locked={locked} />
          <button type="submit" class="button">
            提交申请（转送{peerName}办理）
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** The citizen's forwarded application: where it is, and every status change the owner reported. */
export function FederatedApplicationPage({
  ctx,
  application,
  peerName,
  events,
}: {
  ctx: PageContext;
  application: OutboundApplication;
  peerName: string;
  events: { seq: number; label: string; status: string; note: string | null; at: string }[];
}) {
  const a = application;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: `办件 ${a.number}`, url: `${ctx.base}/services/federated/applications/${a.number}` }}
      crumbs={hallCrumbs(ctx, [
        { name: "我的跨省通办办件", href: `${ctx.base}/services/federated/applications/` },
        { name: a.number },
      ])}
    >
      <h1>{a.itemName}</h1>
      <dl class="guide">
        <dt>本平台办件编号</dt>
        <dd>{a.number}</dd>
        <dt>办理地</dt>
        <dd>{peerName}</dd>
        <dt>办理地办件编号</dt>
        <dd>{a.remoteNo ?? "—"}</dd>
        <dt>当前状态</dt>
        <dd data-testid="federated-status">
          {a.remoteStatusLabel ? `${a.remoteStatusLabel}（${peerName}）` : OUTBOUND_LABELS[a.status]}
        </dd>
      </dl>
      {a.status === "forwarding" ? (
        <p class="notice">申请已保存，正在转送{peerName}；对方平台暂时无法连接时会自动重试，无需重新提交。</p>
      ) : null}
      {a.refusal ? (
        <div class="notice" role="alert">
          <p>
            {peerName}未受理该申请：{a.refusal.message}
          </p>
          {Object.keys(a.refusal.fields).length > 0 ? (
            <ul>
              {Object.entries(a.refusal.fields).map(([k, v]) => (
                <li key={k}>{v}</li>
              ))}
            </ul>
          ) : null}
          <p>请按上述提示修改后重新申请。</p>
        </div>
      ) : null}
      <h2>办理进度</h2>
      {events.length === 0 ? (
        <p>暂无办理记录。</p>
      ) : (
        <ol class="timeline">
          {events.map((e) => (
            <li key={e.seq}>
              <time>{e.at.slice(0, 16).replace("T", " ")}</time> {e.label}
              {e.note ? `：${e.note}` : ""}
            </li>
          ))}
        </ol>
      )}
    </Layout>
  );
}

export function FederatedListPage({
  ctx,
  rows,
  total,
  page,
}: {
  ctx: PageContext;
  rows: OutboundApplication[];
  total: number;
  page: number;
}) {
  const url = `${ctx.base}/services/federated/applications/`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "我的跨省通办办件", url }}
      crumbs={hallCrumbs(ctx, [{ name: "我的跨省通办办件" }])}
    >
      <h1>我的跨省通办办件</h1>
      {rows.length === 0 ? (
        <p>暂无办件。</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">办件编号</th>
              <th scope="col">事项</th>
              <th scope="col">状态</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.number}>
                <td>
                  <a href={`${url}${a.number}`}>{a.number}</a>
                </td>
                <td>{a.itemName}</td>
                <td>{a.remoteStatusLabel ?? OUTBOUND_LABELS[a.status]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination base={url} page={page} total={total} pageSize={20} />
    </Layout>
  );
}
