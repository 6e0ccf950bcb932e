import type { Generated } from "kysely";

/** Tables the policies module owns (see src/db/schema.ts for the conventions). */
export interface PoliciesTables {
  policyBenefits: BenefitRow;
  policyRuleVersions: RuleVersionRow;
  enterpriseProfiles: EnterpriseProfileRow;
  policyMatches: PolicyMatchRow;
  policyPushes: PolicyPushRow;
  policyGrants: PolicyGrantRow;
  policyRematchQueue: RematchQueueRow;
  policyEmailOutbox: EmailOutboxRow;
}

/** Where an enterprise is in its life: 开办, 经营, 扩张, 退出. */
export type LifecycleStage = "start" | "operate" | "expand" | "exit";

/** 惠企政策事项: one benefit, its department and the policy document it comes from. */
export interface BenefitRow {
  id: Generated<number>;
  code: string;
  title: string;
  summary: string;
  /** Site code of the department that offers it. */
  department: string;
  stage: LifecycleStage;
  /** The policy document (content library article id) and its 政策解读, when linked. */
  policyArticleId: number | null;
  interpretationArticleId: number | null;
  /** The service item (办事指南) in the hall for the fast application, when there is one. */
  serviceItemCode: string | null;
  amount: string;
  /** The version whose results are in policy_matches (null: not matched yet). */
  matchedVersionId: number | null;
  createdAt: string;
  updatedAt: string;
}

export type RuleVersionStatus = "draft" | "published";

/** One version of a benefit's eligibility rules (json-rules-engine style conditions, all must hold). */
export interface RuleVersionRow {
  id: Generated<number>;
  benefitId: number;
  version: number;
  /** From this China date on the version applies (the newest published one not in the future). */
  effectiveFrom: string;
  /** JSON: RuleCondition[] ({fact, operator, value, clause}). */
  conditions: string;
  /** JSON: TestCase[] ({name, profile, expected}). */
  testCases: string;
  status: RuleVersionStatus;
  createdBy: string;
  createdAt: string;
  publishedAt: string | null;
}

/** An enterprise's profile: each field with its value and source (registry / enterprise). */
export interface EnterpriseProfileRow {
  accountId: number;
  creditCode: string;
  name: string;
  /** JSON: Record<field, {value, source, at}>. */
  fields: string;
  registryFetchedAt: string | null;
  updatedAt: string;
}

export type MatchStatus = "eligible" | "possible" | "ineligible";

/** The latest result of one enterprise against one benefit version (eligible and possible kept). */
export interface PolicyMatchRow {
  accountId: number;
  benefitId: number;
  versionId: number;
  status: MatchStatus;
  /** JSON: the per-condition trace. */
  trace: string;
  matchedAt: string;
}

/** A push to an enterprise's inbox: once per enterprise per benefit version (unique). */
export interface PolicyPushRow {
  id: Generated<number>;
  accountId: number;
  benefitId: number;
  versionId: number;
  status: MatchStatus;
  message: string;
  createdAt: string;
  openedAt: string | null;
  appliedAt: string | null;
}

/** 免申即享: notice → (objection window) → granted → paid; or objected → granted (upheld) or withdrawn. */
export type GrantStatus = "noticed" | "objected" | "granted" | "paid" | "withdrawn";

export interface PolicyGrantRow {
  id: Generated<number>;
  accountId: number;
  benefitId: number;
  versionId: number;
  status: GrantStatus;
  noticedAt: string;
  objectionUntil: string;
  grantedAt: string | null;
  /** The 60-working-day payment limit, from the grant. */
  payDue: string | null;
  paidAt: string | null;
  objection: string | null;
}

export type RematchKind = "profile" | "benefit";

/** Changed profiles and benefits waiting to be matched again (one row per thing, coalesced). */
export interface RematchQueueRow {
  kind: RematchKind;
  refId: number;
  enqueuedAt: string;
}

/** E-mails waiting for the mail gateway (the demo stops here). */
export interface EmailOutboxRow {
  id: Generated<number>;
  address: string;
  subject: string;
  body: string;
  createdAt: string;
  sentAt: string | null;
}
