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
  /** Computed from another field (its source is that field's source). */
  derivedFrom?: string;
}

/** Every field a rule may test and a profile may hold. A rule on anything else is refused. */
export const PROFILE_FIELDS: ProfileField[] = [
  { name: "industryCode", label: "国民经济行业代码", type: "string", registry: "industryCode" },
  { name: "districtCode", label: "住所行政区划代码", type: "string", registry: "districtCode" },
  { name: "foundedOn", label: "成立日期", type: "date", registry: "foundedOn" },
  { name: "yearsSinceFounded", label: "成立年限", type: "number", unit: "年", derivedFrom: "foundedOn" },
  { name: "registeredCapital", label: "注册资本", type: "number", unit: "元", registry: "registeredCapital" },
  { name: "kind", label: "市场主体类型", type: "string", registry: "kind" },
  { name: "registryStatus", label: "登记状态", type: "string", registry: "status" },
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
  { name: "headcount", label: "从业人数", type: "integer", unit: "人" },
  { name: "annualRevenue", label: "上年度营业收入", type: "number", unit: "万元" },
  { name: "rdRatio", label: "研发费用占营业收入比例", type: "number", unit: "%" },
  { name: "highTech", label: "高新技术企业", type: "boolean" },
  { name: "newHires", label: "本年新招用高校毕业生", type: "integer", unit: "人" },
  { name: "exportRevenue", label: "上年度出口额", type: "number", unit: "万元" },
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
        return `${field.label}只能是：${Object.values(field.options ?? {}).join("、")}`;
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
      return typeof value === "boolean" ? null : `${field.label}应为是或否`;
  }
}

/**
 * Checks a profile someone gives (the anonymous check, an enterprise's own figures): unknown fields,
 * wrong types and absurd values (negative headcount, founding date in the future) are refused per field.
 * Empty values (null, "") mean "not known" and are dropped.
 */
export function profileProblems(
  input: Record<string, unknown>,
  today = chinaDate(),
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
    if (raw === null || raw === undefined || raw === "") continue;
    const problem = valueProblem(field, raw, today);
    if (problem) problems[name] = problem;
    else profile[name] = raw as ProfileValue;
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
