/**
 * Counts (or any numbers) by key, a non-negative integer below 2^53, in two typed arrays with linear
 * probing: a lookup reads one or two adjacent slots, where a Map of such keys (heap numbers) follows a
 * pointer per entry through a table of several megabytes, and its entries are objects the garbage
 * collector has to mark. Keys need not be uniform (they are mixed before probing).
 */
export class KeyCounts {
  /** key + 1 per slot (0: empty). */
  private keys: Float64Array;
  private values: Float64Array;
  private used = 0;

  constructor(capacity = 1 << 12) {
    this.keys = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** The count stored for `key`, or 0. */
  get(key: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    const stored = key + 1;
    for (let i = startOf(key, mask); ; i = (i + 1) & mask) {
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
    for (let i = startOf(key, mask); ; i = (i + 1) & mask) {
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

  /** Forgets every key, keeping the table's size (it would grow back to it). */
  clear(): void {
    this.keys.fill(0);
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

/** A key's first slot: its 53 bits mixed (a multiply-xorshift), so keys packing small fields spread. */
function startOf(key: number, mask: number): number {
  let h = Math.imul((key >>> 0) ^ Math.imul((key / 4_294_967_296) | 0, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 13)) & mask;
}
