import type { Config } from "../../config.ts";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { SessionStore } from "../../platform/auth/session-store.ts";
import type { AccountsService } from "../accounts/index.ts";
import type { ExchangeService } from "../exchange/index.ts";
import type { SitesService } from "../sites/index.ts";
import type { StaffService } from "../staff/index.ts";
import type { FederationService } from "./service.ts";

/** What the container gives this module's routes (AppDeps satisfies it). */
export interface FederationDeps {
  accounts: AccountsService;
  audit: AuditLog;
  config: Config;
  exchange: ExchangeService;
  federation: FederationService;
  sessions: SessionStore;
  sites: SitesService;
  staff: StaffService;
}
