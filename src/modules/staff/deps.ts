import type { Config } from "../../config.ts";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { SessionStore } from "../../platform/auth/session-store.ts";

import type { Db } from "../../platform/db/database.ts";

import type { ContentService } from "../content/index.ts";

import type { SitesService } from "../sites/index.ts";

import type { StaffTables } from "./tables.ts";

import type { StaffService } from "./service.ts";

import type { WorkloadSource } from "./workload.ts";

/** What the container gives this module's routes and seed (AppDeps satisfies it). */
export interface StaffDeps {
  audit: AuditLog;
  config: Config;
  content: ContentService;
  sessions: SessionStore;
  staff: StaffService;
  sites: SitesService;
  store: Db<StaffTables>;
  /** Modules whose time-limited work the 工作台 shows (letters, applications). */
  workloads: WorkloadSource[];
}
