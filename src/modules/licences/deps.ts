import type { Config } from "../../config.ts";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { SessionStore } from "../../platform/auth/session-store.ts";
import type { AccountsService } from "../accounts/index.ts";
import type { ExchangeService } from "../exchange/index.ts";
import type { SitesService } from "../sites/index.ts";
import type { StaffService } from "../staff/index.ts";
import type { LicenceConsents } from "./consents.ts";
import type { LicencesService } from "./service.ts";

/** What the container gives this module's routes and seed (AppDeps satisfies it). */
export interface LicencesDeps {
  accounts: AccountsService;
  audit: AuditLog;
  config: Config;
  licences: LicencesService;
  /** Holder consents, the fetch log, member systems' issuer grants. */
  licenceConsents: LicenceConsents;
  /** The hub whose signed-call frame the licence resources use. */
  exchange: ExchangeService;
  sessions: SessionStore;
  sites: SitesService;
  staff: StaffService;
}
