import { Layout, formatDate, type PageContext } from "../../../web/layout.tsx";
import { maskIdNumber, maskName } from "../../../platform/mask/mask.ts";
import type { LicenceItem } from "../catalogue.ts";
import type { Licence } from "../service.ts";
import type { Verification } from "../verify.ts";
import type { Consent, LicenceFetch } from "../consents.ts";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";

const CONSENT_STATE: Record<Consent["state"], string> = {
  active: "有效",
  revoked: "已撤回",
  expired: "已过期",
  pending: "未生效",
};

const FETCH_REASON: Record<string, string> = {
  no_consent: "未获授权",
  consent_revoked: "授权已撤回",
  consent_expired: "授权已过期",
  consent_not_yet_valid: "授权未生效",
};

type Paged<T> = { rows: T[]; total: number; page: number };
const PAGE = 10;

export const STATUS_LABEL: Record<Licence["status"], string> = {
  valid: "有效",
  revoked: "已注销",
  suspended: "已暂停",
};

export const RESULT_LABEL: Record<Verification["result"], string> = {
  valid: "核验通过：证照真实有效",
  revoked: "证照已被发证部门注销",
  suspended: "证照已被发证部门暂停使用",
  expired: "证照已过有效期",
  forged: "核验不通过：亮证信息不真实或已被篡改",
};

export const REASON_LABEL: Record<NonNullable<Verification["reason"]>, string> = {
  malformed: "内容不是有效的亮证码",
  unknown_key: "签发密钥不在发证方公布的公钥中",
  bad_signature: "发证签名验证失败",
  disclosure_not_issued: "出示的信息项不是发证时签发的（被篡改或伪造）",
  holder_binding_missing: "缺少持证人绑定签名",
  holder_binding_invalid: "持证人绑定签名验证失败",
  presentation_stale: "亮证码已过期（有效期 5 分钟），请持证人重新亮证",
  nonce_mismatch: "随机数与核验方给出的不一致",
  audience_mismatch: "亮证码不是出示给本核验方的",
  status_unavailable: "无法取得证照状态列表",
};

/** How an item shows in lists: personal data masked. */
export function itemText(item: LicenceItem, value: unknown, masked = true): string {
  if (typeof value === "boolean") return value ? "是" : "否";
  const text = value === undefined || value === null ? "" : String(value);
  if (!masked || !item.personal) return text;
  if (item.name.toLowerCase().includes("idnumber") || item.name === "cardNo") return maskIdNumber(text);
  if (item.name.toLowerCase().endsWith("name") || item.name === "legalRepresentative") return maskName(text);
  return text.length > 6 ? `${text.slice(0, 6)}****` : "****";
}

function StatusTag({ status, expired }: { status: Licence["status"]; expired: boolean }) {
  const label = status === "valid" && expired ? "已过期" : STATUS_LABEL[status];
  return <strong class={status === "valid" && !expired ? "tag ok" : "tag warn"}>{label}</strong>;
}

const isExpired = (l: Licence) => l.expiresAt !== null && Date.parse(l.expiresAt) <= Date.now();

/** 我的电子证照: the signed-in citizen's or enterprise's wallet. */
export function WalletPage({
  ctx,
  licences,
  consents,
  fetches,
  csrf,
}: {
  ctx: PageContext;
  licences: Licence[];
  consents?: Paged<Consent>;
  fetches?: Paged<LicenceFetch>;
  csrf?: string;
}) {
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "我的电子证照", url: `${ctx.base}/account/licences` }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "我的账号", href: `${ctx.base}/account/` },
        { name: "我的电子证照" },
      ]}
    >
      <h1>我的电子证照</h1>
      <p>
        电子证照由发证部门签发，与纸质证照具有同等效力。亮证时您可以只出示需要的信息项（例如只出示“年满18周岁”），
        核验方扫码即可验证真伪和状态。每次签发和注销都记入公开的透明日志，任何人都可以核查。
      </p>
      {licences.length === 0 ? (
        <p>您还没有电子证照。</p>
      ) : (
        <ul class="card-list">
          {licences.map((l) => (
            <li class="card">
              <h2>{l.kind.name}</h2>
              <p>
                <StatusTag status={l.status} expired={isExpired(l)} /> · 发证部门：{l.department} · 发证日期：
                {formatDate(l.issuedAt)} · 有效期至：{l.expiresAt ? formatDate(l.expiresAt) : "长期"}
              </p>
              <dl>
                {l.kind.items.slice(0, 3).map((item) => (
                  <>
                    <dt>{item.label}</dt>
                    <dd>{itemText(item, l.claims[item.name])}</dd>
                  </>
                ))}
              </dl>
              <p>
                <a href={`${ctx.base}/account/licences/${l.id}`}>
                  查看和亮证<span class="visually-hidden">：{l.kind.name}</span>
                </a>
              </p>
            </li>
          ))}
        </ul>
      )}
      {consents ? <ConsentList ctx={ctx} consents={consents} fetches={fetches} csrf={csrf ?? ""} /> : null}
      {fetches ? <FetchLog ctx={ctx} fetches={fetches} consents={consents} /> : null}
      <p>
        <a href={`${ctx.base}/licences/verify`}>核验他人出示的电子证照</a>
      </p>
    </Layout>
  );
}

const pageParams = (consents?: Paged<Consent>, fetches?: Paged<LicenceFetch>) => ({
  cpage: consents && consents.page > 1 ? consents.page : null,
  fpage: fetches && fetches.page > 1 ? fetches.page : null,
});

/** The holder's consents: whom, which licence, what for, until when; revocable. */
function ConsentList({
  ctx,
  consents,
  fetches,
  csrf,
}: {
  ctx: PageContext;
  consents: Paged<Consent>;
  fetches?: Paged<LicenceFetch>;
  csrf: string;
}) {
  return (
    <section id="consents">
      <h2>我的授权</h2>
      <p>
        您可以在证照页面授权某个部门或接入系统在一段时间内为某一用途调取证照，随时可以撤回；撤回后对方立即无法调取。
      </p>
      {consents.rows.length === 0 ? (
        <p>您还没有授权任何部门调取证照。</p>
      ) : (
        <table class="data-table">
          <caption class="visually-hidden">我的授权</caption>
          <thead>
            <tr>
              <th scope="col">证照</th>
              <th scope="col">被授权方</th>
              <th scope="col">用途</th>
              <th scope="col">有效期</th>
              <th scope="col">状态</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {consents.rows.map((c) => (
              <tr>
                <td>{c.licenceKindName}</td>
                <td>{c.granteeName}</td>
                <td>
                  {c.purpose}
                  {c.caseNo ? `（办件 ${c.caseNo}）` : ""}
                </td>
                <td>
                  {formatDate(c.validFrom)} 至 {formatDate(c.validUntil)}
                </td>
                <td>{CONSENT_STATE[c.state]}</td>
                <td>
                  {c.state === "active" || c.state === "pending" ? (
                    <form method="post" action={`${ctx.base}/account/licences/consents/${c.id}/revoke`}>
                      <input type="hidden" name="_csrf" value={csrf} />
                      <button type="submit" class="button secondary">
                        撤回<span class="visually-hidden">对{c.granteeName}的授权</span>
                      </button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination
        base={`${ctx.base}/account/licences`}
        params={pageParams(undefined, fetches)}
        page={consents.page}
        pageSize={PAGE}
        total={consents.total}
        pageKey="cpage"
      />
    </section>
  );
}

/** 谁查看了我的证照: every fetch over the hub and every use by the service hall, refused ones too. */
function FetchLog({
  ctx,
  fetches,
  consents,
}: {
  ctx: PageContext;
  fetches: Paged<LicenceFetch>;
  consents?: Paged<Consent>;
}) {
  return (
    <section id="fetches">
      <h2>谁查看了我的证照</h2>
      {fetches.rows.length === 0 ? (
        <p>还没有部门调取或使用过您的证照。</p>
      ) : (
        <table class="data-table">
          <caption class="visually-hidden">谁查看了我的证照</caption>
          <thead>
            <tr>
              <th scope="col">时间</th>
              <th scope="col">证照</th>
              <th scope="col">调取方</th>
              <th scope="col">办件编号</th>
              <th scope="col">结果</th>
            </tr>
          </thead>
          <tbody>
            {fetches.rows.map((f) => (
              <tr>
                <td>{formatDate(f.at)}</td>
                <td>{f.licenceKindName}</td>
                <td>
                  {f.memberName}（{f.department}）{f.channel === "hall" ? "：办件中使用电子证照" : ""}
                </td>
                <td>{f.caseNo}</td>
                <td>
                  {f.result === "served" ? "已提供" : `已拒绝（${FETCH_REASON[f.reason] ?? f.reason}）`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination
        base={`${ctx.base}/account/licences`}
        params={pageParams(consents, undefined)}
        page={fetches.page}
        pageSize={PAGE}
        total={fetches.total}
        pageKey="fpage"
      />
    </section>
  );
}

export interface ConsentFormValues {
  grantee: string;
  purpose: string;
  caseNo: string;
  validFrom: string;
  validUntil: string;
}

/** The form authorising a department or member system to fetch this licence (no JavaScript needed). */
function ConsentForm({
  url,
  csrf,
  grantees,
  values,
  errors,
}: {
  url: string;
  csrf: string;
  grantees: { value: string; label: string }[];
  values?: ConsentFormValues;
  errors?: Record<string, string>;
}) {
  const e = errors ?? {};
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const v = values ?? { grantee: "", purpose: "", caseNo: "", validFrom: today, validUntil: "" };
  return (
    <form method="post" action={`${url}/consents`} id="consent" class="form">
      <input type="hidden" name="_csrf" value={csrf} />
      <h2>授权调取</h2>
      <p>
        授权后，被授权方只能在有效期内、为写明的用途，通过数据共享交换平台调取这张证照；每次调取都会在“谁查看了我的证照”中列出。
      </p>
      {errors ? <ErrorSummary errors={e} /> : null}
      <Field id="grantee" label="被授权的部门或接入系统" error={e.grantee}>
        <select id="grantee" name="grantee" aria-invalid={e.grantee ? "true" : undefined}>
          <option value="">请选择</option>
          {grantees.map((g) => (
            <option value={g.value} selected={g.value === v.grantee}>
              {g.label}
            </option>
          ))}
        </select>
      </Field>
      <Field id="purpose" label="用途" hint="例如：办理公积金贷款" error={e.purpose}>
        <input
          id="purpose"
          name="purpose"
          type="text"
          value={v.purpose}
          maxLength={200}
          aria-describedby="purpose-hint"
        />
      </Field>
      <Field id="caseNo" label="办件编号（可选，填写后只能为该办件调取）" error={e.caseNo}>
        <input id="caseNo" name="caseNo" type="text" value={v.caseNo} maxLength={64} />
      </Field>
      <Field id="validFrom" label="开始日期" error={e.validFrom}>
        <input id="validFrom" name="validFrom" type="date" value={v.validFrom} />
      </Field>
      <Field id="validUntil" label="截止日期（含当日，最长一年）" error={e.validUntil}>
        <input id="validUntil" name="validUntil" type="date" value={v.validUntil} />
      </Field>
      <button type="submit" class="button">
        授权
      </button>
    </form>
  );
}

/** One licence: all its items (masked) and the 亮证 form choosing which items to show. */
export function LicencePage({
  ctx,
  licence,
  csrf,
  error,
  grantees,
  consentForm,
  consentErrors,
}: {
  ctx: PageContext;
  licence: Licence;
  csrf: string;
  error?: string;
  grantees?: { value: string; label: string }[];
  consentForm?: ConsentFormValues;
  consentErrors?: Record<string, string>;
}) {
  const url = `${ctx.base}/account/licences/${licence.id}`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: licence.kind.name, url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "我的电子证照", href: `${ctx.base}/account/licences` },
        { name: licence.kind.name },
      ]}
    >
      <h1>{licence.kind.name}</h1>
      <p>
        <StatusTag status={licence.status} expired={isExpired(licence)} /> · 发证部门：{licence.department}
      </p>
      <form method="post" action={`${url}/present`}>
        <input type="hidden" name="_csrf" value={csrf} />
        <fieldset
          class={error ? "field has-error" : "field"}
          aria-describedby={error ? "disclose-error" : undefined}
        >
          <legend>亮证：选择要出示的信息项</legend>
          {error ? (
            <span class="field-error" id="disclose-error">
              <span class="visually-hidden">错误：</span>
              {error}
            </span>
          ) : null}
          {licence.kind.items.map((item) => (
            <div class="checkbox">
              <input type="checkbox" name="disclose" value={item.name} id={`d-${item.name}`} />
              <label for={`d-${item.name}`}>
                {item.label}：{itemText(item, licence.claims[item.name])}
              </label>
            </div>
          ))}
        </fieldset>
        <button type="submit" class="button">
          生成亮证码
        </button>
      </form>
      {grantees && licence.status === "valid" ? (
        <ConsentForm url={url} csrf={csrf} grantees={grantees} values={consentForm} errors={consentErrors} />
      ) : null}
      <h2>透明日志</h2>
      <p>
        本证照在透明日志中的叶哈希：<code>{licence.leafHash}</code>。可用
        <code>GET /api/licences/log/proof?leafHash=…&amp;treeSize=…</code> 取得包含证明。
      </p>
    </Layout>
  );
}

/** The QR code of a presentation (and its text, for copying to a verifier). */
export function PresentationPage({
  ctx,
  licence,
  presentation,
  qr,
  items,
}: {
  ctx: PageContext;
  licence: Licence;
  presentation: string;
  qr: string;
  items: string[];
}) {
  return (
    <Layout
      ctx={ctx}
      meta={{ title: `亮证：${licence.kind.name}`, url: `${ctx.base}/account/licences/${licence.id}` }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "我的电子证照", href: `${ctx.base}/account/licences` },
        { name: "亮证" },
      ]}
    >
      <h1>亮证：{licence.kind.name}</h1>
      <p>出示的信息项：{items.join("、")}。亮证码 5 分钟内有效，请让核验方扫码或复制下面的文本核验。</p>
      <p>
        <img src={qr} alt={`${licence.kind.name}亮证二维码`} width={320} height={320} class="qr" />
      </p>
      <div class="field">
        <label for="presentation">亮证码文本</label>
        <textarea id="presentation" readOnly rows={6} class="code">
          {presentation}
        </textarea>
      </div>
      <p>
        <a href={`${ctx.base}/account/licences/${licence.id}`}>重新选择信息项</a>
      </p>
    </Layout>
  );
}

/** The verifier page: paste (or scan into) a presentation; shows the result. */
export function VerifyPage({
  ctx,
  presentation,
  verification,
  labels,
}: {
  ctx: PageContext;
  presentation?: string;
  verification?: Verification;
  labels?: Record<string, string>;
}) {
  const url = `${ctx.base}/licences/verify`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "电子证照核验", url }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "电子证照核验" }]}
    >
      <h1>电子证照核验</h1>
      {verification ? (
        <section aria-live="polite" class={verification.result === "valid" ? "notice" : "error-summary"}>
          <h2>{RESULT_LABEL[verification.result]}</h2>
          {verification.reason ? <p>原因：{REASON_LABEL[verification.reason]}</p> : null}
          {Object.keys(verification.claims).length ? (
            <dl>
              {Object.entries(verification.claims).map(([name, value]) => (
                <>
                  <dt>{labels?.[name] ?? name}</dt>
                  <dd>{typeof value === "boolean" ? (value ? "是" : "否") : String(value)}</dd>
                </>
              ))}
            </dl>
          ) : null}
        </section>
      ) : null}
      <form method="post" action={url}>
        <div class="field">
          <label for="presentation">亮证码文本</label>
          <span class="meta" id="presentation-hint">
            扫描持证人出示的二维码，或粘贴亮证码文本。核验使用发证方公布的公钥和证照状态列表，不上传持证人未出示的信息。
          </span>
          <textarea id="presentation" name="presentation" rows={6} aria-describedby="presentation-hint">
            {presentation ?? ""}
          </textarea>
        </div>
        <div data-licence-scan=""></div>
        <button type="submit" class="button">
          核验
        </button>
      </form>
      <script src="/static/js/licence-scan.js" defer></script>
    </Layout>
  );
}
