import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { SessionStore } from "../../platform/auth/session-store.ts";

import type { Db } from "../../platform/db/database.ts";

import type { SearchTables } from "../../platform/search/tables.ts";

import type { StaffDirectory } from "../staff/index.ts";

import type { SearchIndex } from "../../platform/search/search-index.ts";

import type { Reformulation } from "../../platform/search/synonym-mining.ts";

import type { SitesService } from "../sites/index.ts";

import type { SearchLogTables } from "./tables.ts";

/** What the container gives this module's routes and seed (AppDeps satisfies it). */
export interface SearchDeps {
  /** Searches visitors replaced with another term (the analytics module's visit sequences). */
  analytics: { reformulations(): Promise<Reformulation[]> };
  audit: AuditLog;
  search: SearchIndex;
  sessions: SessionStore;
  sites: SitesService;
  staff: StaffDirectory;
  store: Db<SearchLogTables & SearchTables>;
}
