/**
 * The page views and beacons recorded since the last flush, in columns: recording a view allocates
 * nothing that lives until the flush and keeps no string per view. Its address becomes a number on
 * the request path (a canonical IPv4 address is its 32 bits; any other text is numbered in the epoch)
 * and its user agent the epoch's number for that text, so the roll-up finds the visitor by numbers in
 * typed arrays instead of looking up each view's own address string in a map (measured: the roll-up
 * 1.55-1.69 -> 1.33-1.44 us a view on the bench's article page). Pages, addresses and user agents are
 * interned per epoch (see VISIT_WRITE_MS in service.ts): a flush empties the columns and the referrer
 * and term strings and keeps the rest, which is dropped with the buffer when the epoch ends, so an
 * address stays in memory only until its epoch ends.
 */
import { roomFor } from "./columns.ts";
import { KeyCounts } from "./key-counts.ts";

const IPV4_ADDRESSES = 2 ** 32;
/**
 * Room for user agents in a pair key. An epoch numbers far fewer: each buffered view gets a slot when
 * rolled up, so its agents and other addresses stay below MAX_EPOCH_SLOTS plus MAX_BUFFERED_VIEWS
 * (service.ts, about 275,000), and a key below 2^53.
 */
const MAX_EPOCH_AGENTS = 2 ** 20;

/** An address number and a user agent number as one key (see MAX_EPOCH_AGENTS). */
const pairKey = (address: number, agent: number) => address * MAX_EPOCH_AGENTS + agent;

/** A canonical dotted IPv4 address's 32 bits ("10.0.0.1"; no leading zeros), or -1. */
export function parseIpv4(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      // A leading zero ("010") would name the same address in another text: not canonical.
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else return -1;
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + part;
}

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
  /** Each view's address number (see addressNumber) and user agent number (see agentNumber). */
  address: Float64Array;
  agent: Int32Array;
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
  /** Addresses other than plain IPv4 (numbered from 2^32 up: see addressNumber). */
  readonly otherAddresses = new Interned();
  /** User agents, numbered as first seen in the epoch. */
  readonly agents = new Interned();
  /**
   * Address number → the slot of the first user agent seen from it, + 1; (address, agent) pair (see
   * pairKey) → its slot + 1. Sized for an epoch's slots (MAX_EPOCH_SLOTS in service.ts), so they do
   * not grow in every epoch.
   */
  private readonly firstSlot = new KeyCounts(1 << 16);
  private readonly slots = new KeyCounts(1 << 16);
  /** Each slot's address number and user agent number. */
  slotAddress = new Float64Array(1024);
  slotAgent = new Int32Array(1024);
  slotCount = 0;
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
    this.address = new Float64Array(capacity);
    this.agent = new Int32Array(capacity);
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
   * The number of an address as the request gave it: a canonical dotted IPv4 address is its 32 bits
   * (parsed, not looked up: no string of the request's is kept); any other text is numbered in the
   * epoch, from 2^32 up.
   */
  addressNumber(ip: string): number {
    // A connection reset before its address was read has none (undefined, whatever the type says):
    // counted under that text, as it always was, rather than thrown on the request path.
    if (typeof ip !== "string") return IPV4_ADDRESSES + this.otherAddresses.number(String(ip));
    const ipv4 = parseIpv4(ip);
    return ipv4 >= 0 ? ipv4 : IPV4_ADDRESSES + this.otherAddresses.number(ip);
  }

  /** The address's text (for the visitor's hash): the same text the request gave. */
  addressText(address: number): string {
    if (address >= IPV4_ADDRESSES) return this.otherAddresses.list[address - IPV4_ADDRESSES];
    return `${Math.floor(address / 16_777_216)}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
  }

  /** The epoch's number of a user agent (its text is kept once, as first seen). */
  agentNumber(userAgent: string): number {
    return this.agents.number(userAgent);
  }

  /** The slot of view `i`'s address and user agent, a new one for a pair not seen in the epoch. */
  slotOf(i: number): number {
    const address = this.address[i];
    const agent = this.agent[i];
    const pair = pairKey(address, agent);
    let slot = this.slots.get(pair) - 1;
    if (slot < 0) {
      slot = this.slotCount++;
      this.slotAddress = roomFor(this.slotAddress, slot);
      this.slotAgent = roomFor(this.slotAgent, slot);
      this.slotAddress[slot] = address;
      this.slotAgent[slot] = agent;
      this.slots.set(pair, slot + 1);
      if (this.firstSlot.get(address) === 0) this.firstSlot.set(address, slot + 1);
    }
    return slot;
  }

  /** The slot of the first user agent seen from the slot's address (it numbers the address). */
  addressSlotOf(slot: number): number {
    return this.firstSlot.get(this.slotAddress[slot]) - 1;
  }

  /** Drops the interned referrers and search terms (the views naming them have been rolled up). */
  forgetStrings(): void {
    this.strings.clear();
    this.referers.clear();
  }

  push(
    kind: number,
    page: number,
    address: number,
    agent: number,
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
    this.address[i] = address;
    this.agent[i] = agent;
    this.time[i] = time;
    this.a[i] = a;
    this.b[i] = b;
    this.elder[i] = elder ? 1 : 0;
  }

  private grow(): void {
    const i = this.page.length;
    this.kind = roomFor(this.kind, i);
    this.page = roomFor(this.page, i);
    this.address = roomFor(this.address, i);
    this.agent = roomFor(this.agent, i);
    this.time = roomFor(this.time, i);
    this.a = roomFor(this.a, i);
    this.b = roomFor(this.b, i);
    this.elder = roomFor(this.elder, i);
  }
}
