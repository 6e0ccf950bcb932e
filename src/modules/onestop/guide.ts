/** The standard service guide (办事指南) of a service item, and the checker national practice asks for. */

export const ITEM_TYPES = [
  "行政许可",
  "行政给付",
  "行政确认",
  "行政检查",
  "行政裁决",
  "行政奖励",
  "其他行政权力",
  "公共服务",
] as const;

export const ONLINE_DEPTHS = ["全程网办", "网上预审", "只需跑一次", "窗口办理"] as const;

/** Trust levels of a material's source. */
export const TRUST_LEVELS: Record<string, string> = {
  A: "A级：发证机关直接提供，可直接使用",
  B: "B级：曾核验过，可复用",
  C: "C级：申请人上传",
  D: "D级：申请人承诺",
};

/** How a material can be spared (免提交). */
export const SPARED_BY: Record<string, string> = {
  elicense: "电子证照替代",
  sharing: "数据共享获取",
};

export const AUDIENCES: Record<string, string> = { person: "个人", legal: "法人" };

export interface Material {
  name: string;
  /** 原件 / 复印件 / 电子件 / 原件及复印件 */
  form: string;
  copies: number;
  required: boolean;
  /** 来源渠道, e.g. 申请人自备 / 公安部门核发. */
  source: string;
  /** 设定依据. */
  legalBasis: string;
  trust: "A" | "B" | "C" | "D";
  /** Replaceable by an e-licence or data sharing, so the applicant need not submit it. */
  sparedBy: "elicense" | "sharing" | null;
  /** The catalogue resource it is fetched from (default: by name, see ./once-only.ts). */
  resource?: string;
  /**
   * The e-licence kind (电子证照目录 name, e.g. 结婚证, 不动产权证书) the applicant's own licence of which
   * may be presented instead of uploading this material (trust level A). Absent: none.
   */
  licence?: string;
  note?: string;
}

export interface Step {
  name: string;
  description: string;
}

export interface Guide {
  implementingBody: string;
  legalBasis: string[];
  conditions: string[];
  materials: Material[];
  steps: Step[];
  /** 法定办结时限 in working days (0 = 即办). */
  legalLimitDays: number;
  /** 承诺办结时限 in working days. */
  committedLimitDays: number;
  /** 收费标准, "不收费" when free (must be explicit). */
  fees: string;
  place: string;
  hours: string;
  consultation: string;
  complaint: string;
  onlineDepth: string;
  /** 到现场次数. */
  visits: number;
  /** Who may apply: person and/or legal. */
  audience: string[];
  themes: string[];
  lifeEvents: string[];
  /** What the applicant receives (办理结果). */
  result: string;
}

export interface ServiceItemInput {
  code: string;
  name: string;
  itemType: string;
  siteId: number;
  guide: Guide;
}

export interface GuideProblem {
  field: string;
  message: string;
}

/**
 * 兜底 phrases national practice forbids in acceptance conditions and material lists: a citizen
 * cannot know in advance what "other conditions" or "other materials" will be asked for.
 */
export const CATCH_ALL_PATTERNS: RegExp[] = [
  /法律[、，,]?\s*(行政)?法规(和|及|、)?(规章)?规定的其他/,
  /其他(相关|有关|必要|必需)?(条件|材料|资料|证明|文件)/,
  /(有关|相关)部门(认为|要求)(需要|应当|必须)?(提交|提供)?的/,
  /等(相关)?(材料|资料|证明)$/,
  /根据(实际)?(情况|需要)(补充|提交|提供)/,
];

export function isCatchAll(text: string): boolean {
  return CATCH_ALL_PATTERNS.some((p) => p.test(text.trim()));
}

const ITEM_CODE = /^[0-9A-Z][0-9A-Z-]{5,59}$/;

/** Every problem of a guide at once (empty when it passes). */
export function checkGuide(item: ServiceItemInput): GuideProblem[] {
  const problems: GuideProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  const g = item.guide;
  if (!item.name.trim() || item.name.length > 80) add("name", "请填写事项名称（80字以内）");
  if (!ITEM_CODE.test(item.code)) add("code", "事项编码须为6至60位大写字母、数字或连字符");
  if (!(ITEM_TYPES as readonly string[]).includes(item.itemType)) add("itemType", "请选择事项类型");
  if (!g.implementingBody?.trim()) add("implementingBody", "请填写实施主体");
  if (!g.legalBasis?.length || g.legalBasis.some((b) => !b.trim())) add("legalBasis", "请填写设定依据");
  if (!g.conditions?.length) add("conditions", "请填写受理条件");
  g.conditions?.forEach((c, i) => {
    if (!c.trim()) add(`conditions.${i}`, `受理条件第${i + 1}条为空`);
    else if (isCatchAll(c))
      add(
        `conditions.${i}`,
        `受理条件第${i + 1}条含兜底表述（“${c.trim().slice(0, 30)}”），须逐项列明具体条件`,
      );
  });
  g.materials?.forEach((m, i) => {
    const n = `材料${i + 1}“${m.name || "（未命名）"}”`;
    if (!m.name?.trim()) add(`materials.${i}.name`, `材料第${i + 1}项未填写名称`);
    else if (isCatchAll(m.name)) add(`materials.${i}.name`, `${n}为兜底材料，须逐项列明具体材料`);
    if (!m.legalBasis?.trim()) add(`materials.${i}.legalBasis`, `${n}未写明设定依据`);
    if (!m.source?.trim()) add(`materials.${i}.source`, `${n}未写明来源渠道`);
    if (!["A", "B", "C", "D"].includes(m.trust)) add(`materials.${i}.trust`, `${n}未标明可信等级（A/B/C/D）`);
    if (!m.form?.trim()) add(`materials.${i}.form`, `${n}未写明材料形式`);
    if (!Number.isInteger(m.copies) || m.copies < 0 || m.copies > 20)
      add(`materials.${i}.copies`, `${n}的份数须为0至20的整数`);
    if (m.sparedBy && !Object.hasOwn(SPARED_BY, m.sparedBy))
      add(`materials.${i}.sparedBy`, `${n}的免提交方式无效`);
    if (
      m.licence !== undefined &&
      (typeof m.licence !== "string" || !m.licence.trim() || m.licence.length > 40)
    )
      add(`materials.${i}.licence`, `${n}可替代的电子证照种类须为证照目录中的名称（40字以内）`);
  });
  if (!g.steps?.length) add("steps", "请填写办理流程");
  const legal = g.legalLimitDays;
  const committed = g.committedLimitDays;
  if (!Number.isInteger(legal) || legal < 0 || legal > 365)
    add("legalLimitDays", "法定办结时限须为0至365个工作日");
  if (!Number.isInteger(committed) || committed < 0 || committed > 365)
    add("committedLimitDays", "承诺办结时限须为0至365个工作日");
  else if (Number.isInteger(legal) && committed > legal)
    add("committedLimitDays", `承诺办结时限（${committed}个工作日）不得长于法定办结时限（${legal}个工作日）`);
  const fees = g.fees?.trim() ?? "";
  if (!fees) add("fees", "未写明收费情况：不收费的须明确写“不收费”");
  else if (fees !== "不收费" && !/\d/.test(fees)) add("fees", "收费事项须写明收费标准（金额）和依据");
  if (!g.place?.trim()) add("place", "请填写办理地点");
  if (!g.hours?.trim()) add("hours", "请填写办理时间");
  if (!g.consultation?.trim()) add("consultation", "请填写咨询方式");
  if (!g.complaint?.trim()) add("complaint", "请填写监督投诉方式");
  if (!(ONLINE_DEPTHS as readonly string[]).includes(g.onlineDepth)) add("onlineDepth", "请选择网办深度");
  if (!Number.isInteger(g.visits) || g.visits < 0 || g.visits > 5) add("visits", "到现场次数须为0至5次");
  else if (g.onlineDepth === "全程网办" && g.visits !== 0) add("visits", "全程网办事项的到现场次数应为0");
  if (!g.audience?.length || g.audience.some((a) => !Object.hasOwn(AUDIENCES, a)))
    add("audience", "请选择服务对象（个人/法人）");
  if (!g.result?.trim()) add("result", "请填写办理结果");
  return problems;
}
