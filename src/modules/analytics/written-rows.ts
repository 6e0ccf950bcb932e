import { roomFor } from "./columns.ts";
import { Interned, NONE } from "./hit-buffer.ts";
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
 * in one statement: see writeVisitsEach in service.ts), in typed columns: hundreds of thousands of
 * them live for hours, and as objects in a Map (with heap-number keys), or even as arrays of their
 * exit pages' strings, they were what the garbage collector promoted and marked most. Exit pages and
 * terms are numbered (a few thousand pages serve most rows).
 */
export class WrittenRows {
  /** Visitor key → row + 1. */
  private readonly index = new KeyCounts();
  private rows = 0;
  private views = new Float64Array(4096);
  private lastSecond = new Int32Array(4096);
  private exitPage = new Int32Array(4096);
  /** The last term's number, or NONE. */
  private lastTerm = new Int32Array(4096);
  private readonly paths = new Interned();
  private readonly terms = new Interned();

  /** Rows, or numbered pages or terms if more (a bound on the memory held: see MAX_TRACKED). */
  get size(): number {
    return Math.max(this.rows, this.paths.list.length, this.terms.list.length);
  }

  get(visitor: number): VisitBefore | undefined {
    const row = this.index.get(visitor) - 1;
    if (row < 0) return undefined;
    const term = this.lastTerm[row];
    return {
      exitPath: this.paths.list[this.exitPage[row]],
      lastTerm: term === NONE ? null : this.terms.list[term],
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
      this.exitPage = roomFor(this.exitPage, row);
      this.lastTerm = roomFor(this.lastTerm, row);
    }
    this.views[row] = Number(views);
    this.lastSecond[row] = lastSecond;
    this.exitPage[row] = this.paths.number(exitPath);
    this.lastTerm[row] = lastTerm === null ? NONE : this.terms.number(lastTerm);
  }

  clear(): void {
    this.index.clear();
    this.rows = 0;
    this.views = new Float64Array(4096);
    this.lastSecond = new Int32Array(4096);
    this.exitPage = new Int32Array(4096);
    this.lastTerm = new Int32Array(4096);
    this.paths.clear();
    this.terms.clear();
  }
}
