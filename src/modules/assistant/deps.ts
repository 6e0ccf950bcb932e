import type { Config } from "../../config.ts";

import type { SessionStore } from "../../platform/auth/session-store.ts";

import type { Db } from "../../platform/db/database.ts";

import type { PhoneVerifier } from "../../platform/phone/phone-verify.ts";

import type { SitesService } from "../sites/index.ts";

import type { AssistantService } from "./service.ts";

import type { AssistantTables } from "./tables.ts";

import type { StaffDirectory } from "../staff/index.ts";

/** What the container gives this module's routes and seed (AppDeps satisfies it). */
export interface AssistantDeps {
  assistant: AssistantService;
  config: Config;
  phone: PhoneVerifier;
  sessions: SessionStore;
  staff: StaffDirectory;
  sites: SitesService;
  store: Db<AssistantTables>;
}
