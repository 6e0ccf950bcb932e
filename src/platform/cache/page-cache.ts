/**
 * Rendered public pages kept in memory for a short time. Any public change empties it (on every
 * instance, through the invalidation bus), and the TTL bounds staleness if a message is ever lost.
 */
export interface CachedPage {
  status: number;
  contentType: string;
  body: string;
  etag: string;
  storedAt: number;
}

export class PageCache {
  private readonly pages = new Map<string, CachedPage>();

  constructor(
    private readonly maxEntries = 2000,
    private readonly ttlMs = 60_000,
  ) {}

  get(key: string): CachedPage | undefined {
    const page = this.pages.get(key);
    if (!page) return undefined;
    if (Date.now() - page.storedAt > this.ttlMs) {
      this.pages.delete(key);
      return undefined;
    }
    // Re-insert to keep Map order as least-recently-used first.
    this.pages.delete(key);
    this.pages.set(key, page);
    return page;
  }

  set(key: string, page: CachedPage): void {
    if (this.pages.size >= this.maxEntries) {
      const oldest = this.pages.keys().next().value;
      if (oldest !== undefined) this.pages.delete(oldest);
    }
    this.pages.set(key, page);
  }

  clear(): void {
    this.pages.clear();
  }

  get size(): number {
    return this.pages.size;
  }
}
