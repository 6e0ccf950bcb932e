/**
 * Where to go after a sign-in or an action: a path on this site only (no //host, no backslashes,
 * no schemes, no control characters), else `fallback`.
 */
export function safeNext(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length > 500) return fallback;
  // Control characters would let a browser reinterpret the target.
  // eslint-disable-next-line no-control-regex
  if (!value.startsWith("/") || /^\/[/\\]/.test(value) || /[\u0000-\u0020\\]/.test(value)) return fallback;
  return value;
}
