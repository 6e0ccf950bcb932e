import { AdminLayout, type AdminContext } from "../../../web/admin-layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import type { OutboxMessage, Peer } from "../service.ts";

const OUTBOX_LABELS: Record<string, string> = {
  pending: "等待发送",
  delivered: "已送达",
  refused: "对方拒收",
  cancelled: "已取消",
};
const KIND_LABELS: Record<string, string> = {
  "application.submit": "转送申请",
  "application.status": "回传状态",
};

export interface FederationConsoleData {
  identity: { id: string; name: string; baseUrl: string; keyId: string };
  peers: Peer[];
  offers: string[];
  counts: Record<string, number>;
  outbox: { rows: OutboxMessage[]; total: number };
  page: number;
  stuck: boolean;
}

function Hidden({ csrf }: { csrf: string }) {
  return <input type="hidden" name="_csrf" value={csrf} />;
}

/** 跨省通办 console: this platform's identity, trusted peers, offered items, and the outbox. */
export function FederationConsolePage({
  ctx,
  data,
  message,
  notice,
  form = {},
}: {
  ctx: AdminContext;
  data: FederationConsoleData;
  message?: string;
  notice?: string;
  form?: Record<string, string>;
}) {
  const { identity } = data;
  return (
    <AdminLayout ctx={ctx} title="跨省通办">
      <h1>跨省通办</h1>
      {message ? (
        <p class="error" role="alert">
          {message}
        </p>
      ) : null}
      {notice ? <p class="notice">{notice}</p> : null}
      <section aria-labelledby="me">
        <h2 id="me">本平台</h2>
        <dl>
          <dt>平台标识</dt>
          <dd>{identity.id}</dd>
          <dt>名称</dt>
          <dd>{identity.name}</dd>
          <dt>地址</dt>
          <dd>{identity.baseUrl}</dd>
          <dt>公钥指纹（供对方核对）</dt>
          <dd>
            <code>{identity.keyId}</code>
          </dd>
        </dl>
        <p>
          元数据文档：<a href="/api/federation/metadata">/api/federation/metadata</a>
        </p>
      </section>
      <section aria-labelledby="peers">
        <h2 id="peers">信任的跨省平台</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">标识</th>
              <th scope="col">名称</th>
              <th scope="col">地址</th>
              <th scope="col">公钥指纹</th>
              <th scope="col">状态</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {data.peers.map((p) => (
              <tr key={p.code}>
                <td>{p.code}</td>
                <td>{p.name}</td>
                <td>{p.baseUrl}</td>
                <td>
                  <code>{p.keyId}</code>
                </td>
                <td>{p.status === "active" ? "信任中" : "已撤销"}</td>
                <td>
                  {p.status === "active" ? (
                    <form method="post" action="/admin/federation/peers/revoke">
                      <Hidden csrf={ctx.csrf} />
                      <input type="hidden" name="code" value={p.code} />
                      <button type="submit">撤销信任</button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="post" action="/admin/federation/peers">
          <Hidden csrf={ctx.csrf} />
          <label>
            对方平台地址
            <input type="url" name="baseUrl" required value={form.baseUrl ?? ""} maxLength={200} />
          </label>
          <label>
            对方公钥指纹（与对方核对；更换密钥时必填）
            <input type="text" name="keyId" value={form.keyId ?? ""} maxLength={100} />
          </label>
          <button type="submit">从元数据导入</button>
        </form>
      </section>
      <section aria-labelledby="offers">
        <h2 id="offers">本平台开放的跨省通办事项</h2>
        <ul>
          {data.offers.map((code) => (
            <li key={code}>
              {code}{" "}
              <form method="post" action="/admin/federation/offers/withdraw" class="inline">
                <Hidden csrf={ctx.csrf} />
                <input type="hidden" name="itemCode" value={code} />
                <button type="submit">停止开放</button>
              </form>
            </li>
          ))}
        </ul>
        <form method="post" action="/admin/federation/offers">
          <Hidden csrf={ctx.csrf} />
          <label>
            事项编码
            <input type="text" name="itemCode" required value={form.itemCode ?? ""} maxLength={100} />
          </label>
          <button type="submit">开放为跨省通办</button>
        </form>
      </section>
      <section aria-labelledby="outbox">
        <h2 id="outbox">发件箱</h2>
        <p>
          等待发送 {data.counts.pending ?? 0} · 已送达 {data.counts.delivered ?? 0} · 对方拒收{" "}
          {data.counts.refused ?? 0} · 已取消 {data.counts.cancelled ?? 0}
        </p>
        <p>
          {data.stuck ? (
            <a href="/admin/federation">显示全部消息</a>
          ) : (
            <a href="/admin/federation?stuck=1">只看重试中的消息</a>
          )}
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">编号</th>
              <th scope="col">对方</th>
              <th scope="col">类型</th>
              <th scope="col">办件编号</th>
              <th scope="col">状态</th>
              <th scope="col">尝试次数</th>
              <th scope="col">下次尝试 / 最后错误</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {data.outbox.rows.map((m) => (
              <tr key={m.id}>
                <td>{m.id}</td>
                <td>{m.peerCode}</td>
                <td>{KIND_LABELS[m.kind] ?? m.kind}</td>
                <td>{m.purposeCase}</td>
                <td>{OUTBOX_LABELS[m.status] ?? m.status}</td>
                <td>{m.attempts}</td>
                <td>
                  {m.status === "pending" ? m.nextAttemptAt.slice(0, 19).replace("T", " ") : ""}
                  {m.lastError ? ` ${m.lastError}` : ""}
                </td>
                <td>
                  {m.status === "pending" || m.status === "refused" ? (
                    <form method="post" action={`/admin/federation/outbox/${m.id}/retry`} class="inline">
                      <Hidden csrf={ctx.csrf} />
                      <button type="submit">立即重试</button>
                    </form>
                  ) : null}
                  {m.status === "pending" ? (
                    <form method="post" action={`/admin/federation/outbox/${m.id}/cancel`} class="inline">
                      <Hidden csrf={ctx.csrf} />
                      <button type="submit">取消</button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pagination
          base="/admin/federation"
          params={{ stuck: data.stuck ? 1 : null }}
          page={data.page}
          pageSize={20}
          total={data.outbox.total}
        />
      </section>
    </AdminLayout>
  );
}
