import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { may, RIGHTS } from "../../staff/index.ts";
import { ErrorSummary, Field, SelectField } from "../../../web/components/form.tsx";
import type { FaqRecord, LetterCandidate, QueueGroup } from "../service.ts";

export const STATUS_NAMES: Record<string, string> = {
  draft: "草稿",
  submitted: "待审核",
  published: "已发布",
};

export interface FaqFormValues {
  siteId: string;
  department: string;
  category: string;
  question: string;
  alternatives: string;
  answer: string;
  keywords: string;
  links: string;
  resolveTurns: string;
}

export interface Figures {
  days: number;
  questions: number;
  answered: number;
  answerRate: number | null;
  conversations: number;
  handoffs: number;
  handoffRate: number | null;
  helpful: number;
  unhelpful: number;
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`);

function SubNav({ ctx }: { ctx: AdminContext }) {
  const { path } = ctx;
  const items = [
    { href: "/admin/assistant", name: "概况" },
    { href: "/admin/assistant/faqs", name: "知识库" },
    { href: "/admin/assistant/queue", name: "待补充问题" },
    { href: "/admin/assistant/letters", name: "信箱候选问答" },
    ...(may(ctx.staff, RIGHTS.assistantEdit)
      ? [{ href: "/admin/assistant/faqs/new", name: "新建条目" }]
      : []),
  ];
  return (
    <nav aria-label="智能客服" class="sub-nav">
      <ul>
        {items.map((i) => (
          <li>
            <a href={i.href} aria-current={path.split("?")[0] === i.href ? "page" : undefined}>
              {i.name}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function QueueTable({ groups, ctx, actions }: { groups: QueueGroup[]; ctx: AdminContext; actions: boolean }) {
  if (groups.length === 0) return <p>暂无待处理的问题。</p>;
  return (
    <table class="data-table">
      <caption class="visually-hidden">未答和差评问题（按相似度分组）</caption>
      <thead>
        <tr>
          <th scope="col">问题（示例）</th>
          <th scope="col">次数</th>
          <th scope="col">差评</th>
          {actions ? <th scope="col">操作</th> : null}
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr>
            <td>
              {g.question}
              {g.examples.length > 1 ? (
                <span class="meta">（相似：{g.examples.slice(1).join("；")}）</span>
              ) : null}
            </td>
            <td>{g.count}</td>
            <td>{g.lowRated}</td>
            {actions ? (
              <td>
                <a
                  href={`/admin/assistant/queue/fix?question=${encodeURIComponent(g.question)}&turns=${g.turnIds.slice(0, 200).join(",")}`}
                >
                  一步修正
                </a>{" "}
                <a
                  href={`/admin/assistant/faqs/new?question=${encodeURIComponent(g.question)}&turns=${g.turnIds.slice(0, 200).join(",")}`}
                >
                  据此新建条目
                </a>
                <form method="post" action="/admin/assistant/queue/resolve" class="inline-form">
                  <CsrfField token={ctx.csrf} />
                  <input type="hidden" name="turns" value={g.turnIds.slice(0, 200).join(",")} />
                  <button type="submit" class="button secondary">
                    标记已处理
                  </button>
                </form>
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function excerpt(text: string | null, max: number): string {
  const chars = [...(text ?? "").replace(/\s+/g, " ").trim()];
  return chars.length > max ? `${chars.slice(0, max).join("")}…` : chars.join("");
}

/** Published mailbox letters not yet turned into FAQ entries, each with a one-click draft. */
function LetterCandidates({
  ctx,
  rows,
  canCreate,
  siteNames,
}: {
  ctx: AdminContext;
  rows: LetterCandidate[];
  canCreate: boolean;
  siteNames: Map<number, string>;
}) {
  if (rows.length === 0) return <p>暂无新的已公开信件。</p>;
  return (
    <table class="data-table letter-candidates">
      <caption class="visually-hidden">来自领导信箱的候选问答</caption>
      <thead>
        <tr>
          <th scope="col">来信（已隐去个人信息）</th>
          <th scope="col">公开答复</th>
          <th scope="col">承办单位</th>
          {canCreate ? <th scope="col">操作</th> : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td>
              <strong>{r.publicSubject}</strong>
              <span class="meta">{excerpt(r.publicContent, 80)}</span>
            </td>
            <td>{excerpt(r.publicAnswer, 120)}</td>
            <td>{siteNames.get(r.ownerSiteId ?? r.siteId) ?? ""}</td>
            {canCreate ? (
              <td>
                <form method="post" action={`/admin/assistant/letters/${r.id}`} class="inline-form">
                  <CsrfField token={ctx.csrf} />
                  <button type="submit" class="button secondary">
                    据此新建草稿条目
                  </button>
                </form>
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function LetterCandidatesPage({
  ctx,
  rows,
  total,
  page,
  pages,
  canCreate,
  siteNames,
}: {
  ctx: AdminContext;
  rows: LetterCandidate[];
  total: number;
  page: number;
  pages: number;
  canCreate: boolean;
  siteNames: Map<number, string>;
}) {
  return (
    <AdminLayout ctx={ctx} title="来自领导信箱的候选问答">
      <h1>来自领导信箱的候选问答</h1>
      <SubNav ctx={ctx} />
      <p class="meta">
        本网站已公开的信件和答复（个人信息已隐去），共 {total}{" "}
        封尚未转为问答条目。据此新建的条目为草稿，需送审、审核后才会上线；已转为条目的信件不再列出。
      </p>
      <LetterCandidates ctx={ctx} rows={rows} canCreate={canCreate} siteNames={siteNames} />
      <Pager base="/admin/assistant/letters?" page={page} pages={pages} />
    </AdminLayout>
  );
}

export function AssistantDashboard({
  ctx,
  figures,
  top,
  entries,
  buildMs,
  candidates,
}: {
  ctx: AdminContext;
  figures: Figures;
  top: QueueGroup[];
  entries: { total: number; live: number; submitted: number };
  buildMs: number;
  candidates: { rows: LetterCandidate[]; total: number; canCreate: boolean; siteNames: Map<number, string> };
}) {
  return (
    <AdminLayout ctx={ctx} title="智能客服">
      <h1>智能客服</h1>
      <SubNav ctx={ctx} />
      <h2>近{figures.days}天</h2>
      <dl class="figures">
        <div>
          <dt>提问数</dt>
          <dd>{figures.questions}</dd>
        </div>
        <div>
          <dt>答复率</dt>
          <dd>{pct(figures.answerRate)}</dd>
        </div>
        <div>
          <dt>转人工率</dt>
          <dd>
            {pct(figures.handoffRate)}（{figures.handoffs}/{figures.conversations} 个会话）
          </dd>
        </div>
        <div>
          <dt>评价</dt>
          <dd>
            有帮助 {figures.helpful} · 没帮助 {figures.unhelpful}
          </dd>
        </div>
        <div>
          <dt>知识库</dt>
          <dd>
            {entries.live} 条上线 / 共 {entries.total} 条，{entries.submitted} 条待审核
          </dd>
        </div>
      </dl>
      <p class="meta">检索引擎上次重建用时 {buildMs.toFixed(0)} 毫秒。</p>
      <h2>未答问题排行</h2>
      <QueueTable groups={top} ctx={ctx} actions={false} />
      <p>
        <a href="/admin/assistant/queue">处理全部待补充问题</a>
      </p>
      <h2>来自领导信箱的候选问答</h2>
      <LetterCandidates
        ctx={ctx}
        rows={candidates.rows}
        canCreate={candidates.canCreate}
        siteNames={candidates.siteNames}
      />
      {candidates.total > candidates.rows.length ? (
        <p>
          <a href="/admin/assistant/letters">查看全部 {candidates.total} 封候选信件</a>
        </p>
      ) : null}
    </AdminLayout>
  );
}

export function QueuePage({
  ctx,
  groups,
  page,
  pages,
  notice,
}: {
  ctx: AdminContext;
  groups: QueueGroup[];
  page: number;
  pages: number;
  notice?: string;
}) {
  return (
    <AdminLayout ctx={ctx} title="待补充问题">
      <h1>待补充问题</h1>
      <SubNav ctx={ctx} />
      {notice ? (
        <div class="notice info" role="status">
          {notice}
        </div>
      ) : null}
      <p class="meta">
        智能客服没能回答、或市民评价“没帮助”的问题，按相似度分组。“一步修正”把问题加为已有条目的相似问法或新建条目，几秒内智能客服即可回答；修正后这组问题会标记为已处理。
      </p>
      <QueueTable groups={groups} ctx={ctx} actions={may(ctx.staff, RIGHTS.assistantEdit)} />
      <Pager base="/admin/assistant/queue?" page={page} pages={pages} />
    </AdminLayout>
  );
}

function Pager({ base, page, pages }: { base: string; page: number; pages: number }) {
  if (pages <= 1) return null;
  return (
    <nav aria-label="分页" class="pagination">
      {page > 1 ? <a href={`${base}page=${page - 1}`}>上一页</a> : null}
      <span>
        第 {page} / {pages} 页
      </span>
      {page < pages ? <a href={`${base}page=${page + 1}`}>下一页</a> : null}
    </nav>
  );
}

export function FaqListPage({
  ctx,
  rows,
  total,
  page,
  pages,
  status,
  q,
  siteNames,
}: {
  ctx: AdminContext;
  rows: FaqRecord[];
  total: number;
  page: number;
  pages: number;
  status: string;
  q: string;
  siteNames: Map<number, string>;
}) {
  const base = `/admin/assistant/faqs?status=${encodeURIComponent(status)}&q=${encodeURIComponent(q)}&`;
  return (
    <AdminLayout ctx={ctx} title="知识库">
      <h1>知识库</h1>
      <SubNav ctx={ctx} />
      <form method="get" action="/admin/assistant/faqs" class="filter-form">
        <label for="f-status">状态</label>
        <select id="f-status" name="status">
          <option value="">全部</option>
          {Object.entries(STATUS_NAMES).map(([k, v]) => (
            <option value={k} selected={status === k}>
              {v}
            </option>
          ))}
        </select>
        <label for="f-q">问题</label>
        <input id="f-q" name="q" type="search" maxLength={100} value={q} />
        <button type="submit" class="button secondary">
          筛选
        </button>
      </form>
      <p class="meta">共 {total} 条</p>
      <table class="data-table">
        <caption class="visually-hidden">问答条目</caption>
        <thead>
          <tr>
            <th scope="col">编号</th>
            <th scope="col">问题</th>
            <th scope="col">网站</th>
            <th scope="col">分类</th>
            <th scope="col">状态</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>{r.id}</td>
              <td>
                <a href={`/admin/assistant/faqs/${encodeURIComponent(r.id)}`}>{r.question}</a>
              </td>
              <td>{siteNames.get(r.siteId) ?? ""}</td>
              <td>{r.category}</td>
              <td>
                {STATUS_NAMES[r.status] ?? r.status}
                {r.live && r.status !== "published" ? "（线上为旧版本）" : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager base={base} page={page} pages={pages} />
    </AdminLayout>
  );
}

type FaqEntryValues = Pick<
  FaqFormValues,
  "siteId" | "department" | "category" | "question" | "alternatives" | "answer" | "keywords"
>;

/** The fields of a knowledge-base entry, shared by the entry form and the queue's one-step fix. */
function FaqEntryFields({
  values,
  errors,
  sites,
  siteLocked = false,
  alternativesHint,
  rows,
}: {
  values: FaqEntryValues;
  errors: Record<string, string>;
  sites: { id: number; name: string }[];
  siteLocked?: boolean;
  alternativesHint: string;
  rows: { alternatives: number; answer: number };
}) {
  return (
    <>
      <SelectField
        id="siteId"
        label="所属网站"
        error={errors.siteId}
        disabled={siteLocked}
        options={sites.map((s) => ({ value: String(s.id), label: s.name }))}
        value={values.siteId}
      />
      <Field id="department" label="部门" error={errors.department}>
        <input id="department" name="department" maxLength={40} value={values.department} />
      </Field>
      <Field id="category" label="分类" error={errors.category}>
        <input id="category" name="category" maxLength={40} value={values.category} />
      </Field>
      <Field id="question" label="标准问题" error={errors.question}>
        <input id="question" name="question" maxLength={200} value={values.question} />
      </Field>
      <Field id="alternatives" label="相似问法" hint={alternativesHint} error={errors.alternatives}>
        <textarea id="alternatives" name="alternatives" rows={rows.alternatives}>
          {values.alternatives}
        </textarea>
      </Field>
      <Field id="answer" label="答案" error={errors.answer}>
        <textarea id="answer" name="answer" rows={rows.answer} maxLength={4000}>
          {values.answer}
        </textarea>
      </Field>
      <Field id="keywords" label="关键词" hint="用逗号或顿号分隔" error={errors.keywords}>
        <input id="keywords" name="keywords" value={values.keywords} />
      </Field>
    </>
  );
}

export function FaqFormPage({
  ctx,
  entry,
  values,
  errors,
  sites,
  canEdit,
  canReview,
  notice,
}: {
  ctx: AdminContext;
  entry: FaqRecord | null;
  values: FaqFormValues;
  errors: Record<string, string>;
  sites: { id: number; name: string }[];
  canEdit: boolean;
  canReview: boolean;
  notice?: string;
}) {
  const action = entry ? `/admin/assistant/faqs/${encodeURIComponent(entry.id)}` : "/admin/assistant/faqs";
  const title = entry ? `问答条目 ${entry.id}` : "新建问答条目";
  return (
    <AdminLayout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <SubNav ctx={ctx} />
      {notice ? (
        <div class="notice info" role="status">
          {notice}
        </div>
      ) : null}
      {entry ? (
        <p>
          状态：{STATUS_NAMES[entry.status] ?? entry.status}（第 {entry.version} 版）
          {entry.live ? "；已有版本在线上答复市民" : "；尚未上线"}
        </p>
      ) : null}
      <form method="post" action={action} novalidate>
        <ErrorSummary errors={errors} />
        <CsrfField token={ctx.csrf} />
        <input type="hidden" name="resolveTurns" value={values.resolveTurns} />
        <FaqEntryFields
          values={values}
          errors={errors}
          sites={sites}
          siteLocked={!canEdit}
          alternativesHint="每行一条，写市民真实的说法"
          rows={{ alternatives: 6, answer: 8 }}
        />
        <Field
          id="links"
          label="相关办事指南、政策"
          hint="每行一条：类型 | 标题 | 地址，类型为“办事指南”“政策”或“页面”，地址以 / 或 https:// 开头"
          error={errors.links}
        >
          <textarea id="links" name="links" rows={3}>
            {values.links}
          </textarea>
        </Field>
        {canEdit ? (
          <button type="submit" class="button">
            保存草稿
          </button>
        ) : (
          <p class="meta">您没有编辑此网站知识库的权限。</p>
        )}
      </form>
      {entry ? (
        <div class="actions">
          {canEdit && entry.status === "draft" ? (
            <ActionForm ctx={ctx} id={entry.id} action="submit" label="送审" />
          ) : null}
          {canReview && entry.status === "submitted" ? (
            <>
              <ActionForm ctx={ctx} id={entry.id} action="publish" label="审核通过并发布" />
              <ActionForm ctx={ctx} id={entry.id} action="reject" label="退回修改" />
            </>
          ) : null}
          {canReview && entry.live ? (
            <ActionForm ctx={ctx} id={entry.id} action="unpublish" label="下线" />
          ) : null}
        </div>
      ) : null}
    </AdminLayout>
  );
}

function ActionForm({
  ctx,
  id,
  action,
  label,
}: {
  ctx: AdminContext;
  id: string;
  action: string;
  label: string;
}) {
  return (
    <form
      method="post"
      action={`/admin/assistant/faqs/${encodeURIComponent(id)}/${action}`}
      class="inline-form"
    >
      <CsrfField token={ctx.csrf} />
      <button type="submit" class="button secondary">
        {label}
      </button>
    </form>
  );
}

/** What the queue's one-step fix page keeps between submissions. */
export interface QueueFixValues {
  question: string;
  turns: string;
  faqId: string;
  siteId: string;
  department: string;
  category: string;
  alternatives: string;
  answer: string;
  keywords: string;
}

/**
 * One step from a missed question to a fix: add it as a phrasing of a live entry (live at once), or
 * write a new entry (live at once for those who may review the site, else sent for review).
 */
export function QueueFixPage({
  ctx,
  values,
  candidates,
  sites,
  errors,
  form,
  reviewSiteIds,
}: {
  ctx: AdminContext;
  values: QueueFixValues;
  candidates: { id: string; question: string }[];
  sites: { id: number; name: string }[];
  errors: Record<string, string>;
  /** Which of the two forms the errors belong to. */
  form: "alternative" | "entry" | null;
  /** Sites whose entries this editor may also publish (null: all). */
  reviewSiteIds: number[] | null;
}) {
  const altErrors = form === "alternative" ? errors : {};
  const entryErrors = form === "entry" ? errors : {};
  const mayPublishAll = reviewSiteIds === null || sites.every((s) => reviewSiteIds.includes(s.id));
  return (
    <AdminLayout ctx={ctx} title="修正未答问题">
      <h1>修正未答问题</h1>
      <SubNav ctx={ctx} />
      <p>
        市民问：<strong>{values.question}</strong>
      </p>
      <section aria-labelledby="fix-alt-title">
        <h2 id="fix-alt-title">加为已有条目的相似问法（立即生效）</h2>
        <form method="post" action="/admin/assistant/queue/fix" novalidate>
          <ErrorSummary errors={altErrors} />
          <CsrfField token={ctx.csrf} />
          <input type="hidden" name="mode" value="alternative" />
          <input type="hidden" name="turns" value={values.turns} />
          <Field id="alt-question" label="问法" error={altErrors.question}>
            <input id="alt-question" name="question" maxLength={200} value={values.question} />
          </Field>
          <Field
            id="faqId"
            label="加到哪个条目"
            hint="请从下面最接近的已上线条目中选择（或直接填写条目编号）；只列出您可以编辑的条目"
            error={altErrors.faqId}
          >
            <input id="faqId" name="faqId" maxLength={100} list="fix-candidates" value={values.faqId} />
          </Field>
          {candidates.length > 0 ? (
            <>
              <datalist id="fix-candidates">
                {candidates.map((c) => (
                  <option value={c.id}>{c.question}</option>
                ))}
              </datalist>
              <ul class="fix-candidates">
                {candidates.map((c) => (
                  <li>
                    {c.id}：{c.question}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <button type="submit" class="button">
            加为相似问法
          </button>
        </form>
      </section>
      <section aria-labelledby="fix-new-title">
        <h2 id="fix-new-title">新建条目</h2>
        <p class="meta">
          {mayPublishAll
            ? "您有审核权限，保存后立即上线。"
            : "在您有审核权限的网站保存后立即上线；其他网站的条目保存后送审，审核通过才上线。"}
        </p>
        <form method="post" action="/admin/assistant/queue/fix" novalidate>
          <ErrorSummary errors={entryErrors} />
          <CsrfField token={ctx.csrf} />
          <input type="hidden" name="mode" value="entry" />
          <input type="hidden" name="turns" value={values.turns} />
          <FaqEntryFields
            values={values}
            errors={entryErrors}
            sites={sites}
            alternativesHint="每行一条"
            rows={{ alternatives: 4, answer: 6 }}
          />
          <button type="submit" class="button">
            保存新条目
          </button>
        </form>
      </section>
    </AdminLayout>
  );
}
