import type { SessionStore } from "../../platform/auth/session-store.ts";

import type { Db } from "../../platform/db/database.ts";

import type { SitesService } from "../sites/index.ts";

import type { ContentService } from "./service.ts";

import type { ContentTables } from "./tables.ts";

import type { StaffDirectory } from "../staff/index.ts";

/** What the container gives this module's routes and seed (AppDeps satisfies it). */
export interface ContentDeps {
  content: ContentService;
  sessions: SessionStore;
  staff: StaffDirectory;
  sites: SitesService;
  store: Db<ContentTables>;
}
