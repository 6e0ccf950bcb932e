import type { StaffPrincipal } from "./auth.ts";

/** How urgent one piece of work is on the 工作台. */
export type WorkState = "overdue" | "soon" | "waiting";

export const WORK_STATE_NAMES: Record<WorkState, string> = {
  overdue: "已超期",
  soon: "即将到期",
  waiting: "待处理",
};

/** One piece of work (a letter, an application) shown on the 工作台. */
export interface WorkItem {
  state: WorkState;
  /** Reference people quote (查询编号, 办件编号). */
  ref: string;
  title: string;
  href: string;
  /** When it is due, in China time words ("2026-12-03 17:00" or a date). */
  due: string | null;
}

/** A module's share of a staff member's work: counters and the most urgent items. */
export interface WorkloadSection {
  title: string;
  figures: { state: WorkState; label: string; value: number; href: string }[];
  items: WorkItem[];
}

/**
 * A module that gives handlers work with time limits (mailbox letters, one-stop applications). The
 * container hands the staff module a list of them (AppDeps.workloads); the 工作台 shows each section.
 */
export interface WorkloadSource {
  /** This staff member's work, or null when the module gives them none (no matching role). */
  workload(staff: StaffPrincipal): Promise<WorkloadSection | null>;
}
