import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { Db } from "../../platform/db/database.ts";
import type { SearchIndex } from "../../platform/search/search-index.ts";
import type { SitesService } from "../sites/service.ts";
import { WeekendCalendar, type WorkingDayCalendar } from "./calendar.ts";
import { ConsultationService } from "./consultations.ts";
import { LetterService } from "./letters.ts";
import { Open311Keys } from "./open311-keys.ts";
import { OutboxSmsSender, PhoneVerifier, type SmsSender } from "./phone-verify.ts";
import { siteFigures, type SiteFigures } from "./stats.ts";
import { SurveyService } from "./surveys.ts";

/** The interaction centre (互动交流): letters, figures, consultations, surveys, Open311. */
export class InteractionService {
  readonly sms: SmsSender;
  readonly phone: PhoneVerifier;
  readonly letters: LetterService;
  readonly consultations: ConsultationService;
  readonly surveys: SurveyService;
  readonly open311: Open311Keys;

  constructor(
    private readonly store: Db,
    audit: AuditLog,
    search: SearchIndex,
    private readonly sites: SitesService,
    secret: string,
    /** Weekend-only until the platform's Chinese calendar (src/platform/calendar/) is merged in. */
    readonly calendar: WorkingDayCalendar = new WeekendCalendar(),
    sms?: SmsSender,
  ) {
    this.sms = sms ?? new OutboxSmsSender(store.db);
    this.phone = new PhoneVerifier(store.db, this.sms, secret);
    this.letters = new LetterService(store, audit, search, sites, this.calendar, this.phone);
    this.consultations = new ConsultationService(store, audit, this.phone);
    this.surveys = new SurveyService(store, audit, this.phone);
    this.open311 = new Open311Keys(store, audit);
  }

  async figures(siteId: number | null, now = new Date()): Promise<SiteFigures> {
    return siteFigures(this.store, this.sites, this.calendar, await this.letters.settings(), siteId, now);
  }
}
