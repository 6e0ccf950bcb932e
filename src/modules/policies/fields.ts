import { chinaDate, isDateString } from "../../platform/time/china-time.ts";

/** The kinds of value a profile field holds. */
export type FieldType = "string" | "enum" | "integer" | "number" | "date" | "boolean";

export interface ProfileField {
  name: string;
  label: string;
  type: FieldType;
  /** Allowed values of an enum, with their labels. */
  options?: Record<string, string>;
  /** The registry field (法人单位基础信息 FR-0001) that fills it, when the registry holds it. */
  registry?: string;
  unit?: string;
  /** How a number is read, for people and for the API's description (units matter: 万元, not 元). */
  unitNote?: string;
  /** Computed from another field (its source is that field's source). */
  derivedFrom?: string;
}

/**
 * 登记状态 as the market-entity registry (国家企业信用信息公示系统) states it; 歇业 is the filed
 * suspension of 《市场主体登记管理条例》(2022) art. 30. Anything else is refused with this list.
 */
export const REGISTRY_STATUSES = [
  "存续",
  "在业",
  "歇业",
  "停业",
  "清算",
  "迁入",
  "迁出",
  "吊销",
  "注销",
  "撤销",
] as const;

/** Every field a rule may test and a profile may hold. A rule on anything else is refused. */
export const PROFILE_FIELDS: ProfileField[] = [
  { name: "industryCode", label: "国民经济行业代码", type: "string", registry: "industryCode" },
  { name: "districtCode", label: "住所行政区划代码", type: "string", registry: "districtCode" },
  { name: "foundedOn", label: "成立日期", type: "date", registry: "foundedOn" },
  { name: "yearsSinceFounded", label: "成立年限", type: "number", unit: "年", derivedFrom: "foundedOn" },
  {
    name: "registeredCapital",
    label: "注册资本",
    type: "number",
    unit: "元",
    unitNote: "单位：元（人民币），如 2000000 表示200万元；注意与营业收入（万元）不同",
    registry: "registeredCapital",
  },
  { name: "kind", label: "市场主体类型", type: "string", registry: "kind" },
  {
    name: "registryStatus",
    label: "登记状态",
    type: "enum",
    options: Object.fromEntries(REGISTRY_STATUSES.map((s) => [s, s])),
    registry: "status",
  },
  {
    name: "sizeClass",
    label: "企业规模",
    type: "enum",
    options: { micro: "微型", small: "小型", medium: "中型", large: "大型" },
  },
  {
    name: "taxCreditGrade",
    label: "纳税信用等级",
    type: "enum",
    options: { A: "A级", B: "B级", M: "M级", C: "C级", D: "D级" },
  },
  { name: "headcount", label: "从业人数", type: "integer", unit: "人", unitNote: "单位：人，整数" },
  {
    name: "annualRevenue",
    label: "上年度营业收入",
    type: "number",
    unit: "万元",
    unitNote: "单位：万元（人民币），如 1800 表示1800万元；注意与注册资本（元）不同",
  },
  {
    name: "rdRatio",
    label: "研发费用占营业收入比例",
    type: "number",
    unit: "%",
    unitNote:
      "百分数，取值 0–100，如 5 表示5%（不是 0.05）；接口不受理 0 与 1 之间（不含）的值，因其无法区分“5%”与“0.05%”",
  },
  { name: "highTech", label: "高新技术企业", type: "boolean" },
  {
    name: "newHires",
    label: "本年新招用高校毕业生",
    type: "integer",
    unit: "人",
    unitNote: "单位：人，整数",
  },
  {
    name: "exportRevenue",
    label: "上年度出口额",
    type: "number",
    unit: "万元",
    unitNote: "单位：万元（人民币），如 300 表示300万元",
  },
];

export const FIELD_BY_NAME: ReadonlyMap<string, ProfileField> = new Map(
  PROFILE_FIELDS.map((f) => [f.name, f]),
);

/** Fields an enterprise may state itself (derived fields are computed). */
export const EDITABLE_FIELDS = PROFILE_FIELDS.filter((f) => !f.derivedFrom);

export type ProfileValue = string | number | boolean;
export type Profile = Record<string, ProfileValue | null | undefined>;
export type FieldSource = "registry" | "enterprise" | "unknown";

/** Whole years between a China date and `today`. */
export function yearsBetween(from: string, today: string): number {
  const [y1, m1, d1] = from.split("-").map(Number) as [number, number, number];
  const [y2, m2, d2] = today.split("-").map(Number) as [number, number, number];
  let years = y2 - y1;
  if (m2 < m1 || (m2 === m1 && d2 < d1)) years -= 1;
  return years;
}

/** The profile with derived fields filled in (as of `today`). */
export function withDerived(profile: Profile, today: string): Profile {
  const founded = profile.foundedOn;
  return {
    ...profile,
    yearsSinceFounded:
      typeof founded === "string" && isDateString(founded) ? yearsBetween(founded, today) : null,
  };
}

/** Checks one value against its field; answers a message in Chinese, or null when fine. */
export function valueProblem(field: ProfileField, value: unknown, today = chinaDate()): string | null {
  switch (field.type) {
    case "string":
      if (typeof value !== "string") return `${field.label}应为文字`;
      if (value.length > 100) return `${field.label}过长`;
      return null;
    case "enum":
      if (typeof value !== "string" || !field.options || !Object.hasOwn(field.options, value))
        return `${field.label}只能是：${choicesText(field)}`;
      return null;
    case "integer":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return `${field.label}应为数字`;
      if (field.type === "integer" && !Number.isInteger(value)) return `${field.label}应为整数`;
      if (value < 0) return `${field.label}不能为负数`;
      if (value > 1e13) return `${field.label}超出合理范围`;
      if (field.unit === "%" && value > 100) return `${field.label}不能超过100%`;
      return null;
    }
    case "date":
      if (typeof value !== "string" || !isDateString(value)) return `${field.label}应为日期（如 2020-05-01）`;
      if (value > today) return `${field.label}不能晚于今天`;
      if (value < "1900-01-01") return `${field.label}早于1900年，不合理`;
      return null;
    case "boolean":
      return typeof value === "boolean" ? null : `${field.label}应为是或否（true 或 false）`;
  }
}

/**
 * The accepted values of an enum, each as its label with its code: 微型（micro）、小型（small）… — both
 * are accepted wherever a profile is given (`normalised`), so the message names exactly what is taken.
 * Where the code is the label itself (登记状态) it shows once.
 */
export function choicesText(field: ProfileField): string {
  return Object.entries(field.options ?? {})
    .map(([code, label]) => (code === label ? code : `${label}（${code}）`))
    .join("、");
}

/**
 * A given value in its stored form: text trimmed, an enum's label (小型, A级) turned into its code
 * (small, A), 是/否 into true/false. Anything else is left for `valueProblem` to refuse.
 */
export function normalised(field: ProfileField, value: unknown): unknown {
  if (typeof value !== "string") return value;
  const t = value.trim();
  if (field.type === "enum" && field.options && !Object.hasOwn(field.options, t)) {
    const byLabel = Object.entries(field.options).find(([, label]) => label === t);
    return byLabel ? byLabel[0] : t;
  }
  if (field.type === "boolean") return t === "是" ? true : t === "否" ? false : value;
  return field.type === "string" || field.type === "enum" || field.type === "date" ? t : value;
}

/**
 * The API's guard against a unit slip: 研发费用占比 is a percentage (5 = 5%), and a value strictly
 * between 0 and 1 is most likely a fraction (0.05 meant as 5%) — read as a percentage it would quietly
 * answer "ineligible". The JSON API refuses it (forms show the % beside the box and take it as typed).
 */
export function ambiguousPercent(field: ProfileField, value: unknown): string | null {
  if (field.unit !== "%" || typeof value !== "number" || !(value > 0 && value < 1)) return null;
  const pct = +(value * 100).toFixed(6);
  return `${field.label}按百分数填写（5 表示5%）：${value} 无法确定是 ${pct}% 还是 ${value}%，不予受理。若为 ${pct}%，请填 ${pct}；若确实不足1%，请不填此项（相关政策的结论为“可能符合”，并列出缺少此项）`;
}

/**
 * Checks a profile someone gives (the anonymous check, an enterprise's own figures): unknown fields,
 * wrong types and absurd values (negative headcount, founding date in the future) are refused per field.
 * Empty values (null, "", blanks) mean "not known" and are dropped. Text is trimmed, enum labels and
 * 是/否 are taken for their codes (`normalised`). `api`: also refuse an ambiguous percentage.
 */
export function profileProblems(
  input: Record<string, unknown>,
  today = chinaDate(),
  options: { api?: boolean } = {},
): {
  profile: Profile;
  problems: Record<string, string>;
} {
  const profile: Profile = {};
  const problems: Record<string, string> = {};
  for (const [name, raw] of Object.entries(input)) {
    const field = FIELD_BY_NAME.get(name);
    if (!field) {
      problems[name] = `未知的字段“${name}”`;
      continue;
    }
    if (field.derivedFrom) {
      problems[name] = `${field.label}由${FIELD_BY_NAME.get(field.derivedFrom)!.label}计算，不能直接填写`;
      continue;
    }
    const value = normalised(field, raw);
    if (value === null || value === undefined || value === "") continue;
    const problem =
      valueProblem(field, value, today) ?? (options.api ? ambiguousPercent(field, value) : null);
    if (problem) problems[name] = problem;
    else profile[name] = value as ProfileValue;
  }
  return { profile, problems };
}

/** A form's text for a field turned into its typed value (or a problem). */
export function parseFieldText(
  field: ProfileField,
  text: string,
): { value?: ProfileValue; problem?: string } {
  const t = text.trim();
  if (t === "") return {};
  let value: unknown = t;
  if (field.type === "integer" || field.type === "number") {
    value = Number(t.replace(/[,，]/g, ""));
    if (Number.isNaN(value)) return { problem: `${field.label}应为数字` };
  } else if (field.type === "boolean") {
    if (["是", "true", "1", "yes"].includes(t)) value = true;
    else if (["否", "false", "0", "no"].includes(t)) value = false;
    else return { problem: `${field.label}应为“是”或“否”` };
  } else if (field.type === "enum" && field.options) {
    const byLabel = Object.entries(field.options).find(([, label]) => label === t);
    if (byLabel) value = byLabel[0];
  }
  const problem = valueProblem(field, value);
  return problem ? { problem } : { value: value as ProfileValue };
}

/** How a value shows to people. */
export function showValue(field: ProfileField | undefined, value: unknown): string {
  if (value === null || value === undefined) return "（未知）";
  if (Array.isArray(value)) return value.map((v) => showValue(field, v)).join("、");
  if (typeof value === "boolean") return value ? "是" : "否";
  if (field?.options && typeof value === "string") return field.options[value] ?? value;
  return `${String(value)}${field?.unit && typeof value === "number" ? field.unit : ""}`;
}
