import type { Db } from "../../platform/db/database.ts";

import type { SearchIndex } from "../../platform/search/search-index.ts";

import type { SitesService } from "../sites/index.ts";

import type { SearchLogTables } from "./tables.ts";

/** What the container gives this module's routes and seed (AppDeps satisfies it). */
export interface SearchDeps {
  search: SearchIndex;
  sites: SitesService;
  store: Db<SearchLogTables>;
}
