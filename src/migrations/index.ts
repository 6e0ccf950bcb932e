import type { Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";
import { foundation } from "./0001_foundation.ts";
import { search } from "./0002_search.ts";
import { assistant } from "./0003_assistant.ts";
import { searchFacets } from "./0004_search_facets.ts";
import { interaction } from "./0005_interaction.ts";
import { services } from "./0006_services.ts";
import { consultations } from "./0007_consultations.ts";
import { workflow } from "./0008_workflow.ts";
import { kvOwners } from "./0009_kv_owners.ts";
import { sealedFields } from "./0010_sealed_fields.ts";
import { exchange } from "./0011_exchange.ts";
import { loginHardening } from "./0012_login_hardening.ts";
import { open311Location } from "./0013_open311_location.ts";
import { exchangeAccess } from "./0014_exchange_access.ts";
import { applicationFiling } from "./0015_application_filing.ts";
import { analytics } from "./0016_analytics.ts";
import { registration } from "./0017_registration.ts";
import { disclosure } from "./0018_disclosure.ts";
import { licences } from "./0019_licences.ts";
import { searchQuality } from "./0020_search_quality.ts";
import { policies } from "./0021_policies.ts";
import { federation } from "./0022_federation.ts";
import { inspection } from "./0023_inspection.ts";
import { analyticsEngagement } from "./0024_analytics_engagement.ts";
import { registrationBatches } from "./0025_registration_batches.ts";
import { licenceConsents } from "./0026_licence_consents.ts";
import { reviewStages } from "./0027_review_stages.ts";
import { exchangeOnBehalfOf } from "./0028_exchange_on_behalf_of.ts";
import { analyticsRankIndexes } from "./0029_analytics_rank_indexes.ts";
import { analyticsVisitorsWithoutRowid } from "./0030_analytics_visitors_without_rowid.ts";
import { analyticsVisitorKeys } from "./0031_analytics_visitor_keys.ts";
import { analyticsVisitorRowsSmall } from "./0032_analytics_visitor_rows_small.ts";
import { lettersAccount } from "./0033_letters_account.ts";

/** One ordered timeline: names sort in the order they run. Each runs on SQLite and PostgreSQL. */
export const migrations: Record<string, (dialect: Dialect) => Migration> = {
  "0001_foundation": foundation,
  "0002_search": search,
  "0003_assistant": assistant,
  "0004_search_facets": searchFacets,
  "0005_interaction": interaction,
  "0006_services": services,
  "0007_consultations": consultations,
  "0008_workflow": workflow,
  "0009_kv_owners": kvOwners,
  "0010_sealed_fields": sealedFields,
  "0011_exchange": exchange,
  "0012_login_hardening": loginHardening,
  "0013_open311_location": open311Location,
  "0014_exchange_access": exchangeAccess,
  "0015_application_filing": applicationFiling,
  "0016_analytics": analytics,
  "0017_registration": registration,
  "0018_disclosure": disclosure,
  "0019_licences": licences,
  "0020_search_quality": searchQuality,
  "0021_policies": policies,
  "0022_federation": federation,
  "0023_inspection": inspection,
  "0024_analytics_engagement": analyticsEngagement,
  "0025_registration_batches": registrationBatches,
  "0026_licence_consents": licenceConsents,
  "0027_review_stages": reviewStages,
  "0028_exchange_on_behalf_of": exchangeOnBehalfOf,
  "0029_analytics_rank_indexes": analyticsRankIndexes,
  "0030_analytics_visitors_without_rowid": analyticsVisitorsWithoutRowid,
  "0031_analytics_visitor_keys": analyticsVisitorKeys,
  "0032_analytics_visitor_rows_small": analyticsVisitorRowsSmall,
  "0033_letters_account": lettersAccount,
};
