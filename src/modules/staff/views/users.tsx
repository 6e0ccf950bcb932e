import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field, SelectField } from "../../../web/components/form.tsx";
import { STAFF_ROLES } from "../auth.ts";
import { Pagination } from "../../../web/components/pagination.tsx";
import { chinaTime } from "../../../platform/time/china-time.ts";

export interface UserRow {
  id: number;
  username: string;
  displayName: string;
  isOperator: number;
  disabled: number;
  lockedUntil: string | null;
  hasTotp: boolean;
  roles: { siteId: number; role: string }[];
}

const locked = (u: UserRow) => !!u.lockedUntil && u.lockedUntil > new Date().toISOString();

function statusOf(u: UserRow): string {
  if (u.disabled) return "已停用";
  if (locked(u)) return `已锁定至 ${chinaTime(u.lockedUntil)}`;
  return "正常";
}

function roleText(r: { siteId: number; role: string }, siteNames: Map<number, string>) {
  return `${siteNames.get(r.siteId) ?? r.siteId} · ${STAFF_ROLES[r.role] ?? r.role}`;
}

export function UsersPage({
  ctx,
  rows,
  total,
  page,
  pageSize,
  q,
  siteNames,
}: {
  ctx: AdminContext;
  rows: UserRow[];
  total: number;
  page: number;
  pageSize: number;
  q: string;
  siteNames: Map<number, string>;
}) {
  return (
    <AdminLayout ctx={ctx} title="用户管理">
      <h1>用户管理</h1>
      <p>
        <a class="button" href="/admin/users/new">
          新建用户
        </a>
      </p>
      <form method="get" action="/admin/users" class="filters" role="search" aria-label="查找用户">
        <label>
          用户名或姓名
          <input name="q" value={q} maxLength={40} />
        </label>
        <button type="submit" class="button secondary">
          查找
        </button>
      </form>
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">用户名</th>
            <th scope="col">姓名</th>
            <th scope="col">角色</th>
            <th scope="col">状态</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((u) => (
            <tr>
              <td>
                <a href={`/admin/users/${u.id}`}>{u.username}</a>
              </td>
              <td>{u.displayName}</td>
              <td>
                {u.isOperator ? `平台运维${u.hasTotp ? "" : "（未绑定验证器）"}` : null}
                <ul>
                  {u.roles.map((r) => (
                    <li>{roleText(r, siteNames)}</li>
                  ))}
                </ul>
              </td>
              <td>{statusOf(u)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination base="/admin/users" params={{ q }} page={page} pageSize={pageSize} total={total} />
    </AdminLayout>
  );
}

export interface NewUserValues {
  username: string;
  displayName: string;
  isOperator: boolean;
  siteId: string;
  role: string;
}

function RoleFields({
  sites,
  values,
  errors,
}: {
  sites: { id: number; name: string }[];
  values: { siteId: string; role: string };
  errors: Record<string, string>;
}) {
  return (
    <>
      <SelectField
        id="siteId"
        label="网站"
        error={errors.siteId}
        options={sites.map((s) => ({ value: String(s.id), label: s.name }))}
        value={values.siteId}
      />
      <Field id="role" label="角色" error={errors.role}>
        <select id="role" name="role">
          {Object.entries(STAFF_ROLES).map(([k, v]) => (
            <option value={k} selected={values.role === k}>
              {v}
            </option>
          ))}
        </select>
      </Field>
    </>
  );
}

export function NewUserPage({
  ctx,
  values,
  errors,
  message,
  sites,
  operator,
}: {
  ctx: AdminContext;
  values: NewUserValues;
  errors: Record<string, string>;
  message?: string;
  sites: { id: number; name: string }[];
  operator: boolean;
}) {
  return (
    <AdminLayout ctx={ctx} title="新建用户">
      <h1>新建用户</h1>
      <ErrorSummary errors={errors} title={message} />
      <form method="post" action="/admin/users/new" class="narrow-form">
        <CsrfField token={ctx.csrf} />
        <Field id="username" label="用户名" hint="3至32位小写字母、数字、下划线" error={errors.username}>
          <input id="username" name="username" value={values.username} maxLength={32} autoComplete="off" />
        </Field>
        <Field id="displayName" label="姓名" error={errors.displayName}>
          <input id="displayName" name="displayName" value={values.displayName} maxLength={40} />
        </Field>
        <Field
          id="password"
          label="初始密码"
          hint="至少10位，包含大写字母、小写字母、数字、符号中的至少三种"
          error={errors.password}
        >
          <input id="password" name="password" type="password" autoComplete="new-password" maxLength={128} />
        </Field>
        {operator ? (
          <div class="field">
            <label>
              <input type="checkbox" name="isOperator" value="1" checked={values.isOperator} />{" "}
              平台运维人员（登录须绑定动态验证码）
            </label>
          </div>
        ) : null}
        <fieldset>
          <legend>{operator ? "首个角色（可选）" : "角色"}</legend>
          {operator ? (
            <div class="field">
              <label>
                <input type="checkbox" name="withRole" value="1" checked={!!values.siteId} /> 同时授予以下角色
              </label>
            </div>
          ) : null}
          <RoleFields sites={sites} values={values} errors={errors} />
        </fieldset>
        <button type="submit" class="button">
          创建用户
        </button>
      </form>
    </AdminLayout>
  );
}

export function UserPage({
  ctx,
  user,
  siteNames,
  manageableSites,
  canManageAccount,
  canUnlock,
  errors,
  message,
  done,
}: {
  ctx: AdminContext;
  user: UserRow;
  siteNames: Map<number, string>;
  manageableSites: { id: number; name: string }[];
  canManageAccount: boolean;
  canUnlock: boolean;
  errors: Record<string, string>;
  message?: string;
  done?: string;
}) {
  const manageable = new Set(manageableSites.map((s) => s.id));
  return (
    <AdminLayout ctx={ctx} title={`用户：${user.username}`}>
      <h1>
        {user.displayName}（{user.username}）
      </h1>
      {done ? (
        <p class="notice info" role="status">
          {done}
        </p>
      ) : null}
      <ErrorSummary errors={errors} title={message} />
      <p>
        状态：{statusOf(user)}
        {user.isOperator
          ? `；平台运维人员，${user.hasTotp ? "已绑定验证器" : "尚未绑定验证器（首次登录时绑定）"}`
          : null}
      </p>
      <div class="actions">
        {canUnlock && locked(user) ? (
          <form method="post" action={`/admin/users/${user.id}/unlock`}>
            <CsrfField token={ctx.csrf} />
            <button type="submit" class="button secondary">
              解除锁定
            </button>
          </form>
        ) : null}
        {canManageAccount ? (
          <form method="post" action={`/admin/users/${user.id}/${user.disabled ? "enable" : "disable"}`}>
            <CsrfField token={ctx.csrf} />
            <button type="submit" class="button secondary">
              {user.disabled ? "启用账号" : "停用账号"}
            </button>
          </form>
        ) : null}
      </div>
      <h2>角色</h2>
      {user.roles.length === 0 ? <p>暂无网站角色。</p> : null}
      <ul>
        {user.roles.map((r) => (
          <li class="actions">
            {roleText(r, siteNames)}
            {manageable.has(r.siteId) ? (
              <form method="post" action={`/admin/users/${user.id}/roles/remove`}>
                <CsrfField token={ctx.csrf} />
                <input type="hidden" name="siteId" value={String(r.siteId)} />
                <input type="hidden" name="role" value={r.role} />
                <button type="submit" class="button secondary" aria-label={`移除${roleText(r, siteNames)}`}>
                  移除
                </button>
              </form>
            ) : null}
          </li>
        ))}
      </ul>
      {manageableSites.length ? (
        <>
          <h2>授予角色</h2>
          <form method="post" action={`/admin/users/${user.id}/roles`} class="inline-form">
            <CsrfField token={ctx.csrf} />
            <RoleFields sites={manageableSites} values={{ siteId: "", role: "editor" }} errors={errors} />
            <button type="submit" class="button">
              授予
            </button>
          </form>
        </>
      ) : null}
    </AdminLayout>
  );
}
