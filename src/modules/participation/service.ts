import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { Db } from "../../platform/db/database.ts";

import type { PhoneVerifier } from "../../platform/phone/phone-verify.ts";

import { ConsultationService } from "./consultations.ts";

import { SurveyService } from "./surveys.ts";

import type { ParticipationTables } from "./tables.ts";

/** Public participation (公众参与): consultations on drafts (意见征集) and surveys (问卷调查). */
export class ParticipationService {
  readonly consultations: ConsultationService;
  readonly surveys: SurveyService;

  constructor(
    private readonly store: Db<ParticipationTables>,
    audit: AuditLog,
    phone: PhoneVerifier,
  ) {
    this.consultations = new ConsultationService(store, audit, phone);
    this.surveys = new SurveyService(store, audit, phone);
  }

  /**
   * A site's (null: every site's) participation in [since, until) (ISO instants), as the 网站工作年度报表
   * counts it: consultations and surveys published that opened in the period, comments and survey
   * responses received in it, and consultation summaries published in it.
   */
  async periodFigures(
    siteId: number | null,
    since: string,
    until: string,
  ): Promise<{ opened: number; opinions: number; results: number }> {
    const db = this.store.read;
    const count = async (q: { executeTakeFirst(): Promise<{ n: number | string } | undefined> }) =>
      Number((await q.executeTakeFirst())?.n ?? 0);
    const opened = async (table: "consultations" | "surveys") => {
      let q = db
        .selectFrom(table)
        .where("status", "=", "published")
        .where("opensAt", ">=", since)
        .where("opensAt", "<", until);
      if (siteId != null) q = q.where("siteId", "=", siteId);
      return count(q.select((eb) => eb.fn.countAll<number>().as("n")));
    };
    let comments = db
      .selectFrom("consultationComments as c")
      .innerJoin("consultations as k", "k.id", "c.consultationId")
      .where("c.createdAt", ">=", since)
      .where("c.createdAt", "<", until);
    if (siteId != null) comments = comments.where("k.siteId", "=", siteId);
    let responses = db
      .selectFrom("surveyResponses as r")
      .innerJoin("surveys as s", "s.id", "r.surveyId")
      .where("r.createdAt", ">=", since)
      .where("r.createdAt", "<", until);
    if (siteId != null) responses = responses.where("s.siteId", "=", siteId);
    let summaries = db
      .selectFrom("consultations")
      .where("summaryPublishedAt", ">=", since)
      .where("summaryPublishedAt", "<", until);
    if (siteId != null) summaries = summaries.where("siteId", "=", siteId);
    const [consultations, surveys, commentCount, responseCount, results] = await Promise.all([
      opened("consultations"),
      opened("surveys"),
      count(comments.select((eb) => eb.fn.countAll<number>().as("n"))),
      count(responses.select((eb) => eb.fn.countAll<number>().as("n"))),
      count(summaries.select((eb) => eb.fn.countAll<number>().as("n"))),
    ]);
    return { opened: consultations + surveys, opinions: commentCount + responseCount, results };
  }
}
