import { PhoneCodeFields as SharedPhoneCodeFields } from "../../../web/components/phone-code.tsx";
import { Layout, formatDate, formatPubDate, type PageContext } from "../../../web/layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { RichText } from "../../../web/components/rich-text.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { maskInText, maskName } from "../../../platform/mask/mask.ts";
import {
  ADOPTION,
  PHASE_LABELS,
  type Consultation,
  type ConsultationComment,
  type ConsultationCounts,
  type ConsultationListRow,
  type Phase,
} from "../consultations.ts";

export const crumbsFor = (ctx: PageContext, section: string, href?: string, name?: string) => [
  { name: "首页", href: `${ctx.base}/` },
  { name: "互动交流", href: `${ctx.base}/interaction/` },
  ...(name ? [{ name: section, href }, { name }] : [{ name: section }]),
];

/** The verification part of a citizen form: the shared phone-code step (web/components/phone-code). */
export function PhoneCodeFields({
  action,
  values,
  errors,
  notice,
  demoCode,
  resendIn,
}: {
  action: string;
  values: { phone: string; code: string };
  errors: Record<string, string>;
  notice?: string;
  demoCode?: string | null;
  resendIn?: number;
}) {
  return (
    <SharedPhoneCodeFields
      action={action}
      values={values}
      errors={errors}
      sent={{ notice, demoCode, resendIn }}
      phoneLabel="手机号码（必填，仅用于验证，不公开）"
    />
  );
}

const TABS: [string, string][] = [
  ["", "全部"],
  ["open", "征集中"],
  ["closed", "已结束"],
];

export function ConsultationListPage({
  ctx,
  rows,
  total,
  page,
  which,
  siteName,
}: {
  ctx: PageContext;
  rows: ConsultationListRow[];
  total: number;
  page: number;
  which: string;
  siteName: (id: number) => string;
}) {
  const base = `${ctx.base}/interaction/consultations`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "意见征集", columnName: "互动交流", contentSource: ctx.site.name, url: base }}
      crumbs={crumbsFor(ctx, "意见征集")}
    >
      <h1>意见征集</h1>
      <p>
        政策文件起草过程中公开征求社会意见。征集期内均可提出意见，意见经审核后公开；征集结束后公布意见采纳情况。
      </p>
      <nav aria-label="征集状态" class="actions">
        {TABS.map(([v, name]) => (
          <a href={v ? `${base}?status=${v}` : base} aria-current={which === v ? "page" : undefined}>
            {name}
          </a>
        ))}
      </nav>
      {rows.length === 0 ? (
        <p>暂无意见征集。</p>
      ) : (
        <ul class="list consultation-list">
          {rows.map((c) => (
            <li>
              <a href={`${base}/${c.id}`}>{c.title}</a>
              <span class="meta">
                {siteName(c.siteId)} · 征集期 {formatDate(c.opensAt)} 至 {formatDate(c.closesAt)} ·{" "}
                <span class="status">{PHASE_LABELS[c.phase]}</span>
                {c.summaryPublishedAt ? " · 已公布采纳情况" : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
      <Pagination base={base} params={{ status: which }} page={page} pageSize={20} total={total} />
    </Layout>
  );
}

export interface CommentFormValues {
  name: string;
  phone: string;
  code: string;
  content: string;
}

function SummarySection({ c, counts }: { c: Consultation; counts: ConsultationCounts }) {
  return (
    <section aria-labelledby="summary-h" class="consultation-summary">
      <h2 id="summary-h">意见采纳情况反馈</h2>
      <p class="meta">发布时间：{formatPubDate(c.summaryPublishedAt)}</p>
      <dl class="figure-cards">
        <div>
          <dt>收到意见</dt>
          <dd class="count-received">{counts.received}</dd>
        </div>
        <div>
          <dt>公开意见</dt>
          <dd class="count-approved">{counts.approved}</dd>
        </div>
        <div>
          <dt>采纳</dt>
          <dd class="count-adopted">{counts.adopted}</dd>
        </div>
        <div>
          <dt>部分采纳</dt>
          <dd class="count-partly">{counts.partly}</dd>
        </div>
        <div>
          <dt>未采纳</dt>
          <dd class="count-not-adopted">{counts.notAdopted}</dd>
        </div>
      </dl>
      <p>
        共收到意见 {counts.received} 条，经审核公开 {counts.approved} 条（另有 {counts.rejected}{" "}
        条因与征集内容无关、重复或含不当内容等原因未予公开）。公开的意见中，采纳 {counts.adopted} 条，部分采纳{" "}
        {counts.partly} 条，未采纳 {counts.notAdopted} 条。
      </p>
      <div class="plain-text">{c.summary}</div>
    </section>
  );
}

export function ConsultationPage({
  ctx,
  c,
  phase,
  siteName,
  counts,
  comments,
  commentTotal,
  page,
  values,
  errors,
  summary,
  notice,
  demoCode,
  resendIn,
  submitted,
}: {
  ctx: PageContext;
  c: Consultation;
  phase: Phase;
  siteName: string;
  counts: ConsultationCounts;
  comments: ConsultationComment[];
  commentTotal: number;
  page: number;
  values: CommentFormValues;
  errors: Record<string, string>;
  summary?: string;
  notice?: string;
  demoCode?: string | null;
  resendIn?: number;
  submitted?: boolean;
}) {
  const base = `${ctx.base}/interaction/consultations`;
  const decided = !!c.summaryPublishedAt;
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: c.title,
        columnName: "意见征集",
        contentSource: siteName,
        articleTitle: c.title,
        pubDate: c.publishedAt,
        url: `${base}/${c.id}`,
      }}
      crumbs={crumbsFor(ctx, "意见征集", base, "征集详情")}
    >
      <article class="consultation">
        <h1>{c.title}</h1>
        <dl class="letter-meta">
          <dt>发布单位</dt>
          <dd>{siteName}</dd>
          <dt>征集期限</dt>
          <dd>
            {formatDate(c.opensAt)} 至 {formatDate(c.closesAt)}
          </dd>
          <dt>状态</dt>
          <dd class="consultation-phase">{PHASE_LABELS[phase]}</dd>
        </dl>
        {decided ? <SummarySection c={c} counts={counts} /> : null}
        <section aria-labelledby="draft-h">
          <h2 id="draft-h">征求意见稿</h2>
          <RichText html={c.draftText} />
        </section>
        <section aria-labelledby="comments-h">
          <h2 id="comments-h">公开的意见（{commentTotal}）</h2>
          {comments.length === 0 ? (
            <p>暂无公开的意见。</p>
          ) : (
            <ol class="comment-list">
              {comments.map((m) => (
                <li>
                  <p class="meta">
                    {maskName(m.name)} · {formatPubDate(m.createdAt)}
                  </p>
                  <div class="plain-text">{maskInText(m.content)}</div>
                  {decided && m.adoption ? (
                    <p class="adoption">
                      <strong>{ADOPTION[m.adoption]}</strong>：{m.adoptionNote}
                    </p>
                  ) : null}
                </li>
              ))}
            </ol>
          )}
          <Pagination base={`${base}/${c.id}`} page={page} pageSize={20} total={commentTotal} />
        </section>
        <section aria-labelledby="write-h">
          <h2 id="write-h">发表意见</h2>
          {submitted ? (
            <div class="notice info" role="status">
              <p>您的意见已提交，经审核后公开。感谢您的参与！</p>
            </div>
          ) : null}
          {phase === "open" ? (
            <form method="post" action={`${base}/${c.id}/comment`} novalidate>
              {/* Enter in a text field submits the comment, not the code request. */}
              <button
                type="submit"
                name="action"
                value="submit"
                class="visually-hidden"
                tabIndex={-1}
                aria-hidden="true"
              >
                提交
              </button>
              <ErrorSummary errors={errors} title={summary} />
              <Field
                id="content"
                label="意见内容（必填）"
                error={errors.content}
                hint="5至2000字，审核后公开"
              >
                <textarea id="content" name="content" rows={8} maxLength={2000} required>
                  {values.content}
                </textarea>
              </Field>
              <Field id="name" label="姓名（必填，公开时隐去）" error={errors.name}>
                <input
                  id="name"
                  name="name"
                  type="text"
                  maxLength={30}
                  value={values.name}
                  autoComplete="name"
                  required
                />
              </Field>
              <PhoneCodeFields
                action={`${base}/${c.id}/comment`}
                values={values}
                errors={errors}
                notice={notice}
                demoCode={demoCode}
                resendIn={resendIn}
              />
              <button type="submit" name="action" value="submit" class="button">
                提交意见
              </button>
            </form>
          ) : (
            <>
              {summary ? (
                <div class="error-summary" role="alert">
                  <p>{summary}</p>
                </div>
              ) : null}
              <p class="consultation-closed">
                {phase === "closed"
                  ? `本次意见征集已于${formatDate(c.closesAt)}结束，不再接收意见。`
                  : `本次意见征集将于${formatDate(c.opensAt)}开始。`}
              </p>
            </>
          )}
        </section>
      </article>
    </Layout>
  );
}
