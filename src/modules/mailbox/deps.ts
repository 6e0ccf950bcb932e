import type { Config } from "../../config.ts";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { SessionStore } from "../../platform/auth/session-store.ts";

import type { Db } from "../../platform/db/database.ts";

import type { PhoneVerifier } from "../../platform/phone/phone-verify.ts";

import type { SearchIndex } from "../../platform/search/search-index.ts";

import type { ParticipationService } from "../participation/index.ts";

import type { AccountsService } from "../accounts/index.ts";

import type { SitesService } from "../sites/index.ts";

import type { MailboxService } from "./service.ts";

import type { MailboxTables } from "./tables.ts";

import type { StaffService } from "../staff/index.ts";

/** What the container gives this module's routes and seed (AppDeps satisfies it). */
export interface MailboxDeps {
  accounts: AccountsService;
  audit: AuditLog;
  config: Config;
  mailbox: MailboxService;
  participation: ParticipationService;
  phone: PhoneVerifier;
  search: SearchIndex;
  sessions: SessionStore;
  staff: StaffService;
  sites: SitesService;
  store: Db<MailboxTables>;
}
