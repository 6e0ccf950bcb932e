/**
 * Counts by visitor key (a non-negative integer below 2^53, already a uniform hash: see visitorKey),
 * in two typed arrays with linear probing: a lookup reads one or two adjacent slots, where a Map of
 * such keys (heap numbers) follows a pointer per entry through a table of several megabytes.
 */
export class KeyCounts {
  /** key + 1 per slot (0: empty). */
  private keys: Float64Array;
  private values: Float64Array;
  private used = 0;

  constructor(private readonly initialCapacity = 1 << 12) {
    this.keys = new Float64Array(initialCapacity);
    this.values = new Float64Array(initialCapacity);
  }

  get size(): number {
    return this.used;
  }

  /** The count stored for `key`, or 0. */
  get(key: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    const stored = key + 1;
    for (let i = key % keys.length; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === stored) return this.values[i];
      if (k === 0) return 0;
    }
  }

  set(key: number, value: number): void {
    if ((this.used + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    const mask = keys.length - 1;
    const stored = key + 1;
    for (let i = key % keys.length; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === stored || k === 0) {
        if (k === 0) {
          keys[i] = stored;
          this.used++;
        }
        this.values[i] = value;
        return;
      }
    }
  }

  clear(): void {
    this.keys = new Float64Array(this.initialCapacity);
    this.values = new Float64Array(this.initialCapacity);
    this.used = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(oldKeys.length * 2);
    this.values = new Float64Array(oldKeys.length * 2);
    this.used = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== 0) this.set(oldKeys[i] - 1, oldValues[i]);
  }
}
