import { AdminLayout, CsrfField, type AdminContext } from "../../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../../web/components/form.tsx";
import { ALLOWED_EXTENSIONS } from "../../../../platform/files/attachments.ts";
import { ARTICLE_KINDS, stageName, STATUS_LABELS, VALIDITY, type Article } from "../../service.ts";
import type { ArticleFormValues } from "../article-form.ts";

export interface ChannelChoice {
  siteId: number;
  siteName: string;
  channels: { id: number; name: string; depth: number }[];
}

export interface AttachmentItem {
  id: number;
  fileName: string;
  size: number;
}

export function ArticleFormPage({
  ctx,
  article,
  values,
  errors,
  message,
  ownerSites,
  channelChoices,
  policies,
  attachments,
  saved,
}: {
  ctx: AdminContext;
  article: Article | null;
  values: ArticleFormValues;
  errors: Record<string, string>;
  message?: string;
  ownerSites: { id: number; name: string }[];
  channelChoices: ChannelChoice[];
  policies: { id: number; title: string; docNumber: string | null }[];
  attachments: AttachmentItem[];
  saved?: boolean;
}) {
  const action = article ? `/admin/articles/${article.id}` : "/admin/articles/new";
  const title = article ? `编辑信息：${article.title}` : "新建信息";
  const selected = new Set(values.channelIds);
  const err = (k: string) => errors[k];
  const described = (k: string) => (errors[k] ? `${k}-error` : undefined);
  return (
    <AdminLayout ctx={ctx} title={title} scripts={["/static/js/editor.js"]}>
      <h1>{title}</h1>
      {saved ? (
        <p class="notice info" role="status">
          已保存。
        </p>
      ) : null}
      {article ? (
        <p class="actions">
          <span class="status">{STATUS_LABELS[article.status] ?? article.status}</span>
          <span>第{article.version}版</span>
          <a href={`/admin/articles/${article.id}/versions`}>版本历史</a>
          <a href={`/admin/articles/${article.id}/review`}>预览、内容检查与审核记录</a>
        </p>
      ) : null}
      {article &&
      (article.status === "scheduled" || (article.status === "submitted" && article.reviewStage !== 1)) ? (
        <p class="notice warning" role="note">
          {article.status === "submitted" && article.reviewStage > 1
            ? `本信息已通过${stageName(article.reviewStage - 1, article.reviewStages)}，正在等待${stageName(article.reviewStage, article.reviewStages)}。`
            : "本信息已通过全部审核，等待发布。"}
          保存对内容的修改或添加附件后，将从{stageName(1, article.reviewStages)}重新审核。
        </p>
      ) : null}
      <ErrorSummary errors={errors} title={message ?? "提交的内容有误，请修改后重新提交"} />
      <form method="post" action={action} enctype="multipart/form-data">
        <CsrfField token={ctx.csrf} />
        <Field id="kind" label="信息类型" error={err("kind")}>
          <select id="kind" name="kind" aria-describedby={described("kind")}>
            {Object.entries(ARTICLE_KINDS).map(([k, v]) => (
              <option value={k} selected={values.kind === k}>
                {v}
              </option>
            ))}
          </select>
        </Field>
        <Field id="title" label="标题" error={err("title")}>
          <input
            id="title"
            name="title"
            value={values.title}
            maxLength={200}
            aria-describedby={described("title")}
          />
        </Field>
        <Field id="ownerSiteId" label="所属网站" error={err("ownerSiteId")}>
          <select
            id="ownerSiteId"
            name="ownerSiteId"
            disabled={!!article}
            aria-describedby={described("ownerSiteId")}
          >
            {ownerSites.map((s) => (
              <option value={String(s.id)} selected={values.ownerSiteId === String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="bodyHtml"
          label="正文"
          hint="可使用格式工具栏；未启用脚本时可直接输入 HTML，保存时会自动清理不安全内容"
          error={err("bodyHtml")}
        >
          <textarea
            id="bodyHtml"
            name="bodyHtml"
            rows={14}
            data-rich-text=""
            aria-describedby={errors.bodyHtml ? "bodyHtml-hint bodyHtml-error" : "bodyHtml-hint"}
          >
            {values.bodyHtml}
          </textarea>
        </Field>
        <Field id="summary" label="摘要（可选）">
          <textarea id="summary" name="summary" rows={2} maxLength={500}>
            {values.summary}
          </textarea>
        </Field>
        <div class="grid">
          <Field id="source" label="信息来源">
            <input id="source" name="source" value={values.source} maxLength={100} />
          </Field>
          <Field id="author" label="作者">
            <input id="author" name="author" value={values.author} maxLength={60} />
          </Field>
          <Field id="keywords" label="关键词">
            <input id="keywords" name="keywords" value={values.keywords} maxLength={200} />
          </Field>
        </div>
        <fieldset>
          <legend>政策文件信息（类型为“政策文件”时填写）</legend>
          <Field id="docNumber" label="发文字号" hint="如 楚人社发〔2026〕3号" error={err("docNumber")}>
            <input
              id="docNumber"
              name="docNumber"
              value={values.docNumber}
              maxLength={60}
              aria-describedby={described("docNumber")}
            />
          </Field>
          <Field id="issuer" label="发文机关">
            <input id="issuer" name="issuer" value={values.issuer} maxLength={100} />
          </Field>
          <Field id="writtenAt" label="成文日期" error={err("writtenAt")}>
            <input
              id="writtenAt"
              name="writtenAt"
              type="date"
              value={values.writtenAt}
              aria-describedby={described("writtenAt")}
            />
          </Field>
          <Field id="theme" label="主题分类">
            <input id="theme" name="theme" value={values.theme} maxLength={60} />
          </Field>
          <Field id="validity" label="有效性" error={err("validity")}>
            <select id="validity" name="validity">
              {VALIDITY.map((v) => (
                <option value={v} selected={values.validity === v}>
                  {v}
                </option>
              ))}
            </select>
          </Field>
        </fieldset>
        <fieldset>
          <legend>政策解读（类型为“政策解读”时选择所解读的政策）</legend>
          <Field id="policyId" label="所解读的政策文件" error={err("policyId")}>
            <select id="policyId" name="policyId" aria-describedby={described("policyId")}>
              <option value="">（不关联）</option>
              {policies.map((p) => (
                <option value={String(p.id)} selected={values.policyId === String(p.id)}>
                  {p.docNumber ? `${p.title}（${p.docNumber}）` : p.title}
                </option>
              ))}
            </select>
          </Field>
        </fieldset>
        <fieldset>
          <legend>财政预决算表格（类型为“财政预决算”时填写）</legend>
          <Field
            id="tableCsv"
            label="表格数据"
            hint="每行一条，单元格用逗号或制表符分隔，第一行为表头，例如：科目, 预算数（万元）"
            error={err("tableCsv")}
          >
            <textarea id="tableCsv" name="tableCsv" rows={6} aria-describedby={described("tableCsv")}>
              {values.tableCsv}
            </textarea>
          </Field>
        </fieldset>
        <fieldset class="channel-picker" id="channelIds">
          <legend>发布栏目（可跨网站选择多个）</legend>
          {err("channelIds") ? <p class="field-error">{err("channelIds")}</p> : null}
          {channelChoices.map((site) => (
            <details
              open={
                site.channels.some((c) => selected.has(c.id)) || String(site.siteId) === values.ownerSiteId
              }
            >
              <summary>{site.siteName}</summary>
              {site.channels.map((c) => (
                <label class={`depth-${Math.min(c.depth, 3)}`}>
                  <input
                    type="checkbox"
                    name="channelIds"
                    value={String(c.id)}
                    checked={selected.has(c.id)}
                  />{" "}
                  {c.name}
                </label>
              ))}
            </details>
          ))}
        </fieldset>
        <Field
          id="file"
          label="上传附件（可选）"
          hint={`支持 ${ALLOWED_EXTENSIONS.join(" ")}，不超过20MB；系统会核对文件真实类型`}
          error={err("file")}
        >
          <input
            id="file"
            name="attachment"
            type="file"
            aria-describedby={errors.file ? "file-hint file-error" : "file-hint"}
          />
        </Field>
        {attachments.length ? (
          <ul aria-label="已上传附件">
            {attachments.map((a) => (
              <li>
                {a.fileName}（{Math.max(1, Math.round(a.size / 1024))} KB）
              </li>
            ))}
          </ul>
        ) : null}
        <p class="actions">
          <button type="submit" class="button" name="action" value="save">
            保存
          </button>
          <button type="submit" class="button secondary" name="action" value="submit">
            保存并提交审核
          </button>
        </p>
      </form>
    </AdminLayout>
  );
}
