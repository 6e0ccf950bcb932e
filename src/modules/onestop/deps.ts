import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { SessionStore } from "../../platform/auth/session-store.ts";

import type { CalendarService } from "../../platform/calendar/calendar-service.ts";

import type { Db } from "../../platform/db/database.ts";

import type { AccountsService } from "../accounts/index.ts";

import type { SitesService } from "../sites/index.ts";

import type { OneStopService } from "./service.ts";

import type { OneStopTables } from "./tables.ts";

import type { StaffService } from "../staff/index.ts";

/** What the container gives this module's routes and seed (AppDeps satisfies it). */
export interface OneStopDeps {
  accounts: AccountsService;
  audit: AuditLog;
  calendar: CalendarService;
  oneStop: OneStopService;
  sessions: SessionStore;
  staff: StaffService;
  sites: SitesService;
  store: Db<OneStopTables>;
}
