import { sql } from "kysely";
import { tablesOf, type Db } from "../../platform/db/database.ts";
import { Invalid } from "../../platform/http/errors.ts";
import { chinaDayStart, isDateString, shiftDays } from "../../platform/time/china-time.ts";
import { serviceFunnelCounts, type OneStopFunnelTables } from "../onestop/index.ts";
import { searchTermsReport, type SearchLogTables } from "../search/index.ts";
import type { AnalyticsTables } from "./tables.ts";

/** guide → start → submit → complete for one service item or 一件事 bundle. */
export interface FunnelRow {
  code: string;
  name: string;
  /** Views of the guide page (办事指南) or, for a bundle, of its page. */
  guideViews: number;
  /** Views of the application form (only signed-in citizens get it; a bundle's form is its page). */
  startViews: number | null;
  submitted: number;
  completed: number;
}

export interface Funnels {
  items: FunnelRow[];
  bundles: FunnelRow[];
}

export interface RisingRow {
  key: string;
  current: number;
  previous: number;
  rise: number;
}

export interface RisingTopics {
  /** The week compared: [from, to], against the seven days before. */
  from: string;
  to: string;
  minVolume: number;
  pages: RisingRow[];
  terms: RisingRow[];
}

/** A page or term must be seen this often in the current week to be called rising. */
export const RISING_MIN_VOLUME = 10;

function checkRange(from: string, to: string): void {
  const fields: Record<string, string> = {};
  if (!isDateString(from)) fields.from = "开始日期应为 YYYY-MM-DD";
  if (!isDateString(to)) fields.to = "结束日期应为 YYYY-MM-DD";
  else if (isDateString(from) && to < from) fields.to = "结束日期不能早于开始日期";
  else if (isDateString(from) && shiftDays(from, 366) < to) fields.to = "一次最多统计366天";
  if (Object.keys(fields).length > 0) throw new Invalid("统计区间有误", fields);
}

/** The path segment after `marker` (decoded), or null. */
function codeAfter(path: string, marker: string): string | null {
  const at = path.indexOf(marker);
  if (at < 0) return null;
  const rest = path.slice(at + marker.length).split("/")[0];
  try {
    return rest ? decodeURIComponent(rest) : null;
  } catch {
    return null;
  }
}

/**
 * Service funnels per item and per bundle: guide and form views from the page roll-ups, submitted
 * and completed applications from the service hall (its index.ts), for one site or the cluster.
 */
export async function serviceFunnels(
  store: Db<AnalyticsTables>,
  site: { code: string; id: number } | null,
  from: string,
  to: string,
): Promise<Funnels> {
  checkRange(from, to);
  const db = store.db;
  let pages = db
    .selectFrom("analyticsPageDaily")
    .where("day", ">=", from)
    .where("day", "<=", to)
    .where((eb) =>
      eb.or([
        eb("path", "like", "%/services/item/%"),
        eb("path", "like", "%/services/apply/%"),
        eb("path", "like", "%/services/bundles/%"),
      ]),
    );
  if (site) pages = pages.where("siteCode", "=", site.code);
  const views = await pages
    .select(["path", sql<number>`sum(views)`.as("n")])
    .groupBy("path")
    .limit(20_000)
    .execute();
  const tally = (marker: string) => {
    const m = new Map<string, number>();
    for (const v of views) {
      const code = codeAfter(v.path, marker);
      if (code) m.set(code, (m.get(code) ?? 0) + Number(v.n));
    }
    return m;
  };
  const guides = tally("/services/item/");
  const starts = tally("/services/apply/");
  const bundlePages = tally("/services/bundles/");
  const counts = await serviceFunnelCounts(
    tablesOf<OneStopFunnelTables>(db),
    site?.id ?? null,
    chinaDayStart(from)!.toISOString(),
    chinaDayStart(shiftDays(to, 1))!.toISOString(),
  );
  const items = new Map<string, FunnelRow>();
  for (const c of counts.items)
    items.set(c.itemCode, {
      code: c.itemCode,
      name: c.itemName,
      guideViews: guides.get(c.itemCode) ?? 0,
      startViews: starts.get(c.itemCode) ?? 0,
      submitted: c.submitted,
      completed: c.completed,
    });
  // Guides read but never applied for are funnels too (where the guide may be the problem).
  for (const [code, n] of guides)
    if (!items.has(code))
      items.set(code, {
        code,
        name: counts.names.get(code) ?? code,
        guideViews: n,
        startViews: starts.get(code) ?? 0,
        submitted: 0,
        completed: 0,
      });
  const bundles = new Map<string, FunnelRow>();
  for (const b of counts.bundles)
    bundles.set(b.bundleCode, {
      code: b.bundleCode,
      name: b.name,
      guideViews: bundlePages.get(b.bundleCode) ?? 0,
      startViews: null,
      submitted: b.submitted,
      completed: b.completed,
    });
  for (const [code, n] of bundlePages)
    if (!bundles.has(code) && counts.bundleNames.has(code))
      bundles.set(code, {
        code,
        name: counts.bundleNames.get(code)!,
        guideViews: n,
        startViews: null,
        submitted: 0,
        completed: 0,
      });
  const order = (a: FunnelRow, b: FunnelRow) =>
    b.guideViews + b.submitted - (a.guideViews + a.submitted) || a.code.localeCompare(b.code);
  return {
    items: [...items.values()].sort(order).slice(0, 50),
    bundles: [...bundles.values()].sort(order).slice(0, 50),
  };
}

/**
 * Rising topics: pages and search terms whose counts rose most in the seven days ending `to` over the
 * seven days before, among those seen at least `minVolume` times this week.
 */
export async function risingTopics(
  store: Db<AnalyticsTables>,
  site: string | null,
  to: string,
  minVolume = RISING_MIN_VOLUME,
): Promise<RisingTopics> {
  checkRange(to, to);
  const from = shiftDays(to, -6);
  const before = shiftDays(to, -13);
  const db = store.db;
  let q = db.selectFrom("analyticsPageDaily").where("day", ">=", before).where("day", "<=", to);
  if (site) q = q.where("siteCode", "=", site);
  const current = sql<number>`sum(case when day >= ${from} then views else 0 end)`;
  const previous = sql<number>`sum(case when day < ${from} then views else 0 end)`;
  const pages = await q
    .select(["path", current.as("current"), previous.as("previous")])
    .groupBy("path")
    .having(current, ">=", minVolume)
    .orderBy(sql`${current} - ${previous}`, "desc")
    .orderBy("path")
    .limit(10)
    .execute();
  const iso = (day: string) => chinaDayStart(day)!.toISOString();
  const search = tablesOf<SearchLogTables>(db);
  const [now, then] = await Promise.all([
    searchTermsReport(search, site, iso(from), iso(shiftDays(to, 1)), 500),
    searchTermsReport(search, site, iso(before), iso(from), 500),
  ]);
  const earlier = new Map(then.topTerms.map((t) => [t.term, t.count]));
  const terms = now.topTerms
    .filter((t) => t.count >= minVolume)
    .map((t) => ({
      key: t.term,
      current: t.count,
      previous: earlier.get(t.term) ?? 0,
      rise: t.count - (earlier.get(t.term) ?? 0),
    }))
    .filter((t) => t.rise > 0)
    .sort((a, b) => b.rise - a.rise || a.key.localeCompare(b.key))
    .slice(0, 10);
  return {
    from,
    to,
    minVolume,
    pages: pages
      .map((p) => ({
        key: p.path,
        current: Number(p.current),
        previous: Number(p.previous),
        rise: Number(p.current) - Number(p.previous),
      }))
      .filter((p) => p.rise > 0),
    terms,
  };
}
