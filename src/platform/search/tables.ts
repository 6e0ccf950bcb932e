import type { Generated } from "kysely";

/**
 * Tables platform/search owns. Besides these, SQLite has the FTS5 table `search_fts` (rowid = the
 * document id) and PostgreSQL a `tsv tsvector` column on search_docs; both are reached in raw SQL only.
 */
export interface SearchTables {
  searchDocs: SearchDocRow;
  searchDocSites: SearchDocSiteRow;
  searchTerms: SearchTermRow;
  searchSynonyms: SearchSynonymRow;
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
  /** 发文字号, issuer and keywords: searchable with their own weight, never shown as the snippet. */
  metaTokens: Generated<string>;
  /** The site the document belongs to (facets count each document once). */
  siteId: number | null;
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

export type SynonymStatus = "candidate" | "approved" | "rejected";
export type SynonymSource =
  | "abbreviation"
  | "definition"
  | "cooccurrence"
  | "reformulation"
  | "manual"
  /** A built-in query-time pair (QUERY_SYNONYMS) an editor switched off or on again. */
  | "builtin";

/**
 * A pair mined from the platform's own text or typed by an editor: `word` means `canonical`; used once
 * approved. A built-in pair's row only records the editor's decision on it (rejected: switched off).
 */
export interface SearchSynonymRow {
  id: Generated<number>;
  word: string;
  canonical: string;
  source: SynonymSource;
  score: number;
  /** A short excerpt showing the pair (for the reviewer). */
  evidence: string;
  status: SynonymStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
}
