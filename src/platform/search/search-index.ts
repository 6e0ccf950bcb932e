import { sql, type RawBuilder, type Transaction } from "kysely";
import type { Database } from "../../tables.ts";
import type { Db } from "../db/database.ts";
import { highlightTitle, snippet } from "./highlight.ts";
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
}

type MatchMode = "all" | "any" | "prefix";

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

/**
 * One search index over SQLite FTS5 or PostgreSQL tsvector. Documents are segmented by jieba in
 * Node and stored as space-separated canonical tokens, so both engines match the same tokens.
 */
export class SearchIndex {
  constructor(private readonly store: Db) {}

  private get db() {
    return this.store.db;
  }

  async upsert(doc: SearchDocument): Promise<void> {
    const titleTokens = indexTokens(doc.title);
    const bodyTokens = indexTokens(doc.body);
    if (doc.docNumber) bodyTokens.push(docNumberToken(doc.docNumber));
    const row = {
      docKey: doc.key,
      kind: doc.kind,
      title: doc.title,
      body: doc.body.slice(0, 20000),
      url: doc.url,
      year: Number(doc.publishedAt.slice(0, 4)) || 0,
      publishedAt: doc.publishedAt,
      tokens: bodyTokens.join(" "),
      titleTokens: titleTokens.join(" "),
      meta: JSON.stringify(doc.meta ?? {}),
    };
    await this.db.transaction().execute(async (trx) => {
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
        await this.countTerms(trx, titleTokens);
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
        await sql`UPDATE search_docs SET tsv = ${weightedVector(titleTokens, bodyTokens)}::tsvector
          WHERE id = ${id}`.execute(trx);
      }
    });
  }

  private async countTerms(trx: Transaction<Database>, tokens: string[]): Promise<void> {
    for (const term of new Set(tokens)) {
      if (term.length < 2 || term.length > 20) continue;
      await trx
        .insertInto("searchTerms")
        .values({ term, df: 1, pinyin: toPinyin(term) })
        .onConflict((oc) => oc.column("term").doUpdateSet({ df: sql`search_terms.df + 1` }))
        .execute();
    }
  }

  async remove(key: string): Promise<void> {
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
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom("searchDocs")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async search(query: SearchQuery): Promise<SearchResult> {
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

  private filters(query: SearchQuery, withKind: boolean): RawBuilder<unknown>[] {
    const parts: RawBuilder<unknown>[] = [];
    if (query.siteId != null)
      parts.push(sql`d.id IN (SELECT doc_id FROM search_doc_sites WHERE site_id = ${query.siteId})`);
    if (query.kinds && query.kinds.length > 0) parts.push(sql`d.kind IN (${sql.join(query.kinds)})`);
    if (withKind && query.kind) parts.push(sql`d.kind = ${query.kind}`);
    if (query.year != null) parts.push(sql`d.year = ${query.year}`);
    return parts;
  }

  private from(): RawBuilder<unknown> {
    return this.store.dialect === "sqlite"
      ? sql`search_fts JOIN search_docs d ON d.id = search_fts.rowid`
      : sql`search_docs d`;
  }

  private score(tokens: string[]): RawBuilder<number> {
    // Relevance (title matches weigh most) plus a recency bonus that halves after about a year.
    if (this.store.dialect === "sqlite") {
      return sql<number>`(-bm25(search_fts, 8.0, 1.0) + 2.0 / (1.0 + (julianday('now') - julianday(d.published_at)) / 365.0))`;
    }
    const quoted = tokens.map((t) => `'${t.replace(/'/g, "''").replace(/\\/g, "\\\\")}'`).join(" | ");
    return sql<number>`(ts_rank(d.tsv, ${quoted}::tsquery) * 20.0 + 2.0 / (1.0 + extract(epoch from (now() - d.published_at::timestamptz)) / 86400.0 / 365.0))`;
  }

  private async run(
    tokens: string[],
    mode: MatchMode,
    query: SearchQuery,
    page: number,
    pageSize: number,
  ): Promise<SearchResult> {
    const match = this.matchExpression(tokens, mode);
    const where = (withKind: boolean) => sql.join([match, ...this.filters(query, withKind)], sql` AND `);
    const db = this.store.read;
    const rows = await sql<{
      docKey: string;
      kind: string;
      title: string;
      body: string;
      url: string;
      publishedAt: string;
      meta: string;
    }>`SELECT d.doc_key, d.kind, d.title, d.body, d.url, d.published_at, d.meta
        FROM ${this.from()} WHERE ${where(true)}
        ORDER BY ${this.score(tokens)} DESC, d.published_at DESC, d.id DESC
        LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`.execute(db);
    const kindFacet = await sql<{ value: string; count: number }>`SELECT d.kind AS value, count(*) AS count
        FROM ${this.from()} WHERE ${where(false)} GROUP BY d.kind ORDER BY count DESC, value`.execute(db);
    const total = query.kind
      ? Number(kindFacet.rows.find((r) => r.value === query.kind)?.count ?? 0)
      : kindFacet.rows.reduce((sum, r) => sum + Number(r.count), 0);
    if (total === 0) {
      return {
        total,
        page,
        pageSize,
        hits: [],
        facets: { site: [], kind: [], year: [] },
        tokens,
        suggestion: null,
      };
    }
    const yearFacet = await sql<{ value: number; count: number }>`SELECT d.year AS value, count(*) AS count
        FROM ${this.from()} WHERE ${where(true)} GROUP BY d.year ORDER BY value DESC`.execute(db);
    const siteFacet = await sql<{ value: number; count: number }>`SELECT s.site_id AS value, count(*) AS count
        FROM ${this.from()} JOIN search_doc_sites s ON s.doc_id = d.id
        WHERE ${where(true)} GROUP BY s.site_id ORDER BY count DESC, value`.execute(db);
    const snippetTokens = tokens.filter((t) => !t.startsWith("dn"));
    return {
      total,
      page,
      pageSize,
      tokens,
      suggestion: null,
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
        kind: kindFacet.rows.map((r) => ({ value: r.value, count: Number(r.count) })),
        year: yearFacet.rows.map((r) => ({ value: Number(r.value), count: Number(r.count) })),
        site: siteFacet.rows.map((r) => ({ value: Number(r.value), count: Number(r.count) })),
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
