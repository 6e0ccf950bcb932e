import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { PostButton } from "../../../web/components/post-button.tsx";
import { chinaTime } from "../../../platform/time/china-time.ts";
import { OPERATORS, type Evaluation } from "../engine.ts";
import { EDITABLE_FIELDS, PROFILE_FIELDS } from "../fields.ts";
import { STATUS_WORD, type Benefit, type Grant, type RuleVersion } from "../service.ts";
import type { GrantStatus } from "../tables.ts";

/** One condition row of the rule editor, as typed. */
export interface ConditionRow {
  fact: string;
  operator: string;
  value: string;
  clause: string;
}

/** One test case row, as typed (the profile as JSON text). */
export interface CaseRow {
  name: string;
  profile: string;
  expected: string;
}

export interface EditorForm {
  effectiveFrom: string;
  conditions: ConditionRow[];
  cases: CaseRow[];
}

export interface LinkForm {
  policyArticleId: string;
  interpretationArticleId: string;
  serviceItemCode: string;
}

export interface TrialForm {
  versionId: number | null;
  values: Record<string, string>;
}

export type ListedBenefit = Benefit & { latest: RuleVersion | null; published: RuleVersion | null };

export interface GuideWarning {
  benefit: Benefit;
  missing: string[];
  due: string;
  overdue: boolean;
}

const VERSION_STATUS: Record<RuleVersion["status"], string> = { draft: "草稿", published: "已发布" };

export const GRANT_STATUS: Record<GrantStatus, string> = {
  noticed: "公示中",
  objected: "企业有异议",
  granted: "已兑现待拨付",
  paid: "已拨付",
  withdrawn: "已撤销",
};

const MET: Record<string, string> = { true: "✓ 满足", false: "✗ 不满足", null: "？ 无法判断" };

/** 惠企政策 console: the benefits (paged) and the 7-working-day warnings first. */
export function PoliciesListPage({
  ctx,
  items,
  page,
  pageSize,
  total,
  warnings,
  departmentName,
}: {
  ctx: AdminContext;
  items: ListedBenefit[];
  page: number;
  pageSize: number;
  total: number;
  warnings: GuideWarning[];
  departmentName: (code: string) => string;
}) {
  return (
    <AdminLayout ctx={ctx} title="惠企政策">
      <h1>惠企政策</h1>
      <p>
        <a href="/admin/policies/new">新增政策事项</a> ·{" "}
        <a href="/admin/policies/grants">免申即享兑现与异议</a>
      </p>
      {warnings.length ? (
        <section class="notice error" role="alert" aria-labelledby="guide-warnings">
          <h2 id="guide-warnings">政策解读与办事指南提醒（新政策须在7个工作日内配齐）</h2>
          <ul>
            {warnings.map((w) => (
              <li>
                <a href={`/admin/policies/${w.benefit.id}`}>{w.benefit.title}</a>（
                {departmentName(w.benefit.department)}）缺少{w.missing.join("、")}，
                {w.overdue ? <strong>已超期（期限 {chinaTime(w.due)}）</strong> : `期限 ${chinaTime(w.due)}`}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <table class="data-table">
        <caption>政策事项（共 {total} 项）</caption>
        <thead>
          <tr>
            <th scope="col">政策事项</th>
            <th scope="col">部门</th>
            <th scope="col">当前版本</th>
            <th scope="col">状态</th>
            <th scope="col">生效日期</th>
          </tr>
        </thead>
        <tbody>
          {items.map((b) => {
            const shown = b.published ?? b.latest;
            return (
              <tr>
                <td>
                  <a href={`/admin/policies/${b.id}`}>{b.title}</a>
                </td>
                <td>{departmentName(b.department)}</td>
                <td>{shown ? `第${shown.version}版` : "（无）"}</td>
                <td>
                  {shown ? VERSION_STATUS[shown.status] : "草稿"}
                  {b.latest && b.published && b.latest.id !== b.published.id
                    ? `（另有第${b.latest.version}版${VERSION_STATUS[b.latest.status]}）`
                    : ""}
                </td>
                <td>{shown?.effectiveFrom ?? ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Pagination base="/admin/policies" page={page} pageSize={pageSize} total={total} />
    </AdminLayout>
  );
}

function ConditionEditorRow({ row, i, error }: { row: ConditionRow; i: number; error?: string }) {
  return (
    <fieldset id={`conditions.${i}`} class={error ? "field has-error" : "field"}>
      <legend>条件 {i + 1}</legend>
      {error ? <span class="field-error">{error}</span> : null}
      <label for={`c-${i}-fact`}>字段</label>
      <select id={`c-${i}-fact`} name={`c.${i}.fact`}>
        <option value="">（不使用此行）</option>
        {PROFILE_FIELDS.map((f) => (
          <option value={f.name} selected={f.name === row.fact}>
            {f.label}
            {f.unit ? `（${f.unit}）` : ""}
          </option>
        ))}
      </select>
      <label for={`c-${i}-operator`}>比较</label>
      <select id={`c-${i}-operator`} name={`c.${i}.operator`}>
        {Object.entries(OPERATORS).map(([op, o]) => (
          <option value={op} selected={op === row.operator}>
            {o.label}
          </option>
        ))}
      </select>
      <label for={`c-${i}-value`}>取值（多个用顿号分隔；是/否）</label>
      <input id={`c-${i}-value`} name={`c.${i}.value`} value={row.value} maxLength={500} />
      <label for={`c-${i}-clause`}>依据条款</label>
      <input id={`c-${i}-clause`} name={`c.${i}.clause`} value={row.clause} maxLength={200} />
      <button type="submit" class="button secondary" name="action" value={`remove:${i}`}>
        删除此条件
      </button>
    </fieldset>
  );
}

function CaseEditorRow({ row, i, error }: { row: CaseRow; i: number; error?: string }) {
  return (
    <fieldset id={`testCases.${i}`} class={error ? "field has-error" : "field"}>
      <legend>测试用例 {i + 1}</legend>
      {error ? <span class="field-error">{error}</span> : null}
      <label for={`t-${i}-name`}>用例名称</label>
      <input id={`t-${i}-name`} name={`t.${i}.name`} value={row.name} maxLength={100} />
      <label for={`t-${i}-profile`}>企业画像（JSON，如 {'{"headcount": 50}'}）</label>
      <textarea id={`t-${i}-profile`} name={`t.${i}.profile`} rows={3}>
        {row.profile}
      </textarea>
      <label for={`t-${i}-expected`}>预期结果</label>
      <select id={`t-${i}-expected`} name={`t.${i}.expected`}>
        {Object.entries(STATUS_WORD).map(([k, word]) => (
          <option value={k} selected={k === row.expected}>
            {word}
          </option>
        ))}
      </select>
      <button type="submit" class="button secondary" name="action" value={`remove-case:${i}`}>
        删除此用例
      </button>
    </fieldset>
  );
}

/** One benefit: versions (publish), the no-code rule editor with test cases, and the 试算 panel. */
export function BenefitPage({
  ctx,
  benefit,
  departmentName,
  versions,
  form,
  errors = {},
  publishErrors = {},
  notice,
  trial,
  trialResult,
  trialErrors = {},
  link,
  linkErrors = {},
}: {
  ctx: AdminContext;
  benefit: Benefit;
  link?: LinkForm;
  linkErrors?: Record<string, string>;
  departmentName: string;
  versions: RuleVersion[];
  form: EditorForm;
  errors?: Record<string, string>;
  publishErrors?: Record<string, string>;
  notice?: string;
  trial: TrialForm;
  trialResult?: Evaluation;
  trialErrors?: Record<string, string>;
}) {
  const base = `/admin/policies/${benefit.id}`;
  return (
    <AdminLayout ctx={ctx} title={benefit.title}>
      <p>
        <a href="/admin/policies">返回惠企政策列表</a>
      </p>
      <h1>{benefit.title}</h1>
      <p class="meta">
        {departmentName} · 编号 {benefit.code}
        {benefit.amount ? ` · ${benefit.amount}` : ""} · 政策解读
        {benefit.interpretationArticleId ? "已关联" : "未关联"} · 办事指南
        {benefit.serviceItemCode ? `（${benefit.serviceItemCode}）` : "未关联"}
      </p>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}

      <h2 id="links">政策文件、解读与办事指南</h2>
      <ErrorSummary errors={linkErrors} />
      <form method="post" action={`${base}/links#links`}>
        <CsrfField token={ctx.csrf} />
        <Field id="policyArticleId" label="政策文件（政策文件库信息编号）" error={linkErrors.policyArticleId}>
          <input
            id="policyArticleId"
            name="policyArticleId"
            value={link?.policyArticleId ?? String(benefit.policyArticleId ?? "")}
            maxLength={12}
          />
        </Field>
        <Field
          id="interpretationArticleId"
          label="政策解读（信息编号）"
          hint="新政策须在7个工作日内配齐政策解读与办事指南"
          error={linkErrors.interpretationArticleId}
        >
          <input
            id="interpretationArticleId"
            name="interpretationArticleId"
            value={link?.interpretationArticleId ?? String(benefit.interpretationArticleId ?? "")}
            maxLength={12}
          />
        </Field>
        <Field id="serviceItemCode" label="办事指南（服务事项编码）" error={linkErrors.serviceItemCode}>
          <input
            id="serviceItemCode"
            name="serviceItemCode"
            value={link?.serviceItemCode ?? benefit.serviceItemCode ?? ""}
            maxLength={60}
          />
        </Field>
        <button type="submit" class="button secondary">
          保存关联
        </button>
      </form>

      <h2>规则版本</h2>
      <ErrorSummary errors={publishErrors} title="不能发布：以下测试用例未通过" />
      {versions.length ? (
        <table class="data-table">
          <caption class="visually-hidden">规则版本</caption>
          <thead>
            <tr>
              <th scope="col">版本</th>
              <th scope="col">生效日期</th>
              <th scope="col">状态</th>
              <th scope="col">条件</th>
              <th scope="col">测试用例</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr>
                <td>第{v.version}版</td>
                <td>{v.effectiveFrom}</td>
                <td>
                  {VERSION_STATUS[v.status]}
                  {v.publishedAt ? `（${chinaTime(v.publishedAt)}）` : ""}
                </td>
                <td>{v.conditions.length}</td>
                <td>{v.testCases.length}</td>
                <td>
                  {v.status === "draft" ? (
                    <PostButton action={`${base}/versions/${v.id}/publish`} csrf={ctx.csrf} label="发布" />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>还没有规则版本。</p>
      )}

      <h2>编辑规则（保存为新的草稿版本）</h2>
      <ErrorSummary errors={errors} />
      <form method="post" action={`${base}/versions`}>
        <CsrfField token={ctx.csrf} />
        <input type="hidden" name="rows" value={String(form.conditions.length)} />
        <input type="hidden" name="trows" value={String(form.cases.length)} />
        <Field id="effectiveFrom" label="生效日期" hint="如 2026-01-01" error={errors.effectiveFrom}>
          <input id="effectiveFrom" name="effectiveFrom" value={form.effectiveFrom} maxLength={10} />
        </Field>
        <p class="meta">每一行是一个条件，全部满足才“符合”；每个条件须注明依据的政策条款。</p>
        {errors.conditions ? (
          <p class="field-error" id="conditions">
            {errors.conditions}
          </p>
        ) : null}
        {form.conditions.map((row, i) => (
          <ConditionEditorRow row={row} i={i} error={errors[`conditions.${i}`]} />
        ))}
        <button type="submit" class="button secondary" name="action" value="add">
          增加条件
        </button>
        <h3>测试用例（发布前须全部通过）</h3>
        {errors.testCases ? (
          <p class="field-error" id="testCases">
            {errors.testCases}
          </p>
        ) : null}
        {form.cases.map((row, i) => (
          <CaseEditorRow row={row} i={i} error={errors[`testCases.${i}`]} />
        ))}
        <button type="submit" class="button secondary" name="action" value="add-case">
          增加测试用例
        </button>
        <p>
          <button type="submit" class="button" name="action" value="save">
            保存版本
          </button>
        </p>
      </form>

      <h2 id="trial">试算</h2>
      {versions.length ? (
        <form method="post" action={`${base}/try#trial`}>
          <CsrfField token={ctx.csrf} />
          <ErrorSummary errors={trialErrors} title="企业信息有误" />
          <Field id="versionId" label="用哪一版规则试算">
            <select id="versionId" name="versionId">
              {versions.map((v) => (
                <option value={String(v.id)} selected={v.id === trial.versionId}>
                  第{v.version}版（{VERSION_STATUS[v.status]}）
                </option>
              ))}
            </select>
          </Field>
          {EDITABLE_FIELDS.map((f) => (
            <Field
              id={f.name}
              label={`${f.label}${f.unit ? `（${f.unit}）` : ""}`}
              hint={
                f.options ? Object.values(f.options).join("、") : f.type === "boolean" ? "是/否" : undefined
              }
              error={trialErrors[f.name]}
            >
              <input id={f.name} name={f.name} value={trial.values[f.name] ?? ""} maxLength={100} />
            </Field>
          ))}
          <button type="submit" class="button">
            试算
          </button>
        </form>
      ) : (
        <p>保存一个规则版本后即可试算。</p>
      )}
      {trialResult ? (
        <section aria-labelledby="trial-result">
          <h3 id="trial-result">试算结果：{STATUS_WORD[trialResult.status]}</h3>
          <table class="data-table">
            <caption class="visually-hidden">逐条判断</caption>
            <thead>
              <tr>
                <th scope="col">条件</th>
                <th scope="col">依据条款</th>
                <th scope="col">结论</th>
                <th scope="col">企业的值</th>
                <th scope="col">说明</th>
                <th scope="col">怎样会改变</th>
              </tr>
            </thead>
            <tbody>
              {trialResult.conditions.map((c) => (
                <tr>
                  <td>{c.condition}</td>
                  <td>{c.clause}</td>
                  <td>{MET[String(c.met)]}</td>
                  <td>{c.value === null || c.value === undefined ? "（未知）" : String(c.value)}</td>
                  <td>{c.why}</td>
                  <td>{c.whatWouldChange ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </AdminLayout>
  );
}

/** 免申即享 grants: objections first, the 60-working-day payment clock, marking payments. */
export function GrantsPage({
  ctx,
  items,
  page,
  pageSize,
  total,
  status,
  notice,
  errors = {},
}: {
  ctx: AdminContext;
  items: Grant[];
  page: number;
  pageSize: number;
  total: number;
  status: GrantStatus | "";
  notice?: string;
  errors?: Record<string, string>;
}) {
  const now = new Date().toISOString();
  return (
    <AdminLayout ctx={ctx} title="免申即享兑现">
      <p>
        <a href="/admin/policies">返回惠企政策列表</a>
      </p>
      <h1>免申即享兑现</h1>
      <p>兑现后须在60个工作日内拨付；企业在公示期内提出异议的，兑现暂停，待核实后维持或撤销。</p>
      <p>
        <a href="/admin/policies/grants?status=objected">只看企业有异议的记录</a>
      </p>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorSummary errors={errors} />
      <form method="get" action="/admin/policies/grants" class="filters">
        <label>
          状态
          <select name="status">
            <option value="">全部</option>
            {Object.entries(GRANT_STATUS).map(([k, word]) => (
              <option value={k} selected={k === status}>
                {word}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="button secondary">
          筛选
        </button>
      </form>
      <table class="data-table">
        <caption>兑现记录（共 {total} 条）</caption>
        <thead>
          <tr>
            <th scope="col">企业</th>
            <th scope="col">政策事项</th>
            <th scope="col">状态</th>
            <th scope="col">异议</th>
            <th scope="col">拨付期限</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {items.map((g) => (
            <tr>
              <td>{g.enterprise || `账号 ${g.accountId}`}</td>
              <td>{g.title}</td>
              <td>{GRANT_STATUS[g.status]}</td>
              <td>{g.objection ?? ""}</td>
              <td>
                {g.payDue ? (
                  g.status === "granted" && g.payDue < now ? (
                    <strong>已超期（{chinaTime(g.payDue)}）</strong>
                  ) : (
                    chinaTime(g.payDue)
                  )
                ) : g.status === "noticed" ? (
                  `公示至 ${chinaTime(g.objectionUntil)}`
                ) : (
                  ""
                )}
                {g.paidAt ? `，已于 ${chinaTime(g.paidAt)} 拨付` : ""}
              </td>
              <td>
                {g.status === "granted" ? (
                  <PostButton
                    action={`/admin/policies/grants/${g.id}/paid`}
                    csrf={ctx.csrf}
                    label="登记已拨付"
                  />
                ) : null}
                {g.status === "objected" ? (
                  <>
                    <PostButton
                      action={`/admin/policies/grants/${g.id}/uphold`}
                      csrf={ctx.csrf}
                      label="维持兑现（开始计算拨付期限）"
                    />
                    <PostButton
                      action={`/admin/policies/grants/${g.id}/withdraw`}
                      csrf={ctx.csrf}
                      label="撤销兑现"
                    />
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination
        base="/admin/policies/grants"
        params={{ status: status || null }}
        page={page}
        pageSize={pageSize}
        total={total}
      />
    </AdminLayout>
  );
}

export interface NewBenefitForm {
  code: string;
  title: string;
  summary: string;
  department: string;
  stage: string;
  amount: string;
  serviceItemCode: string;
}

/** 新增政策事项: a benefit's identity (its rules are written on its own page afterwards). */
export function NewBenefitPage({
  ctx,
  form,
  errors = {},
  departments,
  stages,
}: {
  ctx: AdminContext;
  form: NewBenefitForm;
  errors?: Record<string, string>;
  departments: { code: string; name: string }[];
  stages: { key: string; name: string }[];
}) {
  return (
    <AdminLayout ctx={ctx} title="新增政策事项">
      <h1>新增政策事项</h1>
      <p>先登记事项，再在事项页面编写适用条件（规则版本）和测试用例。</p>
      <ErrorSummary errors={errors} />
      <form method="post" action="/admin/policies/new">
        <CsrfField token={ctx.csrf} />
        <Field id="code" label="事项编号" hint="2-40位字母、数字或连字符，如 RST-2026-01" error={errors.code}>
          <input id="code" name="code" type="text" maxLength={40} value={form.code} required />
        </Field>
        <Field id="title" label="政策事项名称" error={errors.title}>
          <input id="title" name="title" type="text" maxLength={200} value={form.title} required />
        </Field>
        <Field id="summary" label="简介（可选）" error={errors.summary}>
          <textarea id="summary" name="summary" rows={3} maxLength={2000}>
            {form.summary}
          </textarea>
        </Field>
        <Field id="department" label="部门" error={errors.department}>
          <select id="department" name="department">
            {departments.map((d) => (
              <option value={d.code} selected={d.code === form.department}>
                {d.name}
              </option>
            ))}
          </select>
        </Field>
        <Field id="stage" label="企业生命周期阶段" error={errors.stage}>
          <select id="stage" name="stage">
            {stages.map((s) => (
              <option value={s.key} selected={s.key === form.stage}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field id="amount" label="扶持内容（可选）" hint="如 每人补贴1000元" error={errors.amount}>
          <input id="amount" name="amount" type="text" maxLength={200} value={form.amount} />
        </Field>
        <Field id="serviceItemCode" label="办事指南事项编码（可选）" error={errors.serviceItemCode}>
          <input
            id="serviceItemCode"
            name="serviceItemCode"
            type="text"
            maxLength={60}
            value={form.serviceItemCode}
          />
        </Field>
        <button type="submit" class="button">
          保存并编写规则
        </button>
      </form>
    </AdminLayout>
  );
}
