/** Words of 依申请公开 shared by the service, routes, views and the annual report. */

export const REQUEST_STATUS: Record<string, string> = {
  received: "待分办",
  assigned: "办理中",
  correction: "待申请人补正",
  consulting: "征求第三方意见中",
  decided: "已答复",
};

export const APPLICANT_KINDS: Record<string, string> = { person: "自然人", organisation: "法人或其他组织" };

/** The national report's columns for 法人或其他组织 (国办公开办函〔2021〕30号, table 三). */
export const ORG_TYPES: Record<string, string> = {
  business: "商业企业",
  research: "科研机构",
  charity: "社会公益组织",
  legal: "法律服务机构",
  other: "其他",
};

export const DELIVERY_FORMS: Record<string, string> = {
  paper: "纸质（邮寄）",
  electronic: "电子（网上送达）",
  pickup: "现场领取",
};

export interface OutcomeCategory {
  label: string;
  /** Reason classes in the national table's order; empty when the category has none. */
  reasons: Record<string, string>;
}

/**
 * 本年度办理结果 as the national table counts them (国办公开办函〔2021〕30号, table 三, rows (一)–(六)).
 * A category with reason classes needs one on every decision.
 */
export const OUTCOMES: Record<string, OutcomeCategory> = {
  granted: { label: "予以公开", reasons: {} },
  partial: { label: "部分公开", reasons: {} },
  refused: {
    label: "不予公开",
    reasons: {
      state_secret: "属于国家秘密",
      law_prohibited: "其他法律行政法规禁止公开",
      security_stability: "危及“三安全一稳定”",
      third_party: "保护第三方合法权益",
      internal_affairs: "属于三类内部事务信息",
      process_info: "属于四类过程性信息",
      enforcement_file: "属于行政执法案卷",
      administrative_query: "属于行政查询事项",
    },
  },
  unavailable: {
    label: "无法提供",
    reasons: {
      not_held: "本机关不掌握相关政府信息",
      needs_creation: "没有现成信息需要另行制作",
      still_unclear: "补正后申请内容仍不明确",
    },
  },
  not_processed: {
    label: "不予处理",
    reasons: {
      petition: "信访举报投诉类申请",
      repeated: "重复申请",
      publication: "要求提供公开出版物",
      mass_repeated: "无正当理由大量反复申请",
      confirm_reissue: "要求行政机关确认或重新出具已获取信息",
    },
  },
  other: {
    label: "其他处理",
    reasons: {
      no_correction: "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
      no_fee: "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
      other: "其他",
    },
  },
};

export function outcomeLabel(outcome: string | null, reason: string | null): string {
  if (!outcome) return "";
  const cat = OUTCOMES[outcome];
  if (!cat) return outcome;
  const r = reason ? cat.reasons[reason] : undefined;
  return r ? `${cat.label}（${r}）` : cat.label;
}

/** 条例 (2019) clocks, in working days on the platform calendar. */
export const CLOCK = {
  /** Art. 33: the answer within 20 working days of receipt. */
  limitDays: 20,
  /** Art. 33: extended by at most 20 working days, with approval, the applicant told. */
  extensionDays: 20,
  /** Art. 30: a 补正 request within 7 working days of receipt. */
  correctionWithinDays: 7,
  /** Art. 32: the third party answers within 15 working days; the time does not count. */
  consultationDays: 15,
  /** Warn this many working days before the limit. */
  warnDays: 3,
  /** Art. 26: proactive disclosure within 20 working days of the information being formed. */
  proactiveDays: 20,
} as const;

export const ACTION_LABELS: Record<string, string> = {
  received: "收到申请",
  assigned: "分办",
  correction_requested: "告知补正",
  corrected: "申请人补正",
  consultation_started: "征求第三方意见（期间不计入答复期限）",
  consultation_answered: "第三方意见已收到，恢复计时",
  extension_requested: "申请延长答复期限",
  extension_rejected: "延期申请未获同意",
  extended: "延长答复期限",
  documents: "检索匹配信息",
  decided: "作出答复",
  delivered: "送达",
  warned: "临期提醒",
  escalated: "督办",
};
