import { CsrfField } from "../admin-layout.tsx";

/** A one-button console form that posts a state change (secondary style), with its CSRF token. */
export function PostButton({ action, csrf, label }: { action: string; csrf: string; label: string }) {
  return (
    <form method="post" action={action}>
      <CsrfField token={csrf} />
      <button type="submit" class="button secondary">
        {label}
      </button>
    </form>
  );
}
