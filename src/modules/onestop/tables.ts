import type { Generated } from "kysely";

/** Tables the one-stop service hall owns (see src/db/schema.ts for the conventions). */
export interface OneStopTables {
  serviceItems: ServiceItemRow;
  serviceForms: ServiceFormRow;
  serviceBundles: ServiceBundleRow;
  bundleApplications: BundleApplicationRow;
  applications: ApplicationRow;
  applicationEvents: ApplicationEventRow;
  applicationFiles: ApplicationFileRow;
  serviceGroups: ServiceGroupRow;
  serviceGroupMembers: ServiceGroupMemberRow;
  serviceWorkflows: ServiceWorkflowRow;
  applicationTasks: ApplicationTaskRow;
  applicationExtensions: ApplicationExtensionRow;
  applicationAlerts: ApplicationAlertRow;
  evaluations: EvaluationRow;
  rectifications: RectificationRow;
}

export type ServiceItemStatus = "published" | "draft";
export type ApplicationStatus =
  | "draft"
  | "prereview"
  | "correction"
  | "review"
  | "decided"
  | "delivered"
  | "closed"
  | "refused"
  | "withdrawn"
  | "suspended";
/** approved | denied: the decision (决定); refused: not accepted at pre-review (不予受理). */
export type ApplicationOutcome = "approved" | "denied" | "refused";
/** Why the clock stopped: suspend | hearing | testing | expert (听证、检验检测、专家评审). */
export type SuspendKind = "suspend" | "hearing" | "testing" | "expert";
export type GroupKind = "handling" | "leader" | "supervision";
export type TaskKind = "accept" | "review" | "decide" | "deliver";
export type TaskStatus = "open" | "done" | "cancelled";
export type ExtensionStatus = "pending" | "approved" | "refused";
export type AlertKind = "warning" | "escalation";
export type LimitKind = "committed" | "legal" | "delivery";
export type ActorKind = "applicant" | "staff" | "system";
export type RectificationStatus = "open" | "done" | "appealed" | "appeal_upheld" | "appeal_rejected";

export interface ServiceItemRow {
  id: Generated<number>;
  code: string;
  siteId: number;
  name: string;
  itemType: string; // 行政许可 | 公共服务 | 行政给付 | 行政确认 …
  forPerson: number;
  forLegal: number;
  themes: string; // "|a|b|"
  lifeEvents: string; // "|a|b|"
  onlineDepth: string; // 全程网办 …
  visits: number;
  legalLimitDays: number;
  committedLimitDays: number;
  guide: string; // JSON Guide
  status: ServiceItemStatus;
  version: number;
  formVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface ServiceFormRow {
  id: Generated<number>;
  itemCode: string;
  version: number;
  schema: string; // JSON FormSchema
  note: string;
  createdBy: string;
  createdAt: string;
}

export interface ServiceBundleRow {
  id: Generated<number>;
  code: string;
  name: string;
  description: string;
  itemCodes: string; // JSON string[]
  lifeEvent: string;
  audience: string;
  sort: Generated<number>;
  createdAt: string;
}

export interface BundleApplicationRow {
  id: Generated<number>;
  trackingNo: string;
  bundleCode: string;
  accountId: number;
  idempotencyKey: string;
  createdAt: string;
}

export interface ApplicationRow {
  id: Generated<number>;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  siteId: number;
  accountId: number;
  bundleApplicationId: number | null;
  status: ApplicationStatus;
  suspendedFrom: ApplicationStatus | null;
  formVersion: number;
  data: string; // JSON form values, encrypted at rest (decrypted on read)
  /** Keyed blind index of the applicant's ID number (form answer idNumber): lookups by ID number. */
  applicantIdIndex: string | null;
  applicantName: string;
  idempotencyKey: string;
  correctionCount: Generated<number>;
  correctionNote: string | null;
  prereview: string; // JSON automatic checks
  assigneeId: number | null;
  assigneeName: string | null;
  outcome: ApplicationOutcome | null;
  outcomeText: string | null;
  online: number;
  visits: number;
  acceptedOn: string | null;
  dueLegal: string | null;
  dueCommitted: string | null;
  dueDelivery: string | null;
  suspendedOn: string | null;
  suspendedDays: Generated<number>;
  submittedAt: string | null;
  decidedAt: string | null;
  closedAt: string | null;
  onTime: number | null;
  version: Generated<number>;
  createdAt: string;
  updatedAt: string;
  /** Version of the item's workflow pinned at submission (0: the department's default workflow). */
  workflowVersion: number | null;
  suspendKind: SuspendKind | null;
  extendedDays: Generated<number>;
  /** JSON Filing (./once-only.ts): 本人/代办, consent, once-only fetches; sealed at rest. Null before 0014. */
  filing: string | null;
}

export interface ServiceGroupRow {
  id: Generated<number>;
  siteId: number;
  code: string;
  name: string;
  kind: GroupKind;
  createdAt: string;
}

export interface ServiceGroupMemberRow {
  groupId: number;
  userId: number;
}

export interface ServiceWorkflowRow {
  id: Generated<number>;
  itemCode: string;
  version: number;
  definition: string; // JSON WorkflowDefinition
  note: string;
  createdBy: string;
  createdAt: string;
}

export interface ApplicationTaskRow {
  id: Generated<number>;
  applicationId: number;
  siteId: number;
  kind: TaskKind;
  stageNo: number;
  stepNo: number;
  name: string;
  groupId: number;
  assigneeId: number | null;
  assigneeName: string | null;
  status: TaskStatus;
  createdAt: string;
  claimedAt: string | null;
  doneAt: string | null;
  doneByName: string | null;
}

export interface ApplicationExtensionRow {
  id: Generated<number>;
  applicationId: number;
  siteId: number;
  days: number;
  reason: string;
  status: ExtensionStatus;
  requestedBy: number;
  requestedByName: string;
  requestedAt: string;
  decidedBy: number | null;
  decidedByName: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  dueBefore: string | null;
  dueAfter: string | null;
}

export interface ApplicationAlertRow {
  id: Generated<number>;
  applicationId: number;
  siteId: number;
  kind: AlertKind;
  limitKind: LimitKind;
  due: string;
  groupId: number;
  createdAt: string;
}

export interface ApplicationEventRow {
  id: Generated<number>;
  applicationId: number;
  at: string;
  actorKind: ActorKind;
  actorName: string;
  action: string;
  fromStatus: ApplicationStatus | null;
  toStatus: ApplicationStatus;
  note: string;
}

export interface ApplicationFileRow {
  id: Generated<number>;
  applicationId: number;
  field: string;
  fileName: string;
  mime: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface EvaluationRow {
  id: Generated<number>;
  applicationId: number;
  siteId: number;
  itemCode: string;
  level: number; // 1..5: 5 非常满意 … 1 非常不满意
  comment: string;
  isDefault: number;
  createdAt: string;
}

export interface RectificationRow {
  id: Generated<number>;
  evaluationId: number;
  siteId: number;
  status: RectificationStatus;
  dueOn: string;
  result: string | null;
  callback: string | null;
  appealReason: string | null;
  handledBy: string | null;
  createdAt: string;
  doneAt: string | null;
}
