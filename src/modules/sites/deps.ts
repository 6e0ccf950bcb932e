import type { Config } from "../../config.ts";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { SessionStore } from "../../platform/auth/session-store.ts";

import type { Db } from "../../platform/db/database.ts";

import type { ContentService } from "../content/index.ts";

import type { SitesService } from "./service.ts";

import type { PortalFigures } from "./portal.ts";

import type { SitesTables } from "./tables.ts";

import type { StaffDirectory } from "../staff/index.ts";

/** What the container gives this module's routes and seed (AppDeps satisfies it). */
export interface SitesDeps {
  audit: AuditLog;
  config: Config;
  content: ContentService;
  sites: SitesService;
  /** Live figures of the service hall and the mailbox for the home page. */
  portalFigures: PortalFigures;
  sessions: SessionStore;
  staff: StaffDirectory;
  store: Db<SitesTables>;
}
