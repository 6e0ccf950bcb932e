import type { ComponentChildren } from "preact";
import { Field } from "../../../web/components/form.tsx";
import {
  DEFAULT_ACCEPT,
  DEFAULT_MAX_KB,
  groupRowCount,
  MIME_LABEL,
  REGIONS,
  type FieldValue,
  type FileRef,
  type FormField,
  type FormSchema,
  type FormValues,
  type GroupRow,
} from "../forms.ts";

type Errors = Record<string, string>;

const describedBy = (id: string, errors: Errors, hint: boolean) =>
  [hint ? `${id}-hint` : "", errors[id] ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;

function conditionHint(f: FormField, all: FormField[]): string | undefined {
  if (!f.when) return f.hint;
  const ref = all.find((x) => x.name === f.when!.field);
  const eq = Array.isArray(f.when.equals) ? f.when.equals.join("或") : f.when.equals;
  const cond = `（${ref?.label ?? f.when.field}为“${eq}”时填写）`;
  return f.hint ? `${cond}${f.hint}` : cond;
}

function Control({
  f,
  id,
  value,
  errors,
  hint,
}: {
  f: FormField;
  id: string;
  value: FieldValue | GroupRow[string] | undefined;
  errors: Errors;
  hint?: string;
}) {
  const common = {
    id,
    name: id,
    "aria-describedby": describedBy(id, errors, !!hint),
    "aria-invalid": errors[id] ? ("true" as const) : undefined,
    required: f.required && !f.when ? true : undefined,
  };
  const s = typeof value === "string" ? value : "";
  switch (f.type) {
    case "textarea":
      return (
        <textarea {...common} rows={4} maxLength={f.maxLength ?? 2000}>
          {s}
        </textarea>
      );
    case "number":
      return <input {...common} type="text" inputMode="decimal" value={s} />;
    case "date":
      return <input {...common} type="date" value={s} />;
    case "select":
      return (
        <select {...common}>
          <option value="">请选择</option>
          {(f.options ?? []).map((o) => (
            <option value={o} selected={s === o}>
              {o}
            </option>
          ))}
        </select>
      );
    case "idnumber":
      return <input {...common} type="text" maxLength={18} autocomplete="off" value={s} />;
    case "phone":
      return <input {...common} type="tel" maxLength={13} value={s} />;
    default:
      return <input {...common} type="text" maxLength={f.maxLength ?? 200} value={s} />;
  }
}

/** The default hint of a file field: the types and size its settings accept. */
function fileHint(f: FormField): string {
  const kb = f.maxSizeKb ?? DEFAULT_MAX_KB;
  const size = kb >= 1024 && kb % 1024 === 0 ? `${kb / 1024}MB` : `${kb}KB`;
  return `支持${(f.accept ?? DEFAULT_ACCEPT).map((m) => MIME_LABEL[m] ?? m).join("、")}格式，不超过${size}`;
}

/** One field of the form, any type; ids equal the error keys so the error summary links to them. */
function FormFieldView({
  f,
  all,
  values,
  errors,
  prefix = "",
  locked,
  extra,
}: {
  f: FormField;
  all: FormField[];
  values: Record<string, unknown>;
  errors: Errors;
  prefix?: string;
  locked?: Record<string, string>;
  /** Shown inside the field above its control (e.g. 使用电子证照 beside a material's upload). */
  extra?: ComponentChildren;
}) {
  const id = `${prefix}${f.name}`;
  const hint = conditionHint(f, all);
  const label = `${f.label}${f.required ? "" : "（选填）"}`;
  const value = values[f.name] as FieldValue | undefined;
  const fixed = prefix === "" ? locked?.[f.name] : undefined;
  if (fixed !== undefined)
    // From the real-name account: shown, not posted (the server takes it from the account).
    return (
      <Field id={id} label={f.label} hint="来自实名账户，不可修改">
        <input id={id} type="text" value={fixed} readOnly aria-describedby={`${id}-hint`} />
      </Field>
    );
  if (f.type === "multiselect") {
    const chosen = Array.isArray(value) ? (value as string[]) : [];
    return (
      <fieldset
        class={errors[id] ? "field has-error" : "field"}
        id={id}
        aria-describedby={describedBy(id, errors, !!hint)}
      >
        <legend>{label}</legend>
        {hint ? (
          <span class="meta" id={`${id}-hint`}>
            {hint}
          </span>
        ) : null}
        {errors[id] ? (
          <span class="field-error" id={`${id}-error`}>
            {errors[id]}
          </span>
        ) : null}
        {(f.options ?? []).map((o) => (
          <label class="choice">
            <input type="checkbox" name={id} value={o} checked={chosen.includes(o)} /> {o}
          </label>
        ))}
      </fieldset>
    );
  }
  if (f.type === "address") {
    const a = (value as { region: string; detail: string } | null) ?? { region: "", detail: "" };
    return (
      <fieldset class={errors[`${id}.region`] || errors[`${id}.detail`] ? "field has-error" : "field"}>
        <legend>{label}</legend>
        {hint ? <span class="meta">{hint}</span> : null}
        {/* Ids use "-" (the names keep the "." the form reader expects): ids stay CSS-selector safe. */}
        <Field id={`${id}-region`} label="所在地区" error={errors[`${id}.region`]}>
          <select
            id={`${id}-region`}
            name={`${id}.region`}
            aria-invalid={errors[`${id}.region`] ? "true" : undefined}
          >
            <option value="">请选择</option>
            {REGIONS.map((r) => (
              <option value={r} selected={a.region === r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-detail`} label="详细地址" error={errors[`${id}.detail`]}>
          <input
            id={`${id}-detail`}
            type="text"
            name={`${id}.detail`}
            value={a.detail}
            maxLength={200}
            aria-invalid={errors[`${id}.detail`] ? "true" : undefined}
          />
        </Field>
      </fieldset>
    );
  }
  if (f.type === "file") {
    const file = value as FileRef | null | undefined;
    return (
      <Field id={id} label={label} hint={hint ?? fileHint(f)} error={errors[id]}>
        {extra ?? null}
        {file ? (
          <span class="meta">
            已上传：{file.name}（{Math.ceil(file.size / 1024)}KB），重新选择文件可替换
          </span>
        ) : null}
        <input
          id={id}
          name={id}
          type="file"
          accept={(f.accept ?? DEFAULT_ACCEPT).join(",")}
          aria-describedby={describedBy(id, errors, true)}
          aria-invalid={errors[id] ? "true" : undefined}
        />
      </Field>
    );
  }
  return (
    <Field id={id} label={label} hint={hint} error={errors[id]}>
      <Control f={f} id={id} value={value} errors={errors} hint={hint} />
    </Field>
  );
}

function GroupView({
  f,
  all,
  values,
  errors,
  extraRows,
}: {
  f: FormField;
  all: FormField[];
  values: FormValues;
  errors: Errors;
  extraRows: number;
}) {
  const rows = (values[f.name] as GroupRow[] | undefined) ?? [];
  const max = f.maxRows ?? 20;
  const count = Math.min(max, Math.max(rows.length + extraRows, f.minRows ?? 1, 1));
  const hint = conditionHint(f, all);
  return (
    <fieldset class="field group" id={f.name}>
      <legend>{f.label}</legend>
      {hint ? <span class="meta">{hint}</span> : null}
      {Array.from({ length: count }, (_, i) => (
        <fieldset class="group-row">
          <legend>第{i + 1}行</legend>
          {(f.fields ?? []).map((sub) => (
            <FormFieldView
              f={sub}
              all={f.fields ?? []}
              values={(rows[i] ?? {}) as Record<string, unknown>}
              errors={errors}
              prefix={`${f.name}.${i}.`}
            />
          ))}
        </fieldset>
      ))}
      {count < max ? (
        <button
          type="submit"
          name="_action"
          value={`addrow:${f.name}`}
          class="button secondary"
          formnovalidate
        >
          添加一行
        </button>
      ) : null}
      <p class="meta">不需要的行留空即可，提交时自动忽略。</p>
    </fieldset>
  );
}

/** Server-rendered form fields from a form schema (works without JavaScript). */
export function FormFields({
  schema,
  values,
  errors,
  addRowFor,
  rawRows = {},
  locked,
  extras,
}: {
  schema: FormSchema;
  values: FormValues;
  errors: Errors;
  addRowFor?: string;
  rawRows?: Record<string, number>;
  /** Top-level fields shown read-only with this text (the applicant's identity from the account). */
  locked?: Record<string, string>;
  /** Extra content inside top-level file fields, by field name. */
  extras?: Record<string, ComponentChildren>;
}) {
  return (
    <>
      {schema.fields.map((f) =>
        f.type === "group" ? (
          <GroupView
            f={f}
            all={schema.fields}
            values={values}
            errors={errors}
            extraRows={
              (addRowFor === f.name ? 1 : 0) +
              Math.max(0, (rawRows[f.name] ?? 0) - ((values[f.name] as GroupRow[] | undefined)?.length ?? 0))
            }
          />
        ) : (
          <FormFieldView
            f={f}
            all={schema.fields}
            values={values}
            errors={errors}
            locked={locked}
            extra={extras?.[f.name]}
          />
        ),
      )}
    </>
  );
}

export { groupRowCount };
