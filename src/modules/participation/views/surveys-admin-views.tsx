import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { formatDate, formatPubDate } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { PHASE_LABELS, type Phase } from "../consultations.ts";
import { QUESTION_KINDS, type QuestionResult, type Survey, type SurveyQuestion } from "../surveys.ts";
import {
  ConsoleListPage,
  EditSection,
  NewItemPage,
  type PeriodFormValues,
  type SiteOption,
} from "./console-views.tsx";
import { ResultBlock } from "./surveys-views.tsx";

export interface SurveyFormValues extends PeriodFormValues {
  description: string;
}

const DONE: Record<string, string> = {
  create: "已创建（草稿），请添加题目",
  save: "已保存",
  questions: "题目已添加",
  delete: "题目已删除",
  publish: "已发布",
};

export function SurveyListAdminPage(props: {
  ctx: AdminContext;
  rows: (Survey & { phase: Phase })[];
  total: number;
  page: number;
  siteName: (id: number) => string;
}) {
  return (
    <ConsoleListPage
      {...props}
      base="/admin/interaction/surveys"
      noun="网上调查"
      newLabel="新建调查"
      periodLabel="调查时间"
      extra={{
        heading: "结果",
        cell: (s) => <a href={`/admin/interaction/surveys/${s.id}/results`}>查看结果</a>,
      }}
    />
  );
}

function DescriptionField({ value, error }: { value: string; error?: string }) {
  return (
    <Field id="description" label="调查说明（选填）" error={error} hint="2000字以内，按纯文本显示">
      <textarea id="description" name="description" rows={4} maxLength={2000}>
        {value}
      </textarea>
    </Field>
  );
}

export function SurveyFormPage({
  values,
  ...props
}: {
  ctx: AdminContext;
  values: SurveyFormValues;
  errors: Record<string, string>;
  sites: SiteOption[];
}) {
  return (
    <NewItemPage
      {...props}
      values={values}
      base="/admin/interaction/surveys"
      heading="新建调查"
      backLabel="返回网上调查列表"
      titleLabel="调查标题"
    >
      <DescriptionField value={values.description} error={props.errors.description} />
    </NewItemPage>
  );
}

export function SurveyAdminPage({
  ctx,
  survey,
  phase,
  siteName,
  publicUrl,
  questions,
  responses,
  values,
  errors,
  done,
  summary,
}: {
  ctx: AdminContext;
  survey: Survey;
  phase: Phase;
  siteName: string;
  publicUrl: string;
  questions: SurveyQuestion[];
  responses: number;
  values: Record<string, string>;
  errors: Record<string, string>;
  done?: string;
  summary?: string;
}) {
  const base = `/admin/interaction/surveys/${survey.id}`;
  const draft = survey.status === "draft";
  const v = (k: string, fallback: string) => values[k] ?? fallback;
  return (
    <AdminLayout ctx={ctx} title={survey.title}>
      <p>
        <a href="/admin/interaction/surveys">返回网上调查列表</a>
      </p>
      <h1>{survey.title}</h1>
      {done && DONE[done] ? (
        <div class="notice info" role="status">
          <p>{DONE[done]}</p>
        </div>
      ) : null}
      <ErrorSummary errors={errors} title={summary} />
      <dl class="letter-meta">
        <dt>网站</dt>
        <dd>{siteName}</dd>
        <dt>调查时间</dt>
        <dd>
          {formatDate(survey.opensAt)} 至 {formatDate(survey.closesAt)}
        </dd>
        <dt>状态</dt>
        <dd class="survey-phase">{PHASE_LABELS[phase]}</dd>
        <dt>答卷</dt>
        <dd>
          {responses} 份 · <a href={`${base}/results`}>查看结果</a>
        </dd>
        {!draft ? (
          <>
            <dt>公开页面</dt>
            <dd>
              <a href={publicUrl}>{publicUrl}</a>
            </dd>
          </>
        ) : null}
      </dl>
      <h2>题目</h2>
      {questions.length === 0 ? <p>还没有题目。</p> : null}
      <ol class="survey-questions">
        {questions.map((q) => (
          <li>
            <p>
              {q.text}（{QUESTION_KINDS[q.kind]}，{q.required ? "必答" : "选答"}）
            </p>
            {q.options.length ? <p class="meta">选项：{q.options.join(" / ")}</p> : null}
            {draft ? (
              <form method="post" action={`${base}/questions/${q.id}/delete`}>
                <CsrfField token={ctx.csrf} />
                <button type="submit" class="button secondary">
                  删除此题
                </button>
              </form>
            ) : null}
          </li>
        ))}
      </ol>
      {draft ? (
        <>
          <section class="panel" aria-labelledby="add-h">
            <h2 id="add-h">添加题目</h2>
            <form method="post" action={`${base}/questions`} novalidate>
              <CsrfField token={ctx.csrf} />
              <Field id="kind" label="题型" error={errors.kind}>
                <select id="kind" name="kind">
                  {Object.entries(QUESTION_KINDS).map(([k, name]) => (
                    <option value={k} selected={v("kind", "single") === k}>
                      {name}
                    </option>
                  ))}
                </select>
              </Field>
              <Field id="text" label="题目" error={errors.text}>
                <input id="text" name="text" type="text" maxLength={300} value={v("text", "")} />
              </Field>
              <Field id="options" label="选项（单选、多选题填写，每行一个）" error={errors.options}>
                <textarea id="options" name="options" rows={5}>
                  {v("options", "")}
                </textarea>
              </Field>
              <div class="field">
                <label class="inline">
                  <input type="checkbox" name="required" value="1" checked={v("required", "1") === "1"} />{" "}
                  必答
                </label>
              </div>
              <button type="submit" class="button">
                添加题目
              </button>
            </form>
          </section>
          <form method="post" action={`${base}/publish`}>
            <CsrfField token={ctx.csrf} />
            <button type="submit" class="button">
              发布调查（发布后题目不能再修改）
            </button>
          </form>
        </>
      ) : null}
      {phase !== "closed" ? (
        <EditSection
          csrf={ctx.csrf}
          action={`${base}/save`}
          heading="修改标题、说明和时间"
          titleLabel="调查标题"
          item={survey}
          v={v}
          errors={errors}
          siteName={siteName}
        >
          <DescriptionField value={v("description", survey.description)} error={errors.description} />
        </EditSection>
      ) : null}
    </AdminLayout>
  );
}

export function SurveyResultsAdminPage({
  ctx,
  survey,
  results,
  responses,
  chartBase,
  texts,
}: {
  ctx: AdminContext;
  survey: Survey;
  results: QuestionResult[];
  responses: number;
  chartBase: string;
  /** Free-text answers (masked) per text question, one page each. */
  texts: Record<number, { rows: { at: string; text: string }[]; total: number; page: number }>;
}) {
  const base = `/admin/interaction/surveys/${survey.id}/results`;
  return (
    <AdminLayout ctx={ctx} title={`${survey.title} - 调查结果`}>
      <p>
        <a href={`/admin/interaction/surveys/${survey.id}`}>返回调查</a>
      </p>
      <h1>调查结果：{survey.title}</h1>
      <p>
        共收到答卷 <strong>{responses}</strong> 份。文字回答中的身份证号、手机号已隐去部分数字。
      </p>
      {results.map((r, i) => {
        const t = texts[r.question.id];
        return (
          <ResultBlock
            r={r}
            n={i + 1}
            chartSrc={`${chartBase}/${r.question.id}.svg`}
            textNote={
              t ? (
                <>
                  {t.rows.length === 0 ? <p>暂无文字回答。</p> : null}
                  <ol class="text-answers">
                    {t.rows.map((a) => (
                      <li>
                        <span class="meta">{formatPubDate(a.at)}</span>
                        <div class="plain-text">{a.text}</div>
                      </li>
                    ))}
                  </ol>
                  <Pagination
                    base={base}
                    params={{ q: r.question.id }}
                    page={t.page}
                    pageSize={20}
                    total={t.total}
                  />
                </>
              ) : undefined
            }
          />
        );
      })}
    </AdminLayout>
  );
}
