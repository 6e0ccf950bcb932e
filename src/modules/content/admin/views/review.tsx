import { AdminLayout, CsrfField, type AdminContext } from "../../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../../web/components/form.tsx";
import { RichText } from "../../../../web/components/rich-text.tsx";
import { ARTICLE_KINDS, STATUS_LABELS, UNPUBLISH_REASONS, VALIDITY, type Article } from "../../service.ts";
import { chinaTime } from "../../../../platform/time/china-time.ts";

export interface ReviewValues {
  scheduledAt: string;
  returnReason: string;
  reason: string;
  note: string;
  redirectTo: string;
  validity: string;
  validityNote: string;
}

export const EMPTY_REVIEW: ReviewValues = {
  scheduledAt: "",
  returnReason: "",
  reason: "",
  note: "",
  redirectTo: "",
  validity: "",
  validityNote: "",
};

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
}) {
  const s = article.status;
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
              <span class="status">{STATUS_LABELS[s] ?? s}</span>
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
          <button type="submit" class="button">
            提交审核
          </button>
        </form>
      ) : null}
      <h2>正文预览</h2>
      <RichText html={article.bodyHtml} />
      {canReview ? <h2>审核操作</h2> : null}
      {canReview && ["submitted", "scheduled", "withdrawn", "unpublished"].includes(s) ? (
        <form method="post" action={action("publish")}>
          <CsrfField token={ctx.csrf} />
          <h3>发布</h3>
          <Field id="scheduledAt" label="定时发布时间（北京时间，留空则立即发布）" error={errors.scheduledAt}>
            <input id="scheduledAt" name="scheduledAt" type="datetime-local" value={values.scheduledAt} />
          </Field>
          <button type="submit" class="button">
            发布
          </button>
        </form>
      ) : null}
      {canReview && s === "submitted" ? (
        <form method="post" action={action("return")}>
          <CsrfField token={ctx.csrf} />
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
