import { Layout, type PageContext } from "../../../web/layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";

export const ERROR_CATEGORIES = ["内容错误", "错别字", "链接失效", "页面无法访问", "信息过期", "其他"];

export interface ReportErrorValues {
  url: string;
  category: string;
  description: string;
  contact: string;
}

export function ReportErrorPage({
  ctx,
  values,
  errors,
  receipt,
}: {
  ctx: PageContext;
  values: ReportErrorValues;
  errors: Record<string, string>;
  receipt?: number;
}) {
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "我为政府网站找错", columnName: "我为政府网站找错", url: `${ctx.base}/report-error` }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: "我为政府网站找错" }]}
    >
      <h1>我为政府网站找错</h1>
      {receipt ? (
        <div class="notice info" role="status">
          <p>感谢您的反馈！您的找错编号是 {receipt}。网站工作人员将在3个工作日内核实处理。</p>
          <p>
            <a href={`${ctx.base}/`}>返回首页</a>
          </p>
        </div>
      ) : (
        <form method="post" action={`${ctx.base}/report-error`} novalidate>
          <ErrorSummary errors={errors} />
          <Field id="url" label="出错页面地址" error={errors.url}>
            <input id="url" name="url" type="text" maxLength={500} value={values.url} />
          </Field>
          <Field id="category" label="错误类型" error={errors.category}>
            <select id="category" name="category">
              {ERROR_CATEGORIES.map((c) => (
                <option value={c} selected={values.category === c}>
                  {c}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="description"
            label="问题描述（必填）"
            error={errors.description}
            hint="请写明哪里有错、正确内容是什么，1000字以内"
          >
            <textarea id="description" name="description" maxLength={1000} required>
              {values.description}
            </textarea>
          </Field>
          <Field id="contact" label="联系方式（选填，手机或邮箱，仅用于回复您）" error={errors.contact}>
            <input
              id="contact"
              name="contact"
              type="text"
              maxLength={100}
              value={values.contact}
              autoComplete="tel"
            />
          </Field>
          <button type="submit" class="button">
            提交
          </button>
        </form>
      )}
    </Layout>
  );
}
