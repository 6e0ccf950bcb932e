import type { SearchDeps } from "./deps.ts";
import { chinaDate, nowIso } from "../../platform/time/china-time.ts";
import { isRobotAgent } from "../../platform/http/robots.ts";
import type { SearchResult } from "../../platform/search/search-index.ts";

export interface SiteSearchQuery {
  q: string;
  /** The site searched (null or absent: the whole cluster). */
  siteCode?: string | null;
  /**
   * The site whose search page was used, which its analytics count the search for (the portal's page
   * and a department's "全部网站" search the whole cluster); default: the site searched.
   */
  fromSite?: string | null;
  kind?: string | null;
  year?: number | null;
  page?: number;
  pageSize?: number;
  /**
   * Who searched, for a search a person's request made: a robot's search is not counted in the
   * search figures, nor an address's past SEARCHES_COUNTED_PER_ADDRESS a day (see countable).
   */
  searcher?: { ip: string; userAgent: string };
}

/** Searches of one address counted a day at most (per instance), so one client cannot flood the figures. */
const SEARCHES_COUNTED_PER_ADDRESS = 100;

export const MAX_QUERY_LENGTH = 100;

interface QueryLogEntry {
  at: string;
  query: string;
  siteCode: string | null;
  kind: string | null;
  total: number;
}

/** Queries are written in batches so that logging does not add a database write to every search. */
const LOG_FLUSH_MS = 1000;
const LOG_BATCH = 200;

/** Cluster-wide and per-site search over everything published, with a privacy-safe query log. */
export class SiteSearchService {
  private pending: QueryLogEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Searches counted today per address (see countable). */
  private readonly countedPerAddress = new Map<string, number>();
  private countedDay = "";

  constructor(private readonly deps: SearchDeps) {}

  async search(query: SiteSearchQuery): Promise<SearchResult> {
    const site = query.siteCode ? this.deps.sites.byCodeCached(query.siteCode) : undefined;
    const kind = query.kind && this.deps.search.kinds.has(query.kind) ? query.kind : null;
    const result = await this.deps.search.search({
      q: query.q,
      siteId: site?.id ?? null,
      kind,
      year: query.year ?? null,
      page: query.page,
      pageSize: query.pageSize,
    });
    const from = query.fromSite !== undefined ? query.fromSite : (site?.code ?? null);
    if (this.countable(query)) this.log(query.q, from, kind, result.total);
    return result;
  }

  /**
   * Whether a search counts in the figures: its first page only (paging is the same search), never a
   * robot's (the platform's inspector follows hot-search links every night), and an address's first
   * SEARCHES_COUNTED_PER_ADDRESS of the day.
   */
  private countable(query: SiteSearchQuery): boolean {
    if ((query.page ?? 1) > 1) return false;
    const searcher = query.searcher;
    if (!searcher) return true;
    if (isRobotAgent(searcher.userAgent)) return false;
    const day = chinaDate();
    if (day !== this.countedDay || this.countedPerAddress.size > 100_000) {
      this.countedDay = day;
      this.countedPerAddress.clear();
    }
    const n = (this.countedPerAddress.get(searcher.ip) ?? 0) + 1;
    this.countedPerAddress.set(searcher.ip, n);
    return n <= SEARCHES_COUNTED_PER_ADDRESS;
  }

  /** Logs a search answered from the page cache (the result count comes from the result cache). */
  logSearch(query: SiteSearchQuery): void {
    void this.search(query).catch(() => {});
  }

  /** Writes the queries logged so far; called on a timer, when a batch fills, and on shutdown. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      // In its own routing context: an analytics row must not send the searcher's next pages to the
      // primary as if they had changed something they read back (see ReplicaRouter).
      await this.deps.store.onPrimary(() =>
        this.deps.store.db.insertInto("searchLog").values(batch).execute(),
      );
    } catch {
      // The log is analytics: it must never break or slow a search.
    }
  }

  /** Logs the query for analytics with personal data stripped (ID and phone numbers, e-mail addresses). */
  private log(q: string, siteCode: string | null, kind: string | null, total: number): void {
    // Full-width letters and digits (ｚｚｙ, ２０２４) are the same term as their half-width forms.
    const query = scrubPersonalData(q.normalize("NFKC").trim()).slice(0, MAX_QUERY_LENGTH);
    if (!query) return;
    this.pending.push({ at: nowIso(), query, siteCode, kind, total });
    if (this.pending.length >= LOG_BATCH) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), LOG_FLUSH_MS);
      this.timer.unref();
    }
  }
}

export function scrubPersonalData(text: string): string {
  return text
    .replace(/\d{17}[\dXx]|\d{15}/g, "[证件号]")
    .replace(/1[3-9]\d{9}/g, "[手机号]")
    .replace(/[\w.+-]+@[\w-]+\.[\w.]+/g, "[邮箱]");
}
