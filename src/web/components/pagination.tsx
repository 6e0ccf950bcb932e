export function pageHref(
  base: string,
  params: Record<string, string | number | null | undefined>,
  page: number,
  /** The query key of the page number (a page with two paged lists uses two keys). */
  key = "page",
): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== null && v !== undefined && v !== "") query.set(k, String(v));
  if (page > 1) query.set(key, String(page));
  const qs = query.toString();
  return qs ? `${base}?${qs}` : base;
}

/** Page links that work without JavaScript; shows at most 9 numbers around the current page. */
export function Pagination({
  base,
  params = {},
  page,
  pageSize,
  total,
  pageKey = "page",
}: {
  base: string;
  params?: Record<string, string | number | null | undefined>;
  page: number;
  pageSize: number;
  total: number;
  pageKey?: string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  const from = Math.max(1, Math.min(page - 4, pages - 8));
  const to = Math.min(pages, from + 8);
  const numbers: number[] = [];
  for (let i = from; i <= to; i++) numbers.push(i);
  return (
    <nav class="pagination" aria-label="分页">
      {page > 1 ? <a href={pageHref(base, params, page - 1, pageKey)}>上一页</a> : null}
      {numbers.map((n) =>
        n === page ? (
          <span aria-current="page">{n}</span>
        ) : (
          <a href={pageHref(base, params, n, pageKey)} aria-label={`第${n}页`}>
            {n}
          </a>
        ),
      )}
      {page < pages ? <a href={pageHref(base, params, page + 1, pageKey)}>下一页</a> : null}
      <span class="meta">
        共{total}条，{pages}页
      </span>
    </nav>
  );
}
