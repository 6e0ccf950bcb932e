import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { formatDate, formatPubDate } from "../../../web/layout.tsx";
import { maskInText, maskName, maskPhone } from "../../../platform/mask/mask.ts";
import { Pagination } from "../../../web/components/pagination.tsx";
import {
  ADOPTION,
  COMMENT_STATUS,
  PHASE_LABELS,
  type Consultation,
  type ConsultationComment,
  type ConsultationCounts,
  type Phase,
} from "../consultations.ts";

export interface SiteOption {
  id: number;
  name: string;
}

export interface PeriodFormValues {
  siteId: string;
  title: string;
  startDate: string;
  endDate: string;
}

export interface ConsultationFormValues extends PeriodFormValues {
  draftText: string;
}

const DONE: Record<string, string> = {
  create: "已创建（草稿）",
  save: "已保存",
  publish: "已发布",
  approve: "意见已公开",
  reject: "意见已设为不予公开",
  adopt: "采纳情况已保存",
  summary: "反馈情况已发布",
};

export function ConsultationListAdminPage({
  ctx,
  rows,
  total,
  page,
  siteName,
}: {
  ctx: AdminContext;
  rows: (Consultation & { pending: number; phase: Phase })[];
  total: number;
  page: number;
  siteName: (id: number) => string;
}) {
  return (
    <AdminLayout ctx={ctx} title="意见征集">
      <h1>意见征集</h1>
      <p class="actions">
        <a class="button" href="/admin/interaction/consultations/new">
          新建意见征集
        </a>
      </p>
      <table class="data-table">
        <caption class="visually-hidden">意见征集列表</caption>
        <thead>
          <tr>
            <th scope="col">标题</th>
            <th scope="col">网站</th>
            <th scope="col">征集期限</th>
            <th scope="col">状态</th>
            <th scope="col">待审核意见</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr>
              <td>
                <a href={`/admin/interaction/consultations/${c.id}`}>{c.title}</a>
              </td>
              <td>{siteName(c.siteId)}</td>
              <td>
                {formatDate(c.opensAt)} 至 {formatDate(c.closesAt)}
              </td>
              <td>
                {PHASE_LABELS[c.phase]}
                {c.summaryPublishedAt ? "，已反馈" : ""}
              </td>
              <td>{c.pending}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p>还没有意见征集。</p> : null}
      <Pagination base="/admin/interaction/consultations" page={page} pageSize={20} total={total} />
    </AdminLayout>
  );
}

/** Site, title and period fields shared by the consultation and survey forms. */
export function PeriodFields({
  values,
  errors,
  sites,
  siteFixed,
  titleLabel,
}: {
  values: PeriodFormValues;
  errors: Record<string, string>;
  sites: SiteOption[];
  siteFixed: string | null;
  titleLabel: string;
}) {
  return (
    <>
      {siteFixed == null ? (
        <Field id="siteId" label="发布网站" error={errors.siteId}>
          <select id="siteId" name="siteId">
            {sites.map((s) => (
              <option value={String(s.id)} selected={values.siteId === String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
      ) : (
        <p>发布网站：{siteFixed}</p>
      )}
      <Field id="title" label={titleLabel} error={errors.title}>
        <input id="title" name="title" type="text" maxLength={100} value={values.title} required />
      </Field>
      <div class="grid">
        <Field
          id="startDate"
          label="开始日期"
          hint="格式：2026-03-01（当天0时开始）"
          error={errors.startDate}
        >
          <input id="startDate" name="startDate" type="date" value={values.startDate} required />
        </Field>
        <Field id="endDate" label="结束日期" hint="含当天（当天24时结束）" error={errors.endDate}>
          <input id="endDate" name="endDate" type="date" value={values.endDate} required />
        </Field>
      </div>
    </>
  );
}

export function ConsultationFormPage({
  ctx,
  values,
  errors,
  sites,
}: {
  ctx: AdminContext;
  values: ConsultationFormValues;
  errors: Record<string, string>;
  sites: SiteOption[];
}) {
  return (
    <AdminLayout ctx={ctx} title="新建意见征集" scripts={["/static/js/editor.js"]}>
      <p>
        <a href="/admin/interaction/consultations">返回意见征集列表</a>
      </p>
      <h1>新建意见征集</h1>
      <form method="post" action="/admin/interaction/consultations/new" novalidate>
        <CsrfField token={ctx.csrf} />
        <ErrorSummary errors={errors} />
        <PeriodFields values={values} errors={errors} sites={sites} siteFixed={null} titleLabel="标题" />
        <DraftTextField value={values.draftText} error={errors.draftText} />
        <button type="submit" class="button">
          保存草稿
        </button>
      </form>
    </AdminLayout>
  );
}

function DraftTextField({ value, error }: { value: string; error?: string }) {
  return (
    <Field
      id="draftText"
      label="征求意见稿正文"
      hint="可使用格式工具栏；未启用脚本时可直接输入 HTML，保存时会自动清理不安全内容"
      error={error}
    >
      <textarea
        id="draftText"
        name="draftText"
        rows={16}
        data-rich-text=""
        aria-describedby={error ? "draftText-hint draftText-error" : "draftText-hint"}
      >
        {value}
      </textarea>
    </Field>
  );
}

const FILTERS: [string, string][] = [
  ["pending", "待审核"],
  ["approved", "已公开"],
  ["rejected", "未予公开"],
  ["", "全部"],
];

export function ConsultationAdminPage({
  ctx,
  c,
  phase,
  siteName,
  publicUrl,
  counts,
  comments,
  commentTotal,
  filter,
  page,
  values,
  errors,
  done,
  summary,
}: {
  ctx: AdminContext;
  c: Consultation;
  phase: Phase;
  siteName: string;
  publicUrl: string;
  counts: ConsultationCounts;
  comments: ConsultationComment[];
  commentTotal: number;
  filter: string;
  page: number;
  values: Record<string, string>;
  errors: Record<string, string>;
  done?: string;
  summary?: string;
}) {
  const base = `/admin/interaction/consultations/${c.id}`;
  const closed = phase === "closed";
  const decided = !!c.summaryPublishedAt;
  const v = (k: string, fallback: string) => values[k] ?? fallback;
  return (
    <AdminLayout ctx={ctx} title={c.title} scripts={closed ? [] : ["/static/js/editor.js"]}>
      <p>
        <a href="/admin/interaction/consultations">返回意见征集列表</a>
      </p>
      <h1>{c.title}</h1>
      {done && DONE[done] ? (
        <div class="notice info" role="status">
          <p>{DONE[done]}</p>
        </div>
      ) : null}
      <ErrorSummary errors={errors} title={summary} />
      <dl class="letter-meta">
        <dt>网站</dt>
        <dd>{siteName}</dd>
        <dt>征集期限</dt>
        <dd>
          {formatDate(c.opensAt)} 至 {formatDate(c.closesAt)}
        </dd>
        <dt>状态</dt>
        <dd class="consultation-phase">{PHASE_LABELS[phase]}</dd>
        <dt>意见</dt>
        <dd>
          收到 {counts.received} 条：待审核 {counts.pending}，已公开 {counts.approved}，未予公开{" "}
          {counts.rejected}；采纳 {counts.adopted}，部分采纳 {counts.partly}，未采纳 {counts.notAdopted}
        </dd>
        {c.status === "published" ? (
          <>
            <dt>公开页面</dt>
            <dd>
              <a href={publicUrl}>{publicUrl}</a>
            </dd>
          </>
        ) : null}
      </dl>

      {c.status === "draft" ? (
        <form method="post" action={`${base}/publish`}>
          <CsrfField token={ctx.csrf} />
          <button type="submit" class="button">
            发布（公开征求意见）
          </button>
        </form>
      ) : null}

      {closed && !decided ? (
        <section class="panel" aria-labelledby="summary-h">
          <h2 id="summary-h">发布反馈情况</h2>
          <p>
            请先审核全部意见，并为每条已公开的意见填写采纳情况；发布后公开页面显示意见数量、采纳情况及理由。
          </p>
          <form method="post" action={`${base}/summary`} novalidate>
            <CsrfField token={ctx.csrf} />
            <Field
              id="summary"
              label="反馈说明"
              error={errors.summary}
              hint="概述意见的总体情况和采纳结果，10至5000字"
            >
              <textarea id="summary" name="summary" rows={6} maxLength={5000}>
                {v("summary", "")}
              </textarea>
            </Field>
            <button type="submit" class="button">
              发布反馈情况
            </button>
          </form>
        </section>
      ) : null}
      {decided ? (
        <section aria-labelledby="summary-h">
          <h2 id="summary-h">已发布的反馈情况</h2>
          <p class="meta">{formatPubDate(c.summaryPublishedAt)}</p>
          <div class="plain-text">{c.summary}</div>
        </section>
      ) : null}

      <section aria-labelledby="comments-h">
        <h2 id="comments-h">意见审核</h2>
        <nav aria-label="意见筛选" class="actions">
          {FILTERS.map(([f, name]) => (
            <a
              href={`${base}${f ? `?filter=${f}` : "?filter=all"}`}
              aria-current={filter === f ? "page" : undefined}
            >
              {name}
            </a>
          ))}
        </nav>
        {comments.length === 0 ? <p>没有符合条件的意见。</p> : null}
        <ol class="comment-list">
          {comments.map((m) => (
            <li id={`comment-${m.id}`}>
              <p class="meta">
                {maskName(m.name)}（{maskPhone(m.phone)}）· {formatPubDate(m.createdAt)} ·{" "}
                <strong>{COMMENT_STATUS[m.status]}</strong>
                {m.rejectReason ? `：${m.rejectReason}` : ""}
                {m.adoption ? ` · ${ADOPTION[m.adoption]}：${m.adoptionNote ?? ""}` : ""}
              </p>
              <div class="plain-text">{maskInText(m.content)}</div>
              {m.status === "pending" ? (
                <div class="actions">
                  <form method="post" action={`${base}/comments/${m.id}/approve`}>
                    <CsrfField token={ctx.csrf} />
                    <button type="submit" class="button">
                      公开
                    </button>
                  </form>
                  <form method="post" action={`${base}/comments/${m.id}/reject`}>
                    <CsrfField token={ctx.csrf} />
                    <Field id={`reason-${m.id}`} label="不予公开的理由" error={errors[`reason-${m.id}`]}>
                      <input
                        id={`reason-${m.id}`}
                        name="reason"
                        type="text"
                        maxLength={500}
                        value={v(`reason-${m.id}`, "")}
                      />
                    </Field>
                    <button type="submit" class="button secondary">
                      不予公开
                    </button>
                  </form>
                </div>
              ) : null}
              {closed && !decided && m.status === "approved" ? (
                <form method="post" action={`${base}/comments/${m.id}/adopt`} novalidate>
                  <CsrfField token={ctx.csrf} />
                  <Field id={`adoption-${m.id}`} label="采纳情况" error={errors[`adoption-${m.id}`]}>
                    <select id={`adoption-${m.id}`} name="adoption">
                      <option value="">请选择</option>
                      {Object.entries(ADOPTION).map(([a, name]) => (
                        <option value={a} selected={v(`adoption-${m.id}`, m.adoption ?? "") === a}>
                          {name}
                        </option>
                      ))}
                    </select>
                  </Field>
                  <Field id={`note-${m.id}`} label="理由" error={errors[`note-${m.id}`]}>
                    <input
                      id={`note-${m.id}`}
                      name="note"
                      type="text"
                      maxLength={1000}
                      value={v(`note-${m.id}`, m.adoptionNote ?? "")}
                    />
                  </Field>
                  <button type="submit" class="button secondary">
                    保存采纳情况
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ol>
        <Pagination
          base={base}
          params={{ filter: filter || "all" }}
          page={page}
          pageSize={20}
          total={commentTotal}
        />
      </section>

      {!closed ? (
        <section class="panel" aria-labelledby="edit-h">
          <h2 id="edit-h">修改征求意见稿</h2>
          <form method="post" action={`${base}/save`} novalidate>
            <CsrfField token={ctx.csrf} />
            <PeriodFields
              values={{
                siteId: String(c.siteId),
                title: v("title", c.title),
                startDate: v("startDate", formatDate(c.opensAt)),
                endDate: v("endDate", formatDate(c.closesAt)),
              }}
              errors={errors}
              sites={[]}
              siteFixed={siteName}
              titleLabel="标题"
            />
            <DraftTextField value={v("draftText", c.draftText)} error={errors.draftText} />
            <button type="submit" class="button">
              保存
            </button>
          </form>
        </section>
      ) : null}
    </AdminLayout>
  );
}
