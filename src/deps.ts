import type { Config } from "./config.ts";
import type { Database } from "./db/schema.ts";
import type { StaffService } from "./modules/staff/service.ts";
import type { AuditLog } from "./platform/audit/audit-log.ts";
import type { SessionStore } from "./platform/auth/session-store.ts";
import type { Db } from "./platform/db/database.ts";
import type { SearchIndex } from "./platform/search/search-index.ts";
import type { PageCache } from "./platform/http/page-cache.ts";
import type { ContentService } from "./modules/content/service.ts";
import type { SitesService } from "./modules/sites/service.ts";
import type { PortalFigures } from "./modules/sites/index.ts";
import type { MailboxService } from "./modules/mailbox/service.ts";
import type { WorkloadSource } from "./modules/staff/index.ts";
import type { ParticipationService } from "./modules/participation/service.ts";
import type { PhoneVerifier } from "./platform/phone/phone-verify.ts";
import type { CalendarService } from "./platform/calendar/calendar-service.ts";
import type { OneStopService } from "./modules/onestop/service.ts";
import type { AccountsService } from "./modules/accounts/service.ts";
import type { Redis } from "ioredis";
import type { InvalidationBus } from "./platform/cache/invalidation-bus.ts";
import type { AssistantService } from "./modules/assistant/service.ts";
import type { ExchangeService } from "./modules/exchange/service.ts";
import type { FederationService } from "./modules/federation/index.ts";
import type { AnalyticsService } from "./modules/analytics/index.ts";
import type { RegistrationService } from "./modules/registration/service.ts";
import type { DisclosureService } from "./modules/disclosure/service.ts";
import type { LicencesService } from "./modules/licences/service.ts";
import type { AssessmentService, InspectionService } from "./modules/inspection/index.ts";
import type { LicenceConsents } from "./modules/licences/consents.ts";
import type { PoliciesService } from "./modules/policies/service.ts";

/** Everything the HTTP layer and the CLI share; tests build it the same way. */
export interface AppDeps {
  config: Config;
  store: Db<Database>;
  analytics: AnalyticsService;
  staff: StaffService;
  audit: AuditLog;
  search: SearchIndex;
  sites: SitesService;
  /** The service hall's and the mailbox's live figures that site home pages show. */
  portalFigures: PortalFigures;
  content: ContentService;
  assistant: AssistantService;
  sessions: SessionStore;
  /** Rendered public pages for anonymous visitors; cleared when content or sites change. */
  pageCache: PageCache;
  calendar: CalendarService;
  oneStop: OneStopService;
  accounts: AccountsService;
  cookieSecret: string;
  /** Shared Redis connection in multi-instance mode, else null. */
  redis: Redis | null;
  /** Tells every instance that public content changed. */
  bus: InvalidationBus;
  /** One-time codes sent by SMS to confirm a citizen's phone (letters, consultations, surveys). */
  phone: PhoneVerifier;
  mailbox: MailboxService;
  participation: ParticipationService;
  /** The data-sharing exchange: catalogue, member systems, grants, the signed gateway. */
  exchange: ExchangeService;
  /** Time-limited work each module gives staff, shown on the 工作台 (letters, applications). */
  workloads: WorkloadSource[];
  /** Emergency mass registration (应急登记): campaigns, the group-commit writer, figures. */
  registration: RegistrationService;
  /** 依申请公开 (requests with the 条例 clocks) and the annual disclosure reports. */
  disclosure: DisclosureService;
  /** 电子证照: SD-JWT VC issuance, status lists, 亮证 and verification, the RFC 9162 transparency log. */
  licences: LicencesService;
  /** Site inspection (网站巡检): probes, bounded crawls, national rules, countdowns. */
  inspection: InspectionService;
  /** Performance assessment (绩效评估): monthly reports and the league table. */
  assessment: AssessmentService;
  /** Holder consents to fetch a licence over the hub, the fetch log, member systems' issuer grants. */
  licenceConsents: LicenceConsents;
  /** 惠企政策: benefits as versioned rules, enterprise profiles, matching, pushes, 免申即享. */
  policies: PoliciesService;
  /** 跨省通办: trusted peer platforms, federated items, the signed outbox and inbox. */
  federation: FederationService;
  close(): Promise<void>;
}
