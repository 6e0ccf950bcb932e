import { CsrfField } from "../admin-layout.tsx";

/**
 * A one-button console form that posts a state change (secondary style), with its CSRF token and any
 * hidden `fields` the action needs.
 */
export function PostButton({
  action,
  csrf,
  label,
  fields = {},
}: {
  action: string;
  csrf: string;
  label: string;
  fields?: Record<string, string>;
}) {
  return (
    <form method="post" action={action}>
      <CsrfField token={csrf} />
      {Object.entries(fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class="button secondary">
        {label}
      </button>
    </form>
  );
}
