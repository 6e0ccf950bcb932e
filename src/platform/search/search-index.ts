import { sql, type Insertable, type RawBuilder, type Transaction } from "kysely";

import type { SearchDocRow, SearchTables } from "./tables.ts";

import type { Db } from "../db/database.ts";

import { chinaYear } from "../time/china-time.ts";

import { highlightTitle, snippet } from "./highlight.ts";

import { SearchKinds } from "./kinds.ts";

import {
  docNumberToken,
  indexTokens,
  knownHomophone,
  looksLikeDocNumber,
  queryTokens,
  toPinyin,
} from "./segmenter.ts";

export interface SearchDocument {
  /** Stable key, e.g. "article:42" or "service:11420000…". */
  key: string;
  kind: string;
  title: string;
  body: string;
  url: string;
  siteIds: number[];
  publishedAt: string;
  /** 发文字号 to make exactly findable, if any. */
  docNumber?: string | null;
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
  const bodyTokens = indexTokens(doc.body);
  if (doc.docNumber) bodyTokens.push(docNumberToken(doc.docNumber));
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
      meta: JSON.stringify(doc.meta ?? {}),
    },
  };
}

const MAX_QUERY_TOKENS = 12;
/** PostgreSQL's largest tsvector position. */
const MAX_POSITION = 16383;

/** A tsvector literal with positions, so setweight-style weights survive (title A, body B). */
export function weightedVector(titleTokens: string[], bodyTokens: string[]): string {
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
  add(bodyTokens, "B");
  return parts.join(" ");
}

/** Ranking and facets consider at most this many matches (the newest); see candidates(). */
export const CANDIDATE_LIMIT = 2000;

/**
 * One search index over SQLite FTS5 or PostgreSQL tsvector. Documents are segmented by jieba in
 * Node and stored as space-separated canonical tokens, so both engines match the same tokens.
 */
export class SearchIndex {
  private readonly candidateLimit: number;
  private readonly resultCacheMs: number;
  /** Recent results by query, dropped on any change made through this index (and after a TTL). */
  private readonly results = new Map<string, { at: number; result: Promise<SearchResult> }>();
  /** Labels of the document kinds, contributed by the modules that index them. */
  readonly kinds = new SearchKinds();

  constructor(
    private readonly store: Db<SearchTables>,
    options: { candidateLimit?: number; resultCacheMs?: number } = {},
  ) {
    this.candidateLimit = options.candidateLimit ?? CANDIDATE_LIMIT;
    this.resultCacheMs = options.resultCacheMs ?? 0;
  }

  private get db() {
    return this.store.db;
  }

  /** Forgets cached results (another instance changed the index). */
  clearCache(): void {
    this.results.clear();
  }

  async upsert(doc: SearchDocument): Promise<void> {
    this.results.clear();
    const prepared = prepareDocument(doc);
    await this.db.transaction().execute((trx) => this.write(trx, prepared));
    this.results.clear();
  }

  /**
   * Indexes many documents in one transaction (bulk loads, rebuilds). Same tokenising and storage as
   * upsert, so a document ends up exactly as if upserted on its own.
   */
  async upsertMany(docs: SearchDocument[]): Promise<void> {
    if (docs.length === 0) return;
    this.results.clear();
    const prepared = docs.map(prepareDocument);
    await this.db.transaction().execute(async (trx) => {
      const terms = new Map<string, number>();
      for (const p of prepared) await this.write(trx, p, terms);
      for (const [term, count] of terms) await this.addTermCount(trx, term, count);
    });
    this.results.clear();
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
      await trx.updateTable("searchDocs").set(row).where("id", "=", id).execute();
      await trx.deleteFrom("searchDocSites").where("docId", "=", id).execute();
    } else {
      const inserted = await trx
        .insertInto("searchDocs")
        .values(row)
        .returning("id")
        .executeTakeFirstOrThrow();
      id = inserted.id;
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
      await sql`INSERT INTO search_fts (rowid, title_tokens, tokens) VALUES (${id}, ${row.titleTokens}, ${row.tokens})`.execute(
        trx,
      );
    } else {
      // Weights only stick to positions, so the vector is written with them: title A, body B.
      const vector = weightedVector(row.titleTokens.split(" "), row.tokens.split(" "));
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
    this.results.clear();
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom("searchDocs")
        .select("id")
        .where("docKey", "=", key)
        .executeTakeFirst();
      if (!existing) return;
      if (this.store.dialect === "sqlite")
        await sql`DELETE FROM search_fts WHERE rowid = ${existing.id}`.execute(trx);
      await trx.deleteFrom("searchDocSites").where("docId", "=", existing.id).execute();
      await trx.deleteFrom("searchDocs").where("id", "=", existing.id).execute();
    });
    this.results.clear();
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
    let tokens = looksLikeDocNumber(text)
      ? [docNumberToken(text)]
      : queryTokens(text).slice(0, MAX_QUERY_TOKENS);
    const empty: SearchResult = {
      total: 0,
      page,
      pageSize,
      hits: [],
      facets: { site: [], kind: [], year: [] },
      tokens,
      suggestion: null,
    };
    if (tokens.length === 0) return empty;

    let result = await this.run(tokens, "all", query, page, pageSize);
    if (result.total === 0 && tokens.length > 1)
      result = await this.run(tokens, "any", query, page, pageSize);
    if (result.total === 0 && looksLikeDocNumber(text)) {
      // Not a known 发文字号: search its words instead.
      tokens = queryTokens(text).slice(0, MAX_QUERY_TOKENS);
      if (tokens.length > 0) result = await this.run(tokens, "any", query, page, pageSize);
    }
    if (result.total === 0) result = await this.run(tokens, "prefix", query, page, pageSize);
    // A query that sounds like a known word but is not one (公基金) is most likely a typo of it,
    // even when its fragments happen to match something.
    const homophone = await this.homophoneOfQuery(text, query);
    if (result.total > 0) return homophone ? { ...result, suggestion: homophone } : result;
    return { ...empty, tokens, suggestion: homophone ?? (await this.suggest(tokens, query)) };
  }

  private async homophoneOfQuery(text: string, query: SearchQuery): Promise<string | null> {
    const word = knownHomophone(text.replace(/\s/g, ""));
    if (!word) return null;
    const probe = await this.run(queryTokens(word), "all", { ...query, kind: null, year: null }, 1, 1);
    return probe.total > 0 ? word : null;
  }

  private matchExpression(tokens: string[], mode: MatchMode): RawBuilder<unknown> {
    if (this.store.dialect === "sqlite") {
      const quoted = tokens.map((t) => `"${t.replace(/"/g, '""')}"${mode === "prefix" ? "*" : ""}`);
      return sql`search_fts MATCH ${quoted.join(mode === "any" ? " OR " : " AND ")}`;
    }
    const quoted = tokens.map(
      (t) => `'${t.replace(/'/g, "''").replace(/\\/g, "\\\\")}'${mode === "prefix" ? ":*" : ""}`,
    );
    return sql`d.tsv @@ ${quoted.join(mode === "any" ? " | " : " & ")}::tsquery`;
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
   * The documents a query considers: every match that passes the filters, up to CANDIDATE_LIMIT of
   * the newest (highest id) ones, each with its text relevance. Bounding this set keeps ranking and
   * facets fast on huge result sets (a common word over 100,000 articles); below the limit
   * everything is exact.
   */
  private candidates(
    tokens: string[],
    mode: MatchMode,
    filters: Filters,
    withRelevance = true,
  ): RawBuilder<unknown> {
    const match = this.matchExpression(tokens, mode);
    const where = sql.join([match, ...filters.parts], sql` AND `);
    if (this.store.dialect === "sqlite") {
      const from = filters.needsDoc
        ? sql`search_fts JOIN search_docs d ON d.id = search_fts.rowid`
        : sql`search_fts`;
      const rel = withRelevance ? sql`-bm25(search_fts, 8.0, 1.0)` : sql`0`;
      return sql`SELECT search_fts.rowid AS id, ${rel} AS rel FROM ${from}
        WHERE ${where} ORDER BY search_fts.rowid DESC LIMIT ${this.candidateLimit}`;
    }
    const quoted = tokens.map((t) => `'${t.replace(/'/g, "''").replace(/\\/g, "\\\\")}'`).join(" | ");
    const rel = withRelevance ? sql`ts_rank(d.tsv, ${quoted}::tsquery) * 20.0` : sql`0`;
    return sql`SELECT d.id, ${rel} AS rel FROM search_docs d
      WHERE ${where} ORDER BY d.id DESC LIMIT ${this.candidateLimit}`;
  }

  /**
   * How many documents match in all when the candidates were cut at the limit: exact without
   * filters (the full-text index alone), otherwise estimated from the share of matches that passed
   * the filters among those at least as new as the oldest candidate.
   */
  private async matchCount(
    tokens: string[],
    mode: MatchMode,
    filtered: boolean,
    considered: number,
    oldestId: number,
  ): Promise<number> {
    const match = this.matchExpression(tokens, mode);
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

  /** Facet counts (kind × year, site) and the candidate count, in one pass over the candidates. */
  private async facetRows(candidates: RawBuilder<unknown>) {
    const rows = await sql<{ f: string; kind: string | null; value: number | null; count: number }>`
      WITH c AS MATERIALIZED (${candidates})
      SELECT 'y' AS f, d.kind AS kind, d.year AS value, count(*) AS count
        FROM c JOIN search_docs d ON d.id = c.id GROUP BY d.kind, d.year
      UNION ALL
      SELECT 's' AS f, NULL AS kind, s.site_id AS value, count(*) AS count
        FROM c JOIN search_doc_sites s ON s.doc_id = c.id GROUP BY s.site_id
      UNION ALL
      SELECT 'o' AS f, NULL AS kind, min(c.id) AS value, count(*) AS count FROM c`.execute(this.store.read);
    const kindYear = rows.rows
      .filter((r) => r.f === "y")
      .map((r) => ({ kind: r.kind ?? "", year: Number(r.value), count: Number(r.count) }));
    const sites = rows.rows
      .filter((r) => r.f === "s")
      .map((r) => ({ site: Number(r.value), count: Number(r.count) }));
    const o = rows.rows.find((r) => r.f === "o");
    return { kindYear, sites, considered: Number(o?.count ?? 0), oldestId: Number(o?.value ?? 0) };
  }

  private score(): RawBuilder<number> {
    // Relevance (title matches weigh most) plus a recency bonus that halves after about a year.
    if (this.store.dialect === "sqlite") {
      return sql<number>`(c.rel + 2.0 / (1.0 + (julianday('now') - julianday(d.published_at)) / 365.0))`;
    }
    return sql<number>`(c.rel + 2.0 / (1.0 + extract(epoch from (now() - d.published_at::timestamptz)) / 86400.0 / 365.0))`;
  }

  private async run(
    tokens: string[],
    mode: MatchMode,
    query: SearchQuery,
    page: number,
    pageSize: number,
  ): Promise<SearchResult> {
    const filtersAll = this.filters(query, true);
    const filtersButKind = this.filters(query, false);
    const candidatesAll = this.candidates(tokens, mode, filtersAll);
    const main = await this.facetRows(this.candidates(tokens, mode, filtersAll, false));
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
    // The kind facet ignores the chosen kind: it needs the candidates without that filter.
    const butKind = query.kind
      ? await this.facetRows(this.candidates(tokens, mode, filtersButKind, false))
      : main;
    // Past the candidate limit, counts are estimated from the newest candidates.
    const scaleOf = async (set: typeof main, filtered: boolean) =>
      set.considered >= this.candidateLimit
        ? (await this.matchCount(tokens, mode, filtered, set.considered, set.oldestId)) / set.considered
        : 1;
    const scale = await scaleOf(main, filtersAll.parts.length > 0);
    const kindScale = butKind === main ? scale : await scaleOf(butKind, filtersButKind.parts.length > 0);
    const total = Math.round(main.considered * scale);
    const rows = await sql<{
      docKey: string;
      kind: string;
      title: string;
      body: string;
      url: string;
      publishedAt: string;
      meta: string;
    }>`SELECT d.doc_key, d.kind, d.title, d.body, d.url, d.published_at, d.meta
        FROM (${candidatesAll}) c JOIN search_docs d ON d.id = c.id
        ORDER BY ${this.score()} DESC, d.published_at DESC, d.id DESC
        LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`.execute(this.store.read);
    const counted = <K extends string | number>(
      items: { key: K; count: number }[],
      factor: number,
    ): Facet<K>[] => {
      const out = new Map<K, number>();
      for (const r of items) out.set(r.key, (out.get(r.key) ?? 0) + r.count);
      return [...out].map(([value, count]) => ({
        value,
        count: factor === 1 ? count : Math.max(1, Math.round(count * factor)),
      }));
    };
    const byCount = <K extends string | number>(a: Facet<K>, b: Facet<K>) =>
      b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
    const snippetTokens = tokens.filter((t) => !t.startsWith("dn"));
    return {
      total,
      page,
      pageSize,
      tokens,
      suggestion: null,
      approximate: scale !== 1 || kindScale !== 1,
      hits: rows.rows.map((r) => ({
        key: r.docKey,
        kind: r.kind,
        title: r.title,
        titleHtml: highlightTitle(r.title, snippetTokens),
        url: r.url,
        snippet: snippet(r.body, snippetTokens),
        publishedAt: r.publishedAt,
        meta: JSON.parse(r.meta) as Record<string, unknown>,
      })),
      facets: {
        kind: counted(
          butKind.kindYear.map((r) => ({ key: r.kind, count: r.count })),
          kindScale,
        ).sort(byCount),
        year: counted(
          main.kindYear.map((r) => ({ key: r.year, count: r.count })),
          scale,
        ).sort((a, b) => b.value - a.value),
        site: counted(
          main.sites.map((r) => ({ key: r.site, count: r.count })),
          scale,
        ).sort(byCount),
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
    const probe = await this.run(corrected, "all", { ...query, kind: null, year: null }, 1, 1);
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
