import { hash as oneShotHash, randomBytes } from "node:crypto";
import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from "kysely";
import {
  SQLITE_BUSY_TIMEOUT_MS,
  tablesOf,
  type Db,
  type PreparedStatement,
} from "../../platform/db/database.ts";
import { Invalid } from "../../platform/http/errors.ts";
import { isRobotAgent } from "../../platform/http/robots.ts";
import { isSqliteBusy } from "../../platform/ops/unavailable.ts";
import { KvStore, type KvScope } from "../../platform/kv/kv-store.ts";
import {
  chinaDate,
  chinaDayStart,
  dayNumber,
  daysFrom,
  isDateString,
  shiftDays,
} from "../../platform/time/china-time.ts";
import {
  searchTermsReport,
  type SearchLogTables,
  type TermCount,
  type TermWithResults,
} from "../search/index.ts";
import { letterKindCounts, type LetterKindTables } from "../mailbox/index.ts";
import { risingTopics, serviceFunnels, type Funnels, type RisingTopics } from "./insights.ts";
import { BEACON, HitBuffer, NONE, VIEW } from "./hit-buffer.ts";
import { pageNumber, ViewedPages } from "./viewed-pages.ts";
import { KeyCounts } from "./key-counts.ts";
import { Epoch, flushKey, Visit } from "./epoch.ts";
import { WrittenRows, type VisitBefore } from "./written-rows.ts";
import { PathIds } from "./path-ids.ts";
import type { AnalyticsTables, Dimension } from "./tables.ts";
import { topCounts } from "./top-counts.ts";

/** base64url digit values by character code. */
const BASE64URL = new Uint8Array(128);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].entries())
  BASE64URL[c.charCodeAt(0)] = i;

/**
 * A visitor's (or address's) key: the first 52 bits of SHA-256 of the salted text, a safe integer, so
 * keys are numbers in memory and in the database (no string per visitor). The table holds every site's
 * visitors of two days: any two of 10 million share a key with a chance of about 1 %. (The digest is read
 * from its base64url text: a Buffer digest costs twice as much.)
 */
export function visitorKey(text: string): number {
  const digest = oneShotHash("sha256", text, "base64url");
  let key = 0;
  for (let i = 0; i < 8; i++) key = key * 64 + BASE64URL[digest.charCodeAt(i)];
  return key * 16 + (BASE64URL[digest.charCodeAt(8)] >> 2);
}

/**
 * Cookieless, privacy-friendly analytics (Plausible's method): a page view is counted on the server,
 * so it works without JavaScript; a visitor is SHA-256(daily salt, site, IP, user agent), and the
 * salt of each day is random, shared by every instance through the database, and deleted after two
 * days, so no one (the platform included) can link a visitor across days or back to an address. The
 * IP address and user agent stay in memory until the epoch that counted them ends (a few seconds,
 * see VISIT_WRITE_MS) and are never written. Views are rolled up per day in memory and added to the
 * daily tables in batches: page views every flush, visitors' rows as each epoch ends.
 */
export interface PageView {
  siteCode: string;
  /** The path inside the platform (/sites/www/art/1.html), without the query string. */
  path: string;
  ip: string;
  userAgent: string;
  /** The Referer header, if any; only other hosts are kept, as a host name. */
  referer?: string;
  /** The host the visitor asked for, to tell internal from external referrers. */
  host?: string;
  elder: boolean;
  at?: Date;
  /** The query of a site search results page (lower case, trimmed), for refinements and exits. */
  term?: string;
  /** An engagement beacon for a page already viewed (not a view): seconds on the page, scroll %. */
  beacon?: { seconds: number; scroll: number };
}

interface Agent {
  bot: boolean;
  /** The device class's number (see DEVICES). */
  device: number;
}

export interface AnalyticsSummary {
  site: string | null;
  from: string;
  to: string;
  pageviews: number;
  visitors: number;
  topPages: { path: string; views: number }[];
  entryPages: { path: string; visitors: number }[];
  referrers: { host: string; views: number }[];
  devices: { device: string; views: number }[];
  elderViews: number;
  daily: { day: string; pageviews: number; visitors: number }[];
  search: SearchBehaviour;
  /** Last pages of the visitors' days. */
  exitPages: { path: string; visitors: number }[];
  engagement: Engagement;
}

export interface SearchBehaviour {
  total: number;
  zeroResult: number;
  /** The most searched terms, each with how many results its searches found (mean, rounded). */
  topTerms: TermWithResults[];
  zeroResultTerms: TermCount[];
  /** Counted views of results pages (from page views: the same caps, robots left out). */
  resultViews: number;
  /** Results followed within five minutes by another term from the same visitor. */
  refinements: number;
  refinementRate: number | null;
  /** Results that were the visitor's last page of the day (no following click). */
  exits: number;
  exitRate: number | null;
  refinedTerms: TermCount[];
  exitTerms: TermCount[];
}

export interface Engagement {
  /** Beacons received (pages read with JavaScript on and left), within the per-visitor limits. */
  beacons: number;
  averageSeconds: number | null;
  averageScroll: number | null;
  pages: { path: string; beacons: number; averageSeconds: number; averageScroll: number }[];
}

export interface AnalyticsOptions {
  /** How often buffered views are written (ms). */
  flushMs?: number;
  /** Views counted per visitor, site and day at most, so one client cannot inflate the figures. */
  perVisitorDailyCap?: number;
  /** How long visitors are kept in memory before their rows are written (ms; see VISIT_WRITE_MS). */
  visitWriteMs?: number;
}

type AnalyticsKv = Record<`salt:${string}`, string> &
  Record<`api-key:${string}`, { name: string; createdAt: string; revokedAt?: string }>;

const MAX_RANGE_DAYS = 366;
/**
 * Views buffered before a write starts without waiting for the timer, so rolling them up holds the
 * event loop for milliseconds, not for a whole timer period's views.
 */
const FLUSH_AT_VIEWS = 5_000;
/**
 * Views buffered at most: past it (the database unreachable for a day's salt, so nothing is rolled up)
 * views are not counted. Each holds its request's address and user-agent strings (~200 bytes).
 */
const MAX_BUFFERED_VIEWS = 250_000;
/** Visitors and addresses whose daily counts are kept in memory at most (per instance). */
const MAX_TRACKED = 300_000;
/** One address may count this many times a visitor's daily cap (shared addresses). */
const ADDRESS_CAP_FACTOR = 10;
const CHUNK = 400;
/** Visitor numbers are the first 52 bits of a hash (see visitorKey): 0 ≤ n < 2^52. */
const VISITOR_KEYS = 2 ** 52;
/** Ranges of visitor numbers a SQLite day's pruning is spread over, one per write. */
const PRUNE_SLICES = 64;
/** A new search by the same visitor within this many seconds refines the one before. */
export const REFINE_SECONDS = 300;
const PAIR_SEPARATOR = "\u001f";

/** The device classes counted, by number (see deviceNumber). */
const DEVICES = ["电脑", "手机", "平板", "未知"] as const;

function deviceNumber(userAgent: string): number {
  if (/ipad|tablet/i.test(userAgent)) return 2;
  if (/mobi|android|iphone/i.test(userAgent)) return 1;
  return userAgent ? 0 : 3;
}

export function deviceOf(userAgent: string): string {
  return DEVICES[deviceNumber(userAgent)];
}

function refererHost(referer: string | undefined, host: string | undefined): string | null {
  if (!referer) return null;
  try {
    const url = new URL(referer);
    const own = (host ?? "").toLowerCase().replace(/:\d+$/, "");
    return url.hostname && url.hostname !== own ? url.hostname.slice(0, 100) : null;
  } catch {
    return null;
  }
}

/**
 * A visitor's (or address's) views and beacons counted today, in one number (one map entry, one
 * lookup): views below 2^26, beacons above (beacons never exceed views; views stop at the bound).
 */
const SEEN_VIEWS = 2 ** 26;
const seenCounts = (views: number, beacons: number) =>
  Math.min(views, SEEN_VIEWS - 1) + Math.min(beacons, SEEN_VIEWS - 1) * SEEN_VIEWS;
const countOf = (seen: number) => seen % SEEN_VIEWS;
const beaconsOf = (seen: number) => Math.floor(seen / SEEN_VIEWS);

/** The ids of one visitor and address in an epoch, packed in one number (no string key per view). */
/** The site code of /sites/CODE/…, lower case. */
function siteOfPath(path: string): string {
  const end = path.indexOf("/", 7);
  return path.slice(7, end < 0 ? undefined : end).toLowerCase();
}

/** Whether a Referer is a page of the host asked for (an internal link), without parsing it. */
function sameHost(referer: string, host: string): boolean {
  if (!host) return false;
  const start = referer.indexOf("//") + 2;
  if (start < 2) return false;
  const colon = host.indexOf(":");
  const name = colon < 0 ? host : host.slice(0, colon);
  if (!referer.startsWith(name, start)) return false;
  const next = referer.charCodeAt(start + name.length);
  // End, "/", ":", "?" or "#" after the host name.
  return Number.isNaN(next) || next === 47 || next === 58 || next === 63 || next === 35;
}

export class AnalyticsService {
  private buffer = new HitBuffer();
  /** The visitors counted since the last write of visitors' rows (see writeBuffered). */
  private epoch = new Epoch(this.buffer.pagePath);
  private timer: NodeJS.Timeout | null = null;
  private readonly salts = new Map<string, string>();
  /** Views and beacons (see seenCounts) per visitor key and per address key, in this process. */
  private readonly seen = new KeyCounts();
  /** The pages each visitor was counted viewing today (a beacon counts only for one of them). */
  private readonly viewed = new ViewedPages();
  private seenDay = "";
  /**
   * Visitors' rows as this instance last wrote them (SQLite): a returning visitor's next pages
   * update the row in one statement, provided nobody wrote it since (see writeVisitsEach).
   */
  private readonly written = new WrittenRows();
  /** The ids of the paths visits end on (visitors' rows store the exit page as its id). */
  private readonly pathIds = new PathIds();
  private readonly agents = new Map<string, Agent>();
  /** The day whose pruning is under way, and the next range of visitor numbers to prune (SQLite). */
  private pruneDay = "";
  private pruneSlice = 0;
  private pruneSliceAfterWrite = 0;
  private flushing: Promise<void> = Promise.resolve();
  private fullFlushQueued = false;
  /** Counts a flush could not write (another process held SQLite's write lock), for the next one. */
  private carried: Counts | null = null;
  /** Visitors of ended epochs whose rows are still to be written, oldest epoch first. */
  private readonly endedEpochs: EndedVisits[] = [];
  /** A chunk of visits whose write failed (busy or failing database), written first next time. */
  private visitsToRetry: Map<number, Visit> | null = null;
  private closing = false;
  private writeErrorReport: (error: unknown) => void = () => {};
  private lastWriteErrorAt = -Infinity;
  private readonly kv: KvScope<AnalyticsKv>;
  private readonly flushMs: number;
  private readonly visitWriteMs: number;
  private readonly cap: number;

  constructor(
    private readonly store: Db<AnalyticsTables>,
    options: AnalyticsOptions = {},
  ) {
    this.kv = new KvStore(store.db).scope<AnalyticsKv>("analytics");
    this.flushMs = options.flushMs ?? 2000;
    this.visitWriteMs = options.visitWriteMs ?? VISIT_WRITE_MS;
    this.cap = options.perVisitorDailyCap ?? 300;
  }

  /** Counts one page view or beacon (synchronous; imports, tests and beacons: see `hit` for pages). */
  record(view: PageView): void {
    const buffer = this.buffer;
    // A page belongs to the site its path names, and to no other (the cluster's rankings rely on it).
    if (!view.path.startsWith("/sites/") || siteOfPath(view.path) !== view.siteCode) return;
    if (buffer.n >= MAX_BUFFERED_VIEWS || this.agentOf(view.userAgent).bot) return;
    const page = buffer.pageId(view.siteCode, view.path);
    // A time to come counts as now: a later day would start that day's counts (and prune today's rows).
    const time = view.at ? Math.min(view.at.getTime(), Date.now()) : Date.now();
    const address = buffer.addressNumber(view.ip);
    const agent = buffer.agentNumber(view.userAgent);
    if (view.beacon)
      buffer.push(BEACON, page, address, agent, time, view.beacon.seconds, view.beacon.scroll, false);
    else {
      const referrer = refererHost(view.referer, view.host);
      buffer.push(
        VIEW,
        page,
        address,
        agent,
        time,
        referrer ? buffer.stringId(referrer) : NONE,
        view.term ? buffer.stringId(view.term) : NONE,
        view.elder,
      );
    }
    this.scheduleFlush();
  }

  /**
   * Counts a view of a public page on the request path: `path` is /sites/CODE/… without the query
   * (the page counts for the site CODE). Allocates nothing per view for pages and referrers already
   * seen in this epoch; the visitor is looked up by numbers when the views are rolled up (see
   * HitBuffer).
   */
  hit(
    path: string,
    ip: string,
    userAgent: string,
    referer: string,
    host: string,
    elder: boolean,
    term?: string,
  ): void {
    const buffer = this.buffer;
    // Robots are left out first, so their pages and user agents are never interned and their views
    // never fill the buffer.
    if (buffer.n >= MAX_BUFFERED_VIEWS || this.agentOf(userAgent).bot) return;
    const page = buffer.pages.get(path) ?? buffer.pageId(siteOfPath(path), path);
    let ref = NONE;
    if (referer && !sameHost(referer, host)) {
      let known = buffer.referers.get(referer);
      if (known === undefined) {
        // The referring host of this Referer value, once per distinct value and flush.
        const referrer = refererHost(referer, host);
        known = referrer ? buffer.stringId(referrer) : NONE;
        buffer.referers.set(referer, known);
      }
      ref = known;
    }
    const address = buffer.addressNumber(ip);
    const agent = buffer.agentNumber(userAgent);
    buffer.push(VIEW, page, address, agent, Date.now(), ref, term ? buffer.stringId(term) : NONE, elder);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.buffer.n < FLUSH_AT_VIEWS)
      this.timer ??= setTimeout(() => void this.flush(false), this.flushMs).unref();
    else if (!this.fullFlushQueued) {
      // One flush for a full buffer, however many views arrive while an earlier one is writing.
      this.fullFlushQueued = true;
      void this.flush(false).then(() => (this.fullFlushQueued = false));
    }
  }

  /**
   * Writes what was recorded so far, visits included (called on shutdown and by tests); the timer's
   * and a full buffer's writes (`everything` false) write visitors' rows only as the epoch ends.
   */
  flush(everything = true): Promise<void> {
    this.flushing = this.flushing.then(() =>
      this.writeBuffered(everything).catch((error: unknown) => this.reportWriteError(error)),
    );
    return this.flushing;
  }

  /**
   * Where a failed write is reported (the server's log; nothing by default), at most once a minute:
   * the failed figures are kept and retried every flush, so a database down for an hour would
   * otherwise report thousands of times.
   */
  onWriteError(report: (error: unknown) => void): void {
    this.writeErrorReport = report;
  }

  private reportWriteError(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWriteErrorAt < WRITE_ERROR_REPORT_MS) return;
    this.lastWriteErrorAt = now;
    this.writeErrorReport(error);
  }

  async close(): Promise<void> {
    // The last flush waits for the write lock as long as any statement does: nothing is carried.
    this.closing = true;
    await this.flush();
  }

  /**
   * Robot or not and the device class, per user agent (a few hundred distinct
   * ones cover most views).
   */
  private readonly agentOf = (userAgent: string): Agent => {
    let agent = this.agents.get(userAgent);
    if (!agent) {
      if (this.agents.size >= 2000) this.agents.clear();
      agent = { bot: isRobotAgent(userAgent), device: deviceNumber(userAgent) };
      this.agents.set(userAgent, agent);
    }
    return agent;
  };

  private async saltOf(day: string): Promise<string> {
    const known = this.salts.get(day);
    if (known) return known;
    await this.kv.setIfAbsent(`salt:${day}`, randomBytes(16).toString("hex"));
    const salt = (await this.kv.get(`salt:${day}`))!;
    this.salts.set(day, salt);
    // Yesterday's salt is kept for views flushed just after midnight; older ones are destroyed.
    for (const old of this.salts.keys()) if (old < shiftDays(day, -1)) this.salts.delete(old);
    await this.kv.delete(`salt:${shiftDays(day, -2)}`);
    return salt;
  }

  private async writeBuffered(everything: boolean): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      await this.fetchSalts();
      // From here until the epoch is ended, no await: every view buffered so far is rolled up, and
      // none can land in a buffer that is then dropped.
      const flushed = this.buffer.n > 0 ? this.rollUpBuffer() : null;
      const buf = this.buffer;
      const epochOver =
        everything ||
        this.closing ||
        (buf.firstViewAt > 0 && Date.now() - buf.firstViewAt >= this.visitWriteMs) ||
        buf.slotCount >= MAX_EPOCH_SLOTS ||
        this.epoch.stepCount >= MAX_EPOCH_STEPS ||
        buf.pagePath.length >= MAX_EPOCH_PAGES ||
        this.epoch.days.length >= MAX_EPOCH_DAYS;
      if (epochOver) {
        const ended = this.endEpoch();
        this.endedEpochs.push({ epoch: ended, order: null, next: 0 });
        // A database failing for long keeps the newest epochs' visitors only (memory stays bounded).
        if (this.endedEpochs.length > MAX_UNWRITTEN_EPOCHS) this.endedEpochs.shift();
      }
      // Requests go first: the roll-up (and an epoch's end) held the event loop for milliseconds.
      await new Promise((resolve) => setImmediate(resolve));
      if (flushed || this.carried) await this.writeOrCarry(flushed ?? { pages: new Map(), dims: new Map() });
      await this.writeEndedVisits();
    } finally {
      // An epoch ends, and a failed write is retried, within a timer's period even when no view comes.
      if (this.buffer.firstViewAt > 0 || this.endedEpochs.length > 0 || this.visitsToRetry || this.carried)
        this.timer ??= setTimeout(() => void this.flush(false), this.flushMs).unref();
    }
  }

  /** Fetches the salt of every buffered view's day (an await), until none is missing. */
  private async fetchSalts(): Promise<void> {
    const ep = this.epoch;
    const buf = this.buffer;
    for (let scanned = 0; ;) {
      for (const end = buf.n; scanned < end; scanned++) ep.dayOfTime(buf.time[scanned]);
      const unsalted = ep.days.findIndex((_day, d) => ep.salts[d] === undefined);
      if (unsalted < 0) return;
      ep.salts[unsalted] = await this.saltOf(ep.days[unsalted]);
    }
  }

  /**
   * The visits of ended epochs, 1,000 per transaction in key order (see Epoch.visitorsInKeyOrder),
   * with requests let in between. A chunk that cannot be written (the database busy or failing) is kept, with the
   * rest, for the next flush.
   */
  private async writeEndedVisits(): Promise<void> {
    for (;;) {
      const visits = this.visitsToRetry ?? this.nextVisitChunk();
      if (visits === null) return;
      this.visitsToRetry = visits;
      try {
        await this.writeRollups({ pages: new Map(), dims: new Map(), visits }, this.tryLock());
      } catch (error) {
        if (!isSqliteBusy(error)) throw error;
        this.timer ??= setTimeout(() => void this.flush(false), BUSY_RETRY_MS).unref();
        return;
      }
      this.visitsToRetry = null;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * The next VISITS_PER_WRITE visits of the oldest ended epoch, or null when none is left. A chunk
   * holds one epoch's visits only (a visitor of two epochs is two writes, in order).
   */
  private nextVisitChunk(): Map<number, Visit> | null {
    const ended = this.endedEpochs[0];
    if (!ended) return null;
    const chunk = new Map<number, Visit>();
    const order = (ended.order ??= ended.epoch.visitorsInKeyOrder());
    while (chunk.size < VISITS_PER_WRITE && ended.next < order.length) {
      const v = order[ended.next++];
      chunk.set(ended.epoch.visitorKey[v], new Visit(ended.epoch, v));
    }
    if (ended.next === order.length) this.endedEpochs.shift();
    return chunk.size > 0 ? chunk : this.nextVisitChunk();
  }

  /**
   * Rolls the buffered views up into this flush's page and dimension counts, and into the epoch's
   * visitors (kept in memory until the epoch ends: see endEpoch). Views are read from the buffer
   * without an await in between, so none arrives unread; the buffer keeps its interned pages and
   * visitors for the rest of the epoch, so a visitor's next pages cost no new hash.
   */
  private rollUpBuffer(): Counts {
    const ep = this.epoch;
    const buf = this.buffer;
    const n = buf.n;
    const add = (map: Map<string, number>, key: string, count = 1) =>
      map.set(key, (map.get(key) ?? 0) + count);
    for (let page = ep.pageSite.length; page < buf.pagePath.length; page++)
      ep.pageSite.push(ep.sites.number(buf.pageSite[page]));
    const pageViews = new Map<number, number>();
    // Device and elder-mode views by site, day and device (numbers; named once per flush).
    const deviceViews = new Map<number, number>();
    const elderViews = new Map<number, number>();
    const dims = new Map<string, number>();
    const pageCount = buf.pagePath.length;
    const pageNumbers: number[] = [];
    const pageNumberOf = (page: number) => (pageNumbers[page] ??= pageNumber(buf.pagePath[page]));
    for (let i = 0; i < n; i++) {
      const d = ep.dayOfTime(buf.time[i]);
      const day = ep.days[d];
      if (day > this.seenDay) {
        this.seen.clear();
        this.written.clear();
        this.viewed.clear();
        this.seenDay = day;
      }
      const page = buf.page[i];
      const site = ep.pageSite[page];
      const slot = buf.slotOf(i);
      let v = ep.visitorOf(slot, site, d);
      if (v === NONE) v = this.newVisitor(slot, site, d);
      const address = ep.visitorAddress[v];
      if (buf.kind[i] === BEACON) {
        // A beacon counts only for a page view this visitor made (one beacon per counted view at
        // most), under the same per-visitor and per-address caps: forged posts add nothing beyond.
        if (ep.beacons[v] + 1 > Math.min(ep.views[v], this.cap)) continue;
        if (ep.addressBeacons[address] + 1 > this.cap * ADDRESS_CAP_FACTOR) continue;
        // …and only for a page this visitor was counted viewing today: a beacon naming another
        // page (forged, to lengthen its time on page) adds nothing.
        if (!this.viewed.full && !this.viewed.has(ep.visitorKey[v], pageNumberOf(page))) continue;
        ep.beacons[v]++;
        ep.addressBeacons[address]++;
        const at = `${day}|${ep.sites.list[site]}`;
        const path = buf.pagePath[page];
        add(dims, `${at}|beacons|${path}`);
        add(dims, `${at}|engaged|${path}`, buf.a[i]);
        add(dims, `${at}|scroll|${path}`, buf.b[i]);
        continue;
      }
      const views = ++ep.views[v];
      const addressViews = ++ep.addressViews[address];
      if (views > this.cap || addressViews > this.cap * ADDRESS_CAP_FACTOR) continue;
      this.viewed.add(ep.visitorKey[v], pageNumberOf(page));
      const visitorDay = (site * 1024 + d) * 4;
      const deviceKey = visitorDay + ep.device[v];
      deviceViews.set(deviceKey, (deviceViews.get(deviceKey) ?? 0) + 1);
      if (buf.elder[i]) elderViews.set(visitorDay, (elderViews.get(visitorDay) ?? 0) + 1);
      const term = buf.b[i] === NONE ? null : buf.strings.list[buf.b[i]];
      ep.addStep(v, page, term, Math.max(0, Math.floor((buf.time[i] - ep.dayStarts[d]) / 1000)));
      const pageKey = d * pageCount + page;
      pageViews.set(pageKey, (pageViews.get(pageKey) ?? 0) + 1);
      if (buf.a[i] !== NONE)
        add(dims, `${day}|${ep.sites.list[site]}|referrer|${buf.strings.list[buf.a[i]]}`);
    }
    buf.n = 0;
    // Referrers and search terms are resolved to strings above: their ids serve one flush only.
    buf.forgetStrings();
    const siteDay = (key: number) => {
      const d = Math.floor(key / 4) % 1024;
      return `${ep.days[d]}|${ep.sites.list[Math.floor(key / 4096)]}`;
    };
    for (const [key, views] of deviceViews) add(dims, `${siteDay(key)}|device|${DEVICES[key % 4]}`, views);
    for (const [key, views] of elderViews) add(dims, `${siteDay(key)}|elder|1`, views);
    const pages = new Map<string, number>();
    for (const [key, views] of pageViews) {
      const page = key % pageCount;
      add(pages, `${ep.days[(key - page) / pageCount]}|${buf.pageSite[page]}|${buf.pagePath[page]}`, views);
    }
    return { pages, dims };
  }

  /** A new visitor of the epoch: a slot (address and user agent) on a site and day, hashed once per epoch. */
  private newVisitor(slot: number, site: number, d: number): number {
    const ep = this.epoch;
    const buf = this.buffer;
    const day = ep.days[d];
    const siteCode = ep.sites.list[site];
    const salt = ep.salts[d]!;
    const ip = buf.addressText(buf.slotAddress[slot]);
    const userAgent = buf.agents.list[buf.slotAgent[slot]];
    // An address is numbered by the slot of its first user agent.
    const addressIndexKey = flushKey(buf.addressSlotOf(slot), site, d);
    let address = ep.addressOf(addressIndexKey);
    if (address === NONE) {
      // A client changing its user agent is a new visitor each time, so one address is capped
      // too (higher: many people share an office or a mobile carrier's address).
      const key = visitorKey(`${salt}|ip|${day}|${siteCode}|${ip}`);
      const seen = this.seen.get(key);
      address = ep.addAddress(addressIndexKey, key, countOf(seen), beaconsOf(seen));
    }
    const key = visitorKey(`${salt}|${day}|${siteCode}|${ip}|${userAgent}`);
    const seen = this.seen.get(key);
    return ep.addVisitor(slot, {
      key,
      site,
      d,
      address,
      views: countOf(seen),
      beacons: beaconsOf(seen),
      device: this.agentOf(userAgent).device,
    });
  }

  /**
   * Ends the epoch and returns it, its visits to be written: its visitors' daily counts are kept (for
   * the caps, before any view of the next epoch reads them), and the buffer's interned addresses and
   * user agents are dropped with a new buffer.
   */
  private endEpoch(): Epoch {
    const ended = this.epoch;
    // The per-instance daily counts (bounded: past the bound the day's counts start afresh, a little
    // over-counting at worst).
    if (this.seen.size > MAX_TRACKED) this.seen.clear();
    if (this.written.size > MAX_TRACKED) this.written.clear();
    for (let v = 0; v < ended.visitorCount; v++)
      this.seen.set(ended.visitorKey[v], seenCounts(ended.views[v], ended.beacons[v]));
    for (let a = 0; a < ended.addressCount; a++)
      this.seen.set(ended.addressKey[a], seenCounts(ended.addressViews[a], ended.addressBeacons[a]));
    // The next buffer starts at the size this one reached, so it rarely grows.
    this.buffer = new HitBuffer(Math.min(1 << 20, Math.max(4096, this.buffer.capacity)));
    this.epoch = new Epoch(this.buffer.pagePath);
    ended.end();
    return ended;
  }

  /**
   * Writes the roll-ups, with any carried from a flush that found the database busy. On SQLite the
   * write lock is only tried, not waited for: better-sqlite3 waits on the event loop, and instances
   * of `start:cluster` flushing into one file would otherwise stall each other's requests. A busy
   * database keeps the roll-ups for the next flush (soon), so nothing counted is lost.
   */
  private async writeOrCarry(next: Counts): Promise<void> {
    const counts = this.carried ? addCounts(this.carried, next) : next;
    this.carried = null;
    try {
      await this.writeRollups({ ...counts, visits: new Map() }, this.tryLock());
    } catch (error) {
      // Kept whatever went wrong: retried soon when another process held the lock, else at the
      // timer's pace.
      this.carried = counts;
      if (!isSqliteBusy(error)) throw error;
      this.timer ??= setTimeout(() => void this.flush(false), BUSY_RETRY_MS).unref();
    }
  }

  private tryLock(): boolean {
    return !this.closing && this.store.dialect === "sqlite";
  }

  private async writeRollups(rollups: Rollups, tryLock: boolean): Promise<void> {
    const { pages, visits } = rollups;
    // Visitor-dependent figures are added while writing: to a copy, so a busy retry starts afresh.
    const dims = new Map(rollups.dims);
    const db = this.store.db;
    const pageRows = [...pages].sort(byKey).map(([key, views]) => {
      const [day, siteCode, path] = splitKey(key, 3);
      return { day, siteCode, path, views };
    });
    const add = (key: string, n = 1) => dims.set(key, (dims.get(key) ?? 0) + n);
    // The rows written, remembered once the transaction has committed (a busy retry writes again).
    const rows = new Map<number, VisitBefore>();
    const write = (trx: Transaction<AnalyticsTables>) =>
      this.writeRollupRows(trx, visits, pageRows, dims, add, rows);
    this.pathIds.begin();
    await this.store.onPrimary(async () => {
      if (!tryLock) return db.transaction().execute(write);
      // Without waiting for the write lock: the transaction takes it as it begins (see
      // FifoSqliteDriver), so the connection stops waiting before it begins.
      await db.connection().execute(async (connection) => {
        await sql`PRAGMA busy_timeout = 0`.execute(connection);
        try {
          await connection.transaction().execute(write);
        } finally {
          await sql.raw(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).execute(connection);
        }
      });
    });
    for (const [visitor, row] of rows) this.written.set(visitor, row);
    this.pathIds.commit();
    this.pruneSlice = this.pruneSliceAfterWrite;
  }

  private async writeRollupRows(
    trx: Transaction<AnalyticsTables>,
    visits: Map<number, Visit>,
    pageRows: { day: string; siteCode: string; path: string; views: number }[],
    dims: Map<string, number>,
    add: (key: string, n?: number) => void,
    rows: Map<number, VisitBefore>,
  ): Promise<void> {
    const prepared = this.store.prepared;
    const visitDims = new VisitDims(add);
    if (prepared) writeVisitsEach(prepared, visits, visitDims, this.written, rows, this.pathIds);
    else await writeVisitChunks(trx, visits, visitDims, this.pathIds);
    visitDims.addUp();
    const dimRows = [...dims]
      .filter(([, count]) => count !== 0)
      .sort(byKey)
      .map(([key, count]) => {
        const [day, siteCode, dim, value] = splitKey(key, 4);
        return { day, siteCode, dim: dim as Dimension, value, count };
      });
    for (let i = 0; i < pageRows.length; i += CHUNK)
      await trx
        .insertInto("analyticsPageDaily")
        .values(pageRows.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.columns(["day", "siteCode", "path"]).doUpdateSet((eb) => ({
            views: eb("analyticsPageDaily.views", "+", eb.ref("excluded.views")),
          })),
        )
        .execute();
    for (let i = 0; i < dimRows.length; i += CHUNK)
      await trx
        .insertInto("analyticsDimDaily")
        .values(dimRows.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.columns(["day", "siteCode", "dim", "value"]).doUpdateSet((eb) => ({
            count: eb("analyticsDimDaily.count", "+", eb.ref("excluded.count")),
          })),
        )
        .execute();
    await this.pruneVisitors(trx);
  }

  /**
   * Forgets visitors' rows older than yesterday, once a day. PostgreSQL has an index on the day: one
   * statement. SQLite keys the table by visitor number alone (no day index, so a new visitor costs
   * one B-tree), so finding old rows scans it: each write scans one of PRUNE_SLICES ranges of visitor
   * numbers instead of holding the event loop for the whole table once a day.
   */
  private async pruneVisitors(trx: Transaction<AnalyticsTables>): Promise<void> {
    if (this.pruneDay !== this.seenDay) {
      this.pruneDay = this.seenDay;
      this.pruneSlice = 0;
    }
    // The next range is taken once this write has committed (a busy write is retried in full).
    this.pruneSliceAfterWrite = this.pruneSlice;
    if (this.pruneSlice >= PRUNE_SLICES) return;
    const before = shiftDays(this.seenDay, -1);
    let query = trx.deleteFrom("analyticsVisitorDaily").where("day", "<", dayNumber(before));
    if (this.store.dialect === "sqlite") {
      const width = VISITOR_KEYS / PRUNE_SLICES;
      query = query
        .where("visitor", ">=", this.pruneSlice * width)
        .where("visitor", "<", (this.pruneSlice + 1) * width);
      this.pruneSliceAfterWrite = this.pruneSlice + 1;
    } else this.pruneSliceAfterWrite = PRUNE_SLICES;
    await query.execute();
  }

  /** Service funnels per item and bundle (see insights.ts), for one site or the cluster. */
  funnels(site: { code: string; id: number } | null, from: string, to: string): Promise<Funnels> {
    return serviceFunnels(this.store, site, from, to);
  }

  /** Pages and search terms that rose most in the week ending `to` over the week before. */
  rising(site: string | null, to: string, minVolume?: number): Promise<RisingTopics> {
    return risingTopics(this.store, site, to, minVolume);
  }

  /** Mailbox letters received per kind in the China-time days from..to (the mailbox's own query). */
  letterKinds(siteId: number | null, from: string, to: string) {
    return letterKindCounts(
      tablesOf<LetterKindTables>(this.store.db),
      siteId,
      chinaDayStart(from)!.toISOString(),
      chinaDayStart(shiftDays(to, 1))!.toISOString(),
    );
  }

  /** Stores an operator API key (only its SHA-256 is kept) for `GET /api/analytics/summary`. */
  async addApiKey(keyHash: string, name: string): Promise<void> {
    await this.kv.set(`api-key:${keyHash}`, { name, createdAt: new Date().toISOString() });
  }

  async checkApiKey(keyHash: string): Promise<boolean> {
    const key = await this.kv.get(`api-key:${keyHash}`);
    return !!key && !key.revokedAt;
  }

  /** The figures of one site (or, with `site` null, the whole cluster) for China-time days from..to. */
  /**
   * Searches visitors replaced with another term within five minutes, over the last `days` days and
   * all sites, most frequent first (at least `minimum` times): candidates for synonyms.
   */
  async reformulations(days = 90, minimum = 2): Promise<{ from: string; to: string; count: number }[]> {
    const rows = await this.store.read
      .selectFrom("analyticsDimDaily")
      .where("dim", "=", "reform")
      .where("day", ">=", shiftDays(chinaDate(), -days))
      .groupBy("value")
      .having(sql<number>`sum(count)`, ">=", minimum)
      .select(["value", sql<number>`sum(count)`.as("count")])
      .orderBy("count", "desc")
      .limit(500)
      .execute();
    return rows.flatMap((r) => {
      const [from, to] = r.value.split(PAIR_SEPARATOR);
      return from && to ? [{ from, to, count: Number(r.count) }] : [];
    });
  }

  async summary(site: string | null, from: string, to: string): Promise<AnalyticsSummary> {
    const fields: Record<string, string> = {};
    if (!isDateString(from)) fields.from = "开始日期应为 YYYY-MM-DD";
    if (!isDateString(to)) fields.to = "结束日期应为 YYYY-MM-DD";
    if (Object.keys(fields).length === 0) {
      if (to < from) fields.to = "结束日期不能早于开始日期";
      else if (shiftDays(from, MAX_RANGE_DAYS) < to) fields.to = `一次最多统计${MAX_RANGE_DAYS}天`;
    }
    if (Object.keys(fields).length > 0) throw new Invalid("统计区间有误", fields);
    const db = this.store.db;
    const pagesInRange = () => {
      let q = db.selectFrom("analyticsPageDaily").where("day", ">=", from).where("day", "<=", to);
      if (site) q = q.where("siteCode", "=", site);
      return q;
    };
    const dimsInRange = () => {
      let q = db.selectFrom("analyticsDimDaily").where("day", ">=", from).where("day", "<=", to);
      if (site) q = q.where("siteCode", "=", site);
      return q;
    };
    const views = sql<number>`sum(views)`;
    const days = daysFrom(from, to);
    // Exact sums of a few values are read by primary key (day, site, value), not by scanning the range.
    const sitesOf = (pages: string[]) => (site ? [site] : [...new Set(pages.map(siteOfPath))]);
    const topPagesOf = (limit: number) =>
      topCounts(days, limit, {
        dayTops: (days, k) =>
          unionOfDays(db, days, (day) => {
            let q = db.selectFrom("analyticsPageDaily").where("day", "=", day);
            if (site) q = q.where("siteCode", "=", site);
            return q
              .where("views", ">", 0)
              .select(["day", "path as value", "views as n"])
              .orderBy("views", "desc")
              .limit(k);
          }),
        sums: (paths) =>
          db
            .selectFrom("analyticsPageDaily")
            .where("day", "in", days)
            .where("siteCode", "in", sitesOf(paths))
            .where("path", "in", paths)
            .select(["path as value", views.as("n")])
            .groupBy("path")
            .orderBy(views, "desc")
            .orderBy("path")
            .execute(),
        grouped: (n) =>
          pagesInRange()
            .select(["path as value", views.as("n")])
            .groupBy("path")
            .orderBy(views, "desc")
            .orderBy("path")
            .limit(n)
            .execute(),
      });
    const topOf = (name: Dimension, limit: number) => {
      const grouped = (n: number) =>
        dimsInRange()
          .where("dim", "=", name)
          .select(["value", sql<number>`sum(count)`.as("n")])
          .groupBy("value")
          .having(sql`sum(count)`, ">", 0)
          .orderBy(sql`sum(count)`, "desc")
          .orderBy("value")
          .limit(n)
          .execute();
      // Ranking from the days' top rows needs one row per value and day: for the cluster that holds
      // for pages (a page belongs to one site) but not for search terms.
      if (!site && !PAGE_DIMENSIONS.has(name)) return grouped(limit);
      return topCounts(days, limit, {
        dayTops: (days, k) =>
          unionOfDays(db, days, (day) => {
            let q = db.selectFrom("analyticsDimDaily").where("dim", "=", name).where("day", "=", day);
            if (site) q = q.where("siteCode", "=", site);
            return q
              .where("count", ">", 0)
              .select(["day", "value", "count as n"])
              .orderBy("count", "desc")
              .limit(k);
          }),
        sums: (values) =>
          db
            .selectFrom("analyticsDimDaily")
            .where("day", "in", days)
            .where("siteCode", "in", sitesOf(values))
            .where("dim", "=", name)
            .where("value", "in", values)
            .select(["value", sql<number>`sum(count)`.as("n")])
            .groupBy("value")
            .orderBy(sql`sum(count)`, "desc")
            .orderBy("value")
            .execute(),
        grouped,
      });
    };
    const [topPages, daily, dims, dailyVisitors, entryPages] = await Promise.all([
      topPagesOf(20),
      pagesInRange()
        .select(["day", views.as("views")])
        .groupBy("day")
        .orderBy("day")
        .execute(),
      dimsInRange()
        .where("dim", "in", ["device", "referrer", "elder", "visitors"])
        .select(["dim", "value", sql<number>`sum(count)`.as("n")])
        .groupBy(["dim", "value"])
        .orderBy(sql`sum(count)`, "desc")
        .execute(),
      dimsInRange()
        .where("dim", "=", "visitors")
        .select(["day", sql<number>`sum(count)`.as("n")])
        .groupBy("day")
        .execute(),
      topOf("entry", 10),
    ]);
    const [totals, exits, refined, exitTerms, beaconPages] = await Promise.all([
      dimsInRange()
        .where("dim", "in", ["search", "refine", "search_exit", "beacons", "engaged", "scroll"])
        .select(["dim", sql<number>`sum(count)`.as("n")])
        .groupBy("dim")
        .execute(),
      topOf("exit", 10),
      topOf("refine", 10),
      topOf("search_exit", 10),
      topOf("beacons", 10),
    ]);
    const totalOf = (name: Dimension) => Number(totals.find((t) => t.dim === name)?.n ?? 0);
    const engagedOf = beaconPages.length
      ? await dimsInRange()
          .where("dim", "in", ["engaged", "scroll"])
          .where(
            "value",
            "in",
            beaconPages.map((p) => p.value),
          )
          .select(["dim", "value", sql<number>`sum(count)`.as("n")])
          .groupBy(["dim", "value"])
          .execute()
      : [];
    const sumOf = (name: Dimension, path: string) =>
      Number(engagedOf.find((e) => e.dim === name && e.value === path)?.n ?? 0);
    const ratio = (a: number, b: number, digits = 3) => (b > 0 ? Number((a / b).toFixed(digits)) : null);
    const terms = (rows: { value: string; n: number }[]) =>
      rows.map((r) => ({ term: r.value, count: Number(r.n) }));
    const beacons = totalOf("beacons");
    const resultViews = totalOf("search");
    const dim = (name: Dimension) => dims.filter((d) => d.dim === name);
    const visitorsByDay = new Map(dailyVisitors.map((d) => [d.day, Number(d.n)]));
    const search = await searchTermsReport(
      tablesOf<SearchLogTables>(db),
      site,
      chinaDayStart(from)!.toISOString(),
      chinaDayStart(shiftDays(to, 1))!.toISOString(),
    );
    return {
      site,
      from,
      to,
      pageviews: daily.reduce((sum, d) => sum + Number(d.views), 0),
      visitors: Number(dim("visitors")[0]?.n ?? 0),
      topPages: topPages.map((p) => ({ path: p.value, views: Number(p.n) })),
      entryPages: entryPages.map((p) => ({ path: p.value, visitors: Number(p.n) })),
      referrers: dim("referrer")
        .slice(0, 10)
        .map((d) => ({ host: d.value, views: Number(d.n) })),
      devices: dim("device").map((d) => ({ device: d.value, views: Number(d.n) })),
      elderViews: Number(dim("elder")[0]?.n ?? 0),
      daily: daily.map((d) => ({
        day: d.day,
        pageviews: Number(d.views),
        visitors: visitorsByDay.get(d.day) ?? 0,
      })),
      search: {
        ...search,
        resultViews,
        refinements: totalOf("refine"),
        refinementRate: ratio(totalOf("refine"), resultViews),
        exits: totalOf("search_exit"),
        exitRate: ratio(totalOf("search_exit"), resultViews),
        refinedTerms: terms(refined),
        exitTerms: terms(exitTerms),
      },
      exitPages: exits.map((p) => ({ path: p.value, visitors: Number(p.n) })),
      engagement: {
        beacons,
        averageSeconds: ratio(totalOf("engaged"), beacons, 1),
        averageScroll: ratio(totalOf("scroll"), beacons, 1),
        pages: beaconPages.map((p) => ({
          path: p.value,
          beacons: Number(p.n),
          averageSeconds: ratio(sumOf("engaged", p.value), Number(p.n), 1) ?? 0,
          averageScroll: ratio(sumOf("scroll", p.value), Number(p.n), 1) ?? 0,
        })),
      },
    };
  }
}

/** The dimensions whose values are pages (/sites/CODE/…). */
const PAGE_DIMENSIONS = new Set<Dimension>(["entry", "exit", "beacons"]);

/** Days per statement: SQLite allows 500 parts in one compound SELECT. */
const DAYS_PER_UNION = 200;

/** One query per day (each with its own ORDER BY and LIMIT) run as UNION ALL statements. */
async function unionOfDays<TB extends keyof AnalyticsTables, Row>(
  db: Kysely<AnalyticsTables>,
  days: readonly string[],
  dayQuery: (day: string) => SelectQueryBuilder<AnalyticsTables, TB, Row>,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (let i = 0; i < days.length; i += DAYS_PER_UNION) {
    // A part of UNION ALL takes ORDER BY and LIMIT only inside a subquery.
    const [first, ...rest] = days
      .slice(i, i + DAYS_PER_UNION)
      .map((day) => db.selectFrom(dayQuery(day).as("d")).selectAll());
    // SELECT * from the subquery gives its rows unchanged; Kysely's mapped type just does not say so.
    rows.push(...((await rest.reduce((q, part) => q.unionAll(part), first).execute()) as Row[]));
  }
  return rows;
}

/**
 * A write's visits on PostgreSQL, a few hundred rows per statement: most visitors of a write
 * are new today, so all are inserted as new and only the ones that already had a row (an earlier
 * epoch or another instance saw them first) are read back and updated.
 */
async function writeVisitChunks(
  trx: Transaction<AnalyticsTables>,
  visits: Map<number, Visit>,
  dims: VisitDims,
  pathIds: PathIds,
): Promise<void> {
  const all = [...visits];
  // Every exit page of the write first, in one sorted insert, before any visitor row is locked: two
  // instances adding the same new pages then take their locks in one order (no deadlock).
  const exits = await pathIds.idsOf(
    trx,
    all.map(([, visit]) => visit.path(visit.last)),
  );
  for (let i = 0; i < all.length; i += CHUNK) {
    const chunk = all.slice(i, i + CHUNK);
    const stored = (row: ReturnType<typeof visitRow>) => ({
      visitor: row.visitor,
      day: dayNumber(row.day),
      exitPage: exits.get(row.exitPath)!,
      lastTerm: row.lastTerm,
      lastSecond: row.lastSecond,
      views: row.views,
    });
    const inserted = new Set(
      (
        await trx
          .insertInto("analyticsVisitorDaily")
          .values(chunk.map(([visitor, visit]) => stored(visitRow(visitor, visit))))
          .onConflict((oc) => oc.column("visitor").doNothing())
          .returning("visitor")
          .execute()
      ).map((r) => Number(r.visitor)),
    );
    const returning: [number, Visit][] = [];
    for (const entry of chunk)
      if (inserted.has(entry[0])) dims.add(entry[1], undefined);
      else returning.push(entry);
    if (returning.length === 0) continue;
    const found = await trx
      .selectFrom("analyticsVisitorDaily")
      .where(
        "visitor",
        "in",
        returning.map(([visitor]) => visitor),
      )
      .select(["visitor", "exitPage", "lastTerm", "lastSecond", "views"])
      // Another instance flushing the same visitor waits: both would move the same exit page.
      .forUpdate()
      .execute();
    const paths = await pathIds.pathsOf(
      trx,
      found.map((r) => Number(r.exitPage)),
    );
    const known = new Map(
      found.map((r) => [
        Number(r.visitor),
        { ...r, exitPath: paths.get(Number(r.exitPage)) ?? "" } satisfies VisitBefore,
      ]),
    );
    const rows = returning.map(([visitor, visit]) => {
      const before = known.get(visitor);
      dims.add(visit, before);
      return stored(visitRow(visitor, visit, before));
    });
    await trx
      .insertInto("analyticsVisitorDaily")
      .values(rows)
      .onConflict((oc) =>
        oc.column("visitor").doUpdateSet((eb) => ({
          exitPage: eb.ref("excluded.exitPage"),
          lastTerm: eb.ref("excluded.lastTerm"),
          lastSecond: eb.ref("excluded.lastSecond"),
          views: eb.ref("excluded.views"),
        })),
      )
      .execute();
  }
}

/**
 * A write's visits on SQLite, one prepared statement run per visitor (in the write's
 * transaction): a row a new visitor inserts costs a few microseconds, where a many-row VALUES list
 * with RETURNING costs several times that per row. A returning visitor whose row this instance wrote
 * last (`written`; its view count unchanged since, as views only grow) is updated in one statement;
 * any other existing row is read first. Every row written is put in `rows`.
 */
function writeVisitsEach(
  prepared: (source: string) => PreparedStatement,
  visits: Map<number, Visit>,
  dims: VisitDims,
  written: Pick<WrittenRows, "get">,
  rows: Map<number, VisitBefore>,
  pathIds: PathIds,
): void {
  const insert = prepared(
    `INSERT INTO analytics_visitor_daily (visitor, day, exit_page, last_term, last_second, views)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const known = prepared(
    `SELECT exit_page AS exitPage, last_term AS lastTerm, last_second AS lastSecond, views
     FROM analytics_visitor_daily WHERE visitor = ?`,
  );
  const update = prepared(
    `UPDATE analytics_visitor_daily SET exit_page = ?, last_term = ?, last_second = ?, views = ?
     WHERE visitor = ? AND views = ?`,
  );
  const rowBefore = (visitor: number): VisitBefore => {
    const row = known.get(visitor) as Omit<VisitBefore, "exitPath"> & { exitPage: number };
    return { ...row, exitPath: pathIds.pathOf(prepared, row.exitPage) };
  };
  const write = (visitor: number, visit: Visit, before: VisitBefore) => {
    const next = visitRow(visitor, visit, before);
    const { changes } = update.run(
      pathIds.idOf(prepared, next.exitPath),
      next.lastTerm,
      next.lastSecond,
      next.views,
      visitor,
      Number(before.views),
    );
    if (changes === 0) return false;
    dims.add(visit, before);
    rows.set(visitor, next);
    return true;
  };
  // A write's visits are nearly all of one day: its number is worked out once.
  let lastDay = "";
  let lastDayNumber = 0;
  for (const [visitor, visit] of visits) {
    const mine = written.get(visitor);
    if (mine && write(visitor, visit, mine)) continue;
    const row = visitRow(visitor, visit);
    const exitPage = pathIds.idOf(prepared, row.exitPath);
    if (row.day !== lastDay) lastDayNumber = dayNumber((lastDay = row.day));
    const day = lastDayNumber;
    if (insert.run(visitor, day, exitPage, row.lastTerm, row.lastSecond, row.views).changes === 1) {
      dims.add(visit, undefined);
      rows.set(visitor, row);
      continue;
    }
    // In the flush's transaction nobody else writes between this read and the update.
    write(visitor, visit, rowBefore(visitor));
  }
}

/** The visitor's daily row after this flush's steps (its last page is the exit so far). */
function visitRow(visitor: number, visit: Visit, before?: VisitBefore) {
  return {
    visitor,
    day: visit.day,
    exitPath: visit.path(visit.last),
    lastTerm: visit.term(visit.last),
    lastSecond: visit.second(visit.last),
    views: Number(before?.views ?? 0) + visit.views,
  };
}

/**
 * The day's figures visits change: visitors and entry page (new visitor), exit page (moved from the
 * previous exit), searches, refinements within REFINE_SECONDS, reformulation pairs and exits from
 * results (a results page followed by another page was not an exit). Visitors, entry and exit pages
 * (every visit's) are counted by day, site and path, strings the epoch holds once, and named as
 * roll-up keys once per write (addUp): no key is built per visit.
 */
class VisitDims {
  private readonly byDay = new Map<string, Map<string, SiteVisitDims>>();

  constructor(private readonly addKey: (key: string, n?: number) => void) {}

  add(visit: Visit, before: VisitBefore | undefined): void {
    const counts = this.countsOf(visit.day, visit.siteCode);
    if (!before) {
      counts.visitors++;
      bump(counts.entry, visit.path(visit.first), 1);
    } else bump(counts.exit, before.exitPath, -1);
    bump(counts.exit, visit.path(visit.last), 1);
    let term = before?.lastTerm ?? null;
    let second = before?.lastSecond ?? 0;
    // Named only for visits with searches (most have none).
    let at = "";
    const add = (dim: string, value: string, n = 1) =>
      this.addKey(`${(at ||= `${visit.day}|${visit.siteCode}`)}|${dim}|${value}`, n);
    for (let s = visit.first; s !== NONE; s = visit.next(s)) {
      const stepTerm = visit.term(s);
      if (term) add("search_exit", term, -1);
      if (stepTerm) {
        add("search", stepTerm);
        if (term && term !== stepTerm && visit.second(s) - second <= REFINE_SECONDS) {
          add("refine", term);
          add("reform", `${term}${PAIR_SEPARATOR}${stepTerm}`);
        }
        add("search_exit", stepTerm);
      }
      term = stepTerm;
      second = visit.second(s);
    }
  }

  /** Adds the counts to the write's roll-up keys. */
  addUp(): void {
    for (const [day, sites] of this.byDay)
      for (const [site, counts] of sites) {
        const at = `${day}|${site}`;
        if (counts.visitors) this.addKey(`${at}|visitors|`, counts.visitors);
        for (const [path, n] of counts.entry) this.addKey(`${at}|entry|${path}`, n);
        for (const [path, n] of counts.exit) this.addKey(`${at}|exit|${path}`, n);
      }
    this.byDay.clear();
  }

  private countsOf(day: string, site: string): SiteVisitDims {
    let sites = this.byDay.get(day);
    if (!sites) this.byDay.set(day, (sites = new Map()));
    let counts = sites.get(site);
    if (!counts) sites.set(site, (counts = { visitors: 0, entry: new Map(), exit: new Map() }));
    return counts;
  }
}

interface SiteVisitDims {
  visitors: number;
  entry: Map<string, number>;
  exit: Map<string, number>;
}

function bump(counts: Map<string, number>, key: string, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

/** What one flush adds to the daily tables: page views and dimension counts, by roll-up key. */
interface Counts {
  pages: Map<string, number>;
  dims: Map<string, number>;
}

/** What one write adds: counts, and visits per visitor (whose figures depend on the visitor's row). */
interface Rollups extends Counts {
  visits: Map<number, Visit>;
}

const BUSY_RETRY_MS = 250;
/** A failing database's write errors are reported at most this often. */
const WRITE_ERROR_REPORT_MS = 60_000;

/**
 * How long visitors are kept in memory before their visits are written to their rows: a visitor's
 * pages within it cost one row write, not one per flush. The figures that need the row (new visitors,
 * entry and exit pages) wait as long, and the summary API and `npm run analytics` promise what the
 * server counted up to a few seconds ago: an epoch ends at the first flush after it (every two
 * seconds by default), so visitors are written within about five seconds. Addresses and user agents stay as long.
 */
const VISIT_WRITE_MS = 3_000;
/** Visitors' rows per transaction when an epoch ends. */
const VISITS_PER_WRITE = 1_000;
/**
 * Distinct (address, user agent) pairs after which an epoch ends early: an epoch's visitors are
 * handled at once when it ends (their daily counts kept), so this bounds that pause and the memory the
 * visitors take (referrer strings are dropped at every flush; search terms live with the steps).
 */
const MAX_EPOCH_SLOTS = 25_000;
/** Counted views (steps) after which an epoch ends early (its steps take 16 bytes each). */
const MAX_EPOCH_STEPS = 1_000_000;
/** Distinct pages after which an epoch ends early (a crawler walking endless addresses). */
const MAX_EPOCH_PAGES = 100_000;
/** Ended epochs whose visitors wait to be written (the database failing) before the oldest is dropped. */
const MAX_UNWRITTEN_EPOCHS = 20;
/** Days of views after which an epoch ends (keys pack the day's number in 10 bits: see flushKey). */
const MAX_EPOCH_DAYS = 512;

/** An ended epoch's visitors with pages, in key order, and how many of them are written. */
interface EndedVisits {
  epoch: Epoch;
  /** Its visitors in key order (see Epoch.visitorsInKeyOrder), sorted when its first chunk is written. */
  order: Int32Array | null;
  next: number;
}

/** Two flushes' counts added. */
function addCounts(earlier: Counts, later: Counts): Counts {
  const sum = (a: Map<string, number>, b: Map<string, number>) => {
    const out = new Map(a);
    for (const [key, n] of b) out.set(key, (out.get(key) ?? 0) + n);
    return out;
  };
  return { pages: sum(earlier.pages, later.pages), dims: sum(earlier.dims, later.dims) };
}

/**
 * Orders roll-up entries by key: rows are upserted in this order, so two instances writing the same
 * rows take their locks in the same order (PostgreSQL would otherwise find a deadlock).
 */
function byKey(a: [string, number], b: [string, number]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** A roll-up key's first `parts - 1` fields and the rest (which may itself hold "|"). */
function splitKey(key: string, parts: number): string[] {
  const p = key.split("|");
  return [...p.slice(0, parts - 1), p.slice(parts - 1).join("|")];
}
