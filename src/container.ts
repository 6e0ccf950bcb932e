import { randomBytes } from "node:crypto";
import type { Config } from "./config.ts";
import type { Database } from "./db/schema.ts";
import { StaffService } from "./modules/staff/service.ts";
import { AuditLog } from "./platform/audit/audit-log.ts";
import { SqlSessionStore } from "./platform/auth/session-store.ts";
import { openDatabase, type Db } from "./platform/db/database.ts";
import { migrateToLatest } from "./platform/db/migrate.ts";
import { KvStore } from "./platform/kv/kv-store.ts";
import { SearchIndex } from "./platform/search/search-index.ts";
import { PageCache } from "./platform/http/page-cache.ts";
import { ContentService } from "./modules/content/service.ts";
import { SitesService } from "./modules/sites/service.ts";
import { MailboxService } from "./modules/mailbox/service.ts";
import { DisclosureService } from "./modules/disclosure/service.ts";
import type { WebsiteActivitySource } from "./modules/disclosure/website-report.ts";
import { ParticipationService } from "./modules/participation/service.ts";
import { OutboxSmsSender, PhoneVerifier } from "./platform/phone/phone-verify.ts";
import { PlatformWorkingDays } from "./platform/calendar/platform-working-days.ts";
import { CalendarService } from "./platform/calendar/calendar-service.ts";
import { OneStopService } from "./modules/onestop/service.ts";
import { AccountsService } from "./modules/accounts/service.ts";
import { OidcProvider } from "./modules/accounts/identity.ts";
import { seedDemo } from "./seed/demo.ts";
import type { AppDeps } from "./deps.ts";
import type { PortalFigures } from "./modules/sites/index.ts";
import { chinaDate, chinaDayStart, shiftDays } from "./platform/time/china-time.ts";
import { closeRedis, connectRedis } from "./platform/cache/redis.ts";
import {
  LocalInvalidationBus,
  RedisInvalidationBus,
  type InvalidationBus,
} from "./platform/cache/invalidation-bus.ts";
import { RedisSessionStore } from "./platform/auth/redis-session-store.ts";
import { AssistantService } from "./modules/assistant/service.ts";
import { MailboxHandOff } from "./modules/assistant/handoff.ts";
import { ExchangeService } from "./modules/exchange/service.ts";
import { HallGateway, HALL_MEMBER } from "./modules/exchange/hall-calls.ts";
import { seedExchange } from "./modules/exchange/seed.ts";
import { FederationService, seedFederation } from "./modules/federation/index.ts";
import { AnalyticsService } from "./modules/analytics/index.ts";
import { RegistrationService } from "./modules/registration/service.ts";
import { seedRegistration } from "./modules/registration/seed.ts";
import { LicencesService } from "./modules/licences/service.ts";
import { seedLicences } from "./modules/licences/seed.ts";
import { AssessmentService, InspectionService } from "./modules/inspection/index.ts";
import { LicenceConsents } from "./modules/licences/consents.ts";
import { HallLicences } from "./modules/licences/hall-licences.ts";
import {
  AccountsDirectory,
  HubEntityRegistry,
  PoliciesService,
  seedPolicies,
} from "./modules/policies/index.ts";

/**
 * A home page's live figures from the service hall and the mailbox: a site's own items in the hall's
 * ranking (a department's hall serves no other's), and the letters its 办理统计 counts, received this
 * China-time month. Null is the whole province.
 */
function homeFigures(oneStop: OneStopService, mailbox: MailboxService): PortalFigures {
  return {
    hotServices: (siteId, limit) => oneStop.catalogue.mostUsed(limit, siteId ?? undefined),
    async lettersThisMonth(siteId) {
      const now = new Date();
      const monthStart = chinaDayStart(`${chinaDate(now).slice(0, 7)}-01`)!.toISOString();
      return mailbox.receivedAndReplied(siteId, monthStart, now.toISOString());
    },
  };
}

/** The 网站工作年度报表's visits, letters, consultations and surveys, from the modules that record them. */
function websiteActivity({
  analytics,
  countsViews,
  mailbox,
  participation,
  oneStop,
  accounts,
  inspection,
  assistant,
}: {
  analytics: AnalyticsService;
  countsViews: boolean;
  mailbox: MailboxService;
  participation: ParticipationService;
  oneStop: OneStopService;
  accounts: AccountsService;
  inspection: InspectionService;
  assistant: AssistantService;
}): WebsiteActivitySource {
  return {
    async activity(site, year) {
      const siteId = site.id;
      const [visits, letters, closed, published, taking, hall, registeredUsers, inspected, answers] =
        await Promise.all([
          countsViews ? analytics.summary(site.code, year.from, year.to) : null,
          mailbox.periodFigures(siteId, year.since, year.until),
          mailbox.repliedIn(siteId, year.since, year.until),
          mailbox.publishedReplies(siteId, year.since, year.until),
          participation.periodFigures(siteId, year.since, year.until),
          oneStop.stats.hallYear(site.portal ? null : [siteId], year.since, year.until),
          accounts.registeredBefore(year.until),
          inspection.lastFinished(siteId, year.from, shiftDays(year.to, 1)),
          assistant.publishedCount(),
        ]);
      const enterprises = await accounts.enterprisesAmong(hall.applicantsOf.map((a) => a.accountId));
      const byEnterprises = hall.applicantsOf
        .filter((a) => enterprises.has(a.accountId))
        .reduce((n, a) => n + a.applications, 0);
      const all = hall.applicantsOf.reduce((n, a) => n + a.applications, 0);
      return {
        pageviews: visits?.pageviews ?? null,
        visitors: visits?.visitors ?? null,
        letters: {
          received: letters.received,
          closed,
          averageDays: letters.averageReplyDays,
          published,
        },
        surveys: taking.opened,
        opinions: taking.opinions,
        results: taking.results,
        hall: {
          items: hall.items,
          fullyOnline: hall.fullyOnline,
          registeredUsers,
          persons: all - byEnterprises,
          enterprises: byEnterprises,
        },
        inspected: inspected !== null,
        assistantAnswers: answers > 0,
      };
    },
  };
}

async function cookieSecretFor(config: Config, store: Db<Database>): Promise<string> {
  if (config.sessionSecret) return config.sessionSecret;
  // One secret per database, so every instance on the same data agrees without configuration.
  const app = new KvStore(store.db).scope<{ "cookie-secret": string }>("app");
  await app.setIfAbsent("cookie-secret", randomBytes(32).toString("hex"));
  return (await app.get("cookie-secret"))!;
}

export async function createAppDeps(config: Config): Promise<AppDeps> {
  const store = openDatabase<Database>(config);
  await migrateToLatest(store);
  const redis = config.redisUrl ? connectRedis(config.redisUrl, "main") : null;
  const subscriber = config.redisUrl ? connectRedis(config.redisUrl, "subscriber") : null;
  const bus: InvalidationBus =
    redis && subscriber ? new RedisInvalidationBus(redis, subscriber) : new LocalInvalidationBus();
  const audit = new AuditLog(store.db);
  const search = new SearchIndex(store, {
    resultCacheMs: config.pageCacheSeconds * 1000,
    staleMs: config.pageCacheSeconds * 1000,
  });
  const sites = new SitesService(store, audit, config.portalHost, config.publicBaseUrl);
  const pageCache = new PageCache(config.pageCacheSeconds * 1000);
  // Changes made here reach this instance's caches directly and every other instance through the bus.
  sites.onChange(() => bus.publish("sites", ""));
  // Letters, service items and articles change the index: every instance drops its search caches.
  search.onChange(() => bus.publish("search", ""));
  const content = new ContentService(store, sites, search, audit, (id) => bus.publish("content", String(id)));
  bus.subscribe((topic) => {
    if (topic === "assistant") return; // the assistant's own (below); no public page shows it cached
    // Heard after the change committed: public reads wait until a replica has replayed it.
    store.replica?.notePublicChange();
    pageCache.clear();
    search.clearCache();
    if (topic !== "content" && topic !== "search") sites.refresh().catch(() => {});
  });
  const cookieSecret = await cookieSecretFor(config, store);
  const calendar = new CalendarService(store.db, audit);
  const phone = new PhoneVerifier(store.db, new OutboxSmsSender(store.db, store.cipher), cookieSecret);
  const mailbox = new MailboxService(store, audit, search, sites, new PlatformWorkingDays(calendar), phone);
  const sessions = redis ? new RedisSessionStore(redis) : new SqlSessionStore(store.db);
  const staff = new StaffService(store.db, audit, sessions, cookieSecret);
  const analytics = new AnalyticsService(store);
  const exchange = new ExchangeService(store, audit, new PlatformWorkingDays(calendar));
  const licences = new LicencesService(store, audit, config.publicBaseUrl);
  const licenceConsents = new LicenceConsents(store, audit, licences);
  const oneStop = new OneStopService({
    store,
    sites,
    search,
    audit,
    calendar,
    staff,
    records: new HallGateway(exchange, store),
    wallet: new HallLicences(licences, licenceConsents, HALL_MEMBER),
  });
  const registration = new RegistrationService(store, audit, { capacity: config.registrationQueueCapacity });
  const participation = new ParticipationService(store, audit, phone);
  const inspectionSources = { content, mailbox, oneStop, analytics };
  const inspection = new InspectionService(store, audit, sites, inspectionSources, {
    chromiumPath: config.chromiumPath,
    targetBase: config.inspectionBaseUrl,
  });
  const accounts = new AccountsService(
    store,
    audit,
    cookieSecret,
    config.oidc ? new OidcProvider(config.oidc) : null,
  );
  const assistant = new AssistantService(
    store,
    sites,
    audit,
    new MailboxHandOff(mailbox.letters),
    mailbox.letters,
    { guides: { publishedItems: () => oneStop.catalogue.guideLinks() } },
  );
  const deps: AppDeps = {
    config,
    store,
    analytics,
    audit,
    search,
    sites,
    content,
    assistant,
    sessions,
    staff,
    redis,
    bus,
    pageCache,
    cookieSecret,
    phone,
    mailbox,
    participation,
    calendar,
    oneStop,
    portalFigures: homeFigures(oneStop, mailbox),
    workloads: [mailbox.letters, oneStop.applications, inspection],
    exchange,
    registration,
    disclosure: new DisclosureService({
      store,
      audit,
      search,
      sites,
      content,
      calendar: new PlatformWorkingDays(calendar),
      activity: websiteActivity({
        analytics,
        countsViews: config.analytics,
        mailbox,
        participation,
        oneStop,
        accounts,
        inspection,
        assistant,
      }),
      options: { chromiumPath: config.chromiumPath },
    }),
    licences,
    licenceConsents,
    accounts,
    inspection,
    assessment: new AssessmentService(inspection, sites, inspectionSources, config.chromiumPath),
    policies: new PoliciesService(store, audit, {
      calendar: new PlatformWorkingDays(calendar),
      registry: new HubEntityRegistry(new HallGateway(exchange, store)),
      directory: new AccountsDirectory(accounts),
      sms: new OutboxSmsSender(store.db, store.cipher),
      serviceItemExists: async (code) => Boolean(await oneStop.catalogue.byCode(code)),
    }),
    federation: new FederationService(store, audit, exchange, oneStop, accounts, config.federation),
    async close() {
      // Every accepted submission still queued is written before the database closes.
      await deps.federation.idle();
      await registration.close();
      await analytics.close();
      await bus.close();
      if (redis) await closeRedis(redis);
      if (subscriber) await closeRedis(subscriber);
      await store.close();
    },
  };
  // A knowledge-base change made on this instance reaches the other instances' assistants at once.
  deps.assistant.onChange(() => bus.publish("assistant", ""));
  bus.subscribe((topic) => {
    if (topic === "assistant" || topic === "all") deps.assistant.invalidate();
  });
  if (config.seedDemo) {
    await seedDemo(deps);
    await seedExchange(deps);
    await seedRegistration(deps);
    await seedLicences(deps);
    await seedPolicies(deps);
    await seedFederation(deps);
  }
  await sites.refresh();
  return deps;
}
