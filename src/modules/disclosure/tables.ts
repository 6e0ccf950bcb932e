import type { Generated } from "kysely";

/** Tables the disclosure module owns (see src/db/schema.ts for the conventions). */
export interface DisclosureTables {
  disclosureRequests: DisclosureRequestRow;
  disclosureEvents: DisclosureEventRow;
  disclosureReports: DisclosureReportRow;
}

export type ApplicantKind = "person" | "organisation";
/** 法人或其他组织 as the national report counts them. */
export type OrgType = "business" | "research" | "charity" | "legal" | "other";
export type DeliveryForm = "paper" | "electronic" | "pickup";
export type IdentityMethod = "account" | "upload";
/**
 * received (待分办) → assigned (办理中) ⇄ correction (补正中, clock stopped) / consulting (征求第三方意见,
 * clock stopped) → decided (已答复).
 */
export type RequestStatus = "received" | "assigned" | "correction" | "consulting" | "decided";

export interface DisclosureRequestRow {
  id: Generated<number>;
  queryNo: string;
  lookupHash: string;
  /** The site the request was filed on. */
  siteId: number;
  /** The department (site) that answers it. */
  ownerSiteId: number;
  assigneeId: number | null;
  applicantKind: ApplicantKind;
  orgType: OrgType | null;
  /** Name (person) or organisation name; sealed at rest. */
  applicantName: string;
  /** ID number (person) or unified social credit code (organisation); sealed at rest. */
  idNumber: string;
  /** Sealed at rest. */
  phone: string;
  email: string;
  address: string;
  accountId: number | null;
  identityMethod: IdentityMethod;
  /** The uploaded ID document (blob sha256), when identity was checked by upload. */
  idFileSha256: string | null;
  idFileMime: string | null;
  description: string;
  purpose: string;
  delivery: DeliveryForm;
  status: RequestStatus;
  /** 收到申请之日 (an instant; the clock counts working days from the China date). */
  receivedAt: string;
  /** 20, or 40 after an approved extension. */
  limitDays: number;
  extensionReason: string | null;
  extensionRequestedBy: number | null;
  extensionApprovedBy: number | null;
  /** The answer is due; null while the clock is stopped. */
  dueAt: string | null;
  /** Working days left when the clock stopped (补正 / consultation). */
  remainingDays: number | null;
  pausedAt: string | null;
  correctionNote: string | null;
  correctionReply: string | null;
  consultParty: string | null;
  consultDueAt: string | null;
  warnedAt: string | null;
  escalatedAt: string | null;
  /** Matched documents from the content library: JSON [{title, url}]. */
  documents: string;
  outcome: string | null;
  outcomeReason: string | null;
  decisionText: string | null;
  letterNo: string | null;
  letterHtml: string | null;
  decidedAt: string | null;
  decidedBy: number | null;
  deliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DisclosureEventRow {
  id: Generated<number>;
  requestId: number;
  at: string;
  actor: string;
  action: string;
  note: string;
  /** Shown to the applicant (lookup page, account page). */
  public: number;
}

export type ReportKind = "annual" | "website";

export interface DisclosureReportRow {
  id: Generated<number>;
  /** The department's site, or the portal for the province. */
  siteId: number;
  year: number;
  kind: ReportKind;
  /** The tables' figures as JSON (generated, then edited by staff). */
  figures: string;
  /** Free text sections (总体情况, 存在的主要问题及改进情况, 其他需要报告的事项) as JSON. */
  texts: string;
  status: "draft" | "published";
  articleId: number | null;
  generatedAt: string;
  publishedAt: string | null;
  updatedAt: string;
}
