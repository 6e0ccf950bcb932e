import { PhoneCodeFields, type PhoneCodeState } from "../../../web/components/phone-code.tsx";
import type { LetterEventRow } from "../tables.ts";
import { Layout, formatDate, formatPubDate, type PageContext } from "../../../web/layout.tsx";

import { ErrorSummary, Field } from "../../../web/components/form.tsx";

import { Pagination } from "../../../web/components/pagination.tsx";

import { maskName, maskPhone } from "../../../platform/mask/mask.ts";

import type { Letter } from "../letters.ts";

import type { Addressee } from "../letters.ts";

import { ACTION_LABELS, LETTER_KINDS, LETTER_STATUS, RATINGS } from "../model.ts";

import type { LetterFigures } from "../stats.ts";

export interface LetterFormValues {
  addressee: string;
  kind: string;
  subject: string;
  content: string;
  name: string;
  phone: string;
  code: string;
  email: string;
  address: string;
  publishConsent: boolean;
  draftToken: string;
}

export interface SimilarLetter {
  title: string;
  url: string;
  snippet: string;
}

export interface PublicLetter {
  id: number;
  kind: string;
  publicSubject: string | null;
  publicContent: string | null;
  publicAnswer: string | null;
  publishedAt: string | null;
  createdAt: string;
  repliedAt: string | null;
  ownerName: string;
  rating: string | null;
}

const crumbsFor = (ctx: PageContext, name: string) => [
  { name: "首页", href: `${ctx.base}/` },
  { name: "互动交流", href: `${ctx.base}/interaction/` },
  { name },
];

function FieldsetError({ error }: { error?: string }) {
  return error ? (
    <span class="field-error">
      <span class="visually-hidden">错误：</span>
      {error}
    </span>
  ) : null;
}

/** A rating form's posted values (strings as posted). */
export interface RatingInput {
  rating: string;
  solved: string;
  note: string;
}

export function percent(v: number | null): string {
  return v == null ? "—" : `${v}%`;
}

/** A rate with the sample it rests on: "100%（1 件评价）"; "—（暂无评价）" without one. */
export function rate(v: number | null, n: number, unit: string): string {
  return n === 0 || v == null ? `—（暂无${unit}）` : `${v}%（${n} 件${unit}）`;
}

/** The samples of the rates, in words. */
const ON_TIME = "应答复";
const RATED = "评价";

/** Headline figures, shared by the centre page and the statistics page. */
export function FigureCards({ f }: { f: LetterFigures }) {
  return (
    <dl class="figure-cards">
      <div>
        <dt>收到来信</dt>
        <dd>{f.received}</dd>
      </div>
      <div>
        <dt>已答复</dt>
        <dd>{f.replied}</dd>
      </div>
      <div>
        <dt>按时答复率</dt>
        <dd>{rate(f.onTimeRate, f.onTimeBase, ON_TIME)}</dd>
      </div>
      <div>
        <dt>平均答复用时</dt>
        <dd>{f.averageReplyDays == null ? "—" : `${f.averageReplyDays}个工作日`}</dd>
      </div>
      <div>
        <dt>满意率（群众实评）</dt>
        <dd>{rate(f.satisfactionReal, f.ratings.real, RATED)}</dd>
      </div>
      <div>
        <dt>解决率</dt>
        <dd>{rate(f.solvedRate, f.solvedBase, RATED)}</dd>
      </div>
    </dl>
  );
}

export function LetterList({ ctx, rows }: { ctx: PageContext; rows: PublicLetter[] }) {
  if (rows.length === 0) return <p>暂无公开的信件。</p>;
  return (
    <ul class="list letter-list">
      {rows.map((l) => (
        <li>
          <a href={`${ctx.base}/interaction/letters/${l.id}`}>
            [{LETTER_KINDS[l.kind] ?? "其他"}] {l.publicSubject}
          </a>
          <span class="meta">
            {l.ownerName} · 来信 {formatDate(l.createdAt)} · 答复 {formatDate(l.repliedAt)}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function CentrePage({
  ctx,
  figures,
  latest,
  consultations,
  surveys,
}: {
  ctx: PageContext;
  figures: LetterFigures;
  latest: PublicLetter[];
  consultations: { id: number; title: string; closesAt: string; open: boolean }[];
  surveys: { id: number; title: string; closesAt: string; open: boolean }[];
}) {
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: "互动交流",
        columnName: "互动交流",
        contentSource: ctx.site.name,
        columnType: "互动交流",
        url: `${ctx.base}/interaction/`,
      }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "互动交流" }]}
    >
      <h1>互动交流</h1>
      <div class="grid interaction-grid">
        <section class="panel" aria-labelledby="write-h">
          <h2 id="write-h">我要写信</h2>
          <p>
            咨询、投诉、建议、求助，写给领导信箱或相关部门。提交后获得查询编号，可随时查看办理进度和答复。
          </p>
          <p>
            <a class="button" href={`${ctx.base}/interaction/write`}>
              写信
            </a>
          </p>
        </section>
        <section class="panel" aria-labelledby="lookup-h">
          <h2 id="lookup-h">信件查询</h2>
          <LookupForm ctx={ctx} no="" idPrefix="c-" />
        </section>
      </div>
      <section aria-labelledby="figures-h">
        <h2 id="figures-h">办理情况</h2>
        <FigureCards f={figures} />
        <p>
          <a href={`${ctx.base}/interaction/stats`}>查看完整统计（按部门）</a>
        </p>
      </section>
      <section aria-labelledby="latest-h">
        <h2 id="latest-h">最新答复</h2>
        <LetterList ctx={ctx} rows={latest} />
        <p>
          <a href={`${ctx.base}/interaction/letters`}>更多公开信件</a>
        </p>
      </section>
      <section aria-labelledby="cons-h">
        <h2 id="cons-h">意见征集</h2>
        {consultations.length === 0 ? (
          <p>暂无意见征集。</p>
        ) : (
          <ul class="list">
            {consultations.map((c) => (
              <li>
                <a href={`${ctx.base}/interaction/consultations/${c.id}`}>{c.title}</a>
                <span class="meta">
                  {c.open ? "征集中" : "已结束"}，截止 {formatDate(c.closesAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
        <p>
          <a href={`${ctx.base}/interaction/consultations`}>全部意见征集</a>
        </p>
      </section>
      <section aria-labelledby="survey-h">
        <h2 id="survey-h">网上调查</h2>
        {surveys.length === 0 ? (
          <p>暂无网上调查。</p>
        ) : (
          <ul class="list">
            {surveys.map((s) => (
              <li>
                <a href={`${ctx.base}/interaction/surveys/${s.id}`}>{s.title}</a>
                <span class="meta">
                  {s.open ? "进行中" : "已结束"}，截止 {formatDate(s.closesAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
        <p>
          <a href={`${ctx.base}/interaction/surveys`}>全部网上调查</a>
        </p>
      </section>
    </Layout>
  );
}

function LookupForm({ ctx, no, idPrefix = "" }: { ctx: PageContext; no: string; idPrefix?: string }) {
  return (
    <form method="get" action={`${ctx.base}/interaction/lookup`}>
      <Field id={`${idPrefix}no`} label="查询编号">
        <input
          id={`${idPrefix}no`}
          name="no"
          type="text"
          inputMode="numeric"
          maxLength={14}
          value={no}
          required
        />
      </Field>
      <Field id={`${idPrefix}code`} label="查询码" hint="提交信件时显示的8位字母和数字，不区分大小写">
        <input
          id={`${idPrefix}code`}
          name="code"
          type="text"
          maxLength={64}
          autoComplete="off"
          autoCapitalize="characters"
          spellcheck={false}
          required
        />
      </Field>
      <button type="submit" class="button">
        查询
      </button>
    </form>
  );
}

export function WritePage({
  ctx,
  values,
  errors,
  addressees,
  similar,
  sent,
  summary,
  csrf,
}: {
  ctx: PageContext;
  summary?: string;
  values: LetterFormValues;
  errors: Record<string, string>;
  addressees: Addressee[];
  similar: SimilarLetter[] | null;
  sent?: PhoneCodeState;
  /** The signed-in writer's session token: with it, the letter is listed on their 我的信件. */
  csrf?: string;
}) {
  const hasFileError = !!errors.attachments;
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: "我要写信",
        columnName: "互动交流",
        contentSource: ctx.site.name,
        url: `${ctx.base}/interaction/write`,
      }}
      crumbs={crumbsFor(ctx, "我要写信")}
    >
      <h1>我要写信</h1>
      <p>
        请如实填写。标注“必填”的项目须填写；涉及个人隐私的内容不会公开。紧急求助请拨打 110、120、119 等电话。
      </p>
      <form
        method="post"
        action={`${ctx.base}/interaction/write`}
        enctype="multipart/form-data"
        novalidate
        data-similar-form={ctx.site.code}
      >
        {csrf ? <input type="hidden" name="_csrf" value={csrf} /> : null}
        {/* Enter in a text field submits the letter, not the code request. */}
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
        <input type="hidden" name="draft" value={values.draftToken} />
        <Field id="addressee" label="收信对象（必填）" error={errors.addressee}>
          <select id="addressee" name="addressee">
            {addressees.map((a) => (
              <option value={a.value} selected={values.addressee === a.value}>
                {a.label}
              </option>
            ))}
          </select>
        </Field>
        <fieldset class={errors.kind ? "field has-error" : "field"} id="kind">
          <legend>信件类型（必填）</legend>
          <FieldsetError error={errors.kind} />
          {Object.entries(LETTER_KINDS).map(([value, label]) => (
            <label class="inline">
              <input type="radio" name="kind" value={value} checked={values.kind === value} /> {label}
            </label>
          ))}
        </fieldset>
        <Field id="subject" label="标题（必填）" error={errors.subject} hint="60字以内">
          <input id="subject" name="subject" type="text" maxLength={60} value={values.subject} required />
        </Field>
        <Field
          id="content"
          label="内容（必填）"
          error={errors.content}
          hint="写清时间、地点、事项和诉求，10至3000字"
        >
          <textarea id="content" name="content" rows={10} maxLength={3000} required>
            {values.content}
          </textarea>
        </Field>
        <section class="similar" aria-labelledby="similar-h">
          <h2 id="similar-h">相似问题</h2>
          <p class="meta">提交前可先看看已公开的相似问题和答复，也许能直接找到答案。</p>
          <div id="similar-results" aria-live="polite">
            {similar ? (
              similar.length === 0 ? (
                <p>没有找到相似的已答复问题。</p>
              ) : (
                <ul class="list">
                  {similar.map((s) => (
                    <li>
                      <a href={s.url}>{s.title}</a>
                      <span class="meta">{s.snippet}</span>
                    </li>
                  ))}
                </ul>
              )
            ) : null}
          </div>
          <button type="submit" name="action" value="similar" class="button secondary" formnovalidate>
            查看相似问题
          </button>
        </section>
        <Field
          id="attachments"
          label="附件（选填）"
          error={errors.attachments}
          hint={`最多3个，每个不超过20MB，支持 PDF、Word、Excel 和图片${hasFileError ? "；请重新选择附件" : ""}`}
        >
          <input
            id="attachments"
            name="attachments"
            type="file"
            multiple
            accept=".pdf,.doc,.docx,.xls,.xlsx,.png,.jpg,.jpeg,.gif,.webp"
          />
        </Field>
        <Field id="name" label="姓名（必填）" error={errors.name}>
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
          action={`${ctx.base}/interaction/write`}
          values={values}
          errors={errors}
          sent={sent}
        />
        <Field id="email" label="电子邮箱（选填）" error={errors.email}>
          <input
            id="email"
            name="email"
            type="email"
            maxLength={100}
            value={values.email}
            autoComplete="email"
          />
        </Field>
        <Field id="address" label="联系地址（选填）" error={errors.address}>
          <input
            id="address"
            name="address"
            type="text"
            maxLength={200}
            value={values.address}
            autoComplete="address-line1"
          />
        </Field>
        <div class="field">
          <label class="inline">
            <input type="checkbox" name="publishConsent" value="1" checked={values.publishConsent} />{" "}
            同意在答复后公开本信件（公开时隐去姓名、电话、证件号等个人信息）
          </label>
        </div>
        <button type="submit" name="action" value="submit" class="button">
          提交信件
        </button>
      </form>
      <script src="/static/js/interaction.js" defer></script>
    </Layout>
  );
}

export function ReceiptPage({
  ctx,
  queryNo,
  lookupCode,
  lookupUrl,
}: {
  ctx: PageContext;
  queryNo: string;
  lookupCode: string;
  lookupUrl: string;
}) {
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: "信件已提交",
        columnName: "互动交流",
        contentSource: ctx.site.name,
        url: `${ctx.base}/interaction/write`,
      }}
      crumbs={crumbsFor(ctx, "信件已提交")}
    >
      <h1>信件已提交</h1>
      <div class="notice info" role="status">
        <p>
          查询编号：<strong class="query-no">{queryNo}</strong>
        </p>
        <p>
          查询码：<strong class="lookup-code">{lookupCode}</strong>
        </p>
        <p>
          请妥善保存查询编号和查询码，凭二者可查看办理进度、答复并进行评价。查询码为8位字母和数字（不含容易混淆的
          0、O、1、I、L），不区分大小写，只显示这一次。
        </p>
        <p>
          <a href={lookupUrl} class="lookup-link">
            免登录查看办理进度
          </a>
          （可收藏此链接）
        </p>
      </div>
      <p>
        <a href={`${ctx.base}/interaction/`}>返回互动交流</a>
      </p>
    </Layout>
  );
}

export function LookupPage({
  ctx,
  no,
  error,
  letter,
  events,
  attachments,
  ownerName,
  code,
  ratingErrors,
  ratingInput,
  notice,
  mine,
}: {
  /** The signed-in writer's own letter (我的信件): rated with the session, no lookup code. */
  mine?: { rateAction: string; csrf: string };
  ctx: PageContext;
  no: string;
  error?: string;
  letter?: Letter | null;
  events?: Pick<LetterEventRow, "at" | "action" | "note" | "status">[];
  attachments?: { fileName: string; size: number }[];
  ownerName?: string;
  code?: string;
  ratingErrors?: Record<string, string>;
  /** What was posted with a rating that came back with errors. */
  ratingInput?: RatingInput;
  notice?: string;
}) {
  const replied = letter && ["reviewed", "published"].includes(letter.status);
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: mine ? "我的信件" : "信件查询",
        columnName: "互动交流",
        contentSource: ctx.site.name,
        url: mine ? `${ctx.base}/account/letters` : `${ctx.base}/interaction/lookup`,
      }}
      crumbs={
        mine
          ? [
              { name: "首页", href: `${ctx.base}/` },
              { name: "我的账号", href: `${ctx.base}/account/` },
              { name: "我的信件", href: `${ctx.base}/account/letters` },
              { name: letter?.subject ?? "信件" },
            ]
          : crumbsFor(ctx, "信件查询")
      }
    >
      <h1>{mine ? "我的信件" : "信件查询"}</h1>
      {notice ? (
        <div class="notice info" role="status">
          <p>{notice}</p>
        </div>
      ) : null}
      {!letter ? (
        <>
          {error ? (
            <div class="error-summary" role="alert">
              <p>{error}</p>
            </div>
          ) : null}
          <LookupForm ctx={ctx} no={no} />
        </>
      ) : (
        <article class="letter-detail">
          <h2>{letter.subject}</h2>
          <dl class="letter-meta">
            <dt>查询编号</dt>
            <dd>{letter.queryNo}</dd>
            <dt>类型</dt>
            <dd>{LETTER_KINDS[letter.kind] ?? letter.kind}</dd>
            <dt>状态</dt>
            <dd class="letter-status">{LETTER_STATUS[letter.status] ?? letter.status}</dd>
            <dt>来信人</dt>
            <dd>
              {maskName(letter.name)}（{maskPhone(letter.phone)}）
            </dd>
            <dt>来信时间</dt>
            <dd>{formatPubDate(letter.createdAt)}</dd>
            <dt>办理时限</dt>
            <dd>
              {formatDate(letter.dueAt)}前（{letter.limitDays + letter.extendedDays}个工作日
              {letter.extendedDays ? `，含延期${letter.extendedDays}个工作日` : ""}）
            </dd>
            {ownerName ? (
              <>
                <dt>承办单位</dt>
                <dd>{ownerName}</dd>
              </>
            ) : null}
          </dl>
          <h3>来信内容</h3>
          <div class="plain-text">{letter.content}</div>
          {attachments && attachments.length > 0 ? (
            <p>附件：{attachments.map((a) => a.fileName).join("、")}</p>
          ) : null}
          {letter.status === "invalid" ? (
            <div class="notice">
              <p>不予受理。理由：{letter.invalidReason}</p>
            </div>
          ) : null}
          {replied ? (
            <section aria-labelledby="answer-h">
              <h3 id="answer-h">答复</h3>
              <p class="meta">答复时间：{formatPubDate(letter.repliedAt)}</p>
              <div class="plain-text answer">{letter.answer}</div>
            </section>
          ) : null}
          <section aria-labelledby="timeline-h">
            <h3 id="timeline-h">办理过程</h3>
            <ol class="timeline">
              {(events ?? []).map((e) => (
                <li>
                  <span class="meta">{formatPubDate(e.at)}</span> {ACTION_LABELS[e.action] ?? e.action}
                  {e.note ? `：${e.note}` : ""}
                </li>
              ))}
            </ol>
          </section>
          {replied && !letter.ratedAt && (code || mine) ? (
            <section aria-labelledby="rate-h">
              <h3 id="rate-h">评价答复</h3>
              <form
                method="post"
                action={mine?.rateAction ?? `${ctx.base}/interaction/lookup/rate`}
                novalidate
              >
                <ErrorSummary errors={ratingErrors ?? {}} />
                {mine ? (
                  <input type="hidden" name="_csrf" value={mine.csrf} />
                ) : (
                  <>
                    <input type="hidden" name="no" value={letter.queryNo} />
                    <input type="hidden" name="code" value={code ?? ""} />
                  </>
                )}
                <fieldset class={ratingErrors?.rating ? "field has-error" : "field"} id="rating">
                  <legend>满意程度</legend>
                  <FieldsetError error={ratingErrors?.rating} />
                  {Object.entries(RATINGS).map(([v, label]) => (
                    <label class="inline">
                      <input type="radio" name="rating" value={v} checked={ratingInput?.rating === v} />{" "}
                      {label}
                    </label>
                  ))}
                </fieldset>
                <fieldset class={ratingErrors?.solved ? "field has-error" : "field"} id="solved">
                  <legend>问题是否已解决</legend>
                  <FieldsetError error={ratingErrors?.solved} />
                  <label class="inline">
                    <input type="radio" name="solved" value="1" checked={ratingInput?.solved === "1"} />{" "}
                    已解决
                  </label>
                  <label class="inline">
                    <input type="radio" name="solved" value="0" checked={ratingInput?.solved === "0"} />{" "}
                    未解决
                    {letter.reopenCount === 0 ? "（将退回承办单位重新办理一次）" : ""}
                  </label>
                </fieldset>
                <Field id="note" label="意见（选填）">
                  <textarea id="note" name="note" rows={3} maxLength={500}>
                    {ratingInput?.note ?? ""}
                  </textarea>
                </Field>
                <button type="submit" class="button">
                  提交评价
                </button>
              </form>
            </section>
          ) : null}
          {letter.ratedAt ? (
            <p>
              您的评价：{RATINGS[letter.rating ?? ""] ?? ""}，{letter.solved ? "已解决" : "未解决"}。
            </p>
          ) : null}
        </article>
      )}
    </Layout>
  );
}

export function PublishedListPage({
  ctx,
  rows,
  total,
  page,
  q,
}: {
  ctx: PageContext;
  rows: PublicLetter[];
  total: number;
  page: number;
  q: string;
}) {
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: "公开信件",
        columnName: "互动交流",
        contentSource: ctx.site.name,
        url: `${ctx.base}/interaction/letters`,
      }}
      crumbs={crumbsFor(ctx, "公开信件")}
    >
      <h1>公开信件</h1>
      <form method="get" action={`${ctx.base}/interaction/letters`} role="search" class="filters">
        <label for="letters-q">在公开信件中查找</label>
        <input id="letters-q" name="q" type="search" maxLength={50} value={q} />
        <button type="submit" class="button">
          查找
        </button>
      </form>
      <LetterList ctx={ctx} rows={rows} />
      <Pagination
        base={`${ctx.base}/interaction/letters`}
        params={{ q }}
        page={page}
        pageSize={20}
        total={total}
      />
    </Layout>
  );
}

export function PublishedLetterPage({ ctx, letter }: { ctx: PageContext; letter: PublicLetter }) {
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: letter.publicSubject ?? "公开信件",
        columnName: "互动交流",
        contentSource: ctx.site.name,
        articleTitle: letter.publicSubject ?? "",
        pubDate: letter.publishedAt,
        url: `${ctx.base}/interaction/letters/${letter.id}`,
      }}
      crumbs={crumbsFor(ctx, "公开信件")}
    >
      <article class="letter-detail">
        <h1>{letter.publicSubject}</h1>
        <p class="meta">
          {LETTER_KINDS[letter.kind] ?? "其他"} · 来信 {formatDate(letter.createdAt)} · 承办单位{" "}
          {letter.ownerName} · 答复 {formatDate(letter.repliedAt)}
          {letter.rating ? ` · 来信人评价：${RATINGS[letter.rating]}` : ""}
        </p>
        <h2>来信内容</h2>
        <div class="plain-text">{letter.publicContent}</div>
        <h2>答复内容</h2>
        <div class="plain-text answer">{letter.publicAnswer}</div>
      </article>
    </Layout>
  );
}

export function StatsPage({
  ctx,
  figures,
  defaultRule,
  ratingWindowDays,
}: {
  ctx: PageContext;
  figures: LetterFigures & { byDepartment: ({ code: string; name: string } & LetterFigures)[] };
  defaultRule: boolean;
  ratingWindowDays: number;
}) {
  const f = figures;
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: "办理情况统计",
        columnName: "互动交流",
        contentSource: ctx.site.name,
        url: `${ctx.base}/interaction/stats`,
      }}
      crumbs={crumbsFor(ctx, "办理情况统计")}
    >
      <h1>办理情况统计</h1>
      <FigureCards f={f} />
      <h2>满意度评价</h2>
      <p>
        群众实际评价 {f.ratings.real} 件：满意 {f.ratings.satisfied} 件，基本满意 {f.ratings.basic} 件，不满意{" "}
        {f.ratings.unsatisfied} 件；满意率 {rate(f.satisfactionReal, f.ratings.real, RATED)}。
      </p>
      <p>
        答复后 {ratingWindowDays} 天内未评价的 {f.ratings.defaulted} 件
        {defaultRule
          ? `按规定默认计为满意，计入默认评价后满意率为 ${rate(f.satisfactionWithDefault, f.ratings.real + f.ratings.defaulted, RATED)}`
          : "不计入满意率"}
        ；另有 {f.ratings.awaiting} 件尚在评价期内。
      </p>
      <p>
        不予受理 {f.invalid} 件；超期未答复 {f.overdueOpen} 件（计入按时答复率：按时答复 {f.repliedOnTime} 件
        ÷（已答复 {f.replied} 件 + 超期未答复 {f.overdueOpen} 件））。
      </p>
      <h2>各部门办理情况</h2>
      <div class="table-scroll">
        <table class="data-table">
          <caption class="visually-hidden">各部门信件办理情况</caption>
          <thead>
            <tr>
              <th scope="col">承办单位</th>
              <th scope="col">收到</th>
              <th scope="col">已答复</th>
              <th scope="col">按时答复率</th>
              <th scope="col">平均答复用时（工作日）</th>
              <th scope="col">实评满意率</th>
              <th scope="col">默认评价</th>
              <th scope="col">解决率</th>
              <th scope="col">超期未答复</th>
            </tr>
          </thead>
          <tbody>
            {f.byDepartment.map((d) => (
              <tr>
                <th scope="row">{d.name}</th>
                <td>{d.received}</td>
                <td>{d.replied}</td>
                <td>{rate(d.onTimeRate, d.onTimeBase, ON_TIME)}</td>
                <td>{d.averageReplyDays ?? "—"}</td>
                <td>{rate(d.satisfactionReal, d.ratings.real, RATED)}</td>
                <td>{d.ratings.defaulted}</td>
                <td>{rate(d.solvedRate, d.solvedBase, RATED)}</td>
                <td>{d.overdueOpen}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="meta">
        数据实时统计。机器可读：
        <a href={`/api/interaction/stats?site=${ctx.site.code}`}>
          /api/interaction/stats?site={ctx.site.code}
        </a>
      </p>
    </Layout>
  );
}

/** 我的信件: the letters written from the signed-in account, newest first. */
export function AccountLettersPage({
  ctx,
  rows,
  total,
  page,
}: {
  ctx: PageContext;
  rows: Pick<Letter, "id" | "queryNo" | "subject" | "status" | "createdAt" | "dueAt" | "repliedAt">[];
  total: number;
  page: number;
}) {
  return (
    <Layout
      ctx={ctx}
      meta={{
        title: "我的信件",
        columnName: "互动交流",
        contentSource: ctx.site.name,
        url: `${ctx.base}/account/letters`,
      }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "我的账号", href: `${ctx.base}/account/` },
        { name: "我的信件" },
      ]}
    >
      <h1>我的信件</h1>
      <p>
        <a href={`${ctx.base}/interaction/write`}>写信</a>
      </p>
      {rows.length === 0 ? (
        <p>您还没有登录后写的信件。未登录时写的信件，请凭信件编号和查询码在“信件查询”中查看。</p>
      ) : (
        <table class="data-table">
          <thead>
            <tr>
              <th scope="col">信件编号</th>
              <th scope="col">标题</th>
              <th scope="col">状态</th>
              <th scope="col">来信时间</th>
              <th scope="col">答复期限</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{r.queryNo}</td>
                <td>
                  <a href={`${ctx.base}/account/letters/${r.id}`}>{r.subject}</a>
                </td>
                <td>{LETTER_STATUS[r.status] ?? r.status}</td>
                <td>{formatDate(r.createdAt)}</td>
                <td>{r.repliedAt ? `已于${formatDate(r.repliedAt)}答复` : formatDate(r.dueAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        未登录时写的信件不在此列出，请凭信件编号和查询码在
        <a href={`${ctx.base}/interaction/lookup`}>信件查询</a>中查看。
      </p>
      <Pagination base={`${ctx.base}/account/letters`} page={page} pageSize={20} total={total} />
    </Layout>
  );
}
