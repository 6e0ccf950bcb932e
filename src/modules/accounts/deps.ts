import type { Config } from "../../config.ts";

import type { SessionStore } from "../../platform/auth/session-store.ts";

import type { AccountsService } from "./service.ts";

import type { SitesService } from "../sites/index.ts";

import type { StaffDirectory } from "../staff/index.ts";

/** What the container gives this module's routes and seed (AppDeps satisfies it). */
export interface AccountsDeps {
  accounts: AccountsService;
  config: Config;
  sessions: SessionStore;
  staff: StaffDirectory;
  sites: SitesService;
}
