/**
 * An in-memory map whose entries expire `ttlMs` after they were read from their source, and whose
 * total weight (ids, characters: whatever `weigh` counts) and entry count stay under their bounds;
 * past a bound the entries kept longest go first.
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, { at: number; value: V; weight: number }>();
  private weight = 0;

  constructor(
    private readonly options: {
      ttlMs: number;
      maxWeight: number;
      maxEntries?: number;
      weigh: (value: V) => number;
    },
  ) {}

  /** The value kept for `key`, unless it is older than the TTL. */
  get(key: K, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    return entry && now - entry.at < this.options.ttlMs ? entry.value : undefined;
  }

  /** Keeps `value`, read from its source at `at`. */
  set(key: K, value: V, at = Date.now()): void {
    this.delete(key);
    const weight = this.options.weigh(value);
    this.entries.set(key, { at, value, weight });
    this.weight += weight;
    const maxEntries = this.options.maxEntries ?? Infinity;
    for (const [oldKey, old] of this.entries) {
      if (this.weight <= this.options.maxWeight && this.entries.size <= maxEntries) break;
      this.entries.delete(oldKey);
      this.weight -= old.weight;
    }
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.weight -= entry.weight;
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }
}
