import { createHash, randomBytes } from "node:crypto";
import { sql } from "kysely";
import { tablesOf, type Db } from "../../platform/db/database.ts";
import { Invalid } from "../../platform/http/errors.ts";
import { KvStore, type KvScope } from "../../platform/kv/kv-store.ts";
import { chinaDate, chinaDayStart, isDateString, shiftDays } from "../../platform/time/china-time.ts";
import { searchTermsReport, type SearchLogTables, type TermCount } from "../search/index.ts";
import { letterKindCounts, type LetterKindTables } from "../mailbox/index.ts";
import { risingTopics, serviceFunnels, type Funnels, type RisingTopics } from "./insights.ts";
import type { AnalyticsTables, Dimension } from "./tables.ts";

/**
 * Cookieless, privacy-friendly analytics (Plausible's method): a page view is counted on the server,
 * so it works without JavaScript; a visitor is SHA-256(daily salt, site, IP, user agent), and the
 * salt of each day is random, shared by every instance through the database, and deleted after two
 * days, so no one (the platform included) can link a visitor across days or back to an address. The
 * IP address and user agent stay in memory until the next flush (about two seconds) and are never
 * written. Views are rolled up per day in memory and added to the daily tables in batches.
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

/** The pages one visitor read in one flush, in order. */
interface VisitSteps {
  steps: { path: string; term: string | null; second: number }[];
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
  topTerms: TermCount[];
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
}

type AnalyticsKv = Record<`salt:${string}`, string> &
  Record<`api-key:${string}`, { name: string; createdAt: string; revokedAt?: string }>;

const BOT = /bot|spider|crawl|slurp|headless|lighthouse|monitor|curl|wget|python-requests|go-http-client/i;
const MAX_RANGE_DAYS = 366;
/** Visitors and addresses whose daily counts are kept in memory at most (per instance). */
const MAX_TRACKED = 300_000;
/** One address may count this many times a visitor's daily cap (shared addresses). */
const ADDRESS_CAP_FACTOR = 10;
const CHUNK = 400;
/** A new search by the same visitor within this many seconds refines the one before. */
export const REFINE_SECONDS = 300;

export function deviceOf(userAgent: string): string {
  if (/ipad|tablet/i.test(userAgent)) return "平板";
  if (/mobi|android|iphone/i.test(userAgent)) return "手机";
  return userAgent ? "电脑" : "未知";
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

export class AnalyticsService {
  private buffer: PageView[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly salts = new Map<string, string>();
  /** Views counted per day|site|visitor in this process (the cap is per instance). */
  private readonly seen = new Map<string, number>();
  private seenDay = "";
  private readonly agents = new Map<string, { bot: boolean; device: string }>();
  private prunedBefore = "";
  private flushing: Promise<void> = Promise.resolve();
  private readonly kv: KvScope<AnalyticsKv>;
  private readonly flushMs: number;
  private readonly cap: number;

  constructor(
    private readonly store: Db<AnalyticsTables>,
    options: AnalyticsOptions = {},
  ) {
    this.kv = new KvStore(store.db).scope<AnalyticsKv>("analytics");
    this.flushMs = options.flushMs ?? 2000;
    this.cap = options.perVisitorDailyCap ?? 300;
  }

  /** Counts one page view (cheap and synchronous: it is on the path of every public page). */
  record(view: PageView): void {
    if (this.agentOf(view.userAgent).bot) return;
    this.buffer.push(view);
    if (this.buffer.length >= 5000) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  /** Writes what was recorded so far (also called on shutdown and by tests). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBuffered().catch(() => {}));
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  /** Robot or not, and the device class, per user agent (a few hundred distinct ones cover most views). */
  private agentOf(userAgent: string): { bot: boolean; device: string } {
    let agent = this.agents.get(userAgent);
    if (!agent) {
      if (this.agents.size >= 2000) this.agents.clear();
      agent = { bot: BOT.test(userAgent), device: deviceOf(userAgent) };
      this.agents.set(userAgent, agent);
    }
    return agent;
  }

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

  private async writeBuffered(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const views = this.buffer;
    this.buffer = [];
    if (views.length === 0) return;
    const pages = new Map<string, number>();
    const dims = new Map<string, number>();
    const visits = new Map<string, VisitSteps>();
    const add = (map: Map<string, number>, key: string, n = 1) => map.set(key, (map.get(key) ?? 0) + n);
    // Views without their own time (all but imports and tests) belong to the day of the flush.
    const now = Date.now();
    const today = chinaDate(new Date(now));
    const days = views.map((view) => (view.at ? chinaDate(view.at) : today));
    const salts = new Map<string, string>();
    const dayStarts = new Map<string, number>();
    for (const day of new Set(days)) {
      salts.set(day, await this.saltOf(day));
      dayStarts.set(day, chinaDayStart(day)!.getTime());
    }
    // One hash per visitor and flush, however many pages they read in it.
    const hashes = new Map<string, string>();
    const hashOf = (day: string, raw: string) => {
      let hash = hashes.get(raw);
      if (!hash) {
        hash = createHash("sha256")
          .update(`${salts.get(day)!}|${raw}`)
          .digest("base64url")
          .slice(0, 22);
        hashes.set(raw, hash);
      }
      return hash;
    };
    for (const [i, view] of views.entries()) {
      const day = days[i];
      if (day > this.seenDay) {
        this.seen.clear();
        this.seenDay = day;
      }
      const visitor = hashOf(day, `${day}|${view.siteCode}|${view.ip}|${view.userAgent}`);
      const who = `${day}|${view.siteCode}|${visitor}`;
      // A client changing its user agent is a new visitor each time, so one address is capped too
      // (higher: many people share an office or a mobile carrier's address).
      const from = `ip:${hashOf(day, `${day}|${view.siteCode}|${view.ip}`)}`;
      // Bounded memory: past the bound the day's counts start afresh (a little over-counting at worst).
      if (this.seen.size > MAX_TRACKED) this.seen.clear();
      if (view.beacon) {
        // A beacon counts only for a page view this visitor made (one beacon per counted view at
        // most), under the same per-visitor and per-address caps: forged posts add nothing beyond.
        const beacons = (this.seen.get(`b|${who}`) ?? 0) + 1;
        const fromBeacons = (this.seen.get(`b|${from}`) ?? 0) + 1;
        const viewed = Math.min(this.seen.get(who) ?? 0, this.cap);
        if (beacons > viewed || fromBeacons > this.cap * ADDRESS_CAP_FACTOR) continue;
        this.seen.set(`b|${who}`, beacons);
        this.seen.set(`b|${from}`, fromBeacons);
        const at = `${day}|${view.siteCode}`;
        add(dims, `${at}|beacons|${view.path}`);
        add(dims, `${at}|engaged|${view.path}`, view.beacon.seconds);
        add(dims, `${at}|scroll|${view.path}`, view.beacon.scroll);
        continue;
      }
      const fromCount = (this.seen.get(from) ?? 0) + 1;
      const count = (this.seen.get(who) ?? 0) + 1;
      this.seen.set(from, fromCount);
      this.seen.set(who, count);
      if (count > this.cap || fromCount > this.cap * ADDRESS_CAP_FACTOR) continue;
      let visit = visits.get(who);
      if (!visit) visits.set(who, (visit = { steps: [] }));
      visit.steps.push({
        path: view.path,
        term: view.term || null,
        second: Math.max(0, Math.floor(((view.at?.getTime() ?? now) - dayStarts.get(day)!) / 1000)),
      });
      add(pages, `${day}|${view.siteCode}|${view.path}`);
      add(dims, `${day}|${view.siteCode}|device|${this.agentOf(view.userAgent).device}`);
      const referrer = refererHost(view.referer, view.host);
      if (referrer) add(dims, `${day}|${view.siteCode}|referrer|${referrer}`);
      if (view.elder) add(dims, `${day}|${view.siteCode}|elder|1`);
    }
    await this.writeRollups(pages, dims, visits);
  }

  private async writeRollups(
    pages: Map<string, number>,
    dims: Map<string, number>,
    visits: Map<string, VisitSteps>,
  ): Promise<void> {
    const db = this.store.db;
    const split = (key: string, parts: number) => {
      const p = key.split("|");
      return [...p.slice(0, parts - 1), p.slice(parts - 1).join("|")];
    };
    const pageRows = [...pages].map(([key, views]) => {
      const [day, siteCode, path] = split(key, 3);
      return { day, siteCode, path, views };
    });
    const add = (key: string, n = 1) => dims.set(key, (dims.get(key) ?? 0) + n);
    // The visits of this flush, per day and site (a visitor row is found by its primary key).
    const groups = new Map<string, { day: string; siteCode: string; visitors: [string, VisitSteps][] }>();
    for (const [key, visit] of visits) {
      const [day, siteCode, visitor] = split(key, 3);
      const group = groups.get(`${day}|${siteCode}`) ?? { day, siteCode, visitors: [] };
      group.visitors.push([visitor, visit]);
      groups.set(`${day}|${siteCode}`, group);
    }
    await this.store.onPrimary(() =>
      db.transaction().execute(async (trx) => {
        for (const { day, siteCode, visitors } of groups.values())
          for (let i = 0; i < visitors.length; i += CHUNK) {
            const chunk = visitors.slice(i, i + CHUNK);
            const known = new Map(
              (
                await trx
                  .selectFrom("analyticsVisitorDaily")
                  .where("day", "=", day)
                  .where("siteCode", "=", siteCode)
                  .where(
                    "visitor",
                    "in",
                    chunk.map(([v]) => v),
                  )
                  .select(["visitor", "exitPath", "lastTerm", "lastSecond", "views"])
                  .execute()
              ).map((r) => [r.visitor, r]),
            );
            const at = `${day}|${siteCode}`;
            const rows = chunk.map(([visitor, { steps }]) => {
              const before = known.get(visitor);
              // A new visitor of the day adds to the visitors and to its entry page.
              if (!before) {
                add(`${at}|visitors|`);
                add(`${at}|entry|${steps[0].path}`);
              } else add(`${at}|exit|${before.exitPath}`, -1);
              let term = before?.lastTerm ?? null;
              let second = before?.lastSecond ?? 0;
              for (const step of steps) {
                // Results followed by another page were not an exit from the results.
                if (term) add(`${at}|search_exit|${term}`, -1);
                if (step.term) {
                  add(`${at}|search|${step.term}`);
                  if (term && term !== step.term && step.second - second <= REFINE_SECONDS)
                    add(`${at}|refine|${term}`);
                  add(`${at}|search_exit|${step.term}`);
                }
                term = step.term;
                second = step.second;
              }
              const exitPath = steps[steps.length - 1].path;
              add(`${at}|exit|${exitPath}`);
              return {
                day,
                siteCode,
                visitor,
                entryPath: steps[0].path,
                exitPath,
                lastTerm: term,
                lastSecond: second,
                views: Number(before?.views ?? 0) + steps.length,
              };
            });
            await trx
              .insertInto("analyticsVisitorDaily")
              .values(rows)
              .onConflict((oc) =>
                oc.columns(["day", "siteCode", "visitor"]).doUpdateSet((eb) => ({
                  exitPath: eb.ref("excluded.exitPath"),
                  lastTerm: eb.ref("excluded.lastTerm"),
                  lastSecond: eb.ref("excluded.lastSecond"),
                  views: eb.ref("excluded.views"),
                })),
              )
              .execute();
          }
        const dimRows = [...dims]
          .filter(([, count]) => count !== 0)
          .map(([key, count]) => {
            const [day, siteCode, dim, value] = split(key, 4);
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
        if (this.prunedBefore !== this.seenDay) {
          this.prunedBefore = this.seenDay;
          await trx
            .deleteFrom("analyticsVisitorDaily")
            .where("day", "<", shiftDays(this.seenDay, -1))
            .execute();
        }
      }),
    );
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
    const [total, topPages, daily, dims, dailyVisitors, entryPages] = await Promise.all([
      pagesInRange().select(views.as("n")).executeTakeFirst(),
      pagesInRange()
        .select(["path", views.as("views")])
        .groupBy("path")
        .orderBy(views, "desc")
        .orderBy("path")
        .limit(20)
        .execute(),
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
      dimsInRange()
        .where("dim", "=", "entry")
        .select(["value", sql<number>`sum(count)`.as("n")])
        .groupBy("value")
        .orderBy(sql`sum(count)`, "desc")
        .orderBy("value")
        .limit(10)
        .execute(),
    ]);
    const topOf = (name: Dimension, limit: number) =>
      dimsInRange()
        .where("dim", "=", name)
        .select(["value", sql<number>`sum(count)`.as("n")])
        .groupBy("value")
        .having(sql`sum(count)`, ">", 0)
        .orderBy(sql`sum(count)`, "desc")
        .orderBy("value")
        .limit(limit)
        .execute();
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
      pageviews: Number(total?.n ?? 0),
      visitors: Number(dim("visitors")[0]?.n ?? 0),
      topPages: topPages.map((p) => ({ path: p.path, views: Number(p.views) })),
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
