/**
 * The page views and beacons recorded since the last flush, in columns: recording a view allocates
 * nothing of its own that lives until the flush (no object or Date per view); it keeps references to
 * the request's address and user-agent strings until the views are rolled up (see `ip`). Pages and
 * visitors (address and user agent) are interned per epoch (see VISIT_WRITE_MS in service.ts): a
 * flush empties the columns and the referrer, term and request strings and keeps the pages and
 * visitors, which are dropped with the buffer when the epoch ends, so an address stays in memory only
 * until its epoch ends.
 */
import { roomFor } from "./columns.ts";

export const NONE = -1;

/** Numbers strings in the order first seen: `list[number(value)] === value`. */
export class Interned {
  private readonly numbers = new Map<string, number>();
  readonly list: string[] = [];

  number(value: string): number {
    let n = this.numbers.get(value);
    if (n === undefined) {
      n = this.list.length;
      this.numbers.set(value, n);
      this.list.push(value);
    }
    return n;
  }

  clear(): void {
    this.numbers.clear();
    this.list.length = 0;
  }
}

export const VIEW = 0;
export const BEACON = 1;

export class HitBuffer {
  n = 0;
  kind: Uint8Array;
  page: Int32Array;
  /**
   * Each view's address and user agent as the request gave them: turned into slots (see slotOf) when
   * the views are rolled up, in one loop, rather than on the request path, where the lookups missed
   * the CPU's caches (a request in between evicts the slot tables) and cost a microsecond a view.
   */
  readonly ip: string[] = [];
  readonly userAgent: string[] = [];
  /** Epoch milliseconds. */
  time: Float64Array;
  /** Views: the referring host (a string id) or NONE; beacons: seconds on the page. */
  a: Int32Array;
  /** Views: the search term (a string id) or NONE; beacons: scroll depth. */
  b: Int32Array;
  elder: Uint8Array;

  /** Path → page id (a path names its site, so it is the key). */
  readonly pages = new Map<string, number>();
  readonly pagePath: string[] = [];
  readonly pageSite: string[] = [];
  /**
   * Address → the slot of the first user agent seen from it; the other agents of an address (fewer:
   * one browser per address is the rule) in a map per such address. Robots' views never get here
   * (see AnalyticsService.hit).
   */
  readonly byAddress = new Map<string, number>();
  readonly otherAgents = new Map<string, Map<string, number>>();
  readonly slotIp: string[] = [];
  readonly slotUa: string[] = [];
  /**
   * When the first view reached this buffer (wall-clock epoch milliseconds, not the view's own time,
   * which an import may date back; 0: none yet): the epoch's start.
   */
  firstViewAt = 0;
  /** Referring hosts and search terms, numbered for the columns `a` and `b`. */
  readonly strings = new Interned();
  /** Referer header value → the referring host's string id (NONE: none or internal). */
  readonly referers = new Map<string, number>();

  constructor(capacity = 4096) {
    this.kind = new Uint8Array(capacity);
    this.page = new Int32Array(capacity);
    this.time = new Float64Array(capacity);
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
    this.elder = new Uint8Array(capacity);
  }

  get capacity(): number {
    return this.page.length;
  }

  /** The page id of a path under /sites/CODE/ (`siteCode` is CODE), interned on first use. */
  pageId(siteCode: string, path: string): number {
    let id = this.pages.get(path);
    if (id === undefined) {
      id = this.pagePath.length;
      this.pages.set(path, id);
      this.pagePath.push(path);
      this.pageSite.push(siteCode);
    }
    return id;
  }

  stringId(value: string): number {
    return this.strings.number(value);
  }

  /**
   * The slot of view `i`'s address and user agent. `agentOf` runs once per new pair: the one copy of
   * the user agent's text the slot keeps (each request has its own copy, which should die young).
   */
  slotOf(i: number, agentOf: (userAgent: string) => { userAgent: string }): number {
    const ip = this.ip[i];
    const userAgent = this.userAgent[i];
    let slot = this.byAddress.get(ip);
    if (slot === undefined) {
      slot = this.newSlot(ip, agentOf(userAgent));
      this.byAddress.set(ip, slot);
    } else if (this.slotUa[slot] !== userAgent) {
      let agents = this.otherAgents.get(ip);
      if (agents === undefined) this.otherAgents.set(ip, (agents = new Map()));
      slot = agents.get(userAgent);
      if (slot === undefined) {
        slot = this.newSlot(ip, agentOf(userAgent));
        agents.set(userAgent, slot);
      }
    }
    return slot;
  }

  /**
   * Drops the interned referrers and search terms and the views' own addresses and user agents (the
   * views naming them have been rolled up).
   */
  forgetStrings(): void {
    this.strings.clear();
    this.referers.clear();
    this.ip.length = 0;
    this.userAgent.length = 0;
  }

  /** A new slot. */
  private newSlot(ip: string, agent: { userAgent: string }): number {
    this.slotIp.push(ip);
    this.slotUa.push(agent.userAgent);
    return this.slotIp.length - 1;
  }

  push(
    kind: number,
    page: number,
    ip: string,
    userAgent: string,
    time: number,
    a: number,
    b: number,
    elder: boolean,
  ): void {
    if (this.n === this.page.length) this.grow();
    if (this.firstViewAt === 0) this.firstViewAt = Date.now();
    const i = this.n++;
    this.kind[i] = kind;
    this.page[i] = page;
    this.ip[i] = ip;
    this.userAgent[i] = userAgent;
    this.time[i] = time;
    this.a[i] = a;
    this.b[i] = b;
    this.elder[i] = elder ? 1 : 0;
  }

  private grow(): void {
    const i = this.page.length;
    this.kind = roomFor(this.kind, i);
    this.page = roomFor(this.page, i);
    this.time = roomFor(this.time, i);
    this.a = roomFor(this.a, i);
    this.b = roomFor(this.b, i);
    this.elder = roomFor(this.elder, i);
  }
}
