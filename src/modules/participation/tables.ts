import type { Generated } from "kysely";

/** Tables the participation module owns (see src/db/schema.ts for the conventions). */
export interface ParticipationTables {
  consultations: ConsultationRow;
  consultationComments: ConsultationCommentRow;
  surveys: SurveyRow;
  surveyQuestions: SurveyQuestionRow;
  surveyResponses: SurveyResponseRow;
  surveyAnswers: SurveyAnswerRow;
}

export type PublishStatus = "draft" | "published";
export type CommentStatus = "pending" | "approved" | "rejected";
export type Adoption = "adopted" | "partly" | "not_adopted";
export type QuestionKind = "single" | "multi" | "scale" | "text";

export interface ConsultationRow {
  id: Generated<number>;
  siteId: number;
  title: string;
  draftText: string;
  opensAt: string;
  closesAt: string;
  summary: string | null;
  summaryPublishedAt: string | null;
  createdBy: number | null;
  createdAt: string;
  status: PublishStatus;
  publishedAt: string | null;
  updatedAt: string | null;
  updatedBy: number | null;
}

export interface ConsultationCommentRow {
  id: Generated<number>;
  consultationId: number;
  name: string;
  /** Encrypted at rest (decrypted on read). */
  phone: string;
  /** Keyed blind index of the phone (the per-phone daily limit). */
  phoneIndex: string | null;
  content: string;
  status: CommentStatus;
  /** Decided after the period closes (approved comments only). */
  adoption: Adoption | null;
  adoptionNote: string | null;
  rejectReason: string | null;
  createdAt: string;
  moderatedAt: string | null;
  moderatedBy: number | null;
  ipHash: string;
}

export interface SurveyRow {
  id: Generated<number>;
  siteId: number;
  title: string;
  description: string;
  opensAt: string;
  closesAt: string;
  createdAt: string;
  status: PublishStatus;
  publishedAt: string | null;
  createdBy: number | null;
  updatedAt: string | null;
}

export interface SurveyQuestionRow {
  id: Generated<number>;
  surveyId: number;
  sort: number;
  kind: QuestionKind;
  text: string;
  options: string;
  required: number;
}

export interface SurveyResponseRow {
  id: Generated<number>;
  surveyId: number;
  /** Keyed hash of the verified phone (PhoneVerifier.personHash): one answer per person, no phone kept. */
  personHash: string;
  createdAt: string;
  ipHash: string;
}

export interface SurveyAnswerRow {
  responseId: number;
  questionId: number;
  value: string;
}
