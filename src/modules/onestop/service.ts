import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { CalendarService } from "../../platform/calendar/calendar-service.ts";

import type { Db } from "../../platform/db/database.ts";

import type { SearchIndex } from "../../platform/search/search-index.ts";

import type { SitesService } from "../sites/index.ts";

import type { StaffService } from "../staff/index.ts";

import { ApplicationService } from "./applications.ts";

import { BundleService } from "./bundles.ts";

import { CatalogueService } from "./catalogue.ts";

import { StatsService } from "./stats.ts";

import { EvaluationService } from "./evaluations.ts";

import { FormStore } from "./form-store.ts";

import { SupervisionService } from "./supervision.ts";

import { WorkflowStore } from "./workflow.ts";

import type { OneStopTables } from "./tables.ts";

import type { LicenceWallet, RecordFetcher } from "./once-only.ts";

/** The one-stop service hall (一网通办): catalogue, forms, applications, bundles, evaluations. */
export class OneStopService {
  readonly catalogue: CatalogueService;
  readonly forms: FormStore;
  readonly applications: ApplicationService;
  readonly evaluations: EvaluationService;
  readonly bundles: BundleService;
  readonly stats: StatsService;
  readonly workflows: WorkflowStore;
  readonly supervision: SupervisionService;

  constructor(deps: {
    store: Db<OneStopTables>;
    sites: SitesService;
    search: SearchIndex;
    audit: AuditLog;
    calendar: CalendarService;
    staff: StaffService;
    /** Once-only fetches through the data exchange (the exchange's HallGateway). */
    records?: RecordFetcher;
    /** E-licences the applicant presents in place of materials (the licences module's HallLicences). */
    wallet?: LicenceWallet;
  }) {
    this.catalogue = new CatalogueService(deps.store, deps.sites, deps.search, deps.audit);
    this.forms = new FormStore(deps.store, deps.audit);
    this.workflows = new WorkflowStore(deps.store, deps.audit, deps.staff);
    this.applications = new ApplicationService(deps.store, deps.audit, deps.calendar, this.workflows);
    this.applications.records = deps.records ?? null;
    this.applications.wallet = deps.wallet ?? null;
    this.supervision = new SupervisionService(
      deps.store,
      deps.audit,
      deps.calendar,
      deps.sites,
      this.workflows,
    );
    this.evaluations = new EvaluationService(deps.store, deps.audit, deps.calendar, this.applications);
    this.bundles = new BundleService(deps.store, this.catalogue, this.forms, this.applications);
    this.stats = new StatsService(deps.store, deps.sites, deps.calendar, this.evaluations);
  }
}
