import type { ComponentChildren } from "preact";
import { Layout, formatDate, type PageContext } from "../../../web/layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { PHASE_LABELS, type Phase } from "../consultations.ts";
import {
  QUESTION_KINDS,
  SCALE,
  SCALE_LABELS,
  type AnswerValues,
  type QuestionResult,
  type Survey,
  type SurveyQuestion,
} from "../surveys.ts";
import { PhoneCodeFields, crumbsFor } from "./consultations-views.tsx";

export function SurveyListPage({
  ctx,
  rows,
  total,
  page,
  siteName,
}: {
  ctx: PageContext;
  rows: { id: number; siteId: number; title: string; opensAt: string; closesAt: string; phase: Phase }[];
  total: number;
  page: number;
  siteName: (id: number) => string;
}) {
  const base = `${ctx.base}/interaction/surveys`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "网上调查", columnName: "互动交流", url: base }}
      crumbs={crumbsFor(ctx, "网上调查")}
    >
      <h1>网上调查</h1>
      <p>参与调查需验证手机号码，每人每项调查只能提交一次答卷。系统不保存您的手机号码。</p>
      {rows.length === 0 ? (
        <p>暂无网上调查。</p>
      ) : (
        <ul class="list survey-list">
          {rows.map((s) => (
            <li>
              <a href={`${base}/${s.id}`}>{s.title}</a>
              <span class="meta">
                {siteName(s.siteId)} · {formatDate(s.opensAt)} 至 {formatDate(s.closesAt)} ·{" "}
                <span class="status">{s.phase === "open" ? "进行中" : PHASE_LABELS[s.phase]}</span> ·{" "}
                <a href={`${base}/${s.id}/results`}>查看结果</a>
              </span>
            </li>
          ))}
        </ul>
      )}
      <Pagination base={base} page={page} pageSize={20} total={total} />
    </Layout>
  );
}

function QuestionInputField({
  q,
  n,
  chosen,
  error,
}: {
  q: SurveyQuestion;
  n: number;
  chosen: string[];
  error?: string;
}) {
  const name = `q${q.id}`;
  const legend = `${n}. ${q.text}${q.required ? "（必答）" : "（选答）"}`;
  if (q.kind === "text")
    return (
      <Field id={name} label={legend} error={error} hint="1000字以内">
        <textarea id={name} name={name} rows={4} maxLength={1000}>
          {chosen[0] ?? ""}
        </textarea>
      </Field>
    );
  const choices: [string, string][] =
    q.kind === "scale"
      ? SCALE.map((s) => [String(s), SCALE_LABELS[s]])
      : q.options.map((o, i) => [String(i), o]);
  return (
    <fieldset class={error ? "field has-error" : "field"} id={name}>
      <legend>
        {legend}
        <span class="meta">（{QUESTION_KINDS[q.kind]}）</span>
      </legend>
      {error ? (
        <span class="field-error">
          <span class="visually-hidden">错误：</span>
          {error}
        </span>
      ) : null}
      {choices.map(([value, label]) => (
        <label class="inline">
          <input
            type={q.kind === "multi" ? "checkbox" : "radio"}
            name={name}
            value={value}
            checked={chosen.includes(value)}
          />{" "}
          {label}
        </label>
      ))}
    </fieldset>
  );
}

export function SurveyPage({
  ctx,
  survey,
  phase,
  siteName,
  questions,
  values,
  phone,
  errors,
  summary,
  notice,
  demoCode,
  resendIn,
  done,
  responses,
}: {
  ctx: PageContext;
  survey: Survey;
  phase: Phase;
  siteName: string;
  questions: SurveyQuestion[];
  values: AnswerValues;
  phone: { phone: string; code: string };
  errors: Record<string, string>;
  summary?: string;
  notice?: string;
  demoCode?: string | null;
  resendIn?: number;
  done?: boolean;
  responses: number;
}) {
  const base = `${ctx.base}/interaction/surveys/${survey.id}`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: survey.title, columnName: "网上调查", articleTitle: survey.title, url: base }}
      crumbs={crumbsFor(ctx, "网上调查", `${ctx.base}/interaction/surveys`, "调查详情")}
    >
      <h1>{survey.title}</h1>
      <dl class="letter-meta">
        <dt>发布单位</dt>
        <dd>{siteName}</dd>
        <dt>调查时间</dt>
        <dd>
          {formatDate(survey.opensAt)} 至 {formatDate(survey.closesAt)}
        </dd>
        <dt>状态</dt>
        <dd>{phase === "open" ? "进行中" : PHASE_LABELS[phase]}</dd>
        <dt>已提交答卷</dt>
        <dd>{responses} 份</dd>
      </dl>
      {survey.description ? <div class="plain-text">{survey.description}</div> : null}
      <p>
        <a href={`${base}/results`}>查看调查结果</a>
      </p>
      {done ? (
        <div class="notice info" role="status">
          <p>答卷已提交，感谢您的参与！</p>
        </div>
      ) : phase === "open" ? (
        <form method="post" action={base} novalidate>
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
          {questions.map((q, i) => (
            <QuestionInputField q={q} n={i + 1} chosen={values[q.id] ?? []} error={errors[`q${q.id}`]} />
          ))}
          <h2>验证身份</h2>
          <p class="meta">每人只能提交一次答卷。系统只保存手机号码的不可逆标识，不保存号码本身。</p>
          <PhoneCodeFields
            action={base}
            values={phone}
            errors={errors}
            notice={notice}
            demoCode={demoCode}
            resendIn={resendIn}
          />
          <button type="submit" name="action" value="submit" class="button">
            提交答卷
          </button>
        </form>
      ) : (
        <>
          {summary ? (
            <div class="error-summary" role="alert">
              <p>{summary}</p>
            </div>
          ) : null}
          <p>
            {phase === "closed"
              ? `本次调查已于${formatDate(survey.closesAt)}结束。`
              : `本次调查将于${formatDate(survey.opensAt)}开始。`}
          </p>
        </>
      )}
    </Layout>
  );
}

/** One question's numbers: the chart image (SVG from the server) and the same numbers as a table. */
export function ResultBlock({
  r,
  n,
  chartSrc,
  textNote,
}: {
  r: QuestionResult;
  n: number;
  chartSrc: string;
  textNote?: ComponentChildren;
}) {
  const q = r.question;
  const hid = `result-${q.id}`;
  const pct = (count: number) => (r.answered ? `${Math.round((count / r.answered) * 1000) / 10}%` : "—");
  return (
    <section aria-labelledby={hid} class="survey-result">
      <h2 id={hid}>
        {n}. {q.text}
      </h2>
      <p class="meta">
        {QUESTION_KINDS[q.kind]} · 作答 {r.answered} 人{r.average != null ? ` · 平均 ${r.average} 分` : ""}
      </p>
      {q.kind === "text" ? (
        (textNote ?? <p>本题为开放式问题，共收到 {r.answered} 条文字回答，不公开展示。</p>)
      ) : (
        <>
          <picture>
            {/* Phones get the variant drawn near their width, so its text is not scaled below 12 px. */}
            <source media="(max-width: 600px)" srcset={chartSrc.replace(/\.svg$/, "-s.svg")} />
            <img
              class="survey-chart"
              src={chartSrc}
              alt={`第${n}题“${q.text}”的统计图，具体数字见下表`}
              width={600}
            />
          </picture>
          <div class="table-scroll">
            <table class="data-table">
              <caption>第{n}题统计数据</caption>
              <thead>
                <tr>
                  <th scope="col">{q.kind === "scale" ? "评分" : "选项"}</th>
                  <th scope="col">人数</th>
                  <th scope="col">占作答人数</th>
                </tr>
              </thead>
              <tbody>
                {r.rows.map((row) => (
                  <tr>
                    <th scope="row">{row.label}</th>
                    <td>{row.count}</td>
                    <td>{pct(row.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {q.kind === "multi" ? <p class="meta">多选题各选项占比之和可能超过100%。</p> : null}
        </>
      )}
    </section>
  );
}

export function SurveyResultsPage({
  ctx,
  survey,
  results,
  responses,
}: {
  ctx: PageContext;
  survey: Survey;
  results: QuestionResult[];
  responses: number;
}) {
  const base = `${ctx.base}/interaction/surveys/${survey.id}`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: `${survey.title} - 调查结果`, columnName: "网上调查", url: `${base}/results` }}
      crumbs={crumbsFor(ctx, "网上调查", `${ctx.base}/interaction/surveys`, "调查结果")}
    >
      <h1>调查结果：{survey.title}</h1>
      <p>
        共收到答卷 <strong class="response-count">{responses}</strong> 份（{formatDate(survey.opensAt)} 至{" "}
        {formatDate(survey.closesAt)}）。<a href={base}>返回调查</a>
      </p>
      {results.map((r, i) => (
        <ResultBlock r={r} n={i + 1} chartSrc={`${base}/charts/${r.question.id}.svg`} />
      ))}
    </Layout>
  );
}
