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
import {
  ConsoleListPage,
  EditSection,
  NewItemPage,
  type PeriodFormValues,
  type SiteOption,
} from "./console-views.tsx";

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

export function ConsultationListAdminPage(props: {
  ctx: AdminContext;
  rows: (Consultation & { pending: number; phase: Phase })[];
  total: number;
  page: number;
  siteName: (id: number) => string;
}) {
  return (
    <ConsoleListPage
      {...props}
      base="/admin/interaction/consultations"
      noun="意见征集"
      newLabel="新建意见征集"
      periodLabel="征集期限"
      statusNote={(c) => (c.summaryPublishedAt ? "，已反馈" : "")}
      extra={{ heading: "待审核意见", cell: (c) => c.pending }}
    />
  );
}

export function ConsultationFormPage({
  values,
  ...props
}: {
  ctx: AdminContext;
  values: ConsultationFormValues;
  errors: Record<string, string>;
  sites: SiteOption[];
}) {
  return (
    <NewItemPage
      {...props}
      values={values}
      base="/admin/interaction/consultations"
      heading="新建意见征集"
      backLabel="返回意见征集列表"
      titleLabel="标题"
      scripts={["/static/js/editor.js"]}
    >
      <DraftTextField value={values.draftText} error={props.errors.draftText} />
    </NewItemPage>
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
        <EditSection
          csrf={ctx.csrf}
          action={`${base}/save`}
          heading="修改征求意见稿"
          titleLabel="标题"
          item={c}
          v={v}
          errors={errors}
          siteName={siteName}
        >
          <DraftTextField value={v("draftText", c.draftText)} error={errors.draftText} />
        </EditSection>
      ) : null}
    </AdminLayout>
  );
}
