/**
 * Tables the analytics module owns. Only daily roll-ups are stored: no raw event, no IP address, no
 * cookie; a visitor is a hash that changes every day (see service.ts).
 */
export interface AnalyticsTables {
  analyticsPageDaily: PageDailyRow;
  analyticsVisitorDaily: VisitorDailyRow;
  analyticsDimDaily: DimDailyRow;
}

/** Page views per China-time day, site and path (the path inside the platform, without the query). */
export interface PageDailyRow {
  day: string;
  siteCode: string;
  path: string;
  views: number;
}

/** One row per visitor hash, day and site; its first page that day is the entry page. */
export interface VisitorDailyRow {
  day: string;
  siteCode: string;
  visitor: string;
  entryPath: string;
}

export type Dimension = "device" | "referrer" | "elder";

/** Counts per day, site and dimension value (device class, referring host, elder-mode views). */
export interface DimDailyRow {
  day: string;
  siteCode: string;
  dim: Dimension;
  value: string;
  count: number;
}
