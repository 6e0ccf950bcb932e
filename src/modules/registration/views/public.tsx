import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { formatPubDate, Layout, type PageContext } from "../../../web/layout.tsx";
import { FormFields, type FormValues } from "../../onestop/index.ts";
import type { Campaign, Figures } from "../service.ts";
import { DISTRICTS, districtLabel } from "../validation.ts";

export interface FixedValues {
  name: string;
  idNumber: string;
  phone: string;
  district: string;
}

const CITIES = [...new Set(DISTRICTS.map((d) => d.city))];

function DistrictSelect({ value, error }: { value: string; error?: string }) {
  return (
    <Field id="district" label="所在县（市、区）" error={error}>
      <select
        id="district"
        name="district"
        required
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? "district-error" : undefined}
      >
        <option value="">请选择</option>
        {CITIES.map((city) => (
          <optgroup label={city}>
            {DISTRICTS.filter((d) => d.city === city).map((d) => (
              <option value={d.code} selected={d.code === value}>
                {d.name}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </Field>
  );
}

function TextInput(p: {
  id: keyof FixedValues;
  label: string;
  value: string;
  error?: string;
  hint?: string;
  inputMode?: "numeric" | "tel";
  autoComplete?: string;
  maxLength: number;
}) {
  const describedBy = [p.hint ? `${p.id}-hint` : "", p.error ? `${p.id}-error` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <Field id={p.id} label={p.label} hint={p.hint} error={p.error}>
      <input
        id={p.id}
        name={p.id}
        type="text"
        value={p.value}
        required
        maxLength={p.maxLength}
        inputMode={p.inputMode}
        autoComplete={p.autoComplete}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
      />
    </Field>
  );
}

/** The public registration form: works on a 2G phone without JavaScript; every problem shown by its field. */
export function RegistrationFormPage(p: {
  ctx: PageContext;
  campaign: Campaign;
  fixed: FixedValues;
  values: FormValues;
  errors: Record<string, string>;
  closed: string | null;
  /** The campaign takes real-name verified citizens only and this visitor is not one: where to sign in. */
  signIn?: string;
  /** Signed in but not real-name verified: where the account is verified. */
  verifyAt?: string;
  busy?: boolean;
}) {
  const { ctx, campaign: c } = p;
  const url = `${ctx.base}/registration/${c.code}`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: c.title, url, description: c.summary }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "应急登记" }, { name: c.title }]}
    >
      <h1>{c.title}</h1>
      <p>{c.summary}</p>
      {p.closed ? (
        <p class="notice" role="status">
          {p.closed}
        </p>
      ) : c.audience === "partners" ? (
        <p class="notice" role="status">
          本登记由社区、单位等接入系统统一报送，个人无需在此填报。如有疑问请联系所在社区。
        </p>
      ) : p.signIn ? (
        <p class="notice" role="status">
          本登记须由实名认证的本人填报，请先<a href={p.signIn}>登录</a>。
        </p>
      ) : p.verifyAt ? (
        <p class="notice" role="status">
          本登记须由实名认证的本人填报。您的账号尚未实名认证，请先在<a href={p.verifyAt}>我的账号</a>
          中完成实名认证。
        </p>
      ) : (
        <>
          {p.busy ? (
            <p class="error-summary" role="alert">
              当前登记人数过多，您的登记<strong>尚未受理</strong>
              。已填写的内容保留在下面，请稍等片刻后再次点击“提交登记”。
            </p>
          ) : (
            <ErrorSummary errors={p.errors} />
          )}
          <form method="post" action={url} novalidate>
            <TextInput
              id="name"
              label="姓名"
              value={p.fixed.name}
              error={p.errors.name}
              maxLength={30}
              autoComplete="name"
            />
            <TextInput
              id="idNumber"
              label="身份证号码"
              hint="18位，最后一位可能是X"
              value={p.fixed.idNumber}
              error={p.errors.idNumber}
              maxLength={18}
            />
            <TextInput
              id="phone"
              label="联系电话"
              hint="手机号码，或带区号的固定电话"
              inputMode="tel"
              value={p.fixed.phone}
              error={p.errors.phone}
              maxLength={20}
              autoComplete="tel"
            />
            <DistrictSelect value={p.fixed.district} error={p.errors.district} />
            <FormFields schema={c.form} values={p.values} errors={p.errors} />
            <p class="meta">
              {c.dedup === "per_id_per_day"
                ? "同一身份证号每天登记一次；当天再次提交将以最后一次为准。"
                : "每次提交都会单独保存。"}
              您的身份证号码和联系电话加密保存，仅用于本次登记。
            </p>
            <button type="submit" class="button">
              提交登记
            </button>
          </form>
        </>
      )}
      <p>
        <a href={`${url}/figures`}>查看登记统计</a>
      </p>
    </Layout>
  );
}

export function ReceiptPage(p: {
  ctx: PageContext;
  campaign: Campaign;
  record: { id: string; day: string; submittedAt: string; district: string } | null;
  replaced: boolean;
}) {
  const { ctx, campaign: c } = p;
  const url = `${ctx.base}/registration/${c.code}/receipt`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: `${c.title}：登记回执`, url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: c.title, href: `${ctx.base}/registration/${c.code}` },
        { name: "登记回执" },
      ]}
    >
      {p.record ? (
        <>
          <h1>登记成功</h1>
          <p role="status">
            {p.replaced ? "您今天已登记过，本次内容已替换先前的登记。" : "您的登记已受理并保存。"}
          </p>
          <dl class="facts">
            <dt>登记编号</dt>
            <dd>{p.record.id}</dd>
            <dt>登记时间</dt>
            <dd>{formatPubDate(p.record.submittedAt)}</dd>
            <dt>所在地区</dt>
            <dd>{districtLabel(p.record.district)}</dd>
          </dl>
          <p>请记下登记编号。如需修改，当天重新登记即可。</p>
        </>
      ) : (
        <>
          <h1>未找到该登记</h1>
          <p>登记编号或回执码不正确，请核对后重试。</p>
        </>
      )}
      <p>
        <a href={`${ctx.base}/registration/${c.code}`}>返回登记页</a>
      </p>
    </Layout>
  );
}

/** Live figures: a table (works in elder mode and without JavaScript) and ECharts charts as SVG images. */
export function FiguresPage({
  ctx,
  campaign: c,
  figures,
}: {
  ctx: PageContext;
  campaign: Campaign;
  figures: Figures;
}) {
  const base = `${ctx.base}/registration/${c.code}`;
  const flagged = new Set(figures.elevated);
  return (
    <Layout
      ctx={ctx}
      meta={{ title: `${c.title}：登记统计`, url: `${base}/figures` }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: c.title, href: base }, { name: "登记统计" }]}
    >
      <h1>{c.title}：登记统计</h1>
      <p>
        累计登记 <strong>{figures.total}</strong> 人次，今日 <strong>{figures.today}</strong>{" "}
        人次。数据每几秒更新一次。
      </p>
      {figures.alerts.length > 0 ? (
        <section aria-labelledby="alerts">
          <h2 id="alerts">风险提示记录</h2>
          <ul>
            {figures.alerts.map((a) => (
              <li>
                {a.day} {districtLabel(a.district)}：{a.reason}（{a.count} 人），已通知{a.office}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <h2>各地区登记人数</h2>
      {figures.byDistrict.length > 0 ? (
        <figure class="chart">
          <img
            src={`${base}/figures/districts.svg`}
            alt="各地区登记人数柱状图（数据见下表）"
            width={600}
            height={Math.max(160, 60 + Math.min(figures.byDistrict.length, 20) * 28)}
          />
        </figure>
      ) : null}
      <table class="data-table">
        <caption>各县（市、区）登记人数</caption>
        <thead>
          <tr>
            <th scope="col">地区</th>
            <th scope="col">今日</th>
            <th scope="col">累计</th>
            <th scope="col">风险提示</th>
          </tr>
        </thead>
        <tbody>
          {figures.byDistrict.map((d) => (
            <tr>
              <th scope="row">{districtLabel(d.district)}</th>
              <td>{d.today}</td>
              <td>{d.total}</td>
              <td>{flagged.has(d.district) ? "风险较高" : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {figures.byAnswer.map((q) => (
        <section>
          <h2>{q.label}</h2>
          <figure class="chart">
            <img
              src={`${base}/figures/${q.field}.svg`}
              alt={`${q.label}统计图（数据见下表）`}
              width={600}
              height={Math.max(160, 60 + q.counts.length * 36)}
            />
          </figure>
          <table class="data-table">
            <caption>{q.label}</caption>
            <thead>
              <tr>
                <th scope="col">选项</th>
                <th scope="col">人次</th>
              </tr>
            </thead>
            <tbody>
              {q.counts.map((r) => (
                <tr>
                  <th scope="row">{r.value}</th>
                  <td>{r.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </Layout>
  );
}
