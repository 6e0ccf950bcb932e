/**
 * Which pages each visitor viewed today (in this process), so that an engagement beacon counts only for
 * a page its visitor was counted viewing: a forged beacon naming another page adds nothing. A fixed
 * open-addressing table of 32-bit fingerprints of (visitor key, page): no object per entry, 4 bytes a
 * slot. When it fills up (a very busy day), new views are no longer remembered and beacons fall back to
 * the per-visitor cap alone (`full`).
 */
export class ViewedPages {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  private readonly limit: number;
  private used = 0;

  constructor(bits = 21) {
    this.slots = new Uint32Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.limit = Math.floor(this.slots.length * 0.7);
  }

  /** True once the table holds as many pairs as it may (past that, `has` cannot be trusted to say no). */
  get full(): boolean {
    return this.used >= this.limit;
  }

  get size(): number {
    return this.used;
  }

  add(visitorKey: number, page: number): void {
    if (this.full) return;
    const fingerprint = fingerprintOf(visitorKey, page);
    for (let i = slotOf(visitorKey, page) & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i];
      if (slot === fingerprint) return;
      if (slot === 0) {
        this.slots[i] = fingerprint;
        this.used++;
        return;
      }
    }
  }

  has(visitorKey: number, page: number): boolean {
    const fingerprint = fingerprintOf(visitorKey, page);
    for (let i = slotOf(visitorKey, page) & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i];
      if (slot === fingerprint) return true;
      if (slot === 0) return false;
    }
  }

  clear(): void {
    this.slots.fill(0);
    this.used = 0;
  }
}

const TWO_32 = 2 ** 32;

/** A 32-bit mix (murmur3's finaliser). */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function fingerprintOf(visitorKey: number, page: number): number {
  const low = visitorKey >>> 0;
  const high = Math.floor(visitorKey / TWO_32) >>> 0;
  // Never 0 (an empty slot).
  return (mix(low ^ mix(high ^ Math.imul(page, 0x9e3779b1))) | 1) >>> 0;
}

function slotOf(visitorKey: number, page: number): number {
  return mix((visitorKey >>> 0) + Math.imul(page ^ 0x27d4eb2f, 0x165667b1));
}

/** A page's number for the table: a 32-bit FNV-1a hash of its path. */
export function pageNumber(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
