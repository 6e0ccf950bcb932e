import { chinaDate, chinaDayStart } from "../../platform/time/china-time.ts";
import { Interned, NONE } from "./hit-buffer.ts";
import { roomFor } from "./columns.ts";
import { KeyCounts } from "./key-counts.ts";

/**
 * A visitor's slot (address and user agent), site and day as one number, the key of the epoch's
 * visitor index (an address's key uses the slot of its first user agent).
 */
export const flushKey = (slot: number, site: number, day: number) => (slot * 16_384 + site) * 1024 + day;

/**
 * One visitor's pages in one ended epoch, with the day and site they count for, read from the
 * epoch's columns (nothing is copied): steps are numbers, from `first` along `next` to NONE.
 */
export class Visit {
  readonly day: string;
  readonly siteCode: string;
  /** Pages (steps) in the visit. */
  readonly views: number;
  readonly first: number;
  readonly last: number;

  constructor(
    private readonly epoch: Epoch,
    v: number,
  ) {
    this.day = epoch.days[epoch.visitorDay[v]];
    this.siteCode = epoch.sites.list[epoch.visitorSite[v]];
    this.views = epoch.stepsOf[v];
    this.first = epoch.firstStep[v];
    this.last = epoch.lastStep[v];
  }

  next(step: number): number {
    return this.epoch.stepAfter(step);
  }

  path(step: number): string {
    return this.epoch.stepPath(step);
  }

  term(step: number): string | null {
    return this.epoch.stepTermOf(step);
  }

  second(step: number): number {
    return this.epoch.stepSecondOf(step);
  }
}

/**
 * The days, salts and sites the current epoch's views name (numbered, so a view's visitor is found
 * by numbers), and its visitors, addresses and visitors' pages (steps), in columns of numbers: an
 * epoch lives for up to VISIT_WRITE_MS (service.ts), long enough for objects to reach the old
 * generation, where tens of thousands of them per epoch made the garbage collector's marking cost
 * as much as the counting itself. A visitor, an address and a step are indexes into the columns.
 */
export class Epoch {
  readonly days: string[] = [];
  readonly dayStarts: number[] = [];
  /** Each day's salt, once fetched. */
  readonly salts: (string | undefined)[] = [];
  readonly sites = new Interned();
  /** The site number of each page id of the epoch's buffer. */
  readonly pageSite: number[] = [];
  /** Search terms of the steps (they live as long as the epoch's visits). */
  readonly terms = new Interned();

  visitorCount = 0;
  /** Per visitor: the visitor key (see visitorKey), the site's and day's numbers, its address. */
  visitorKey = new Float64Array(1024);
  visitorSite = new Int32Array(1024);
  visitorDay = new Int32Array(1024);
  visitorAddress = new Int32Array(1024);
  /** Views and beacons counted for the visitor today (this instance), as of the event being processed. */
  views = new Int32Array(1024);
  beacons = new Int32Array(1024);
  /** The device class's number (see DEVICES in service.ts). */
  device = new Uint8Array(1024);
  /** The visitor's first and last step, NONE before its first counted view, and its number of steps. */
  firstStep = new Int32Array(1024);
  lastStep = new Int32Array(1024);
  stepsOf = new Int32Array(1024);
  /** (slot, site, day) key (see flushKey) → visitor + 1 (sized for about MAX_EPOCH_SLOTS visitors). */
  private visitorIndex = new KeyCounts(1 << 16);

  addressCount = 0;
  addressKey = new Float64Array(1024);
  addressViews = new Int32Array(1024);
  addressBeacons = new Int32Array(1024);
  private addressIndex = new KeyCounts(1 << 16);

  stepCount = 0;
  private stepPage = new Int32Array(4096);
  /** A term's number in `terms`, or NONE. */
  private stepTerm = new Int32Array(4096);
  /** Seconds since the start of the visitor's day. */
  private stepSecond = new Int32Array(4096);
  private stepNext = new Int32Array(4096);

  /** The visitor of each slot's first site and day (nearly every view's), by slot; NONE: none yet. */
  private bySlot = new Int32Array(1024).fill(NONE);
  private readonly dayIndex = new Map<string, number>();
  /** The latest day seen, recognised without a Date. */
  private latest = -1;
  private latestStart = 0;

  /** @param pagePath the epoch's buffer's paths by page id (the buffer lives as long as the epoch). */
  constructor(readonly pagePath: readonly string[]) {}

  dayOfTime(time: number): number {
    if (this.latest >= 0 && time >= this.latestStart && time < this.latestStart + 86_400_000)
      return this.latest;
    const day = chinaDate(new Date(time));
    let d = this.dayIndex.get(day);
    if (d === undefined) {
      d = this.days.length;
      this.dayIndex.set(day, d);
      this.days.push(day);
      this.dayStarts.push(chinaDayStart(day)!.getTime());
      this.salts.push(undefined);
    }
    if (this.latest < 0 || day > this.days[this.latest]) {
      this.latest = d;
      this.latestStart = this.dayStarts[d];
    }
    return d;
  }

  /** The visitor of a slot on a site and day if the epoch has it (NONE if not): by slot first. */
  visitorOf(slot: number, site: number, d: number): number {
    const v = slot < this.bySlot.length ? this.bySlot[slot] : NONE;
    if (v !== NONE && this.visitorSite[v] === site && this.visitorDay[v] === d) return v;
    return this.visitorIndex.get(flushKey(slot, site, d)) - 1;
  }

  /** The address with this (slot of its first agent, site, day) key, or NONE. */
  addressOf(key: number): number {
    return this.addressIndex.get(key) - 1;
  }

  addAddress(indexKey: number, key: number, views: number, beacons: number): number {
    const a = this.addressCount++;
    this.addressKey = roomFor(this.addressKey, a);
    this.addressViews = roomFor(this.addressViews, a);
    this.addressBeacons = roomFor(this.addressBeacons, a);
    this.addressKey[a] = key;
    this.addressViews[a] = views;
    this.addressBeacons[a] = beacons;
    this.addressIndex.set(indexKey, a + 1);
    return a;
  }

  addVisitor(
    slot: number,
    visitor: {
      key: number;
      site: number;
      d: number;
      address: number;
      views: number;
      beacons: number;
      device: number;
    },
  ): number {
    const v = this.visitorCount++;
    if (v >= this.visitorKey.length) this.growVisitors(v);
    this.visitorKey[v] = visitor.key;
    this.visitorSite[v] = visitor.site;
    this.visitorDay[v] = visitor.d;
    this.visitorAddress[v] = visitor.address;
    this.views[v] = visitor.views;
    this.beacons[v] = visitor.beacons;
    this.device[v] = visitor.device;
    this.firstStep[v] = NONE;
    this.lastStep[v] = NONE;
    this.stepsOf[v] = 0;
    this.visitorIndex.set(flushKey(slot, visitor.site, visitor.d), v + 1);
    if (slot >= this.bySlot.length) {
      const grown = new Int32Array(Math.max(slot + 1, this.bySlot.length * 2)).fill(NONE);
      grown.set(this.bySlot);
      this.bySlot = grown;
    }
    if (this.bySlot[slot] === NONE) this.bySlot[slot] = v;
    return v;
  }

  /** Appends a counted view to the visitor's steps. */
  addStep(v: number, page: number, term: string | null, second: number): void {
    const s = this.stepCount++;
    if (s >= this.stepPage.length) {
      this.stepPage = roomFor(this.stepPage, s);
      this.stepTerm = roomFor(this.stepTerm, s);
      this.stepSecond = roomFor(this.stepSecond, s);
      this.stepNext = roomFor(this.stepNext, s);
    }
    this.stepPage[s] = page;
    this.stepTerm[s] = term === null ? NONE : this.terms.number(term);
    this.stepSecond[s] = second;
    this.stepNext[s] = NONE;
    if (this.lastStep[v] === NONE) this.firstStep[v] = s;
    else this.stepNext[this.lastStep[v]] = s;
    this.lastStep[v] = s;
    this.stepsOf[v]++;
  }

  stepAfter(step: number): number {
    return this.stepNext[step];
  }

  stepPath(step: number): string {
    return this.pagePath[this.stepPage[step]];
  }

  stepTermOf(step: number): string | null {
    const term = this.stepTerm[step];
    return term === NONE ? null : this.terms.list[term];
  }

  stepSecondOf(step: number): number {
    return this.stepSecond[step];
  }

  /** Frees what only counting needed (an ended epoch keeps its visitors and steps until written). */
  end(): void {
    this.visitorIndex = new KeyCounts(1);
    this.addressIndex = new KeyCounts(1);
    this.bySlot = new Int32Array(0);
    // Up to 20 ended epochs may wait for a failing database: each keeps its columns' used part only.
    const visitors = this.visitorCount;
    this.visitorKey = this.visitorKey.slice(0, visitors);
    this.visitorSite = this.visitorSite.slice(0, visitors);
    this.visitorDay = this.visitorDay.slice(0, visitors);
    this.visitorAddress = this.visitorAddress.slice(0, visitors);
    this.views = this.views.slice(0, visitors);
    this.beacons = this.beacons.slice(0, visitors);
    this.device = this.device.slice(0, visitors);
    this.firstStep = this.firstStep.slice(0, visitors);
    this.lastStep = this.lastStep.slice(0, visitors);
    this.stepsOf = this.stepsOf.slice(0, visitors);
    this.stepPage = this.stepPage.slice(0, this.stepCount);
    this.stepTerm = this.stepTerm.slice(0, this.stepCount);
    this.stepSecond = this.stepSecond.slice(0, this.stepCount);
    this.stepNext = this.stepNext.slice(0, this.stepCount);
  }

  /**
   * The visitors with steps in key order: written in that order, each transaction's rows lie in one
   * stretch of the table's B-tree, so they share its pages (random keys would cost a page each).
   */
  visitorsInKeyOrder(): Int32Array {
    // The keys sorted as numbers (a typed array's own sort, without a comparator: several times faster
    // on an epoch's tens of thousands), then each key's visitor found again.
    const byKey = new KeyCounts(1 << Math.max(4, Math.ceil(Math.log2(this.visitorCount * 2 + 1))));
    const keys = new Float64Array(this.visitorCount);
    let n = 0;
    for (let v = 0; v < this.visitorCount; v++)
      if (this.stepsOf[v] > 0) {
        keys[n++] = this.visitorKey[v];
        byKey.set(this.visitorKey[v], v + 1);
      }
    const sorted = keys.subarray(0, n).sort();
    const order = new Int32Array(n);
    let written = 0;
    // Two visitors with one key (a hash collision) would be one row: the later one is written.
    for (let i = 0; i < n; i++)
      if (i === 0 || sorted[i] !== sorted[i - 1]) order[written++] = byKey.get(sorted[i]) - 1;
    return order.subarray(0, written);
  }

  private growVisitors(at: number): void {
    this.visitorKey = roomFor(this.visitorKey, at);
    this.visitorSite = roomFor(this.visitorSite, at);
    this.visitorDay = roomFor(this.visitorDay, at);
    this.visitorAddress = roomFor(this.visitorAddress, at);
    this.views = roomFor(this.views, at);
    this.beacons = roomFor(this.beacons, at);
    this.device = roomFor(this.device, at);
    this.firstStep = roomFor(this.firstStep, at);
    this.lastStep = roomFor(this.lastStep, at);
    this.stepsOf = roomFor(this.stepsOf, at);
  }
}
