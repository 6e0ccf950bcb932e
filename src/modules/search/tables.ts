import type { Generated } from "kysely";

/** Tables the search module owns; the index itself is platform/search's. */
export interface SearchLogTables {
  searchLog: SearchLogRow;
}

/** One search a visitor ran (for the hot-words and zero-result reports). */
export interface SearchLogRow {
  id: Generated<number>;
  at: string;
  query: string;
  siteCode: string | null;
  kind: string | null;
  total: number;
}
