import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field, SelectField } from "../../../web/components/form.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { PostButton } from "../../../web/components/post-button.tsx";
import { actorText } from "../../../web/actor-text.ts";
import { formatPubDate } from "../../../web/layout.tsx";
import type { LicenceKind } from "../catalogue.ts";
import type { Licence, TreeHead } from "../service.ts";
import { STATUS_LABEL, itemText } from "./wallet-pages.tsx";

export interface IssueForm {
  kind?: string;
  holder?: string;
  values: Record<string, string>;
}

/** The licence console: the issuer's licences (paged) with status changes, and the issue form. */
export function LicencesConsolePage({
  ctx,
  kinds,
  licences,
  page,
  total,
  pageSize,
  head,
  form,
  errors = {},
  notice,
  grantsLink = false,
}: {
  ctx: AdminContext;
  kinds: LicenceKind[];
  licences: Licence[];
  /** The viewer may manage member systems' issuer grants. */
  grantsLink?: boolean;
  page: number;
  total: number;
  pageSize: number;
  head: TreeHead;
  form: IssueForm;
  errors?: Record<string, string>;
  notice?: string;
}) {
  const kind = kinds.find((k) => k.code === form.kind);
  return (
    <AdminLayout ctx={ctx} title="电子证照">
      <h1>电子证照</h1>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <p>
        透明日志：{head.treeSize} 条记录，根哈希 <code>{head.rootHash}</code>（
        {formatPubDate(new Date(head.timestamp).toISOString())} 签名）。
      </p>
      {grantsLink ? (
        <p>
          <a href="/admin/licences/issuers">接入系统签发授权</a>
          （哪些接入系统可经数据共享交换平台签发哪些证照）
        </p>
      ) : null}
      <h2>签发电子证照</h2>
      <ErrorSummary errors={errors} />
      <form method="get" action="/admin/licences">
        <SelectField
          id="kind"
          label="证照种类"
          hint="只列出您所在部门可以签发的证照"
          options={kinds.map((k) => ({ value: k.code, label: `${k.name}（${k.department}）` }))}
          value={form.kind}
        />
        <button type="submit" class="button secondary">
          选择
        </button>
      </form>
      {kind ? (
        <form method="post" action="/admin/licences">
          <CsrfField token={ctx.csrf} />
          <input type="hidden" name="kind" value={kind.code} />
          <Field
            id="holder"
            label={kind.holder === "enterprise" ? "持证单位统一社会信用代码" : "持证人公民身份号码"}
            hint="持证人须已在本平台实名注册"
            error={errors.holder}
          >
            <input id="holder" name="holder" value={form.holder ?? ""} autocomplete="off" />
          </Field>
          {kind.items.map((item) =>
            item.type === "boolean" ? (
              <div class="checkbox">
                <input
                  type="checkbox"
                  id={item.name}
                  name={item.name}
                  value="true"
                  checked={form.values[item.name] === "true"}
                />
                <label for={item.name}>{item.label}</label>
              </div>
            ) : (
              <Field
                id={item.name}
                label={item.label}
                hint={item.type === "date" ? "格式 YYYY-MM-DD" : undefined}
                error={errors[item.name]}
              >
                <input id={item.name} name={item.name} value={form.values[item.name] ?? ""} />
              </Field>
            ),
          )}
          <button type="submit" class="button">
            签发
          </button>
        </form>
      ) : null}
      <h2>已签发的证照</h2>
      <table class="data-table">
        <caption>共 {total} 张</caption>
        <thead>
          <tr>
            <th scope="col">编号</th>
            <th scope="col">证照</th>
            <th scope="col">持证人</th>
            <th scope="col">签发</th>
            <th scope="col">状态</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {licences.map((l) => {
            const nameItem = l.kind.items[0]!;
            return (
              <tr>
                <td>{l.id}</td>
                <td>{l.kind.name}</td>
                <td>{itemText(nameItem, l.claims[nameItem.name])}</td>
                <td>
                  {formatPubDate(l.issuedAt)}
                  <br />
                  <small>{actorText(l.issuedBy)}</small>
                </td>
                <td>{STATUS_LABEL[l.status]}</td>
                <td>
                  {l.status === "valid" ? (
                    <>
                      <PostButton action={`/admin/licences/${l.id}/suspend`} csrf={ctx.csrf} label="暂停" />
                      <PostButton action={`/admin/licences/${l.id}/revoke`} csrf={ctx.csrf} label="注销" />
                    </>
                  ) : l.status === "suspended" ? (
                    <>
                      <PostButton action={`/admin/licences/${l.id}/reinstate`} csrf={ctx.csrf} label="恢复" />
                      <PostButton action={`/admin/licences/${l.id}/revoke`} csrf={ctx.csrf} label="注销" />
                    </>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Pagination base="/admin/licences" page={page} pageSize={pageSize} total={total} />
    </AdminLayout>
  );
}

export interface IssuerGrantRowView {
  id: number;
  member: string;
  memberName: string;
  kindName: string;
  grantedBy: string;
  createdAt: string;
  revokedAt: string | null;
  /** The viewer may revoke it (an active grant of a kind they may grant). */
  revocable: boolean;
}

export interface IssuerGrantForm {
  member?: string;
  kind?: string;
}

/**
 * 接入系统签发授权: which member system of the exchange may issue which licence kinds over the hub
 * (`POST /api/exchange/v1/licences/issue`): the list (paged), a grant form, revoke buttons.
 */
export function IssuerGrantsPage({
  ctx,
  kinds,
  members,
  grants,
  page,
  total,
  pageSize,
  form,
  errors = {},
  notice,
}: {
  ctx: AdminContext;
  kinds: LicenceKind[];
  members: { code: string; name: string; department: string }[];
  grants: IssuerGrantRowView[];
  page: number;
  total: number;
  pageSize: number;
  form: IssuerGrantForm;
  errors?: Record<string, string>;
  notice?: string;
}) {
  return (
    <AdminLayout ctx={ctx} title="接入系统签发授权">
      <h1>接入系统签发授权</h1>
      <p>
        获得授权的接入系统可以通过数据共享交换平台签发该种电子证照（签名调用，记入审计和透明日志）。
        <a href="/admin/licences">返回电子证照</a>
      </p>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <h2>新增授权</h2>
      <ErrorSummary errors={errors} />
      {members.length === 0 ? (
        <p class="meta">还没有可用的接入系统：请先在数据共享交换平台登记接入系统。</p>
      ) : (
        <form method="post" action="/admin/licences/issuers">
          <CsrfField token={ctx.csrf} />
          <SelectField
            id="member"
            label="接入系统"
            error={errors.member}
            placeholder="请选择"
            options={members.map((m) => ({
              value: m.code,
              label: `${m.name}（${m.code}，${m.department}）`,
            }))}
            value={form.member}
          />
          <SelectField
            id="kind"
            label="可签发的证照种类"
            hint="只列出您可以授权的证照"
            error={errors.kind}
            placeholder="请选择"
            options={kinds.map((k) => ({ value: k.code, label: `${k.name}（${k.department}）` }))}
            value={form.kind}
          />
          <button type="submit" class="button">
            授权
          </button>
        </form>
      )}
      <h2>授权记录</h2>
      <table class="data-table">
        <caption>共 {total} 条</caption>
        <thead>
          <tr>
            <th scope="col">接入系统</th>
            <th scope="col">证照种类</th>
            <th scope="col">授权</th>
            <th scope="col">状态</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {grants.map((g) => (
            <tr>
              <td>
                {g.memberName}（{g.member}）
              </td>
              <td>{g.kindName}</td>
              <td>
                {formatPubDate(g.createdAt)}
                <br />
                <small>{actorText(g.grantedBy)}</small>
              </td>
              <td>{g.revokedAt ? `已撤销（${formatPubDate(g.revokedAt)}）` : "有效"}</td>
              <td>
                {g.revocable ? (
                  <PostButton
                    action={`/admin/licences/issuers/${g.id}/revoke`}
                    csrf={ctx.csrf}
                    label="撤销"
                  />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination base="/admin/licences/issuers" page={page} pageSize={pageSize} total={total} />
    </AdminLayout>
  );
}
