import { sql, type Insertable, type RawBuilder, type Transaction } from "kysely";

import type { SearchDocRow, SearchTables } from "./tables.ts";

import type { Db } from "../db/database.ts";
import { ExpiringCache } from "../cache/expiring-cache.ts";

import { chinaYear } from "../time/china-time.ts";

import { highlightWords, plainText, WordMatcher } from "./highlight.ts";

import { SearchKinds } from "./kinds.ts";

import { indexTokens, knownHomophone, queryTokens, subWords, toPinyin } from "./segmenter.ts";

import { citedDocNumberTokens, citedToken, docNumberIndexTokens, docNumberQueryToken } from "./doc-number.ts";

import { LearnedSynonyms } from "./learned-synonyms.ts";

export interface SearchDocument {
  /** Stable key, e.g. "article:42" or "service:11420000…". */
  key: string;
  kind: string;
  title: string;
  body: string;
  url: string;
  siteIds: number[];
  publishedAt: string;
  /** 发文字号 to make exactly findable (in any typed form, or without its year), if any. */
  docNumber?: string | null;
  /** Issuing body and keywords: searchable with their own weight, kept out of the snippet. */
  issuer?: string | null;
  keywords?: string | null;
  /** The site the document belongs to, counted in the site facet (default: the first of siteIds). */
  ownerSiteId?: number | null;
  meta?: Record<string, unknown>;
}

export interface SearchQuery {
  q: string;
  siteId?: number | null;
  kind?: string | null;
  /** Restrict to these kinds (e.g. the article kinds), applied before facets. */
  kinds?: string[];
  year?: number | null;
  page?: number;
  pageSize?: number;
}

export interface SearchHit {
  key: string;
  kind: string;
  title: string;
  /** HTML-safe title with <mark> around matches. */
  titleHtml: string;
  url: string;
  /** HTML-safe excerpt with <mark> around matches. */
  snippet: string;
  publishedAt: string;
  meta: Record<string, unknown>;
}

export interface Facet<T> {
  value: T;
  count: number;
}

export interface SearchResult {
  total: number;
  page: number;
  pageSize: number;
  hits: SearchHit[];
  facets: { site: Facet<number>[]; kind: Facet<string>[]; year: Facet<number>[] };
  tokens: string[];
  /** A corrected query when the given one found nothing ("did you mean"). */
  suggestion: string | null;
  /** True when the result set was too large to count exactly: total and facets are estimates. */
  approximate?: boolean;
}

type MatchMode = "all" | "any" | "prefix";

interface Filters {
  parts: RawBuilder<unknown>[];
  /** Whether any filter applies (they read search_docs, so SQLite joins it to the full-text rows). */
  needsDoc: boolean;
}

interface PreparedDocument {
  doc: SearchDocument;
  titleTokens: string[];
  row: Omit<Insertable<SearchDocRow>, "id">;
}

/** The one place documents are tokenised for the index. */
function prepareDocument(doc: SearchDocument): PreparedDocument {
  const titleTokens = indexTokens(doc.title);
  const bodyTokens = [...indexTokens(doc.body), ...citedDocNumberTokens(doc.body)];
  const metaTokens = [
    ...(doc.docNumber ? [...docNumberIndexTokens(doc.docNumber), ...indexTokens(doc.docNumber)] : []),
    ...(doc.issuer ? indexTokens(doc.issuer) : []),
    ...(doc.keywords ? indexTokens(doc.keywords) : []),
  ];
  const owner =
    doc.ownerSiteId != null && doc.siteIds.includes(doc.ownerSiteId) ? doc.ownerSiteId : doc.siteIds[0];
  return {
    doc,
    titleTokens,
    row: {
      docKey: doc.key,
      kind: doc.kind,
      title: doc.title,
      body: doc.body.slice(0, 20000),
      url: doc.url,
      year: chinaYear(doc.publishedAt) || 0,
      publishedAt: doc.publishedAt,
      tokens: bodyTokens.join(" "),
      titleTokens: titleTokens.join(" "),
      metaTokens: metaTokens.join(" "),
      siteId: owner ?? null,
      meta: JSON.stringify(doc.meta ?? {}),
    },
  };
}

const MAX_QUERY_TOKENS = 12;
/** The weight of "cites the number" beside "bears the number" (1) in a 发文字号 query. */
const CITED_WEIGHT = 0.01;
/** Tokens of a long question weighed before its MAX_QUERY_TOKENS rarest are kept. */
const MAX_WEIGHED_TOKENS = 32;

/** One query term: a word and its approved synonyms (any of them matches), with its BM25 weight. */
interface QueryTerm {
  forms: string[];
  weight: number;
  /** Conjunctions of sub-words that also match the term (a compound segmented otherwise). */
  parts?: string[][];
}

function plainTerms(tokens: string[]): QueryTerm[] {
  return tokens.map((t) => ({ forms: [t], weight: 1 }));
}

function termTokens(terms: QueryTerm[]): string[] {
  return [...new Set(terms.flatMap((t) => t.forms))];
}

/** Field weights of BM25 (SQLite) and ts_rank (PostgreSQL, same ratios). */
const FIELD_WEIGHTS = { title: 8, meta: 4, body: 1 };
/** SQLite's text relevance of a match (FTS5 bm25 with the field weights; higher is better). */
const FTS_RELEVANCE = sql`-bm25(search_fts, ${sql.lit(FIELD_WEIGHTS.title)}, ${sql.lit(FIELD_WEIGHTS.meta)}, ${sql.lit(FIELD_WEIGHTS.body)})`;
/** How the ranking signals combine (see score() and proximity()); tuned on data/eval/dev-*.jsonl. */
const RANK = { relevance: 1.0, coverage: 1.2, recency: 0.05, proximity: 0.3 };
/** The first pages (this many results) are re-ranked with term proximity. */
const RERANK_DEPTH = 50;
/** A term in more than this share of the documents selects nothing (once the index is this big). */
const COMMON_SHARE = 0.25;
/** The share of the query's term weight a result must match (while any document does). */
const MIN_SHARE = 0;
const COMMON_MIN_DOCS = 200;
const STATS_TTL_MS = 60_000;
/** See the constructor's `staleMs` (the page cache's default lifetime). */
const DEFAULT_STALE_MS = 10_000;

/**
 * How close together the query's terms occur (0–1): the best of the title and the start of the
 * body, as the length of the words over the span of the shortest window holding every matched term.
 */
export function proximity(title: string, body: string, terms: string[][]): number {
  let best = 0;
  for (const text of [title, body.slice(0, 4000)]) {
    const positions: { at: number; term: number; len: number }[] = [];
    terms.forEach((forms, term) => {
      for (const form of forms) {
        let at = text.indexOf(form);
        let guard = 0;
        while (at >= 0 && guard++ < 50) {
          positions.push({ at, term, len: form.length });
          at = text.indexOf(form, at + form.length);
        }
      }
    });
    const present = new Set(positions.map((p) => p.term));
    if (present.size < 2) continue;
    positions.sort((a, b) => a.at - b.at);
    const need = present.size;
    const counts = new Map<number, number>();
    let have = 0;
    let lo = 0;
    let span = Infinity;
    for (let hi = 0; hi < positions.length; hi++) {
      const h = positions[hi];
      counts.set(h.term, (counts.get(h.term) ?? 0) + 1);
      if (counts.get(h.term) === 1) have++;
      while (have === need) {
        const l = positions[lo];
        span = Math.min(span, h.at + h.len - l.at);
        counts.set(l.term, counts.get(l.term)! - 1);
        if (counts.get(l.term) === 0) have--;
        lo++;
      }
    }
    const words = terms.reduce(
      (s, forms, i) => s + (present.has(i) ? Math.min(...forms.map((f) => f.length)) : 0),
      0,
    );
    const share = present.size / terms.length;
    best = Math.max(best, share * Math.min(1, words / span));
  }
  return best;
}
/** PostgreSQL's largest tsvector position. */
const MAX_POSITION = 16383;

/** A tsvector literal with positions, so setweight-style weights survive (title A, meta C, body B). */
export function weightedVector(
  titleTokens: string[],
  bodyTokens: string[],
  metaTokens: string[] = [],
): string {
  const parts: string[] = [];
  let position = 0;
  const add = (tokens: string[], weight: string) => {
    for (const token of tokens) {
      if (!token) continue;
      position = Math.min(position + 1, MAX_POSITION);
      parts.push(`'${token.replace(/\\/g, "\\\\").replace(/'/g, "''")}':${position}${weight}`);
    }
  };
  add(titleTokens, "A");
  add(metaTokens, "C");
  add(bodyTokens, "B");
  return parts.join(" ");
}

/** A match a query considers: its text relevance and the share of the query's weight it matches. */
interface Candidate {
  id: number;
  rel: number | null;
  cov: number;
}

/** What facets and ranking need of a document (see SearchIndex.facts()). */
interface DocFacts {
  kind: string;
  year: number;
  siteId: number | null;
  publishedAt: string;
  julianDay: number;
}

interface FacetCounts {
  kind: Map<string, number>;
  year: Map<number, number>;
  site: Map<number, number>;
  considered: number;
  oldestId: number;
}

interface Ranked {
  id: number;
  facts: DocFacts;
  score: number;
}

interface ShownDocument {
  id: number;
  docKey: string;
  kind: string;
  title: string;
  body: string;
  /** The body on one line, as snippets cut it (see plainText). */
  plain: string;
  url: string;
  publishedAt: string;
  meta: Record<string, unknown>;
  /** Characters kept for this document (the shown-document cache counts them). */
  size: number;
}

/** Documents whose facts are read in one statement. */
const FACTS_BATCH = 1000;
/** Facts kept in memory at most (about 100 bytes each); past it the cache starts over. */
const FACTS_CACHE_MAX = 500_000;

/** A term's newest matches, ascending by id, with its share of BM25; complete when below the limit. */
interface TermScores {
  /** When they were read. */
  at: number;
  ids: Int32Array;
  rel: Float64Array;
  complete: boolean;
}

/** Characters of shown documents kept in memory at most (see ShownDocument.size; ~20 MB). */
const SHOWN_CACHE_MAX_CHARS = 10_000_000;

/** Terms whose match sets (and, apart, whose scores) are kept in memory at most. */
const TERM_CACHE_MAX_ENTRIES = 20_000;

/** Term match sets kept in memory at most, in ids (4 bytes each). */
const TERM_CACHE_MAX_IDS = 4_000_000;

/** Whether an ascending array holds `id`. */
function sortedHas(ids: Int32Array, id: number): boolean {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ids[mid];
    if (v === id) return true;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Milliseconds from the Julian day epoch to the Unix epoch (SQLite's julianday() counts in these). */
const JULIAN_UNIX_EPOCH_MS = 210_866_760_000_000;

export function julianDayOfMs(ms: number): number {
  return (ms + JULIAN_UNIX_EPOCH_MS) / 86_400_000;
}

/**
 * SQLite's julianday() of an ISO date-time (a time without a zone is UTC, as in SQLite and in a
 * PostgreSQL session in UTC); NaN when unreadable (SQLite's NULL).
 */
export function julianDay(iso: string): number {
  let text = iso.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text = `${text.replace(" ", "T")}Z`;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? NaN : julianDayOfMs(ms);
}

/** Ranking and facets consider at most this many matches (the newest); see candidates(). */
export const CANDIDATE_LIMIT = 1000;

/**
 * One search index over SQLite FTS5 or PostgreSQL tsvector. Documents are segmented by jieba in
 * Node and stored as space-separated canonical tokens, so both engines match the same tokens.
 */
export class SearchIndex {
  private readonly candidateLimit: number;
  private readonly resultCacheMs: number;
  private readonly changeListeners: (() => void)[] = [];
  /** Recent results by query, dropped on any change made through this index (and after a TTL). */
  private readonly results = new Map<string, { at: number; result: Promise<SearchResult> }>();
  /** Labels of the document kinds, contributed by the modules that index them. */
  readonly kinds = new SearchKinds();
  /** Synonym pairs approved in the console (mined from the platform's own text). */
  readonly synonyms = new LearnedSynonyms();
  private docCount: { at: number; n: number } | null = null;
  /** The documents each recent term matches (see termMatches()), and how many ids that holds. */
  private readonly termCache = new ExpiringCache<string, Int32Array>({
    ttlMs: STATS_TTL_MS,
    maxWeight: TERM_CACHE_MAX_IDS,
    maxEntries: TERM_CACHE_MAX_ENTRIES,
    weigh: (ids) => ids.length,
  });
  /** Each recent term's newest matches with their BM25 share (see termScores()), and their ids. */
  private readonly scoreCache: ExpiringCache<string, TermScores>;
  /** The shown fields of recently shown documents (see documents()), and their characters. */
  private readonly shownCache: ExpiringCache<number, ShownDocument>;
  /** Kind, year, owning site and date of documents by id, for facets and ranking (see facts()). */
  private readonly docFacts = new Map<number, DocFacts>();
  /** Bumped by every change, so a read racing with a write does not keep what it read. */
  private factsGeneration = 0;

  constructor(
    private readonly store: Db<SearchTables>,
    options: {
      candidateLimit?: number;
      resultCacheMs?: number;
      /**
       * How long term scores and shown documents read here may miss a change another process made
       * without telling this one (a CLI import beside the server; instances without Redis).
       */
      staleMs?: number;
    } = {},
  ) {
    this.candidateLimit = options.candidateLimit ?? CANDIDATE_LIMIT;
    this.resultCacheMs = options.resultCacheMs ?? 0;
    const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
    this.scoreCache = new ExpiringCache({
      ttlMs: staleMs,
      maxWeight: TERM_CACHE_MAX_IDS,
      maxEntries: TERM_CACHE_MAX_ENTRIES,
      weigh: (scores) => scores.ids.length,
    });
    this.shownCache = new ExpiringCache({
      ttlMs: staleMs,
      maxWeight: SHOWN_CACHE_MAX_CHARS,
      weigh: (doc) => doc.size,
    });
  }

  /** Calls `listener` after every change made through this index (to tell other instances). */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  private get db() {
    return this.store.db;
  }

  /** Forgets cached results (another instance changed the index). */
  clearCache(): void {
    this.invalidate();
    this.docFacts.clear();
    this.synonyms.invalidate();
  }

  private invalidate(): void {
    this.factsGeneration++;
    this.results.clear();
    this.termCache.clear();
    this.scoreCache.clear();
    this.shownCache.clear();
    this.docCount = null;
  }

  /** After a change made here: this instance forgets at once, the others when told (onChange). */
  private changed(): void {
    this.invalidate();
    for (const listener of this.changeListeners) listener();
  }

  async upsert(doc: SearchDocument): Promise<void> {
    this.invalidate();
    const prepared = prepareDocument(doc);
    await this.db.transaction().execute((trx) => this.write(trx, prepared));
    this.changed();
  }

  /**
   * Indexes many documents in one transaction (bulk loads, rebuilds). Same tokenising and storage as
   * upsert, so a document ends up exactly as if upserted on its own.
   */
  async upsertMany(docs: SearchDocument[]): Promise<void> {
    if (docs.length === 0) return;
    this.invalidate();
    const prepared = docs.map(prepareDocument);
    await this.db.transaction().execute(async (trx) => {
      const terms = new Map<string, number>();
      for (const p of prepared) await this.write(trx, p, terms);
      for (const [term, count] of terms) await this.addTermCount(trx, term, count);
    });
    this.changed();
  }

  private async write(
    trx: Transaction<SearchTables>,
    { doc, row, titleTokens }: PreparedDocument,
    pendingTerms?: Map<string, number>,
  ): Promise<void> {
    const existing = await trx
      .selectFrom("searchDocs")
      .select("id")
      .where("docKey", "=", doc.key)
      .executeTakeFirst();
    let id: number;
    if (existing) {
      id = existing.id;
      this.docFacts.delete(id);
      await trx.updateTable("searchDocs").set(row).where("id", "=", id).execute();
      await trx.deleteFrom("searchDocSites").where("docId", "=", id).execute();
    } else {
      const inserted = await trx
        .insertInto("searchDocs")
        .values(row)
        .returning("id")
        .executeTakeFirstOrThrow();
      id = inserted.id;
      this.docFacts.delete(id);
      await this.countTerms(trx, titleTokens, pendingTerms);
    }
    const siteIds = [...new Set(doc.siteIds)];
    if (siteIds.length > 0) {
      await trx
        .insertInto("searchDocSites")
        .values(siteIds.map((siteId) => ({ docId: id, siteId })))
        .execute();
    }
    if (this.store.dialect === "sqlite") {
      await sql`DELETE FROM search_fts WHERE rowid = ${id}`.execute(trx);
      await sql`INSERT INTO search_fts (rowid, title_tokens, meta_tokens, tokens)
        VALUES (${id}, ${row.titleTokens}, ${row.metaTokens}, ${row.tokens})`.execute(trx);
    } else {
      // Weights only stick to positions, so the vector is written with them: title A, meta C, body B.
      const vector = weightedVector(
        row.titleTokens.split(" "),
        row.tokens.split(" "),
        String(row.metaTokens ?? "").split(" "),
      );
      await sql`UPDATE search_docs SET tsv = ${vector}::tsvector WHERE id = ${id}`.execute(trx);
    }
  }

  /** Counts a new document's title words (for "did you mean"); `pending` collects them for a batch. */
  private async countTerms(
    trx: Transaction<SearchTables>,
    tokens: string[],
    pending?: Map<string, number>,
  ): Promise<void> {
    for (const term of new Set(tokens)) {
      if (term.length < 2 || term.length > 20) continue;
      if (pending) pending.set(term, (pending.get(term) ?? 0) + 1);
      else await this.addTermCount(trx, term, 1);
    }
  }

  private async addTermCount(trx: Transaction<SearchTables>, term: string, count: number): Promise<void> {
    await trx
      .insertInto("searchTerms")
      .values({ term, df: count, pinyin: toPinyin(term) })
      .onConflict((oc) => oc.column("term").doUpdateSet({ df: sql`search_terms.df + ${count}` }))
      .execute();
  }

  async remove(key: string): Promise<void> {
    this.invalidate();
    const removed = await this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom("searchDocs")
        .select("id")
        .where("docKey", "=", key)
        .executeTakeFirst();
      if (!existing) return false;
      this.docFacts.delete(existing.id);
      if (this.store.dialect === "sqlite")
        await sql`DELETE FROM search_fts WHERE rowid = ${existing.id}`.execute(trx);
      await trx.deleteFrom("searchDocSites").where("docId", "=", existing.id).execute();
      await trx.deleteFrom("searchDocs").where("id", "=", existing.id).execute();
      return true;
    });
    // Nothing to tell the other instances when there was nothing to remove.
    if (removed) this.changed();
    else this.invalidate();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom("searchDocs")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    if (this.resultCacheMs <= 0) return this.searchUncached(query);
    const key = JSON.stringify([
      query.q,
      query.siteId,
      query.kind,
      query.kinds,
      query.year,
      query.page,
      query.pageSize,
    ]);
    const now = Date.now();
    const cached = this.results.get(key);
    if (cached && now - cached.at <= this.resultCacheMs) return cached.result;
    if (this.results.size >= 1000) this.results.delete(this.results.keys().next().value!);
    const result = this.searchUncached(query);
    this.results.set(key, { at: now, result });
    result.catch(() => this.results.delete(key));
    return result;
  }

  private async searchUncached(query: SearchQuery): Promise<SearchResult> {
    const pageSize = Math.min(Math.max(query.pageSize ?? 10, 1), 50);
    const page = Math.max(query.page ?? 1, 1);
    const text = query.q.trim().slice(0, 100);
    const docNumber = docNumberQueryToken(text);
    let terms = docNumber ? await this.docNumberTerms(docNumber) : await this.analyse(text);
    const empty: SearchResult = {
      total: 0,
      page,
      pageSize,
      hits: [],
      facets: { site: [], kind: [], year: [] },
      tokens: termTokens(terms),
      suggestion: null,
    };
    if (terms.length === 0) return empty;

    // Every term may match (OR) and matching more of the query's weight ranks higher (AND as a
    // boost, not a filter), so a long question still finds what its key terms find. MIN_SHARE can
    // demand a share of the query's weight; on the tuning set any floor cost recall (0 is best).
    let result = await this.run(terms, "any", query, page, pageSize, MIN_SHARE);
    if (result.total === 0 && terms.length > 1 && MIN_SHARE > 0)
      result = await this.run(terms, "any", query, page, pageSize);
    if (result.total === 0 && docNumber) {
      // Not a known 发文字号: search its words instead.
      terms = await this.analyse(text);
      if (terms.length > 0) result = await this.run(terms, "any", query, page, pageSize);
    }
    if (result.total === 0 && terms.length > 0)
      result = await this.run(terms, "prefix", query, page, pageSize);
    // A query that sounds like a known word but is not one (公基金) is most likely a typo of it,
    // even when its fragments happen to match something.
    const homophone = await this.homophoneOfQuery(text, query);
    if (result.total > 0) return homophone ? { ...result, suggestion: homophone } : result;
    const tokens = termTokens(terms);
    return { ...empty, tokens, suggestion: homophone ?? (await this.suggest(tokens, query)) };
  }

  /**
   * A typed 发文字号: the documents that bear it and, far behind them (a share of the query's
   * weight they cannot make up), the documents that cite it. When no document bears it, the ones
   * citing it; when none does either, finding nothing sends the query to its words (a number
   * written only in a title).
   */
  private async docNumberTerms(token: string): Promise<QueryTerm[]> {
    const bearer: QueryTerm = { forms: [token], weight: 1 };
    const cited: QueryTerm = { forms: [citedToken(token)], weight: CITED_WEIGHT };
    const bearers = await this.documentFrequency(bearer);
    if (bearers === 0) return (await this.documentFrequency(cited)) > 0 ? [cited] : [bearer];
    // Candidates are the newest CANDIDATE_LIMIT matches: when newer citers could crowd the bearer
    // out of them, the bearer is searched alone.
    if (bearers + (await this.documentFrequency(cited)) > this.candidateLimit) return [bearer];
    return [bearer, cited];
  }

  private async homophoneOfQuery(text: string, query: SearchQuery): Promise<string | null> {
    const word = knownHomophone(text.replace(/\s/g, ""));
    if (!word) return null;
    const probe = await this.run(
      plainTerms(queryTokens(word)),
      "all",
      { ...query, kind: null, year: null },
      1,
      1,
    );
    return probe.total > 0 ? word : null;
  }

  /** Documents in the index (cached for a minute: it only scales term weights). */
  private async documentCount(): Promise<number> {
    const now = Date.now();
    if (this.docCount && now - this.docCount.at < STATS_TTL_MS) return this.docCount.n;
    const n = await this.count();
    this.docCount = { at: now, n };
    return n;
  }

  /** How many documents match a term (cached for a minute). */
  private async documentFrequency(term: QueryTerm): Promise<number> {
    return (await this.termMatches(term, "any")).length;
  }

  /**
   * The ids of the documents a term matches, ascending (cached for a minute, like the statistics,
   * and dropped on any change): its document frequency, and which candidates it covers.
   */
  private async termMatches(term: QueryTerm, mode: MatchMode): Promise<Int32Array> {
    const now = Date.now();
    const key = this.termExpression(term, mode);
    const cached = this.termCache.get(key, now);
    if (cached) return cached;
    // A rare term's scored matches are all its matches: one statement serves both.
    const scored = this.store.dialect === "sqlite" ? await this.termScores(term, mode) : null;
    const ids = scored?.complete ? scored.ids : await this.allMatches(term, mode);
    // Ids taken from the scores are as old as the scores.
    this.termCache.set(key, ids, scored?.complete ? scored.at : now);
    return ids;
  }

  private async allMatches(term: QueryTerm, mode: MatchMode): Promise<Int32Array> {
    const match = this.matchExpression([term], mode);
    const [from, id] =
      this.store.dialect === "sqlite" ? [sql`search_fts`, sql`rowid`] : [sql`search_docs d`, sql`d.id`];
    const rows = await sql<{ id: number }>`SELECT ${id} AS id FROM ${from} WHERE ${match}`.execute(
      this.store.read,
    );
    return Int32Array.from(rows.rows, (r) => Number(r.id)).sort();
  }

  /**
   * A term's newest matches (up to the candidate limit), ascending by id, each with the term's share
   * of BM25 (SQLite only; cached like termMatches()). FTS5's bm25 adds up one part per phrase of the
   * query, so a query's relevance is the sum of its terms' shares — except that a document matching
   * one term also earned points, in one statement over the whole query, for loose phrases of another
   * term it does not match (a lone 社会 of 社会保险): those partial matches no longer count.
   */
  private async termScores(term: QueryTerm, mode: MatchMode): Promise<TermScores> {
    const now = Date.now();
    const key = this.termExpression(term, mode);
    const cached = this.scoreCache.get(key, now);
    if (cached) return cached;
    const rows = await sql<{
      id: number;
      rel: number;
    }>`SELECT rowid AS id, ${FTS_RELEVANCE} AS rel FROM search_fts
      WHERE ${this.matchExpression([term], mode)} ORDER BY rowid DESC LIMIT ${this.candidateLimit}`.execute(
      this.store.read,
    );
    const n = rows.rows.length;
    const scores: TermScores = {
      at: now,
      ids: new Int32Array(n),
      rel: new Float64Array(n),
      complete: n < this.candidateLimit,
    };
    rows.rows.forEach((r, i) => {
      scores.ids[n - 1 - i] = Number(r.id);
      scores.rel[n - 1 - i] = Number(r.rel);
    });
    this.scoreCache.set(key, scores, now);
    return scores;
  }

  /**
   * The query's terms: approved learned phrases found in the text (城乡居保 ↔ 城乡居民基本养老保险,
   * whatever jieba makes of them) and the remaining words, each with its BM25 weight.
   */
  private async analyse(text: string): Promise<QueryTerm[]> {
    const learned = await this.synonyms.load(this.store);
    const { phrases, rest } = learned.phrasesIn(text);
    const extra: QueryTerm[] = [];
    for (const p of phrases) {
      const parts = [p.surface, ...p.partners].map((w) => queryTokens(w)).filter((t) => t.length > 0);
      if (parts.length > 0) extra.push({ forms: [p.surface, ...p.partners], weight: 1, parts });
    }
    const terms = await this.weighTerms(queryTokens(rest).slice(0, MAX_WEIGHED_TOKENS));
    if (extra.length === 0) return terms;
    const n = Math.max(await this.documentCount(), 1);
    for (const term of extra) {
      const df = await this.documentFrequency(term);
      term.weight = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    }
    return [...extra, ...terms];
  }

  /**
   * The query's terms with their approved synonyms and BM25 weights (IDF from the index itself).
   * Terms found in a large share of all documents select nothing useful: they are left out when
   * rarer terms remain (their weight would be near zero anyway).
   */
  private async weighTerms(tokens: string[]): Promise<QueryTerm[]> {
    if (tokens.length === 0) return [];
    const learned = await this.synonyms.load(this.store);
    const n = Math.max(await this.documentCount(), 1);
    const terms: (QueryTerm & { df: number })[] = [];
    for (const token of tokens) {
      const forms = [...new Set([token, ...learned.formsOf(token)])];
      // A word no document holds that sounds like a government word (身分证 → 身份证) is most
      // likely a typo of it: the known word is searched as well.
      const sounds = knownHomophone(token, true);
      if (sounds && (await this.documentFrequency({ forms: [token], weight: 1 })) === 0)
        for (const form of queryTokens(sounds)) if (!forms.includes(form)) forms.push(form);
      const parts = forms.map(subWords).filter((p) => p.length > 0);
      const term: QueryTerm = parts.length > 0 ? { forms, weight: 1, parts } : { forms, weight: 1 };
      const df = await this.documentFrequency(term);
      term.weight = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      terms.push({ ...term, df });
    }
    const rare = terms.filter((t) => n < COMMON_MIN_DOCS || t.df <= n * COMMON_SHARE);
    let kept = rare.length > 0 ? rare : terms;
    if (kept.length > MAX_QUERY_TOKENS) {
      // A long question keeps its most telling words wherever they stand, in the question's order:
      // the rarest words some document holds, then (if room is left) words no document holds.
      const rank = (t: { weight: number; df: number }) => (t.df === 0 ? -1 : t.weight);
      const floor = kept.map(rank).sort((a, b) => b - a)[MAX_QUERY_TOKENS - 1];
      let room = kept.filter((t) => rank(t) > floor).length;
      kept = kept.filter((t) => rank(t) > floor || (rank(t) === floor && room++ < MAX_QUERY_TOKENS));
    }
    return kept.map(({ df: _df, ...term }) => term);
  }

  private termExpression(term: QueryTerm, mode: MatchMode): string {
    const sqlite = this.store.dialect === "sqlite";
    const quote = (t: string) =>
      sqlite
        ? `"${t.replace(/"/g, '""')}"${mode === "prefix" ? "*" : ""}`
        : `'${t.replace(/'/g, "''").replace(/\\/g, "\\\\")}'${mode === "prefix" ? ":*" : ""}`;
    const alternatives = [
      ...term.forms.map(quote),
      ...(term.parts ?? []).map((p) => `(${p.map(quote).join(sqlite ? " AND " : " & ")})`),
    ];
    return alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(sqlite ? " OR " : " | ")})`;
  }

  private matchText(terms: QueryTerm[], mode: MatchMode): string {
    const sqlite = this.store.dialect === "sqlite";
    const joiner = mode === "all" ? (sqlite ? " AND " : " & ") : sqlite ? " OR " : " | ";
    return terms.map((t) => this.termExpression(t, mode)).join(joiner);
  }

  private matchExpression(terms: QueryTerm[], mode: MatchMode): RawBuilder<unknown> {
    const text = this.matchText(terms, mode);
    return this.store.dialect === "sqlite" ? sql`search_fts MATCH ${text}` : sql`d.tsv @@ ${text}::tsquery`;
  }

  private filters(query: SearchQuery, withKind: boolean): Filters {
    const parts: RawBuilder<unknown>[] = [];
    const needsDoc =
      query.siteId != null ||
      (withKind && !!query.kind) ||
      query.year != null ||
      (query.kinds?.length ?? 0) > 0;
    if (query.siteId != null)
      parts.push(sql`d.id IN (SELECT doc_id FROM search_doc_sites WHERE site_id = ${query.siteId})`);
    if (query.kinds && query.kinds.length > 0) parts.push(sql`d.kind IN (${sql.join(query.kinds)})`);
    if (withKind && query.kind) parts.push(sql`d.kind = ${query.kind}`);
    if (query.year != null) parts.push(sql`d.year = ${query.year}`);
    return { parts, needsDoc };
  }

  /**
   * The share of the query's term weight each candidate matches (0–1): the AND of the old search,
   * now a boost rather than a filter, so a long question still finds what its key terms find.
   * Summed in query order, as SQL summed it.
   */
  private async coverage(terms: QueryTerm[], mode: MatchMode, ids: number[]): Promise<Float64Array> {
    const cov = new Float64Array(ids.length);
    if (terms.length === 1) return cov.fill(1.0);
    const total = terms.reduce((s, t) => s + t.weight, 0) || 1;
    for (const t of terms) {
      const w = t.weight / total;
      const matches = await this.termMatches(t, mode);
      for (let i = 0; i < ids.length; i++) cov[i] += sortedHas(matches, ids[i]) ? w : 0.0;
    }
    return cov;
  }

  /**
   * The documents a query considers: every match that passes the filters, up to CANDIDATE_LIMIT of
   * the newest (highest id) ones, each with its text relevance (BM25 with field weights: title,
   * 发文字号/issuer/keywords, body) and coverage. Bounding this set keeps ranking and facets fast on
   * huge result sets (a common word over 100,000 articles); below the limit everything is exact.
   * Only the full-text index is read (plus search_docs when a filter applies): what facets and
   * ranking need of each document comes from the facts cache (see facts()).
   */
  private async candidates(
    terms: QueryTerm[],
    mode: MatchMode,
    filters: Filters,
    minShare = 0,
  ): Promise<Candidate[]> {
    if (this.store.dialect === "sqlite" && filters.parts.length === 0 && mode !== "all") {
      const out = await this.candidatesFromTerms(terms, mode);
      return minShare > 0 && terms.length > 1 ? out.filter((c) => c.cov >= minShare - 1e-9) : out;
    }
    const match = this.matchExpression(terms, mode);
    const where = sql.join([match, ...filters.parts], sql` AND `);
    let query: RawBuilder<unknown>;
    if (this.store.dialect === "sqlite") {
      const from = filters.needsDoc
        ? sql`search_fts JOIN search_docs d ON d.id = search_fts.rowid`
        : sql`search_fts`;
      const rel = FTS_RELEVANCE;
      query = sql`SELECT search_fts.rowid AS id, ${rel} AS rel FROM ${from}
        WHERE ${where} ORDER BY search_fts.rowid DESC LIMIT ${this.candidateLimit}`;
    } else {
      const any = this.matchText(terms, mode === "prefix" ? "prefix" : "any");
      // ts_rank weights are {D, C, B, A}: meta C, body B, title A, in the same ratio as SQLite's bm25.
      const weights = `{0.1, ${FIELD_WEIGHTS.meta / FIELD_WEIGHTS.title}, ${FIELD_WEIGHTS.body / FIELD_WEIGHTS.title}, 1.0}`;
      const rel = sql`ts_rank(${weights}::float4[], d.tsv, ${any}::tsquery, 1)`;
      query = sql`SELECT d.id, ${rel} AS rel FROM search_docs d
        WHERE ${where} ORDER BY d.id DESC LIMIT ${this.candidateLimit}`;
    }
    const rows = await sql<{ id: number; rel: number | null }>`${query}`.execute(this.store.read);
    const ids = rows.rows.map((r) => Number(r.id));
    const cov = await this.coverage(terms, mode, ids);
    const out = rows.rows.map((r, i) => ({
      id: ids[i],
      rel: r.rel == null ? null : Number(r.rel),
      cov: cov[i],
    }));
    // A floating-point share: compare with a little slack.
    return minShare > 0 && terms.length > 1 ? out.filter((c) => c.cov >= minShare - 1e-9) : out;
  }

  /**
   * candidates() without filters, from each term's cached newest matches: the newest CANDIDATE_LIMIT
   * documents matching any term are among each term's newest CANDIDATE_LIMIT matches, so the set,
   * its relevance (summed in query order) and its coverage are those of one statement over the whole
   * query (see termScores() for the one difference), without running it for every new query.
   */
  private async candidatesFromTerms(terms: QueryTerm[], mode: MatchMode): Promise<Candidate[]> {
    const total = terms.reduce((s, t) => s + t.weight, 0) || 1;
    const byId = new Map<number, Candidate>();
    for (const term of terms) {
      const { ids, rel } = await this.termScores(term, mode);
      const share = terms.length === 1 ? 1.0 : term.weight / total;
      for (let i = 0; i < ids.length; i++) {
        const c = byId.get(ids[i]);
        if (c) {
          c.rel! += rel[i];
          c.cov += share;
        } else byId.set(ids[i], { id: ids[i], rel: rel[i], cov: share });
      }
    }
    return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, this.candidateLimit);
  }

  /**
   * What facets and ranking need of each document (kind, year, owning site, date), by id: kept in
   * memory (a few dozen bytes a document), read from search_docs only for ids not seen yet, and
   * forgotten when the document changes. Ids without a document (removed meanwhile) are absent.
   */
  private async facts(ids: number[]): Promise<Map<number, DocFacts>> {
    const out = new Map<number, DocFacts>();
    const missing: number[] = [];
    for (const id of ids) {
      const f = this.docFacts.get(id);
      if (f) out.set(id, f);
      else missing.push(id);
    }
    const generation = this.factsGeneration;
    for (let i = 0; i < missing.length; i += FACTS_BATCH) {
      const rows = await this.store.read
        .selectFrom("searchDocs")
        .select(["id", "kind", "year", "siteId", "publishedAt"])
        .where("id", "in", missing.slice(i, i + FACTS_BATCH))
        .execute();
      // A document changed while we read: use what was read for this search, but do not keep it.
      const keep = generation === this.factsGeneration;
      if (keep && this.docFacts.size + rows.length > FACTS_CACHE_MAX) this.docFacts.clear();
      for (const r of rows) {
        const f: DocFacts = {
          kind: r.kind,
          year: Number(r.year),
          siteId: r.siteId == null ? null : Number(r.siteId),
          publishedAt: r.publishedAt,
          julianDay: julianDay(r.publishedAt),
        };
        out.set(Number(r.id), f);
        if (keep) this.docFacts.set(Number(r.id), f);
      }
    }
    return out;
  }

  /**
   * How many documents match in all when the candidates were cut at the limit: exact without
   * filters (the full-text index alone), otherwise estimated from the share of matches that passed
   * the filters among those at least as new as the oldest candidate.
   */
  private async matchCount(
    terms: QueryTerm[],
    mode: MatchMode,
    filtered: boolean,
    considered: number,
    oldestId: number,
  ): Promise<number> {
    const match = this.matchExpression(terms, mode);
    const [from, id] =
      this.store.dialect === "sqlite" ? [sql`search_fts`, sql`rowid`] : [sql`search_docs d`, sql`d.id`];
    const row = await sql<{ all: number; recent: number }>`SELECT count(*) AS "all",
        sum(CASE WHEN ${id} >= ${oldestId} THEN 1 ELSE 0 END) AS recent FROM ${from} WHERE ${match}`.execute(
      this.store.read,
    );
    const all = Number(row.rows[0]?.all ?? 0);
    const recent = Number(row.rows[0]?.recent ?? 0);
    if (!filtered || recent === 0) return Math.max(all, considered);
    return Math.max(considered, Math.round((all * considered) / recent));
  }

  /**
   * Facet counts (kind, year, site) and the candidate count of a candidate set. Each document counts
   * once per facet (under the site it belongs to), so every facet adds up to the total.
   */
  private facetCounts(candidates: Candidate[], facts: Map<number, DocFacts>): FacetCounts {
    const kind = new Map<string, number>();
    const year = new Map<number, number>();
    const site = new Map<number, number>();
    let oldestId = Infinity;
    for (const c of candidates) {
      if (c.id < oldestId) oldestId = c.id;
      const f = facts.get(c.id);
      if (!f) continue;
      kind.set(f.kind, (kind.get(f.kind) ?? 0) + 1);
      year.set(f.year, (year.get(f.year) ?? 0) + 1);
      if (f.siteId != null) site.set(f.siteId, (site.get(f.siteId) ?? 0) + 1);
    }
    return {
      kind,
      year,
      site,
      considered: candidates.length,
      oldestId: candidates.length > 0 ? oldestId : 0,
    };
  }

  /**
   * The candidates in rank order: text relevance relative to the best candidate, the share of the
   * query matched, and a small recency bonus that halves after about a year (a tie-breaker, not a
   * ranking signal); ties go to the newer document. Computed as SQLite computed it (julianday).
   */
  private ranked(candidates: Candidate[], facts: Map<number, DocFacts>): Ranked[] {
    const present = candidates.filter((c) => facts.has(c.id));
    let maxRel: number | null = null;
    for (const c of present) if (c.rel != null && (maxRel == null || c.rel > maxRel)) maxRel = c.rel;
    const now = julianDayOfMs(Date.now());
    const rows = present.map((c) => {
      const f = facts.get(c.id)!;
      const relevance = c.rel == null || maxRel == null || maxRel === 0 ? 0 : c.rel / maxRel;
      const score =
        relevance * RANK.relevance +
        c.cov * RANK.coverage +
        RANK.recency / (1.0 + (now - f.julianDay) / 365.0);
      // An unreadable date scores like SQL's NULL: after every other result.
      return { id: c.id, facts: f, score: Number.isNaN(score) ? -Infinity : score };
    });
    return rows.sort(
      (a, b) =>
        b.score - a.score ||
        (a.facts.publishedAt < b.facts.publishedAt
          ? 1
          : a.facts.publishedAt > b.facts.publishedAt
            ? -1
            : 0) ||
        b.id - a.id,
    );
  }

  /** The shown fields of some documents, by id. */
  private async documents(ids: number[]): Promise<Map<number, ShownDocument>> {
    const out = new Map<number, ShownDocument>();
    const now = Date.now();
    const missing = ids.filter((id) => {
      const kept = this.shownCache.get(id, now);
      if (kept) out.set(id, kept);
      return !kept;
    });
    if (missing.length === 0) return out;
    const generation = this.factsGeneration;
    const rows = await this.store.read
      .selectFrom("searchDocs")
      .select(["id", "docKey", "kind", "title", "body", "url", "publishedAt", "meta"])
      .where("id", "in", missing)
      .execute();
    // As in facts(): what a read racing with a change returned is used once, not kept.
    const keep = generation === this.factsGeneration;
    for (const row of rows) {
      const plain = plainText(row.body);
      const doc: ShownDocument = {
        ...row,
        id: Number(row.id),
        plain,
        // Shared by every result that shows this document: frozen, so no caller changes it for the others.
        meta: Object.freeze(JSON.parse(row.meta) as Record<string, unknown>),
        // Characters of every field (the parsed meta counted as its text twice) and ~200 of overhead.
        size:
          row.docKey.length +
          row.kind.length +
          row.title.length +
          row.body.length +
          plain.length +
          2 * row.meta.length +
          row.url.length +
          row.publishedAt.length +
          200,
      };
      out.set(doc.id, doc);
      if (keep) this.shownCache.set(doc.id, doc, now);
    }
    return out;
  }

  private async run(
    terms: QueryTerm[],
    mode: MatchMode,
    query: SearchQuery,
    page: number,
    pageSize: number,
    minShare = 0,
  ): Promise<SearchResult> {
    const tokens = termTokens(terms);
    const filtersAll = this.filters(query, true);
    const filtersButKind = this.filters(query, false);
    // The kind facet ignores the chosen kind: it needs the candidates without that filter. When those
    // were not cut at the limit, the chosen kind's candidates are exactly those of that kind.
    let mainSet: Candidate[];
    let butKindSet: Candidate[] | null = null;
    let facts: Map<number, DocFacts>;
    if (query.kind) {
      butKindSet = await this.candidates(terms, mode, filtersButKind, minShare);
      facts = await this.facts(butKindSet.map((c) => c.id));
      if (butKindSet.length < this.candidateLimit) {
        mainSet = butKindSet.filter((c) => facts.get(c.id)?.kind === query.kind);
      } else {
        mainSet = await this.candidates(terms, mode, filtersAll, minShare);
        const more = await this.facts(mainSet.map((c) => c.id).filter((id) => !facts.has(id)));
        for (const [id, f] of more) facts.set(id, f);
      }
    } else {
      mainSet = await this.candidates(terms, mode, filtersAll, minShare);
      facts = await this.facts(mainSet.map((c) => c.id));
    }
    const main = this.facetCounts(mainSet, facts);
    if (main.considered === 0) {
      return {
        total: 0,
        page,
        pageSize,
        hits: [],
        facets: { site: [], kind: [], year: [] },
        tokens,
        suggestion: null,
      };
    }
    const butKind = butKindSet ? this.facetCounts(butKindSet, facts) : main;
    // Past the candidate limit, counts are estimated from the newest candidates.
    const scaleOf = async (set: FacetCounts, filtered: boolean) =>
      set.considered >= this.candidateLimit
        ? (await this.matchCount(terms, mode, filtered, set.considered, set.oldestId)) / set.considered
        : 1;
    const scale = await scaleOf(main, filtersAll.parts.length > 0);
    const kindScale = butKind === main ? scale : await scaleOf(butKind, filtersButKind.parts.length > 0);
    const total = Math.round(main.considered * scale);
    // The first pages are re-ranked with term proximity; deeper pages keep the plain order.
    const offset = (page - 1) * pageSize;
    const rerank = offset + pageSize <= RERANK_DEPTH && terms.length > 1;
    const order = this.ranked(mainSet, facts);
    let shown: ShownDocument[];
    if (rerank) {
      // Proximity adds at most RANK.proximity: a result scoring that much below the last one the
      // pages up to this one need in plain order cannot reach them, so it is not read.
      const top = order.slice(0, RERANK_DEPTH);
      const bar = top.length > 0 ? top[Math.min(offset + pageSize, top.length) - 1].score : 0;
      const contenders = top.filter((r) => r.score + RANK.proximity >= bar);
      const docs = await this.documents(contenders.map((r) => r.id));
      const words = terms.map((t) => highlightWords(t.forms));
      shown = contenders
        .filter((r) => docs.has(r.id))
        .map((r, i) => {
          const d = docs.get(r.id)!;
          return { d, i, s: r.score + RANK.proximity * proximity(d.title, d.body, words) };
        })
        .sort((a, b) => b.s - a.s || a.i - b.i)
        .slice(offset, offset + pageSize)
        .map((x) => x.d);
    } else {
      const ids = order.slice(offset, offset + pageSize).map((r) => r.id);
      const docs = await this.documents(ids);
      shown = ids.filter((id) => docs.has(id)).map((id) => docs.get(id)!);
    }
    const counted = <K extends string | number>(counts: Map<K, number>, factor: number): Facet<K>[] =>
      [...counts].map(([value, count]) => ({
        value,
        count: factor === 1 ? count : Math.max(1, Math.round(count * factor)),
      }));
    const byCount = <K extends string | number>(a: Facet<K>, b: Facet<K>) =>
      b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
    const marker = new WordMatcher(highlightWords(tokens.filter((t) => !/^d[nc]/.test(t))));
    return {
      total,
      page,
      pageSize,
      tokens,
      suggestion: null,
      approximate: scale !== 1 || kindScale !== 1,
      hits: shown.map((r) => ({
        key: r.docKey,
        kind: r.kind,
        title: r.title,
        titleHtml: marker.mark(r.title),
        url: r.url,
        snippet: marker.excerpt(r.plain),
        publishedAt: r.publishedAt,
        meta: r.meta,
      })),
      facets: {
        kind: counted(butKind.kind, kindScale).sort(byCount),
        year: counted(main.year, scale).sort((a, b) => b.value - a.value),
        site: counted(main.site, scale).sort(byCount),
      },
    };
  }
  /** "Did you mean": replace unknown words by a known homophone or a one-character variant. */
  private async suggest(tokens: string[], query: SearchQuery): Promise<string | null> {
    let changed = false;
    const corrected: string[] = [];
    for (const token of tokens) {
      const known = await this.db
        .selectFrom("searchTerms")
        .select("df")
        .where("term", "=", token)
        .executeTakeFirst();
      if (known) {
        corrected.push(token);
        continue;
      }
      const replacement = (await this.homophone(token)) ?? (await this.oneCharVariant(token));
      if (replacement) changed = true;
      corrected.push(replacement ?? token);
    }
    if (!changed) return null;
    const probe = await this.run(plainTerms(corrected), "all", { ...query, kind: null, year: null }, 1, 1);
    return probe.total > 0 ? corrected.join("") : null;
  }

  private async homophone(token: string): Promise<string | null> {
    if (!/\p{Script=Han}/u.test(token)) return null;
    const row = await this.db
      .selectFrom("searchTerms")
      .select("term")
      .where("pinyin", "=", toPinyin(token))
      .orderBy("df", "desc")
      .orderBy("term")
      .executeTakeFirst();
    return row?.term ?? null;
  }

  private async oneCharVariant(token: string): Promise<string | null> {
    const chars = [...token];
    if (chars.length < 2 || chars.length > 8) return null;
    const patterns = chars.map((_, i) =>
      chars.map((c, j) => (i === j ? "_" : c.replace(/[%_]/g, ""))).join(""),
    );
    const row = await this.db
      .selectFrom("searchTerms")
      .select("term")
      .where((eb) => eb.or(patterns.map((p) => eb("term", "like", p))))
      .where("term", "!=", token)
      .orderBy("df", "desc")
      .orderBy("term")
      .executeTakeFirst();
    return row?.term ?? null;
  }
}
