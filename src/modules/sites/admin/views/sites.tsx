import { AdminLayout, CsrfField, type AdminContext } from "../../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../../web/components/form.tsx";
import type { Site } from "../../service.ts";
import { SITE_KINDS } from "../../service.ts";

export const SITE_FIELDS = [
  ["name", "网站名称", ""],
  ["code", "站点代码", "用于地址 /sites/代码/，如 jyt；修改后旧地址自动跳转"],
  ["siteCode", "网站标识码", "10位，由主管部门分配"],
  ["host", "域名", "如 jyt.example.gov.cn"],
  ["themeColor", "主题色", "#RRGGBB"],
  ["logoText", "标识文字", ""],
  ["sponsor", "主办单位", ""],
  ["organizer", "承办单位", ""],
  ["contact", "联系方式", ""],
  ["icp", "ICP备案号", ""],
  ["policeRecord", "公安备案号", ""],
] as const;

export type SiteFormValues = Record<(typeof SITE_FIELDS)[number][0] | "kind", string>;

export function siteValues(site: Site | null): SiteFormValues {
  const v = {} as SiteFormValues;
  for (const [k] of SITE_FIELDS) v[k] = site ? String(site[k] ?? "") : "";
  v.kind = site?.kind ?? "department";
  if (!site) v.themeColor = "#b3261e";
  return v;
}

export function SitesPage({
  ctx,
  sites,
  canCreate,
  canEdit,
}: {
  ctx: AdminContext;
  sites: Site[];
  canCreate: boolean;
  canEdit: (siteId: number) => boolean;
}) {
  return (
    <AdminLayout ctx={ctx} title="网站管理">
      <h1>网站管理</h1>
      {canCreate ? (
        <p>
          <a class="button" href="/admin/sites/new">
            新建网站
          </a>
        </p>
      ) : null}
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">网站名称</th>
            <th scope="col">类型</th>
            <th scope="col">网站标识码</th>
            <th scope="col">地址</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {sites.map((s) => (
            <tr>
              <td>{s.name}</td>
              <td>{SITE_KINDS[s.kind] ?? s.kind}</td>
              <td>{s.siteCode}</td>
              <td>
                <a href={`/sites/${s.code}/`}>/sites/{s.code}/</a>
                <br />
                <span class="meta">{s.host}</span>
              </td>
              <td class="actions">
                {canEdit(s.id) ? (
                  <>
                    <a href={`/admin/sites/${s.id}`}>编辑</a>
                    <a href={`/admin/sites/${s.id}/channels`}>栏目</a>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminLayout>
  );
}

export function SiteFormPage({
  ctx,
  site,
  values,
  errors,
  message,
  operator,
  saved,
}: {
  ctx: AdminContext;
  site: Site | null;
  values: SiteFormValues;
  errors: Record<string, string>;
  message?: string;
  operator: boolean;
  saved?: boolean;
}) {
  const title = site ? `编辑网站：${site.name}` : "新建网站";
  return (
    <AdminLayout ctx={ctx} title={title}>
      <h1>{title}</h1>
      {saved ? (
        <p class="notice info" role="status">
          已保存。
        </p>
      ) : null}
      {!site ? (
        <p>
          新网站按标准栏目模板（政务公开、政策文件、政策解读、通知公告、工作动态等）生成，保存后立即可访问。
        </p>
      ) : null}
      <ErrorSummary errors={errors} title={message} />
      <form method="post" action={site ? `/admin/sites/${site.id}` : "/admin/sites/new"}>
        <CsrfField token={ctx.csrf} />
        <Field id="kind" label="网站类型" error={errors.kind}>
          <select id="kind" name="kind" disabled={!!site}>
            {Object.entries(SITE_KINDS).map(([k, v]) => (
              <option value={k} selected={values.kind === k}>
                {v}
              </option>
            ))}
          </select>
        </Field>
        {SITE_FIELDS.map(([k, label, hint]) => {
          const locked = !!site && (k === "siteCode" || (!operator && (k === "code" || k === "host")));
          return (
            <Field id={k} label={label} hint={hint || undefined} error={errors[k]}>
              <input
                id={k}
                name={k}
                value={values[k]}
                maxLength={120}
                disabled={locked}
                aria-describedby={errors[k] ? `${k}-error` : hint ? `${k}-hint` : undefined}
              />
            </Field>
          );
        })}
        <button type="submit" class="button">
          {site ? "保存" : "创建网站"}
        </button>
      </form>
    </AdminLayout>
  );
}
