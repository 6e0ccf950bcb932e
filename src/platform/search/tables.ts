import type { Generated } from "kysely";

/**
 * Tables platform/search owns. Besides these, SQLite has the FTS5 table `search_fts` (rowid = the
 * document id) and PostgreSQL a `tsv tsvector` column on search_docs; both are reached in raw SQL only.
 */
export interface SearchTables {
  searchDocs: SearchDocRow;
  searchDocSites: SearchDocSiteRow;
  searchTerms: SearchTermRow;
}

export interface SearchDocRow {
  id: Generated<number>;
  docKey: string;
  kind: string; // registered by the indexing modules (SearchKinds)
  title: string;
  body: string;
  url: string;
  year: number;
  publishedAt: string;
  tokens: string;
  titleTokens: string;
  meta: string; // JSON
}

export interface SearchDocSiteRow {
  docId: number;
  siteId: number;
}

export interface SearchTermRow {
  term: string;
  df: number;
  pinyin: string;
}
