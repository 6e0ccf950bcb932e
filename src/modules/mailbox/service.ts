import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { Db } from "../../platform/db/database.ts";

import type { SearchIndex } from "../../platform/search/search-index.ts";

import type { PhoneVerifier } from "../../platform/phone/phone-verify.ts";

import type { WorkingDayCalendar, WorkingDaySource } from "../../platform/calendar/platform-working-days.ts";

import type { SitesService } from "../sites/index.ts";

import { LetterService } from "./letters.ts";

import { Open311Keys } from "./open311-keys.ts";

import { lettersOfSite, periodFigures, siteFigures, type SiteFigures } from "./stats.ts";

import type { MailboxTables } from "./tables.ts";

/** The leader mailbox (领导信箱): letters with their time limits, public figures and Open311. */
export class MailboxService {
  readonly letters: LetterService;
  readonly open311: Open311Keys;

  constructor(
    private readonly store: Db<MailboxTables>,
    audit: AuditLog,
    search: SearchIndex,
    private readonly sites: SitesService,
    /** Working days on the platform's Chinese calendar (see PlatformWorkingDays). */
    readonly calendar: WorkingDaySource,
    phone: PhoneVerifier,
  ) {
    this.letters = new LetterService(store, audit, search, sites, this.calendar, phone);
    this.open311 = new Open311Keys(store, audit);
  }

  async figures(siteId: number | null, now = new Date()): Promise<SiteFigures> {
    const calendar = await this.calendar.current();
    return siteFigures(this.store, this.sites, calendar, await this.letters.settings(), siteId, now);
  }

  /**
   * The figures of the letters received in [from, to) (ISO instants), as they stood at `to`: a monthly
   * report counts only that month's letters, and replies or ratings given after it do not change it.
   */
  async periodFigures(
    siteId: number | null,
    from: string,
    to: string,
    now = new Date(),
  ): Promise<SiteFigures> {
    const calendar = await this.calendar.current();
    const settings = await this.letters.settings();
    return periodFigures(this.store, this.sites, calendar, settings, siteId, from, to, now);
  }

  /** How many of the site's (null: all) letters were replied to in [from, to) (ISO instants), whenever received. */
  async repliedIn(siteId: number | null, from: string, to: string): Promise<number> {
    let q = this.store.read
      .selectFrom("letters")
      .where("status", "!=", "invalid")
      .where("repliedAt", ">=", from)
      .where("repliedAt", "<", to);
    if (siteId != null) q = q.where(lettersOfSite(siteId));
    const row = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** How many of the site's (null: all) letters had their reply published in [from, to) (ISO instants). */
  async publishedReplies(siteId: number | null, from: string, to: string): Promise<number> {
    let q = this.store.read
      .selectFrom("letters")
      .where("publishedAt", ">=", from)
      .where("publishedAt", "<", to);
    if (siteId != null) q = q.where(lettersOfSite(siteId));
    const row = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * How many letters of the site (null: all) were received in [from, to) (ISO instants), and how many of
   * those are answered: periodFigures' received and replied, counted in the database (a home page shows
   * them on every render, and a month of a busy province holds many thousands of letters).
   */
  async receivedAndReplied(
    siteId: number | null,
    from: string,
    to: string,
  ): Promise<{ received: number; replied: number }> {
    let q = this.store.read.selectFrom("letters").where("createdAt", ">=", from).where("createdAt", "<", to);
    if (siteId != null) q = q.where(lettersOfSite(siteId));
    const row = await q
      .select((eb) => [
        eb.fn.countAll<number>().as("received"),
        eb.fn
          .sum<number>(
            eb
              .case()
              .when(
                eb.and([
                  eb("status", "!=", "invalid"),
                  eb("repliedAt", "is not", null),
                  eb("repliedAt", "<", to),
                ]),
              )
              .then(1)
              .else(0)
              .end(),
          )
          .as("replied"),
      ])
      .executeTakeFirstOrThrow();
    return { received: Number(row.received), replied: Number(row.replied ?? 0) };
  }

  /**
   * Letters of a site not yet answered (site inspection: 3 months unanswered is a veto): the oldest one's
   * receipt and how many are past their time limit.
   */
  async unanswered(
    siteId: number,
    now = new Date(),
  ): Promise<{ oldestOpenAt: string | null; overdueOpen: number }> {
    const open = this.store.read
      .selectFrom("letters")
      .where(lettersOfSite(siteId))
      .where("repliedAt", "is", null)
      .where("status", "!=", "invalid");
    const row = await open
      .select((eb) => [
        eb.fn.min("createdAt").as("oldest"),
        eb.fn
          .sum<number>(eb.case().when("dueAt", "<", now.toISOString()).then(1).else(0).end())
          .as("overdue"),
      ])
      .executeTakeFirstOrThrow();
    return { oldestOpenAt: row.oldest ?? null, overdueOpen: Number(row.overdue ?? 0) };
  }

  /** The current working-day calendar (a snapshot; holidays may be reconfigured at run time). */
  workingDays(): Promise<WorkingDayCalendar> {
    return this.calendar.current();
  }
}
