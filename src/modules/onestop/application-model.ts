import type { Filing } from "./once-only.ts";
import type { Selectable, Updateable } from "kysely";

import type {
  ApplicationRow,
  ApplicationStatus,
  ApplicationTaskRow,
  SuspendKind,
  TaskKind,
} from "./tables.ts";
import type { FormValues } from "./forms.ts";

/*
 * The application's shape, statuses and labels: what the service, its actions and the views share.
 * applications.ts re-exports all of it, so callers keep importing from there.
 */

export const STATUS_LABELS: Record<string, string> = {
  draft: "草稿",
  prereview: "待预审",
  correction: "待补正",
  review: "已受理·审查中",
  decided: "已决定·待送达",
  delivered: "已送达",
  closed: "已办结",
  refused: "不予受理",
  withdrawn: "已撤回",
  suspended: "已挂起",
};

export const ACTION_LABELS: Record<string, string> = {
  create: "保存草稿",
  submit: "提交申请",
  resubmit: "补正后重新提交",
  correction: "一次性告知补正",
  accept: "受理",
  refuse: "不予受理",
  claim: "认领",
  transfer: "转办",
  decide: "作出决定",
  return: "退回重新审查",
  deliver: "制证送达",
  close: "办结",
  suspend: "挂起（计时暂停）",
  hearing: "听证（期间不计入时限）",
  testing: "检验检测（期间不计入时限）",
  expert: "专家评审（期间不计入时限）",
  resume: "恢复办理（计时继续）",
  withdraw: "申请人撤回",
  complete: "完成审查步骤",
  extend: "申请延长法定期限",
  extend_approve: "批准延长法定期限",
  extend_refuse: "不同意延长法定期限",
  escalate: "超期督办",
};

/** Why the clock stopped (the distinct, labelled reasons that do not count toward a limit). */
export const SUSPEND_KINDS: Record<SuspendKind, string> = {
  suspend: "挂起",
  hearing: "听证",
  testing: "检验检测",
  expert: "专家评审",
};

export const TASK_KIND_LABELS: Record<TaskKind, string> = {
  accept: "预审受理",
  review: "审查",
  decide: "决定",
  deliver: "制证送达",
};
export const TASK_KINDS = Object.keys(TASK_KIND_LABELS) as TaskKind[];

export interface ProgressStep {
  name: string;
  group: string;
  state: "done" | "current" | "pending" | "stopped";
  at: string | null;
}

export type Task = Selectable<ApplicationTaskRow> & { groupName: string };

/** Statuses a handler still has work on. */
export const ACTIVE_STATUSES: ApplicationStatus[] = [
  "prereview",
  "review",
  "decided",
  "delivered",
  "suspended",
  "correction",
];

export interface Application {
  id: number;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  siteId: number;
  accountId: number;
  bundleApplicationId: number | null;
  status: ApplicationStatus;
  suspendedFrom: ApplicationStatus | null;
  formVersion: number;
  data: FormValues;
  /** 本人/代办, consent and once-only fetches (null for applications filed before, and bundles). */
  filing: Filing | null;
  applicantName: string;
  idempotencyKey: string;
  correctionCount: number;
  correctionNote: string | null;
  prereview: PreReview | null;
  assigneeId: number | null;
  assigneeName: string | null;
  outcome: string | null;
  outcomeText: string | null;
  acceptedOn: string | null;
  dueLegal: string | null;
  dueCommitted: string | null;
  dueDelivery: string | null;
  suspendedOn: string | null;
  suspendedDays: number;
  submittedAt: string | null;
  decidedAt: string | null;
  closedAt: string | null;
  onTime: boolean | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  workflowVersion: number | null;
  suspendKind: SuspendKind | null;
  extendedDays: number;
}

export interface PreReview {
  checkedAt: string;
  checks: { name: string; ok: boolean; detail: string }[];
  spared: string[];
}

export interface ApplicationEvent {
  at: string;
  actorKind: string;
  actorName: string;
  action: string;
  fromStatus: ApplicationStatus | null;
  toStatus: ApplicationStatus;
  note: string;
}

export interface LimitState {
  due: string;
  remaining: number;
  state: "ok" | "warning" | "overdue";
}

export interface Actor {
  kind: "applicant" | "staff" | "system";
  id: number | null;
  name: string;
}

/** Working days left before a limit at which the queue warns. */
export const WARNING_DAYS = 2;
/** 行政许可法第四十四条: deliver within 10 days of the decision. */
export const DELIVERY_DAYS = 10;

/** The columns a status change may set (the status and version are the transition's own). */
export type ApplicationChanges = Omit<Updateable<ApplicationRow>, "id" | "version">;
