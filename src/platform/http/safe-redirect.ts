/** A base no request can have: a value that resolves against it to another origin is not a local path. */
const PROBE = "http://chuyun.invalid";

/**
 * The one check for a redirect target that came from input (`next`, `back`, a stored redirect):
 * a path on this origin only, returned percent-encoded so it is always a valid Location header
 * (non-ASCII `next=/办事` becomes `/%E5%8A%9E%E4%BA%8B`), or null.
 *
 * Refused: anything not starting with one "/", "//host" and "/\host" (browsers read a backslash as
 * a slash), backslashes and control characters anywhere (raw or %-encoded, they let a browser or a
 * proxy reinterpret the target), schemes ("javascript:", "https://…"), and %-encoded slashes right
 * after the first one ("/%2F%2Fhost").
 */
export function sameOriginPath(value: unknown): string | null {
  if (typeof value !== "string" || value.length === 0 || value.length > 2000) return null;
  if (value[0] !== "/" || value[1] === "/" || value[1] === "\\") return null;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  if (/%(?:[01][0-9a-f]|7f|5c)/i.test(value)) return null;
  if (/^\/(?:%2f|%5c)/i.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, PROBE);
  } catch {
    return null;
  }
  if (url.origin !== PROBE) return null;
  const path = url.pathname + url.search + url.hash;
  // The normalised path must still be a plain local path ("/./\host" and the like).
  if (!path.startsWith("/") || path.startsWith("//")) return null;
  return path;
}

/** Where to go after a sign-in or an action: `value` when it is a local path (sameOriginPath), else `fallback`. */
export function safeNext(value: unknown, fallback = "/"): string {
  return sameOriginPath(value) ?? fallback;
}
