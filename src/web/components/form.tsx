import type { ComponentChildren } from "preact";

/** GOV.UK-style error summary: lists every problem at once, each linking to its field. */
export function ErrorSummary({
  errors,
  title = "提交的内容有误，请修改后重新提交",
}: {
  errors: Record<string, string>;
  title?: string;
}) {
  const entries = Object.entries(errors);
  if (entries.length === 0) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabIndex={-1}>
      <h2 id="error-summary-title">{title}</h2>
      <ul>
        {entries.map(([field, message]) => (
          <li>
            <a href={`#${field}`}>{message}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A labelled form field with its hint and error message tied to the control by aria-describedby. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={error ? "field has-error" : "field"}>
      <label for={id}>{label}</label>
      {hint ? (
        <span class="meta" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span class="field-error" id={`${id}-error`}>
          <span class="visually-hidden">错误：</span>
          {error}
        </span>
      ) : null}
      {children}
    </div>
  );
}

/**
 * A labelled <select> (see Field) that keeps the chosen option, optionally starts with an empty
 * choice, and ties its hint and error to the control for screen readers.
 */
export function SelectField({
  id,
  name = id,
  label,
  hint,
  error,
  options,
  value,
  placeholder,
  disabled,
}: {
  id: string;
  name?: string;
  label: string;
  hint?: string;
  error?: string;
  options: { value: string; label: string }[];
  value: string | undefined;
  /** The text of an empty first choice (请选择), when nothing need be chosen beforehand. */
  placeholder?: string;
  disabled?: boolean;
}) {
  const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      <select
        id={id}
        name={name}
        disabled={disabled}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
      >
        {placeholder != null ? <option value="">{placeholder}</option> : null}
        {options.map((o) => (
          <option value={o.value} selected={o.value === value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
