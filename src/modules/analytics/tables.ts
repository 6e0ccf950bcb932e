import type { Generated } from "kysely";

/**
 * Tables the analytics module owns. Only daily roll-ups are stored: no raw event, no IP address, no
 * cookie; a visitor is a hash that changes every day (see service.ts).
 */
export interface AnalyticsTables {
  analyticsPageDaily: PageDailyRow;
  analyticsVisitorDaily: VisitorDailyRow;
  analyticsPath: PathRow;
  analyticsDimDaily: DimDailyRow;
}

/** Page views per China-time day, site and path (the path inside the platform, without the query). */
export interface PageDailyRow {
  day: string;
  siteCode: string;
  path: string;
  views: number;
}

/**
 * One row per visitor of a site and day, kept only for today and yesterday: it tells a new visitor
 * from one seen before. `visitor` is a number derived from SHA-256 of the day's salt, the day, the
 * site, the address and the user agent (see visitorKey), so it names the site and day too, and
 * repeats on no other day (the salt changes). Kept small (numbers, not text): a new visitor's row
 * lands at a random place of the table, and the fewer pages the table has, the fewer a write dirties.
 */
export interface VisitorDailyRow {
  visitor: number;
  /** The China-time day as its number (days since 1970-01-01: see dayNumber), for pruning. */
  day: number;
  /** The last page counted so far (the exit page while the visit lasts): its id in analyticsPath. */
  exitPage: number;
  /** The search term of the last page if it was a search results page, else null. */
  lastTerm: string | null;
  /** When the last page was counted: seconds since the start of the China-time day. */
  lastSecond: number;
  views: number;
}

/** The paths visits end on, numbered for visitors' rows (never deleted: a few thousand pages). */
export interface PathRow {
  id: Generated<number>;
  path: string;
}

export type Dimension =
  | "device"
  | "referrer"
  | "elder"
  | "visitors"
  | "entry"
  // The visit sequence: exit pages, search page views per term, refinements (another term within
  // five minutes, counted for the first term) and exits from results (the results were the last page).
  | "exit"
  | "search"
  | "refine"
  // The pair behind a refinement: value "first term\u001fnext term" (mined for synonym candidates).
  | "reform"
  | "search_exit"
  // Engagement beacons per page: how many, seconds on the page and scroll depth (percent) summed.
  | "beacons"
  | "engaged"
  | "scroll";

/**
 * Counts per day, site and dimension value: device class, referring host, elder-mode views, and for
 * each new visitor of the day "visitors" (value "") and "entry" (value = the entry page), so the
 * dashboard reads only roll-ups; visitor rows are needed only to tell new visitors and are pruned.
 */
export interface DimDailyRow {
  day: string;
  siteCode: string;
  dim: Dimension;
  value: string;
  count: number;
}
