import { sql, type Kysely } from "kysely";
import type { SearchLogTables } from "./tables.ts";

export interface TermCount {
  term: string;
  count: number;
}

/** A searched term with how many results its searches found (mean over the period, rounded). */
export interface TermWithResults extends TermCount {
  results: number;
}

export interface SearchTermsReport {
  total: number;
  zeroResult: number;
  topTerms: TermWithResults[];
  zeroResultTerms: TermCount[];
}

/**
 * What visitors searched for between two instants (ISO, `from` inclusive, `to` exclusive), on one
 * site or (siteCode null) the whole cluster: totals and the most frequent terms, with and without
 * results. Terms are compared after trimming and lower-casing, as people type them.
 */
export async function searchTermsReport(
  db: Kysely<SearchLogTables>,
  siteCode: string | null,
  from: string,
  to: string,
  limit = 20,
): Promise<SearchTermsReport> {
  const base = () => {
    let q = db.selectFrom("searchLog").where("at", ">=", from).where("at", "<", to);
    if (siteCode) q = q.where("siteCode", "=", siteCode);
    return q;
  };
  const totals = await base()
    .select([
      sql<number>`count(*)`.as("total"),
      sql<number>`sum(case when total = 0 then 1 else 0 end)`.as("zero"),
    ])
    .executeTakeFirst();
  const term = sql<string>`lower(trim(query))`;
  const terms = (zeroOnly: boolean) => {
    let q = base();
    if (zeroOnly) q = q.where("total", "=", 0);
    return q
      .select([term.as("term"), sql<number>`count(*)`.as("count"), sql<number>`avg(total)`.as("results")])
      .groupBy(term)
      .orderBy(sql`count(*)`, "desc")
      .orderBy(term)
      .limit(limit)
      .execute();
  };
  const asCounts = (rows: { term: string; count: number | string }[]) =>
    rows.filter((r) => r.term).map((r) => ({ term: r.term, count: Number(r.count) }));
  const withResults = (rows: { term: string; count: number | string; results: number | string }[]) =>
    rows
      .filter((r) => r.term)
      .map((r) => ({ term: r.term, count: Number(r.count), results: Math.round(Number(r.results)) }));
  return {
    total: Number(totals?.total ?? 0),
    zeroResult: Number(totals?.zero ?? 0),
    topTerms: withResults(await terms(false)),
    zeroResultTerms: asCounts(await terms(true)),
  };
}
