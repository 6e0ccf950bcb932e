import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { Layout, type PageContext } from "../../../web/layout.tsx";
import { STATUS_LABELS, type Application } from "../applications.ts";
import type { Bundle, BundleOnceOnly } from "../bundles.ts";
import { sourceText } from "../once-only.ts";
import type { ServiceItem } from "../catalogue.ts";
import { LEVELS } from "../evaluations.ts";
import type { FormSchema, FormValues } from "../forms.ts";
import type { ServiceFigures } from "../stats.ts";
import { FormFields } from "./form-fields.tsx";

const crumbs = (ctx: PageContext, name: string) => [
  { name: "首页", href: `${ctx.base}/` },
  { name: "办事服务", href: `${ctx.base}/services/` },
  { name },
];

export function BundlesPage({
  ctx,
  bundles,
}: {
  ctx: PageContext;
  bundles: { bundle: Bundle; items: ServiceItem[] }[];
}) {
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "一件事一次办", url: `${ctx.base}/services/bundles` }}
      crumbs={crumbs(ctx, "一件事一次办")}
    >
      <h1>一件事一次办</h1>
      <ul class="list">
        {bundles.map(({ bundle, items }) => (
          <li class="service-item">
            <h2>
              <a href={`${ctx.base}/services/bundles/${bundle.code}`}>{bundle.name}</a>
            </h2>
            <p>{bundle.description}</p>
            <p class="meta">
              包含{items.length}个事项：{items.map((i) => i.name).join("、")}
            </p>
          </li>
        ))}
      </ul>
    </Layout>
  );
}

export function BundleApplyPage(p: {
  ctx: PageContext;
  bundle: Bundle;
  items: ServiceItem[];
  departments: string[];
  onceOnly: BundleOnceOnly[];
  /** The signed-in person's own name, ID number and phone, read-only (see lockedIdentity). */
  locked: Record<string, string>;
  /** The once-only consent as posted (kept when the form comes back with errors). */
  consent: boolean;
  schema: FormSchema;
  values: FormValues;
  errors: Record<string, string>;
  csrf: string | null;
  idem: string;
}) {
  const { ctx, bundle } = p;
  const url = `${ctx.base}/services/bundles/${bundle.code}`;
  return (
    <Layout ctx={ctx} meta={{ title: bundle.name, url }} crumbs={crumbs(ctx, bundle.name)}>
      <h1>{bundle.name}</h1>
      <p>{bundle.description}</p>
      <h2>包含的事项</h2>
      <ol>
        {p.items.map((i, n) => (
          <li>
            <a href={`${ctx.base}/services/item/${encodeURIComponent(i.code)}`}>{i.name}</a>（
            {p.departments[n]}）
          </li>
        ))}
      </ol>
      {p.onceOnly.some((o) => o.fetchable) ? (
        <p class="notice info">
          经您同意可免提交：
          {[...new Set(p.onceOnly.filter((o) => o.fetchable).map((o) => o.material.name))].join("、")}
          （由数据共享交换平台提供）
        </p>
      ) : null}
      {p.csrf ? (
        <>
          <h2>合并申请表（相同信息只填一次，每份材料只交一次）</h2>
          <ErrorSummary errors={p.errors} />
          <form
            method="post"
            action={url}
            enctype={
              p.onceOnly.length || p.schema.fields.some((f) => f.type === "file")
                ? "multipart/form-data"
                : undefined
            }
            novalidate
            class="form"
          >
            <input type="hidden" name="_csrf" value={p.csrf} />
            <input type="hidden" name="_idem" value={p.idem} />
            <FormFields schema={p.schema} values={p.values} errors={p.errors} locked={p.locked} />
            {p.onceOnly.length ? (
              <BundleOnceOnlyFields onceOnly={p.onceOnly} errors={p.errors} consent={p.consent} />
            ) : null}
            <button type="submit" class="button">
              一次提交
            </button>
          </form>
        </>
      ) : (
        <p>
          <a class="button" href={`${ctx.base}/account/login?next=${encodeURIComponent(url)}`}>
            登录后办理
          </a>
        </p>
      )}
    </Layout>
  );
}

/** The bundle's once-only materials: one consent for the fetchable ones, an upload for each otherwise. */
function BundleOnceOnlyFields({
  onceOnly,
  errors,
  consent,
}: {
  onceOnly: BundleOnceOnly[];
  errors: Record<string, string>;
  consent: boolean;
}) {
  const fetchable = onceOnly.filter((o) => o.fetchable);
  return (
    <fieldset class="field once-only">
      <legend>免提交材料</legend>
      {fetchable.length ? (
        <label class="choice consent">
          <input type="checkbox" name="onceOnlyConsent" value="1" checked={consent} />{" "}
          我同意：为办理本一件事，本平台通过楚云省数据共享交换平台调取本人的
          {[...new Set(fetchable.map((o) => `${o.source.resourceName}（${o.source.provider}）`))].join("；")}
          ，用于替代提交{[...new Set(fetchable.map((o) => o.material.name))].join("、")}
          。仅限本人申请；调取记录可在“我的—谁查看了我的数据”中查看。
        </label>
      ) : (
        <p class="meta">免提交仅限实名认证的本人申请，以下材料请上传。</p>
      )}
      {[...new Map(onceOnly.map((o) => [o.key, o])).values()].map((o) => {
        const forItems = onceOnly.filter((x) => x.key === o.key);
        const fetchable = forItems.every((x) => x.fetchable);
        return (
          <Field
            id={o.key}
            label={`${o.material.name}${fetchable ? `（可免提交，${sourceText(o.source)}）` : ""}`}
            hint={`${forItems.map((x) => x.itemName).join("、")}需要，上传一次即可。${fetchable ? "不同意调取时请在此上传" : "请上传"}（PDF、JPG、PNG，不超过5MB）`}
            error={errors[o.key]}
          >
            <input
              id={o.key}
              name={o.key}
              type="file"
              accept="application/pdf,image/jpeg,image/png"
              aria-describedby={`${o.key}-hint`}
              aria-invalid={errors[o.key] ? "true" : undefined}
            />
          </Field>
        );
      })}
    </fieldset>
  );
}

export function BundleReceiptPage({
  ctx,
  trackingNo,
  bundle,
  applications,
  complete,
}: {
  ctx: PageContext;
  trackingNo: string;
  bundle: Bundle;
  applications: Application[];
  complete: boolean;
}) {
  return (
    <Layout
      ctx={ctx}
      meta={{ title: `一件事办件 ${trackingNo}`, url: `${ctx.base}/services/bundle-receipt/${trackingNo}` }}
      crumbs={crumbs(ctx, "一件事办件")}
    >
      <h1>
        {bundle.name}：{complete ? "全部办结" : "办理中"}
      </h1>
      <p>
        一件事编号：<strong>{trackingNo}</strong>
      </p>
      <table class="data-table">
        <caption>各事项办理进度</caption>
        <thead>
          <tr>
            <th scope="col">事项</th>
            <th scope="col">办件编号</th>
            <th scope="col">状态</th>
          </tr>
        </thead>
        <tbody>
          {applications.map((a) => (
            <tr>
              <td>{a.itemName}</td>
              <td>
                <a href={`${ctx.base}/services/receipt/${a.trackingNo}`}>{a.trackingNo}</a>
              </td>
              <td>{STATUS_LABELS[a.status]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}

export function EvaluatePage({
  ctx,
  app,
  csrf,
  errors,
  values,
}: {
  ctx: PageContext;
  app: Application;
  csrf: string;
  errors: Record<string, string>;
  values: { level: string; comment: string };
}) {
  const url = `${ctx.base}/services/receipt/${app.trackingNo}/evaluate`;
  return (
    <Layout ctx={ctx} meta={{ title: "服务评价", url }} crumbs={crumbs(ctx, "服务评价")}>
      <h1>评价本次服务：{app.itemName}</h1>
      <ErrorSummary errors={errors} />
      <form method="post" action={url} class="form">
        <input type="hidden" name="_csrf" value={csrf} />
        <fieldset class={errors.level ? "field has-error" : "field"} id="level">
          <legend>满意程度</legend>
          {errors.level ? <span class="field-error">{errors.level}</span> : null}
          {[5, 4, 3, 2, 1].map((l) => (
            <label class="choice">
              <input type="radio" name="level" value={String(l)} checked={values.level === String(l)} />{" "}
              {LEVELS[l]}
            </label>
          ))}
        </fieldset>
        <Field id="comment" label="意见建议（不满意时必填）" error={errors.comment}>
          <textarea id="comment" name="comment" rows={4} maxLength={500}>
            {values.comment}
          </textarea>
        </Field>
        <button type="submit" class="button">
          提交评价
        </button>
      </form>
    </Layout>
  );
}

/** A rate with the sample it rests on ("60%（5 件办结）"): a rate alone hides how little it may mean. */
const rateOf = (x: number | null, base: number, unit: string) =>
  x === null ? `—（${base} ${unit}）` : `${x}%（${base} ${unit}）`;
const realRatings = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

export function StatsPage({ ctx, f }: { ctx: PageContext; f: ServiceFigures }) {
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "办件统计与好差评", url: `${ctx.base}/services/stats` }}
      crumbs={crumbs(ctx, "办件统计与好差评")}
    >
      <h1>办件统计与好差评</h1>
      <table class="data-table">
        <caption>总体情况</caption>
        <tbody>
          <tr>
            <th scope="row">办件量</th>
            <td>{f.applications}</td>
          </tr>
          <tr>
            <th scope="row">办结量</th>
            <td>{f.completed}</td>
          </tr>
          <tr>
            <th scope="row">全程网办率</th>
            <td>{rateOf(f.fullyOnlineRate, f.applications, "件办件")}</td>
          </tr>
          <tr>
            <th scope="row">按时办结率</th>
            <td>{rateOf(f.onTimeRate, f.completed, "件办结")}</td>
          </tr>
          <tr>
            <th scope="row">平均办理时间</th>
            <td>{f.averageProcessingDays === null ? "—" : `${f.averageProcessingDays}个工作日`}</td>
          </tr>
          <tr>
            <th scope="row">平均跑动次数</th>
            <td>{f.averageVisits ?? "—"}</td>
          </tr>
          <tr>
            <th scope="row">满意率（主动评价）</th>
            <td>{rateOf(f.satisfactionRate, realRatings(f.ratings), "条评价")}</td>
          </tr>
          <tr>
            <th scope="row">超期未评默认“基本满意”</th>
            <td>{f.defaultRatings}件（不计入满意率）</td>
          </tr>
          <tr>
            <th scope="row">差评整改率</th>
            <td>
              {rateOf(
                f.rectificationRate,
                f.byDepartment.reduce((n, d) => n + d.badReviews, 0),
                "条差评",
              )}
              {f.averageRectificationDays !== null ? `，平均${f.averageRectificationDays}个工作日` : ""}
            </td>
          </tr>
        </tbody>
      </table>
      <table class="data-table">
        <caption>各部门情况</caption>
        <thead>
          <tr>
            <th scope="col">部门</th>
            <th scope="col">办件量</th>
            <th scope="col">办结量</th>
            <th scope="col">按时办结率</th>
            <th scope="col">非常满意/满意/基本满意/不满意/非常不满意</th>
            <th scope="col">默认好评</th>
            <th scope="col">满意率</th>
            <th scope="col">差评/已整改</th>
          </tr>
        </thead>
        <tbody>
          {f.byDepartment.map((d) => (
            <tr>
              <td>{d.department}</td>
              <td>{d.applications}</td>
              <td>{d.completed}</td>
              <td>{rateOf(d.onTimeRate, d.completed, "件")}</td>
              <td>{["5", "4", "3", "2", "1"].map((k) => d.ratings[k]).join("/")}</td>
              <td>{d.defaultRatings}</td>
              <td>{rateOf(d.satisfactionRate, realRatings(d.ratings), "条")}</td>
              <td>
                {d.badReviews}/{d.rectified}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
