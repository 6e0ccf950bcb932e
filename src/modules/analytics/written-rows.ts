import { roomFor } from "./columns.ts";
import { KeyCounts } from "./key-counts.ts";

/** What a visitor's row already says (absent for a visitor new today). */
export interface VisitBefore {
  exitPath: string;
  lastTerm: string | null;
  lastSecond: number;
  views: number | string;
}

/**
 * Visitors' rows as this instance last wrote them (a returning visitor's next pages update the row
 * in one statement: see writeVisitsEach in service.ts), in columns: hundreds of thousands of them
 * live for hours, and as objects in a Map (with heap-number keys) they were the largest thing the
 * garbage collector had to mark.
 */
export class WrittenRows {
  /** Visitor key → row + 1. */
  private readonly index = new KeyCounts();
  private rows = 0;
  private views = new Float64Array(4096);
  private lastSecond = new Int32Array(4096);
  private exitPath: string[] = [];
  private lastTerm: (string | null)[] = [];

  get size(): number {
    return this.rows;
  }

  get(visitor: number): VisitBefore | undefined {
    const row = this.index.get(visitor) - 1;
    if (row < 0) return undefined;
    return {
      exitPath: this.exitPath[row],
      lastTerm: this.lastTerm[row],
      lastSecond: this.lastSecond[row],
      views: this.views[row],
    };
  }

  set(visitor: number, { exitPath, lastTerm, lastSecond, views }: VisitBefore): void {
    let row = this.index.get(visitor) - 1;
    if (row < 0) {
      row = this.rows++;
      this.index.set(visitor, row + 1);
      this.views = roomFor(this.views, row);
      this.lastSecond = roomFor(this.lastSecond, row);
    }
    this.views[row] = Number(views);
    this.lastSecond[row] = lastSecond;
    this.exitPath[row] = exitPath;
    this.lastTerm[row] = lastTerm;
  }

  clear(): void {
    this.index.clear();
    this.rows = 0;
    this.views = new Float64Array(4096);
    this.lastSecond = new Int32Array(4096);
    this.exitPath = [];
    this.lastTerm = [];
  }
}
