import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { PostButton } from "../../../web/components/post-button.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { CHART_TITLES, type ChartName } from "../charts.ts";
import { AccessRequests, REQUEST_STATUS_LABEL, type ExchangeScope } from "../requests.ts";
import type { AccessRequestStatus } from "../tables.ts";
import { ExchangeTabs } from "./request-pages.tsx";
import { formatPubDate } from "../../../web/layout.tsx";
import { SHARE_CLASS_LABEL, type Resource } from "../catalogue.ts";
import type { CallFigures, Member } from "../service.ts";

export interface GrantView {
  id: number;
  memberName: string;
  resourceCode: string;
  fields: string[];
  purpose: string;
  legalBasis: string;
  expiresAt: string;
  revokedAt: string | null;
  dailyQuota: number;
  ratePerMinute: number;
  provider: string;
}

export interface ExchangeConsoleData {
  figures: { totals: CallFigures; byResource: CallFigures[]; byMember: CallFigures[] };
  members: (Member & { createdAt: string; revokedAt: string | null })[];
  membersTotal: number;
  mpage: number;
  grants: GrantView[];
  grantsTotal: number;
  gpage: number;
  /** Live grants expiring within 30 days. */
  expiring: { id: number; memberName: string; resourceCode: string; expiresAt: string; daysLeft: number }[];
  /** Every member the actor may grant to (the direct grant form). */
  allMembers: Member[];
  resources: Resource[];
  requests: { counts: Partial<Record<AccessRequestStatus, number>>; overdue: number };
  scope: ExchangeScope;
  audit: { ok: boolean; checked: number; problems: number };
}

export type MemberForm = Partial<Record<"code" | "name" | "department" | "publicJwk", string>>;
export type GrantForm = Partial<
  Record<"memberId" | "resourceCode" | "purpose" | "legalBasis" | "expiresOn" | "dailyQuota", string>
> & {
  fields?: string[];
};

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

function Chart({ name }: { name: ChartName }) {
  return (
    <figure class="chart">
      <img
        src={`/admin/exchange/charts/${name}.svg`}
        alt={`${CHART_TITLES[name]}（图中数字见下表）`}
        width={640}
        loading="lazy"
      />
      <figcaption>{CHART_TITLES[name]}</figcaption>
    </figure>
  );
}

function FiguresTable({ caption, rows }: { caption: string; rows: CallFigures[] }) {
  return (
    <table class="data-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">名称</th>
          <th scope="col">调用次数</th>
          <th scope="col">成功率</th>
          <th scope="col">耗时 p50</th>
          <th scope="col">耗时 p99</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td>{r.name}</td>
            <td>{r.calls}</td>
            <td>{percent(r.successRate)}</td>
            <td>{r.p50Ms} ms</td>
            <td>{r.p99Ms} ms</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** 数据共享交换: figures, member systems, grants — one page for the data officer. */
export function ExchangeConsolePage({
  ctx,
  data,
  errors = {},
  memberForm = {},
  grantForm = {},
  notice,
}: {
  ctx: AdminContext;
  data: ExchangeConsoleData;
  errors?: Record<string, string>;
  memberForm?: MemberForm;
  grantForm?: GrantForm;
  notice?: string;
}) {
  const now = Date.now();
  const { scope } = data;
  const shared = data.resources.filter((r) => r.shareClass !== "none");
  const open = (["checking", "pending", "disputed"] as const).map(
    (s) => [s, data.requests.counts[s] ?? 0] as const,
  );
  return (
    <AdminLayout ctx={ctx} title="数据共享交换">
      <ExchangeTabs path={ctx.path} />
      <h1>数据共享交换</h1>
      <p>
        {scope.all
          ? "您是平台运维，可查看和管理全部资源、接入系统与共享申请。"
          : `您以数据管理员身份管理：${scope.departments.join("、")}${scope.authority ? "（数据主管部门）" : ""}。`}
      </p>
      {notice ? (
        <div class="notice info" role="status">
          <p>{notice}</p>
        </div>
      ) : null}
      <ErrorSummary errors={errors} />
      <h2>近30天调用</h2>
      <p>
        共 {data.figures.totals.calls} 次，成功率 {percent(data.figures.totals.successRate)}，耗时 p50{" "}
        {data.figures.totals.p50Ms} ms / p99 {data.figures.totals.p99Ms} ms。审计链：
        {data.audit.ok
          ? `完整（已核验 ${data.audit.checked} 条）`
          : `发现 ${data.audit.problems} 处异常，请运行 npm run audit:verify 查看`}
      </p>
      <h2>共享申请</h2>
      <p>
        {open.map(([s, n]) => (
          <>
            <a href={`/admin/exchange/requests?status=${s}`}>
              {REQUEST_STATUS_LABEL[s]} {n} 件
            </a>
            {"；"}
          </>
        ))}
        {data.requests.overdue > 0 ? (
          <a href="/admin/exchange/requests?overdue=1">
            <strong class="overdue">已超期 {data.requests.overdue} 件</strong>
          </a>
        ) : (
          "无超期。"
        )}{" "}
        <a href="/admin/exchange/requests/new">提出共享申请</a>
      </p>
      <Chart name="calls-by-resource" />
      <Chart name="latency-by-resource" />
      <FiguresTable caption="按数据资源" rows={data.figures.byResource} />
      <Chart name="calls-by-member" />
      <Chart name="latency-by-member" />
      <FiguresTable caption="按接入系统" rows={data.figures.byMember} />

      <h2>即将到期的授权</h2>
      {data.expiring.length > 0 ? (
        <>
          <p class="notice warning">{data.expiring.length} 项授权将在30天内到期。</p>
          <Chart name="expiring" />
          <table class="data-table">
            <caption>30天内到期的授权</caption>
            <thead>
              <tr>
                <th scope="col">接入系统</th>
                <th scope="col">资源</th>
                <th scope="col">到期</th>
                <th scope="col">剩余天数</th>
              </tr>
            </thead>
            <tbody>
              {data.expiring.map((g) => (
                <tr>
                  <td>{g.memberName}</td>
                  <td>{g.resourceCode}</td>
                  <td>{formatPubDate(g.expiresAt)}</td>
                  <td>{g.daysLeft}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p>30天内没有到期的授权。</p>
      )}

      <h2>共享授权</h2>
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">接入系统</th>
            <th scope="col">资源</th>
            <th scope="col">授权字段</th>
            <th scope="col">用途与依据</th>
            <th scope="col">每日 / 每分钟限额</th>
            <th scope="col">到期</th>
            <th scope="col">状态</th>
          </tr>
        </thead>
        <tbody>
          {data.grants.map((g) => (
            <tr>
              <td>{g.memberName}</td>
              <td>{g.resourceCode}</td>
              <td>{g.fields.join("、")}</td>
              <td>
                {g.purpose}
                <br />
                <small>{g.legalBasis}</small>
              </td>
              <td>
                {g.dailyQuota} / {g.ratePerMinute}
              </td>
              <td>{formatPubDate(g.expiresAt)}</td>
              <td>
                {g.revokedAt ? (
                  "已撤销"
                ) : Date.parse(g.expiresAt) <= now ? (
                  "已过期"
                ) : scope.authority || AccessRequests.actsFor(scope, g.provider) ? (
                  <PostButton action={`/admin/exchange/grants/${g.id}/revoke`} csrf={ctx.csrf} label="撤销" />
                ) : (
                  "有效"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination
        base="/admin/exchange"
        params={{ mpage: data.mpage > 1 ? data.mpage : null }}
        page={data.gpage}
        pageSize={20}
        total={data.grantsTotal}
        pageKey="gpage"
      />
      {scope.all ? (
        <GrantFormSection ctx={ctx} data={data} errors={errors} grantForm={grantForm} shared={shared} />
      ) : null}
      <MembersSection ctx={ctx} data={data} errors={errors} memberForm={memberForm} />
    </AdminLayout>
  );
}

function GrantFormSection({
  ctx,
  data,
  errors,
  grantForm,
  shared,
}: {
  ctx: AdminContext;
  data: ExchangeConsoleData;
  errors: Record<string, string>;
  grantForm: GrantForm;
  shared: Resource[];
}) {
  return (
    <>
      <h3>新增授权</h3>
      <form method="post" action="/admin/exchange/grants">
        <CsrfField token={ctx.csrf} />
        <Field id="memberId" label="接入系统" error={errors.memberId}>
          <select id="memberId" name="memberId">
            {data.allMembers
              .filter((m) => m.status === "active")
              .map((m) => (
                <option value={String(m.id)} selected={grantForm.memberId === String(m.id)}>
                  {m.name}
                </option>
              ))}
          </select>
        </Field>
        <Field id="resourceCode" label="数据资源" error={errors.resourceCode}>
          <select id="resourceCode" name="resourceCode">
            {shared.map((r) => (
              <option value={r.code} selected={grantForm.resourceCode === r.code}>
                {r.code} {r.name}（{SHARE_CLASS_LABEL[r.shareClass]}）
              </option>
            ))}
          </select>
        </Field>
        <fieldset class={errors.fields ? "field has-error" : "field"} id="fields">
          <legend>授权字段</legend>
          {errors.fields ? <span class="field-error">{errors.fields}</span> : null}
          {shared.map((r) =>
            r.fields.map((f) => (
              <label class="checkbox">
                <input
                  type="checkbox"
                  name="fields"
                  value={`${r.code}:${f.name}`}
                  checked={grantForm.fields?.includes(`${r.code}:${f.name}`)}
                />{" "}
                {r.code} · {f.label}（{f.name}）
              </label>
            )),
          )}
        </fieldset>
        <Field id="purpose" label="用途" error={errors.purpose}>
          <input id="purpose" name="purpose" type="text" maxLength={200} value={grantForm.purpose ?? ""} />
        </Field>
        <Field id="legalBasis" label="法律依据" error={errors.legalBasis}>
          <input
            id="legalBasis"
            name="legalBasis"
            type="text"
            maxLength={300}
            value={grantForm.legalBasis ?? ""}
          />
        </Field>
        <Field id="expiresOn" label="到期日期" error={errors.expiresOn}>
          <input id="expiresOn" name="expiresOn" type="date" value={grantForm.expiresOn ?? ""} />
        </Field>
        <Field id="dailyQuota" label="每日调用限额" error={errors.dailyQuota}>
          <input
            id="dailyQuota"
            name="dailyQuota"
            type="number"
            min={1}
            max={1000000}
            value={grantForm.dailyQuota ?? "1000"}
          />
        </Field>
        <button type="submit" class="button">
          新增授权
        </button>
      </form>
    </>
  );
}

function MembersSection({
  ctx,
  data,
  errors,
  memberForm,
}: {
  ctx: AdminContext;
  data: ExchangeConsoleData;
  errors: Record<string, string>;
  memberForm: MemberForm;
}) {
  const { scope } = data;
  return (
    <>
      <h2>接入系统</h2>
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">代码</th>
            <th scope="col">名称</th>
            <th scope="col">所属部门</th>
            <th scope="col">密钥标识（keyid）</th>
            <th scope="col">登记时间</th>
            <th scope="col">状态</th>
          </tr>
        </thead>
        <tbody>
          {data.members.map((m) => (
            <tr>
              <td>{m.code}</td>
              <td>{m.name}</td>
              <td>{m.department}</td>
              <td>
                <code>{m.keyId}</code>
              </td>
              <td>{formatPubDate(m.createdAt)}</td>
              <td>
                {m.status === "revoked" ? (
                  "已注销"
                ) : (
                  <PostButton
                    action={`/admin/exchange/members/${m.id}/revoke`}
                    csrf={ctx.csrf}
                    label="注销"
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination
        base="/admin/exchange"
        params={{ gpage: data.gpage > 1 ? data.gpage : null }}
        page={data.mpage}
        pageSize={20}
        total={data.membersTotal}
        pageKey="mpage"
      />
      <h3>登记接入系统</h3>
      <form method="post" action="/admin/exchange/members">
        <CsrfField token={ctx.csrf} />
        <Field id="code" label="系统代码" hint="小写字母、数字和连字符，如 rst-shebao" error={errors.code}>
          <input id="code" name="code" type="text" maxLength={40} value={memberForm.code ?? ""} />
        </Field>
        <Field id="name" label="系统名称" error={errors.name}>
          <input id="name" name="name" type="text" maxLength={100} value={memberForm.name ?? ""} />
        </Field>
        <Field id="department" label="所属部门" error={errors.department}>
          {scope.all ? (
            <input
              id="department"
              name="department"
              type="text"
              maxLength={100}
              value={memberForm.department ?? ""}
            />
          ) : (
            <select id="department" name="department">
              {scope.departments.map((d) => (
                <option value={d} selected={memberForm.department === d}>
                  {d}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="publicJwk"
          label="签名公钥（Ed25519 或国密 SM2，JWK 格式）"
          hint='如 {"kty":"OKP","crv":"Ed25519","x":"…"}；私钥只保存在接入系统一方'
          error={errors.publicJwk}
        >
          <textarea id="publicJwk" name="publicJwk" rows={3} maxLength={2000}>
            {memberForm.publicJwk ?? ""}
          </textarea>
        </Field>
        <button type="submit" class="button">
          登记
        </button>
      </form>
    </>
  );
}
