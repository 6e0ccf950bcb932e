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

  constructor(store: Db<ParticipationTables>, audit: AuditLog, phone: PhoneVerifier) {
    this.consultations = new ConsultationService(store, audit, phone);
    this.surveys = new SurveyService(store, audit, phone);
  }
}
