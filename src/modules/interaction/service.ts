import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { Db } from "../../platform/db/database.ts";
import type { SearchIndex } from "../../platform/search/search-index.ts";
import type { SitesService } from "../sites/service.ts";
import type { WorkingDayCalendar, WorkingDaySource } from "./calendar.ts";
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
    /** Working days on the platform's Chinese calendar (see PlatformWorkingDays). */
    readonly calendar: WorkingDaySource,
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
    const calendar = await this.calendar.current();
    return siteFigures(this.store, this.sites, calendar, await this.letters.settings(), siteId, now);
  }

  /** The current working-day calendar (a snapshot; holidays may be reconfigured at run time). */
  workingDays(): Promise<WorkingDayCalendar> {
    return this.calendar.current();
  }
}
