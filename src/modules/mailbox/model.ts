/** Words of the interaction centre shared by the service, routes and views. */
import { actorText } from "../../web/actor-text.ts";

export const LETTER_KINDS: Record<string, string> = {
  consult: "咨询",
  complaint: "投诉",
  suggestion: "建议",
  help: "求助",
  other: "其他",
};

export const LETTER_STATUS: Record<string, string> = {
  submitted: "待甄别",
  screened: "待分办",
  assigned: "办理中",
  answered: "待审核",
  reviewed: "已答复",
  published: "已答复并公开",
  invalid: "不予受理",
};

export const RATINGS: Record<string, string> = {
  satisfied: "满意",
  basic: "基本满意",
  unsatisfied: "不满意",
};

/** Time limits in working days per letter kind, the rating window, and the extension cap. */
export interface InteractionSettings {
  limits: Record<string, number>;
  /** Days after the reply in which the citizen may rate; afterwards a default rating may apply. */
  ratingWindowDays: number;
  /** Local rule: an unrated reply counts as satisfied after the window (always shown apart). */
  defaultRatingSatisfied: boolean;
  maxExtensionDays: number;
  /** A letter within this many working days of its limit gets a warning. */
  warnDays: number;
}

export const MAX_LIMIT_DAYS = 15;

export const DEFAULT_SETTINGS: InteractionSettings = {
  limits: { consult: 3, help: 5, suggestion: 10, complaint: 15, other: 10 },
  ratingWindowDays: 7,
  defaultRatingSatisfied: true,
  maxExtensionDays: 10,
  warnDays: 1,
};

/** Who did something to a letter, in words: the writer, the platform, or a staff member by name. */
export const ACTOR_LABELS: Record<string, string> = {
  citizen: "来信人",
  system: "系统",
  seed: "系统",
  assistant: "智能客服",
  open311: "Open311 接口",
};

/** An event's actor for people: the label of a role word, else the staff member's name (or login). */
export function actorLabel(actor: string, staffNames: ReadonlyMap<string, string> = new Map()): string {
  if (Object.hasOwn(ACTOR_LABELS, actor)) return ACTOR_LABELS[actor];
  return actorText(actor, staffNames);
}

export const ACTION_LABELS: Record<string, string> = {
  submitted: "提交信件",
  screened: "通过甄别",
  invalid: "不予受理",
  assigned: "分办",
  transfer_requested: "申请转办",
  transfer_rejected: "转办申请未获同意",
  transferred: "转办",
  answered: "拟写答复",
  review_rejected: "答复退回修改",
  reviewed: "答复审核通过，已答复",
  published: "公开",
  extended: "延期",
  warned: "临期提醒",
  escalated: "督办",
  rated: "评价",
  reopened: "未解决，重新办理",
};
