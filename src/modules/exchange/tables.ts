import type { Generated } from "kysely";

/** Tables the exchange module owns (see src/db/schema.ts for the conventions). */
export interface ExchangeTables {
  exchangeResources: ResourceRow;
  exchangeMembers: MemberRow;
  exchangeGrants: GrantRow;
  exchangeGrantUsage: GrantUsageRow;
  exchangeNonces: NonceRow;
  exchangeAudit: ExchangeAuditRow;
  exchangeAccessRequests: AccessRequestRow;
  exchangeGrantMinutes: GrantMinuteRow;
  exchangeAuditCheckpoints: AuditCheckpointRow;
  registryPeople: PersonRecordRow;
  registryEntities: EntityRecordRow;
  registryLicences: LicenceRecordRow;
}

/** 国发〔2016〕51号: 无条件共享 / 有条件共享 / 不予共享. */
export type ShareClass = "unconditional" | "conditional" | "none";
export type Sensitivity = "public" | "internal" | "personal" | "sensitive";
export type FieldType = "string" | "integer" | "number" | "date" | "boolean";

export interface ResourceField {
  name: string;
  label: string;
  type: FieldType;
  format?: string;
  sensitivity: Sensitivity;
  nullable?: boolean;
  /** Consumers may filter on this field (an exact match). */
  filterable?: boolean;
}

export interface ResourceRow {
  id: Generated<number>;
  code: string;
  name: string;
  provider: string;
  summary: string;
  shareClass: ShareClass;
  legalBasis: string | null;
  updateCycle: string;
  fields: string; // JSON ResourceField[]
  sample: string; // JSON record
  publishedAt: string;
}

export type MemberStatus = "active" | "revoked";

/** A member subsystem (接入系统): one department system with its own signing key. */
export interface MemberRow {
  id: Generated<number>;
  code: string;
  name: string;
  department: string;
  keyId: string;
  alg: string;
  publicJwk: string; // JSON
  status: MemberStatus;
  createdAt: string;
  revokedAt: string | null;
}

/** 共享授权: fields of one resource for one member, for a stated use, until it expires. */
export interface GrantRow {
  id: Generated<number>;
  memberId: number;
  resourceCode: string;
  fields: string; // JSON string[]
  purpose: string;
  legalBasis: string;
  expiresAt: string;
  revokedAt: string | null;
  dailyQuota: number;
  /** Calls per minute (across every instance), counted in exchange_grant_minutes. */
  ratePerMinute: Generated<number>;
  /** The access request this grant answers (null for grants made directly by an operator). */
  requestId: number | null;
  createdAt: string;
}

/** Calls made under a grant per UTC minute, counted atomically against its rate limit. */
export interface GrantMinuteRow {
  grantId: number;
  minute: string;
  calls: number;
}

/**
 * 共享申请 states: the data authority checks compliance (checking), the provider answers (pending),
 * the consumer may dispute a refusal (disputed) for the authority's final decision.
 */
export type AccessRequestStatus =
  "checking" | "noncompliant" | "pending" | "approved" | "refused" | "disputed" | "upheld";

/** One consumer's application for fields of a resource, with the clock of each stage. */
export interface AccessRequestRow {
  id: Generated<number>;
  memberId: number;
  resourceCode: string;
  fields: string; // JSON string[]
  purpose: string;
  legalBasis: string;
  /** The last day (China date, YYYY-MM-DD) the grant asked for would run. */
  expiresOn: string;
  dailyQuota: number;
  ratePerMinute: number;
  status: AccessRequestStatus;
  applicant: string;
  consumerDepartment: string;
  providerDepartment: string;
  /** The resource must be catalogued/published first: the provider has 10 working days, not 5. */
  needsPublication: Generated<number>;
  createdAt: string;
  /** When the current stage is due (null once decided). */
  dueAt: string | null;
  complianceDueAt: string;
  complianceBy: string | null;
  complianceAt: string | null;
  complianceNote: string | null;
  answerDueAt: string | null;
  answeredBy: string | null;
  answeredAt: string | null;
  answerReason: string | null;
  disputedAt: string | null;
  disputeReason: string | null;
  finalDueAt: string | null;
  finalBy: string | null;
  finalAt: string | null;
  finalNote: string | null;
  grantId: number | null;
}

/** The audit chain head (seq, hash, time) signed by the hub key. */
export interface AuditCheckpointRow {
  id: Generated<number>;
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
}

/** Calls made under a grant per China day, counted atomically against its daily quota. */
export interface GrantUsageRow {
  grantId: number;
  day: string;
  calls: number;
}

export interface NonceRow {
  keyId: string;
  nonce: string;
  seenAt: string;
}

export type CallResult = "ok" | "refused";

/** One exchange call, hash-chained by `seq` (1, 2, 3 …) so an edit, insertion or deletion shows. */
export interface ExchangeAuditRow {
  seq: number;
  at: string;
  keyId: string;
  member: string;
  resource: string;
  fields: string; // JSON string[] returned (or asked for, when refused)
  purposeCase: string;
  purposeBasis: string;
  /** Whose record was read, as the blind index of its ID number or credit code ("who read my data"). */
  subject: string;
  result: CallResult;
  status: number;
  reason: string;
  requestDigest: string;
  responseDigest: string;
  latencyMs: number;
  /** 跨省通办: the peer platform's department a peer's query was made for ("" for every other call). */
  onBehalfOf: Generated<string>;
  prevHash: string;
  hash: string;
}

/** 人口基础信息库: one resident (idNumber and address sealed; found by idNumberIndex). */
export interface PersonRecordRow {
  id: Generated<number>;
  idNumber: string;
  idNumberIndex: string;
  name: string;
  gender: "男" | "女";
  birthDate: string;
  nation: string;
  districtCode: string;
  address: string;
  householdNo: string;
}

/** 法人单位基础信息库: one legal entity (GB 32100 unified social credit code). */
export interface EntityRecordRow {
  creditCode: string;
  name: string;
  kind: string;
  legalRepresentative: string;
  registeredCapital: number;
  foundedOn: string;
  districtCode: string;
  industryCode: string;
  address: string;
  status: string;
}

/** 电子证照目录: the index entry of one licence (holderId sealed; found by holderIndex). */
export interface LicenceRecordRow {
  id: Generated<number>;
  licenceNo: string;
  kind: string;
  holderId: string;
  holderIndex: string;
  holderName: string;
  issuer: string;
  issuedOn: string;
  validUntil: string | null;
  status: string;
}
