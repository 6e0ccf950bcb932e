import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { PostButton } from "../../../web/components/post-button.tsx";
import { formatPubDate } from "../../../web/layout.tsx";
import { maskIdNumber, maskName, maskPhone } from "../../../platform/mask/mask.ts";
import { FormFields, type FormSchema } from "../../onestop/index.ts";
import { AUDIENCES, DEDUP_RULES, type Campaign, type Figures, type RegistrationRecord } from "../service.ts";
import { districtLabel } from "../validation.ts";

/** The campaign editor's fields as typed (every value a string, so nothing typed is lost). */
export type CampaignForm = Record<
  | "code"
  | "title"
  | "summary"
  | "form"
  | "audience"
  | "dedup"
  | "retentionDays"
  | "opensAt"
  | "closesAt"
  | "thresholds"
  | "office"
  | "officeSiteId"
  | "officePhone",
  string
>;

export function CampaignListPage({
  ctx,
  campaigns,
  counts,
}: {
  ctx: AdminContext;
  campaigns: Campaign[];
  counts: Map<number, number>;
}) {
  return (
    <AdminLayout ctx={ctx} title="应急登记">
      <h1>应急登记</h1>
      <p>
        <a class="button" href="/admin/registration/new">
          新建登记活动
        </a>
      </p>
      <table class="data-table">
        <caption>登记活动</caption>
        <thead>
          <tr>
            <th scope="col">活动</th>
            <th scope="col">代码</th>
            <th scope="col">谁可以登记</th>
            <th scope="col">开放时间</th>
            <th scope="col">登记数</th>
          </tr>
        </thead>
        <tbody>
          {campaigns.map((c) => (
            <tr>
              <td>
                <a href={`/admin/registration/${c.code}`}>{c.title}</a>
              </td>
              <td>{c.code}</td>
              <td>{AUDIENCES[c.audience]}</td>
              <td>
                {formatPubDate(c.opensAt)} 至 {c.closesAt ? formatPubDate(c.closesAt) : "不限"}
              </td>
              <td>{counts.get(c.id) ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminLayout>
  );
}

function CampaignEditor({
  form,
  errors,
  isNew,
  csrf,
  preview,
  sites,
}: {
  form: CampaignForm;
  errors: Record<string, string>;
  isNew: boolean;
  csrf: string;
  preview: FormSchema | null;
  sites: { id: number; name: string }[];
}) {
  const action = isNew ? "/admin/registration" : `/admin/registration/${form.code}`;
  const text = (
    id: keyof CampaignForm,
    label: string,
    hint?: string,
    type: "text" | "number" | "datetime-local" = "text",
  ) => (
    <Field id={id} label={label} hint={hint} error={errors[id]}>
      <input
        id={id}
        name={id}
        type={type as "text"}
        value={form[id]}
        aria-invalid={errors[id] ? "true" : undefined}
      />
    </Field>
  );
  return (
    <form method="post" action={action}>
      <CsrfField token={csrf} />
      <ErrorSummary errors={errors} />
      {isNew
        ? text("code", "活动代码", "小写字母、数字或连字符；公开地址为 /sites/www/registration/代码")
        : null}
      {text("title", "活动名称")}
      <Field id="summary" label="说明（显示在登记页顶部）" error={errors.summary}>
        <textarea id="summary" name="summary" rows={3}>
          {form.summary}
        </textarea>
      </Field>
      <Field id="audience" label="谁可以登记" error={errors.audience}>
        <select id="audience" name="audience">
          {Object.entries(AUDIENCES).map(([v, l]) => (
            <option value={v} selected={form.audience === v}>
              {l}
            </option>
          ))}
        </select>
      </Field>
      <Field id="dedup" label="去重规则" error={errors.dedup}>
        <select id="dedup" name="dedup">
          {Object.entries(DEDUP_RULES).map(([v, l]) => (
            <option value={v} selected={form.dedup === v}>
              {l}
            </option>
          ))}
        </select>
      </Field>
      {text("retentionDays", "保存期限（天）", "期满的登记每天自动删除，并记入审计日志", "number")}
      {text("opensAt", "开始时间", "北京时间", "datetime-local")}
      {text("closesAt", "结束时间", "留空表示不限", "datetime-local")}
      {text("office", "风险提示接收单位", "地区超过阈值时通知的单位")}
      <Field
        id="officeSiteId"
        label="接收单位的站点"
        hint="该站点的工作人员在后台“风险提示通知”中收到提示；不选则通知平台运维"
        error={errors.officeSiteId}
      >
        <select id="officeSiteId" name="officeSiteId">
          <option value="">（平台运维）</option>
          {sites.map((x) => (
            <option value={String(x.id)} selected={form.officeSiteId === String(x.id)}>
              {x.name}
            </option>
          ))}
        </select>
      </Field>
      {text("officePhone", "值班手机号", "达到阈值时发送短信（经短信发件箱）；留空则不发短信")}
      <Field
        id="thresholds"
        label="风险阈值（每行一条）"
        hint="“题目名=选项>=人数”：当天某县（市、区）该项人数达到时提示风险；“*>=人数”按登记总人数"
        error={errors.thresholds}
      >
        <textarea id="thresholds" name="thresholds" rows={3}>
          {form.thresholds}
        </textarea>
      </Field>
      <Field
        id="form"
        label="登记题目（表单定义，JSON）"
        hint="与服务事项表单同一格式：fields 数组，每题 name、label、type（text、textarea、number、date、select、multiselect）、required、options 等，多选题可用 exclusiveOption 指定互斥选项（如“无以上症状”）；姓名、身份证号码、手机号码和所在地区固定收集，不必再列"
        error={errors.form}
      >
        <textarea id="form" name="form" rows={14} spellcheck={false}>
          {form.form}
        </textarea>
      </Field>
      <button type="submit" name="action" value="preview" class="button secondary">
        预览表单
      </button>{" "}
      <button type="submit" name="action" value="save" class="button">
        保存
      </button>
      {preview ? (
        <section aria-labelledby="preview-title" class="form-preview">
          <h2 id="preview-title">表单预览</h2>
          <FormFields schema={preview} values={{}} errors={{}} />
        </section>
      ) : null}
    </form>
  );
}

export function CampaignEditPage(p: {
  ctx: AdminContext;
  form: CampaignForm;
  errors: Record<string, string>;
  isNew: boolean;
  preview: FormSchema | null;
  sites: { id: number; name: string }[];
}) {
  return (
    <AdminLayout ctx={p.ctx} title={p.isNew ? "新建登记活动" : "修改登记活动"}>
      <h1>{p.isNew ? "新建登记活动" : `修改：${p.form.title}`}</h1>
      <CampaignEditor
        form={p.form}
        errors={p.errors}
        isNew={p.isNew}
        csrf={p.ctx.csrf}
        preview={p.preview}
        sites={p.sites}
      />
    </AdminLayout>
  );
}

export interface CampaignPageData {
  campaign: Campaign;
  figures: Figures;
  records: RegistrationRecord[];
  total: number;
  page: number;
  perPage: number;
  district: string;
  keys: {
    id: number;
    name: string;
    dailyQuota: number;
    today: number;
    createdAt: string;
    revokedAt: string | null;
  }[];
  /** Whether the viewer may see full personal data (with a reason). */
  mayReveal: boolean;
  newKey?: string;
  notice?: string;
  errors?: Record<string, string>;
}

export function CampaignPage({ ctx, data }: { ctx: AdminContext; data: CampaignPageData }) {
  const c = data.campaign;
  const base = `/admin/registration/${c.code}`;
  return (
    <AdminLayout ctx={ctx} title={c.title}>
      <h1>{c.title}</h1>
      {data.notice ? (
        <p class="notice" role="status">
          {data.notice}
        </p>
      ) : null}
      <p>
        公开登记页：<a href={`/sites/www/registration/${c.code}`}>/sites/www/registration/{c.code}</a>；统计：
        <a href={`/sites/www/registration/${c.code}/figures`}>登记统计</a>；接口：
        <code>POST /api/registration/campaigns/{c.code}/submissions</code>。{" "}
        <a href={`${base}/edit`}>修改活动</a> ·{" "}
        <a href={`/admin/registration-batches/${c.code}`}>批量上传（CSV/XLSX）</a> ·{" "}
        <a href="/admin/registration-notices">风险提示通知</a>
      </p>
      <p>
        谁可以登记：{AUDIENCES[c.audience]}；{DEDUP_RULES[c.dedup]}；保存 {c.retentionDays} 天；累计{" "}
        {data.figures.total}，今日 {data.figures.today}。
      </p>
      {data.figures.alerts.length > 0 ? (
        <>
          <h2>风险提示</h2>
          <ul>
            {data.figures.alerts.map((a) => (
              <li>
                {a.day} {districtLabel(a.district)}：{a.reason}（{a.count} 人），已通知{a.office}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>接入系统密钥</h2>
      {data.newKey ? (
        <p class="notice" role="status">
          新密钥（只显示这一次，请立即交给接入系统）：<code>{data.newKey}</code>
        </p>
      ) : null}
      <table class="data-table">
        <caption>密钥与每日额度</caption>
        <thead>
          <tr>
            <th scope="col">名称</th>
            <th scope="col">每日额度</th>
            <th scope="col">今日已用</th>
            <th scope="col">状态</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {data.keys.map((k) => (
            <tr>
              <td>{k.name}</td>
              <td>{k.dailyQuota}</td>
              <td>{k.today}</td>
              <td>{k.revokedAt ? `已注销 ${formatPubDate(k.revokedAt)}` : "有效"}</td>
              <td>
                {k.revokedAt ? null : (
                  <PostButton action={`${base}/keys/${k.id}/revoke`} csrf={ctx.csrf} label="注销" />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action={`${base}/keys`}>
        <CsrfField token={ctx.csrf} />
        <ErrorSummary errors={data.errors ?? {}} />
        <Field id="keyName" label="接入系统名称" error={data.errors?.keyName}>
          <input id="keyName" name="keyName" />
        </Field>
        <Field id="dailyQuota" label="每日额度" error={data.errors?.dailyQuota}>
          <input id="dailyQuota" name="dailyQuota" type="number" value="10000" />
        </Field>
        <button type="submit" class="button">
          签发密钥
        </button>
      </form>
      <h2>登记记录</h2>
      <p class="meta">
        身份证号码、手机号码和姓名默认脱敏显示。
        {data.mayReveal ? "查看完整信息须填写事由，每次查看都记入审计日志。" : "您的角色无权查看完整信息。"}
        导出：<code>npm run registration:export -- --campaign {c.code} --out FILE.csv</code>
      </p>
      <form method="get" action={base}>
        <Field id="district" label="按地区代码筛选">
          <input id="district" name="district" value={data.district} maxLength={6} />
        </Field>
        <button type="submit" class="button secondary">
          筛选
        </button>
      </form>
      <table class="data-table">
        <caption>共 {data.total} 条</caption>
        <thead>
          <tr>
            <th scope="col">登记编号</th>
            <th scope="col">姓名</th>
            <th scope="col">身份证号码</th>
            <th scope="col">手机号码</th>
            <th scope="col">地区</th>
            <th scope="col">时间</th>
            <th scope="col">渠道</th>
            {data.mayReveal ? <th scope="col">完整信息</th> : null}
          </tr>
        </thead>
        <tbody>
          {data.records.map((r) => (
            <tr>
              <td>{r.id}</td>
              <td>{maskName(r.name)}</td>
              <td>{maskIdNumber(r.idNumber)}</td>
              <td>{maskPhone(r.phone)}</td>
              <td>{districtLabel(r.district)}</td>
              <td>{formatPubDate(r.submittedAt)}</td>
              <td>{r.channel}</td>
              {data.mayReveal ? (
                <td>
                  <form method="post" action={`${base}/records/${r.id}/reveal`} class="inline-form">
                    <CsrfField token={ctx.csrf} />
                    <label for={`reason-${r.id}`} class="visually-hidden">
                      查看事由
                    </label>
                    <input id={`reason-${r.id}`} name="reason" placeholder="查看事由" maxLength={200} />
                    <button type="submit" class="button secondary">
                      查看
                    </button>
                  </form>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination
        base={base}
        params={{ district: data.district }}
        page={data.page}
        pageSize={data.perPage}
        total={data.total}
      />
    </AdminLayout>
  );
}

export function RecordPage({
  ctx,
  campaign,
  record,
  reason,
}: {
  ctx: AdminContext;
  campaign: Campaign;
  record: RegistrationRecord;
  reason: string;
}) {
  return (
    <AdminLayout ctx={ctx} title={`登记 ${record.id}`}>
      <h1>登记 {record.id}</h1>
      <p class="notice" role="status">
        本次查看已记入审计日志（事由：{reason}）。
      </p>
      <dl class="facts">
        <dt>姓名</dt>
        <dd>{record.name}</dd>
        <dt>身份证号码</dt>
        <dd>{record.idNumber}</dd>
        <dt>手机号码</dt>
        <dd>{record.phone}</dd>
        <dt>地区</dt>
        <dd>{districtLabel(record.district)}</dd>
        <dt>登记时间</dt>
        <dd>{formatPubDate(record.submittedAt)}</dd>
        <dt>当天修改次数</dt>
        <dd>{record.revisions}</dd>
        {campaign.form.fields.map((f) => (
          <>
            <dt>{f.label}</dt>
            <dd>
              {Array.isArray(record.answers[f.name])
                ? (record.answers[f.name] as string[]).join("、")
                : (record.answers[f.name] ?? "—")}
            </dd>
          </>
        ))}
      </dl>
      <p>
        <a href={`/admin/registration/${campaign.code}`}>返回</a>
      </p>
    </AdminLayout>
  );
}
