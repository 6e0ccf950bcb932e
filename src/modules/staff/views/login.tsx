import { AdminLayout, CsrfField } from "../../../web/admin-layout.tsx";
import { Field } from "../../../web/components/form.tsx";

/** An operator's authenticator being set up: the secret, its otpauth link and that link as a QR code. */
export interface TotpEnrolment {
  secret: string;
  uri: string;
  /** The otpauth link as a QR code (an SVG data URI). */
  qr: string;
}

export function LoginPage({
  csrf,
  next,
  username,
  error,
}: {
  csrf: string;
  next: string;
  username: string;
  error?: string;
}) {
  return (
    <AdminLayout ctx={null} title="登录">
      <h1>工作人员登录</h1>
      {error ? (
        <div class="error-summary" role="alert" tabIndex={-1}>
          <h2>登录未成功</h2>
          <p>{error}</p>
        </div>
      ) : null}
      <form method="post" action="/admin/login" class="narrow-form">
        <CsrfField token={csrf} />
        <input type="hidden" name="next" value={next} />
        <Field id="username" label="用户名">
          <input id="username" name="username" autoComplete="username" value={username} required />
        </Field>
        <Field id="password" label="密码">
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </Field>
        <button type="submit" class="button">
          登录
        </button>
      </form>
      <p class="meta">连续输错5次密码，账号将被锁定15分钟。平台运维人员登录时还需输入动态验证码。</p>
    </AdminLayout>
  );
}

export function TotpPage({
  csrf,
  enrol,
  error,
}: {
  csrf: string;
  enrol: TotpEnrolment | null;
  error?: string;
}) {
  return (
    <AdminLayout ctx={null} title="动态验证码">
      <h1>{enrol ? "绑定身份验证器" : "输入动态验证码"}</h1>
      {error ? (
        <div class="error-summary" role="alert" tabIndex={-1}>
          <h2>验证未通过</h2>
          <p>{error}</p>
        </div>
      ) : null}
      {enrol ? (
        <section aria-labelledby="enrol-title">
          <h2 id="enrol-title">第一步：在身份验证器中添加账号</h2>
          <p>
            平台运维账号须使用动态验证码（TOTP）作为第二重验证。请用手机上的身份验证器应用（如 FreeOTP、Google
            Authenticator、微软 Authenticator）扫描下面的二维码；无法扫码时，手动添加账号并输入密钥。
          </p>
          <img
            class="totp-qr"
            src={enrol.qr}
            width={200}
            height={200}
            alt="身份验证器绑定二维码（无法扫码时请使用下方密钥）"
          />
          <dl class="secret-box">
            <dt>密钥（Base32）</dt>
            <dd>
              <code id="totp-secret">{enrol.secret}</code>
            </dd>
            <dt>导入链接</dt>
            <dd>
              <code class="break">{enrol.uri}</code>
            </dd>
          </dl>
          <h2>第二步：输入验证器显示的6位数字</h2>
        </section>
      ) : (
        <p>请打开身份验证器，输入“楚云政务平台”账号当前显示的6位数字。</p>
      )}
      <form method="post" action="/admin/login/totp" class="narrow-form">
        <CsrfField token={csrf} />
        <Field id="code" label="6位动态验证码">
          <input
            id="code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]{6,7}"
            maxLength={7}
            required
          />
        </Field>
        <button type="submit" class="button">
          验证并登录
        </button>
      </form>
      <p>
        <a href="/admin/login">返回重新登录</a>
      </p>
    </AdminLayout>
  );
}
