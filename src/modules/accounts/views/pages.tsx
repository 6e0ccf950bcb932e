import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { Layout, type PageContext } from "../../../web/layout.tsx";
import { maskIdNumber, maskPhone } from "../../../platform/mask/mask.ts";
import { ACCOUNT_KINDS, type Account } from "../service.ts";

const describedBy = (id: string, errors: Record<string, string>, hint = false) =>
  [hint ? `${id}-hint` : "", errors[id] ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;

export function LoginPage({
  ctx,
  next,
  values,
  errors,
  message,
  externalName,
  csrf,
}: {
  ctx: PageContext;
  /** The pre-session CSRF token (platform/auth/csrf.ts preSessionToken). */
  csrf: string;
  next: string;
  values: { loginName: string };
  errors: Record<string, string>;
  message?: string;
  externalName: string | null;
}) {
  const url = `${ctx.base}/account/login`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "用户登录", url }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "用户登录" }]}
    >
      <h1>个人和法人用户登录</h1>
      {message ? <p class="notice info">{message}</p> : null}
      <ErrorSummary errors={errors} title="登录失败" />
      <form method="post" action={url} class="form" novalidate>
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="next" value={next} />
        <Field
          id="loginName"
          label="账号"
          hint="个人填写手机号，法人填写统一社会信用代码"
          error={errors.loginName}
        >
          <input
            id="loginName"
            name="loginName"
            value={values.loginName}
            autocomplete="username"
            maxLength={40}
            required
            aria-describedby={describedBy("loginName", errors, true)}
            aria-invalid={errors.loginName ? "true" : undefined}
          />
        </Field>
        <Field id="password" label="密码" error={errors.password}>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            maxLength={128}
            required
          />
        </Field>
        <button type="submit" class="button">
          登录
        </button>
      </form>
      {externalName ? (
        <p>
          <a
            class="button secondary"
            href={`${ctx.base}/account/oidc/start?next=${encodeURIComponent(next)}`}
          >
            使用{externalName}登录
          </a>
        </p>
      ) : null}
      <p>
        还没有账号？<a href={`${ctx.base}/account/register?next=${encodeURIComponent(next)}`}>注册</a>
      </p>
    </Layout>
  );
}

export interface RegisterValues {
  kind: string;
  name: string;
  idNumber: string;
  creditCode: string;
  contactName: string;
  phone: string;
  agree: string;
}

export function RegisterPage({
  ctx,
  csrf,
  next,
  values,
  errors,
}: {
  ctx: PageContext;
  /** The pre-session CSRF token (platform/auth/csrf.ts preSessionToken). */
  csrf: string;
  next: string;
  values: RegisterValues;
  errors: Record<string, string>;
}) {
  const url = `${ctx.base}/account/register`;
  const input = (
    id: keyof RegisterValues,
    label: string,
    hint: string | undefined,
    extra: Record<string, unknown> = {},
  ) => (
    <Field id={id} label={label} hint={hint} error={errors[id]}>
      <input
        id={id}
        name={id}
        value={values[id]}
        aria-describedby={describedBy(id, errors, !!hint)}
        aria-invalid={errors[id] ? "true" : undefined}
        {...extra}
      />
    </Field>
  );
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "用户注册", url }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "用户注册" }]}
    >
      <h1>注册个人或法人账号</h1>
      <ErrorSummary errors={errors} />
      <form method="post" action={url} class="form" novalidate>
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="next" value={next} />
        <fieldset class={errors.kind ? "field has-error" : "field"} id="kind">
          <legend>账号类型</legend>
          {Object.entries(ACCOUNT_KINDS).map(([k, label]) => (
            <label>
              <input type="radio" name="kind" value={k} checked={values.kind === k} /> {label}
            </label>
          ))}
          {errors.kind ? <span class="field-error">{errors.kind}</span> : null}
        </fieldset>
        {input("name", "姓名或单位名称", "个人填写身份证上的姓名，法人填写营业执照上的名称", {
          maxLength: 60,
          autocomplete: "name",
        })}
        {input("idNumber", "身份证号码（个人填写）", "18位居民身份证号码", {
          maxLength: 18,
          autocomplete: "off",
        })}
        {input("creditCode", "统一社会信用代码（法人填写）", "18位统一社会信用代码", { maxLength: 18 })}
        {input("contactName", "经办人姓名（法人填写）", undefined, { maxLength: 30 })}
        {input("phone", "手机号码", "个人账号以手机号登录", {
          maxLength: 11,
          inputMode: "numeric",
          autocomplete: "tel",
        })}
        <Field
          id="password"
          label="密码"
          hint="至少10位，包含大写字母、小写字母、数字、符号中的至少三种"
          error={errors.password}
        >
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            maxLength={128}
            aria-describedby={describedBy("password", errors, true)}
          />
        </Field>
        <Field id="password2" label="确认密码" error={errors.password2}>
          <input
            id="password2"
            name="password2"
            type="password"
            autocomplete="new-password"
            maxLength={128}
          />
        </Field>
        <div class={errors.agree ? "field has-error" : "field"}>
          {errors.agree ? <span class="field-error">{errors.agree}</span> : null}
          <label>
            <input id="agree" type="checkbox" name="agree" value="1" checked={values.agree === "1"} />{" "}
            我已阅读并同意用户服务协议和隐私政策
          </label>
        </div>
        <button type="submit" class="button">
          注册
        </button>
      </form>
      <p>
        已有账号？<a href={`${ctx.base}/account/login?next=${encodeURIComponent(next)}`}>登录</a>
      </p>
    </Layout>
  );
}

export function AccountPage({ ctx, account, csrf }: { ctx: PageContext; account: Account; csrf: string }) {
  const url = `${ctx.base}/account/`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "我的账号", url }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "我的账号" }]}
    >
      <h1>我的账号</h1>
      <table class="data-table">
        <caption class="visually-hidden">账号信息</caption>
        <tbody>
          <tr>
            <th scope="row">账号类型</th>
            <td>{ACCOUNT_KINDS[account.kind]}</td>
          </tr>
          <tr>
            <th scope="row">{account.kind === "enterprise" ? "单位名称" : "姓名"}</th>
            <td>{account.name}</td>
          </tr>
          {account.idNumber ? (
            <tr>
              <th scope="row">身份证号码</th>
              <td>{maskIdNumber(account.idNumber)}</td>
            </tr>
          ) : null}
          {account.creditCode ? (
            <tr>
              <th scope="row">统一社会信用代码</th>
              <td>{account.creditCode}</td>
            </tr>
          ) : null}
          <tr>
            <th scope="row">手机号码</th>
            <td>{account.phone ? maskPhone(account.phone) : "—"}</td>
          </tr>
          <tr>
            <th scope="row">实名认证</th>
            <td>
              {account.verified
                ? "已实名认证"
                : "未实名认证（通过统一身份认证平台登录或到窗口核验后完成实名认证）"}
            </td>
          </tr>
        </tbody>
      </table>
      <p>
        <a href={`${ctx.base}/services/my`}>我的办件</a>
      </p>
      <p>
        <a href={`${ctx.base}/account/letters`}>我的信件</a>
        （登录后写的信件及其答复；未登录时写的，凭信件编号和查询码
        <a href={`${ctx.base}/interaction/lookup`}>查询</a>）
      </p>
      <p>
        <a href={`${ctx.base}/account/disclosure`}>我的政府信息公开申请</a>（办理进度和答复书）
      </p>
      <p>
        <a href={`${ctx.base}/account/data-reads`}>谁查看了我的数据</a>
        （政府部门通过数据共享交换平台调用您的信息的记录）
      </p>
      <form method="post" action={`${ctx.base}/account/logout`}>
        <input type="hidden" name="_csrf" value={csrf} />
        <button type="submit" class="button secondary">
          退出登录
        </button>
      </form>
    </Layout>
  );
}
