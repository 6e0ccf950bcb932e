import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { Db } from "../../platform/db/database.ts";
import type { SearchIndex } from "../../platform/search/search-index.ts";
import type { SitesService } from "../sites/service.ts";
import { CatalogueService } from "./catalogue.ts";

/** The one-stop service hall (一网通办): catalogue, forms, applications, bundles, evaluations. */
export class OneStopService {
  readonly catalogue: CatalogueService;

  constructor(deps: { store: Db; sites: SitesService; search: SearchIndex; audit: AuditLog }) {
    this.catalogue = new CatalogueService(deps.store, deps.sites, deps.search, deps.audit);
  }
}
