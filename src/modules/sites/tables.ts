import type { Generated } from "kysely";

/** Tables the sites module owns (see src/db/schema.ts for the conventions). */
export interface SitesTables {
  sites: SiteRow;
  channels: ChannelRow;
  redirects: RedirectRow;
  errorReports: ErrorReportRow;
}

export type SiteKind = "portal" | "department" | "city" | "county";
export type ChannelKind = "list" | "policy" | "disclosure" | "interaction" | "service" | "link";
export type ErrorReportStatus = "open" | "answered";

export interface SiteRow {
  id: Generated<number>;
  code: string;
  siteCode: string;
  name: string;
  kind: SiteKind;
  parentId: number | null;
  host: string;
  themeColor: string;
  logoText: string;
  sponsor: string;
  organizer: string;
  contact: string;
  icp: string;
  policeRecord: string;
  description: string;
  sort: number;
  createdAt: string;
  updatedAt: string;
  /** How many review stages (三审: 1 to 3) the site's articles pass before publication. */
  reviewStages: Generated<number>;
}

export interface ChannelRow {
  id: Generated<number>;
  siteId: number;
  parentId: number | null;
  slug: string;
  path: string;
  name: string;
  kind: ChannelKind;
  sort: number;
  createdAt: string;
  /** The channel's own number of review stages (1 to 3); null: the site's setting. */
  reviewStages: number | null;
}

export interface RedirectRow {
  fromPath: string;
  toPath: string;
  reason: string;
  createdAt: string;
}

export interface ErrorReportRow {
  id: Generated<number>;
  siteId: number;
  url: string;
  category: string;
  description: string;
  contact: string;
  status: ErrorReportStatus;
  reply: string | null;
  answeredBy: number | null;
  createdAt: string;
  answeredAt: string | null;
}
