import { FINDING_KINDS, type ContentFinding } from "../../content-check.ts";
import { AdminLayout, CsrfField, type AdminContext } from "../../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../../web/components/form.tsx";
import { RichText } from "../../../../web/components/rich-text.tsx";
import { actorText } from "../../../../web/actor-text.ts";
import {
  ARTICLE_KINDS,
  STATUS_LABELS,
  stageName,
  UNPUBLISH_REASONS,
  VALIDITY,
  type Article,
} from "../../service.ts";
import { chinaTime } from "../../../../platform/time/china-time.ts";

export interface ReviewValues {
  scheduledAt: string;
  returnReason: string;
  reason: string;
  note: string;
  redirectTo: string;
  validity: string;
  validityNote: string;
  /** A reviewer's reason for letting a 严重表述错误 of the content check pass (audited). */
  override: string;
}

export const EMPTY_REVIEW: ReviewValues = {
  scheduledAt: "",
  returnReason: "",
  reason: "",
  note: "",
  redirectTo: "",
  validity: "",
  validityNote: "",
  override: "",
};

const TRAIL_ACTIONS: Record<string, string> = {
  submit: "提交审核",
  pass: "审核通过",
  return: "退回修改",
  override: "放行内容检查问题",
  restart: "审核中修改，从头重审",
};

export interface TrailRow {
  round: number;
  stage: number;
  stages: number;
  action: string;
  actorName: string;
  note: string;
  createdAt: string;
}

/** The reviewer's reason to let serious content-check findings pass. */
function OverrideField({
  values,
  errors,
  count,
}: {
  values: ReviewValues;
  errors: Record<string, string>;
  count: number;
}) {
  return (
    <Field
      id="override"
      label={`放行理由（内容检查发现 ${count} 处严重表述问题；确认无误需保留时填写，将记入审核记录和审计日志）`}
      error={errors.override}
    >
      <textarea id="override" name="override" rows={2} maxLength={500}>
        {values.override}
      </textarea>
    </Field>
  );
}

export function ReviewPage({
  ctx,
  article,
  links,
  attachments,
  canReview,
  canEdit,
  values,
  errors,
  message,
  done,
  findings,
  trail,
  staffNames,
  passedByMe,
  overridden,
  republishStages,
}: {
  ctx: AdminContext;
  article: Article;
  links: { siteCode: string; siteName: string; channelName: string; path: string }[];
  attachments: { id: number; fileName: string }[];
  canReview: boolean;
  canEdit: boolean;
  values: ReviewValues;
  errors: Record<string, string>;
  message?: string;
  done?: string;
  /** The content check's findings (checkText + checkLinks). */
  findings: ContentFinding[];
  /** The review trail, oldest first (every round). */
  trail: TrailRow[];
  /** Staff members' names by the login the trail recorded. */
  staffNames?: ReadonlyMap<string, string>;
  /** The stage this staff member already passed in the current round, if any. */
  passedByMe: number | null;
  /** Whether the serious findings were overridden in the current round. */
  overridden: boolean;
  /** How many stages a republication of a withdrawn article would need (1: publish directly). */
  republishStages: number;
}) {
  const s = article.status;
  const stages = article.reviewStages;
  const stage = Math.min(Math.max(article.reviewStage, 1), stages);
  const finalStage = s === "submitted" && stage >= stages;
  const stageOf = (r: TrailRow) =>
    r.action === "restart" ? "重新送审" : r.stage === 0 ? "提交" : stageName(r.stage, r.stages);
  const serious = findings.filter((f) => f.severity === "serious");
  const action = (name: string) => `/admin/review/${article.id}/${name}`;
  return (
    <AdminLayout ctx={ctx} title={`审核：${article.title}`}>
      <h1>{article.title}</h1>
      {done ? (
        <p class="notice info" role="status">
          {done}
        </p>
      ) : null}
      <ErrorSummary errors={errors} title={message} />
      <table class="policy-info">
        <tbody>
          <tr>
            <th scope="row">状态</th>
            <td>
              <span class="status">
                {s === "submitted" ? `待${stageName(stage, stages)}` : (STATUS_LABELS[s] ?? s)}
              </span>
              {s === "submitted" && stages > 1 ? `（第${stage}/${stages}审，${stages}级审核）` : null}
              {s === "scheduled" ? ` 将于 ${chinaTime(article.scheduledAt)} 发布` : null}
              {article.unpublishNote
                ? `（${UNPUBLISH_REASONS[article.unpublishReason ?? ""] ?? ""}：${article.unpublishNote}）`
                : null}
            </td>
          </tr>
          <tr>
            <th scope="row">类型</th>
            <td>{ARTICLE_KINDS[article.kind] ?? article.kind}</td>
          </tr>
          {article.docNumber ? (
            <tr>
              <th scope="row">发文字号</th>
              <td>{article.docNumber}</td>
            </tr>
          ) : null}
          {article.validity ? (
            <tr>
              <th scope="row">有效性</th>
              <td>
                {article.validity}
                {article.validityNote ? `（${article.validityNote}）` : null}
              </td>
            </tr>
          ) : null}
          <tr>
            <th scope="row">发布栏目</th>
            <td>
              {links.length === 0 ? "未选择栏目" : null}
              <ul>
                {links.map((l) => (
                  <li>
                    {l.siteName} / {l.channelName}
                    {s === "published" || s === "withdrawn" ? (
                      <>
                        {" "}
                        <a href={`/sites/${l.siteCode}/art/${article.id}.html`}>查看页面</a>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            </td>
          </tr>
          <tr>
            <th scope="row">附件</th>
            <td>{attachments.length ? attachments.map((a) => a.fileName).join("、") : "无"}</td>
          </tr>
        </tbody>
      </table>
      <p class="actions">
        {canEdit ? <a href={`/admin/articles/${article.id}`}>编辑</a> : null}
        <a href={`/admin/articles/${article.id}/versions`}>版本历史</a>
      </p>
      {canEdit && ["draft", "withdrawn", "unpublished"].includes(s) ? (
        <form method="post" action={`/admin/articles/${article.id}/submit`}>
          <CsrfField token={ctx.csrf} />
          {serious.length ? (
            canReview ? (
              <OverrideField values={values} errors={errors} count={serious.length} />
            ) : (
              <p class="notice error" id="override-error">
                内容检查发现 {serious.length}{" "}
                处严重表述错误，修改后才能提交审核；确需保留时请审核员填写理由放行。
              </p>
            )
          ) : null}
          <button type="submit" class="button">
            提交审核
          </button>
        </form>
      ) : null}
      <h2>正文预览</h2>
      <RichText html={article.bodyHtml} />
      <section class="content-check" aria-labelledby="content-check-h">
        <h2 id="content-check-h">发布前内容检查</h2>
        {findings.length === 0 ? (
          <p class="notice info">未发现错别字、错误表述、禁用或敏感词、领导职务错误和失效链接。</p>
        ) : (
          <table class="admin-table">
            <caption>
              发现 {findings.length} 处问题，其中严重表述错误 {serious.length} 处
            </caption>
            <thead>
              <tr>
                <th scope="col">级别</th>
                <th scope="col">类别</th>
                <th scope="col">问题</th>
                <th scope="col">上下文</th>
              </tr>
            </thead>
            <tbody>
              {findings.map((f) => (
                <tr>
                  <td>
                    <span class={`badge ${f.severity === "serious" ? "overdue" : "soon"}`}>
                      {f.severity === "serious" ? "严重" : "提示"}
                    </span>
                  </td>
                  <td>{FINDING_KINDS[f.kind]}</td>
                  <td>{f.message}</td>
                  <td>{f.context}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="trail-h">
        <h2 id="trail-h">审核记录</h2>
        {trail.length === 0 ? (
          <p>尚未提交审核。</p>
        ) : (
          <table class="admin-table review-trail">
            <caption class="visually-hidden">审核记录（提交、初审、复审、终审）</caption>
            <thead>
              <tr>
                <th scope="col">时间</th>
                <th scope="col">轮次</th>
                <th scope="col">环节</th>
                <th scope="col">操作</th>
                <th scope="col">人员</th>
                <th scope="col">说明</th>
              </tr>
            </thead>
            <tbody>
              {trail.map((r) => (
                <tr>
                  <td>{chinaTime(r.createdAt)}</td>
                  <td>第{r.round}次提交</td>
                  <td>{stageOf(r)}</td>
                  <td>{TRAIL_ACTIONS[r.action] ?? r.action}</td>
                  <td>{actorText(r.actorName, staffNames)}</td>
                  <td>{r.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {canReview ? <h2>审核操作</h2> : null}
      {canReview && s === "submitted" && passedByMe !== null ? (
        <p class="notice info">
          您已完成{stageName(passedByMe, stages)}，{stageName(stage, stages)}须由另一位审核员进行。
        </p>
      ) : null}
      {canReview &&
      ((s === "submitted" && passedByMe === null) ||
        s === "scheduled" ||
        (["withdrawn", "unpublished"].includes(s) && republishStages === 1)) ? (
        <form method="post" action={action("publish")}>
          <CsrfField token={ctx.csrf} />
          <input type="hidden" name="version" value={String(article.version)} />
          <h3>
            {s === "submitted"
              ? finalStage
                ? `${stageName(stage, stages)}并发布`
                : stageName(stage, stages)
              : "发布"}
          </h3>
          {s !== "submitted" || finalStage ? (
            <Field
              id="scheduledAt"
              label="定时发布时间（北京时间，留空则立即发布）"
              error={errors.scheduledAt}
            >
              <input id="scheduledAt" name="scheduledAt" type="datetime-local" value={values.scheduledAt} />
            </Field>
          ) : null}
          {serious.length && s === "submitted" && !overridden ? (
            <OverrideField values={values} errors={errors} count={serious.length} />
          ) : null}
          <button type="submit" class="button">
            {s !== "submitted"
              ? "发布"
              : finalStage
                ? `${stageName(stage, stages)}通过并发布`
                : `${stageName(stage, stages)}通过`}
          </button>
        </form>
      ) : null}
      {canReview && ["withdrawn", "unpublished"].includes(s) && republishStages > 1 ? (
        <p class="notice info">本信息须经{republishStages}级审核，重新发布前请先提交审核。</p>
      ) : null}
      {canReview && s === "submitted" ? (
        <form method="post" action={action("return")}>
          <CsrfField token={ctx.csrf} />
          <input type="hidden" name="version" value={String(article.version)} />
          <h3>退回修改</h3>
          <Field id="returnReason" label="退回理由" error={errors.returnReason}>
            <textarea id="returnReason" name="returnReason" rows={3} maxLength={500}>
              {values.returnReason}
            </textarea>
          </Field>
          <button type="submit" class="button secondary">
            退回为草稿
          </button>
        </form>
      ) : null}
      {canReview && s === "published" ? (
        <form method="post" action={action("unpublish")}>
          <CsrfField token={ctx.csrf} />
          <h3>撤稿</h3>
          <Field id="reason" label="撤稿原因" error={errors.reason}>
            <select id="reason" name="reason">
              <option value="">请选择</option>
              {Object.entries(UNPUBLISH_REASONS).map(([k, v]) => (
                <option value={k} selected={values.reason === k}>
                  {v}
                </option>
              ))}
            </select>
          </Field>
          <Field id="note" label="撤稿说明（撤回时会显示在页面上）" error={errors.note}>
            <textarea id="note" name="note" rows={3} maxLength={500}>
              {values.note}
            </textarea>
          </Field>
          <Field id="redirectTo" label="新地址（“已整合”时必填，站内路径）" error={errors.redirectTo}>
            <input id="redirectTo" name="redirectTo" value={values.redirectTo} maxLength={300} />
          </Field>
          <button type="submit" class="button secondary">
            撤稿
          </button>
        </form>
      ) : null}
      {canReview && article.kind === "policy" ? (
        <form method="post" action={action("validity")}>
          <CsrfField token={ctx.csrf} />
          <h3>标注有效性</h3>
          <Field id="validity" label="有效性" error={errors.validity}>
            <select id="validity" name="validity">
              {VALIDITY.map((v) => (
                <option value={v} selected={(values.validity || article.validity) === v}>
                  {v}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="validityNote"
            label="说明（修改、废止、失效时必填，如依据的文件）"
            error={errors.validityNote}
          >
            <textarea id="validityNote" name="validityNote" rows={2} maxLength={500}>
              {values.validityNote}
            </textarea>
          </Field>
          <button type="submit" class="button secondary">
            保存有效性
          </button>
        </form>
      ) : null}
    </AdminLayout>
  );
}
