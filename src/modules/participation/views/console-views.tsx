import type { ComponentChildren } from "preact";
import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field, SelectField } from "../../../web/components/form.tsx";
import { formatDate } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { PHASE_LABELS, type Phase } from "../consultations.ts";

/*
 * The console pages consultations and surveys share: the list of one's own, the new-item form and
 * the edit section, each with the site, title and period fields.
 */

export interface SiteOption {
  id: number;
  name: string;
}

export interface PeriodFormValues {
  siteId: string;
  title: string;
  startDate: string;
  endDate: string;
}

/** A consultation or survey as the console lists it. */
export interface PeriodItem {
  id: number;
  siteId: number;
  title: string;
  opensAt: string;
  closesAt: string;
}

/** Site, title and period fields shared by the consultation and survey forms. */
export function PeriodFields({
  values,
  errors,
  sites,
  siteFixed,
  titleLabel,
}: {
  values: PeriodFormValues;
  errors: Record<string, string>;
  sites: SiteOption[];
  siteFixed: string | null;
  titleLabel: string;
}) {
  return (
    <>
      {siteFixed == null ? (
        <SelectField
          id="siteId"
          label="发布网站"
          error={errors.siteId}
          options={sites.map((s) => ({ value: String(s.id), label: s.name }))}
          value={values.siteId}
        />
      ) : (
        <p>发布网站：{siteFixed}</p>
      )}
      <Field id="title" label={titleLabel} error={errors.title}>
        <input id="title" name="title" type="text" maxLength={100} value={values.title} required />
      </Field>
      <div class="grid">
        <Field
          id="startDate"
          label="开始日期"
          hint="格式：2026-03-01（当天0时开始）"
          error={errors.startDate}
        >
          <input id="startDate" name="startDate" type="date" value={values.startDate} required />
        </Field>
        <Field id="endDate" label="结束日期" hint="含当天（当天24时结束）" error={errors.endDate}>
          <input id="endDate" name="endDate" type="date" value={values.endDate} required />
        </Field>
      </div>
    </>
  );
}

/** The console list: title, site, period, status and one column of the kind's own. */
export function ConsoleListPage<Row extends PeriodItem & { phase: Phase }>({
  ctx,
  base,
  noun,
  newLabel,
  periodLabel,
  extra,
  statusNote,
  rows,
  total,
  page,
  siteName,
}: {
  ctx: AdminContext;
  base: string;
  /** 意见征集, 网上调查 */
  noun: string;
  newLabel: string;
  periodLabel: string;
  /** The last column: its heading and cell. */
  extra: { heading: string; cell: (row: Row) => ComponentChildren };
  statusNote?: (row: Row) => string;
  rows: Row[];
  total: number;
  page: number;
  siteName: (id: number) => string;
}) {
  return (
    <AdminLayout ctx={ctx} title={noun}>
      <h1>{noun}</h1>
      <p class="actions">
        <a class="button" href={`${base}/new`}>
          {newLabel}
        </a>
      </p>
      <table class="data-table">
        <caption class="visually-hidden">{noun}列表</caption>
        <thead>
          <tr>
            <th scope="col">标题</th>
            <th scope="col">网站</th>
            <th scope="col">{periodLabel}</th>
            <th scope="col">状态</th>
            <th scope="col">{extra.heading}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>
                <a href={`${base}/${r.id}`}>{r.title}</a>
              </td>
              <td>{siteName(r.siteId)}</td>
              <td>
                {formatDate(r.opensAt)} 至 {formatDate(r.closesAt)}
              </td>
              <td>
                {PHASE_LABELS[r.phase]}
                {statusNote ? statusNote(r) : ""}
              </td>
              <td>{extra.cell(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p>还没有{noun}。</p> : null}
      <Pagination base={base} page={page} pageSize={20} total={total} />
    </AdminLayout>
  );
}

/** The new-item form: site, title and period, then the kind's own fields (children). */
export function NewItemPage({
  ctx,
  base,
  heading,
  backLabel,
  titleLabel,
  scripts,
  values,
  errors,
  sites,
  children,
}: {
  ctx: AdminContext;
  base: string;
  heading: string;
  backLabel: string;
  titleLabel: string;
  scripts?: string[];
  values: PeriodFormValues;
  errors: Record<string, string>;
  sites: SiteOption[];
  children: ComponentChildren;
}) {
  return (
    <AdminLayout ctx={ctx} title={heading} scripts={scripts}>
      <p>
        <a href={base}>{backLabel}</a>
      </p>
      <h1>{heading}</h1>
      <form method="post" action={`${base}/new`} novalidate>
        <CsrfField token={ctx.csrf} />
        <ErrorSummary errors={errors} />
        <PeriodFields
          values={values}
          errors={errors}
          sites={sites}
          siteFixed={null}
          titleLabel={titleLabel}
        />
        {children}
        <button type="submit" class="button">
          保存草稿
        </button>
      </form>
    </AdminLayout>
  );
}

/** The edit section of an item's page: title and period (the site is fixed), then the kind's own fields. */
export function EditSection({
  csrf,
  action,
  heading,
  titleLabel,
  item,
  v,
  errors,
  siteName,
  children,
}: {
  csrf: string;
  action: string;
  heading: string;
  titleLabel: string;
  item: PeriodItem;
  /** A submitted value kept after a failed save, else the item's own. */
  v: (key: string, fallback: string) => string;
  errors: Record<string, string>;
  siteName: string;
  children: ComponentChildren;
}) {
  return (
    <section class="panel" aria-labelledby="edit-h">
      <h2 id="edit-h">{heading}</h2>
      <form method="post" action={action} novalidate>
        <CsrfField token={csrf} />
        <PeriodFields
          values={{
            siteId: String(item.siteId),
            title: v("title", item.title),
            startDate: v("startDate", formatDate(item.opensAt)),
            endDate: v("endDate", formatDate(item.closesAt)),
          }}
          errors={errors}
          sites={[]}
          siteFixed={siteName}
          titleLabel={titleLabel}
        />
        {children}
        <button type="submit" class="button">
          保存
        </button>
      </form>
    </section>
  );
}
