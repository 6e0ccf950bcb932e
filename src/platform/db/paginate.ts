import type { SelectQueryBuilder } from "kysely";

/** One page of a list: its rows, how many rows the whole list has, and which page was served. */
export interface Page<Row> {
  rows: Row[];
  total: number;
  /** The page the rows are from: the one asked for, moved into 1..last (1 when the list is empty). */
  page: number;
}

/**
 * Serves one page of `query` (its selection and order as the caller wrote them): counts the rows the
 * query matches, moves `page` into 1..last page, then fetches that page with limit/offset. The count
 * is the same query without its selection and order, so the query must not group, be DISTINCT or
 * carry its own limit (those would count something else): such a query throws at once.
 */
export async function paginate<DB, TB extends keyof DB, Row>(
  query: SelectQueryBuilder<DB, TB, Row>,
  page: number,
  pageSize: number,
): Promise<Page<Row>> {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`page size ${pageSize}`);
  assertCountable(query);
  const counted = await query
    .clearSelect()
    .clearOrderBy()
    .select((eb) => eb.fn.countAll().as("n"))
    // The selection's type does not resolve over a generic DB; the driver's count is one of these.
    .$castTo<{ n: number | string | bigint }>()
    .executeTakeFirstOrThrow();
  const total = Number(counted.n);
  const served = clampPage(page, total, pageSize);
  if (total === 0) return { rows: [], total, page: served };
  const rows = await query
    .limit(pageSize)
    .offset((served - 1) * pageSize)
    .execute();
  return { rows, total, page: served };
}

/** `page` moved into 1..last page of `total` rows (1 when there are none); not a whole number: 1. */
export function clampPage(page: number, total: number, pageSize: number): number {
  const last = Math.max(1, Math.ceil(total / pageSize));
  return Number.isInteger(page) ? Math.min(Math.max(page, 1), last) : 1;
}

function assertCountable<DB, TB extends keyof DB, Row>(query: SelectQueryBuilder<DB, TB, Row>): void {
  const node = query.toOperationNode();
  const shaped =
    node.groupBy ?? node.having ?? node.distinctOn ?? node.setOperations ?? node.limit ?? node.offset;
  if (shaped || node.frontModifiers?.length)
    throw new Error("paginate: the query groups, is DISTINCT or has a limit; its count would be wrong");
}
