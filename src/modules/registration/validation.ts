import { readFileSync } from "node:fs";
import {
  idCheckChar,
  idNumberProblem,
  idRegionProblem,
  phoneProblem,
} from "../../platform/validation/china-ids.ts";
import {
  activeValues,
  readValues,
  validateValues,
  type FormSchema,
  type RawInput,
} from "../onestop/index.ts";

/**
 * What one submission must satisfy: GB 11643 ID numbers (form, birth date not in the future, check
 * character, a real province), mobile phones, the province's district codes (行政区划代码, shipped as
 * data in data/districts-hubei.json) and the campaign's own questions (the service hall's form engine).
 */

export interface District {
  code: string;
  city: string;
  name: string;
}

const DISTRICT_FILE = new URL("../../../data/districts-hubei.json", import.meta.url);

/** The demo province's county-level districts (湖北省, 42xxxx), in code order. */
export const DISTRICTS: District[] = (
  JSON.parse(readFileSync(DISTRICT_FILE, "utf8")) as { districts: [string, string, string][] }
).districts.map(([code, city, name]) => ({ code, city, name }));

const BY_CODE = new Map(DISTRICTS.map((d) => [d.code, d]));

export function districtByCode(code: string): District | undefined {
  return BY_CODE.get(code);
}

export function districtLabel(code: string): string {
  const d = BY_CODE.get(code);
  // 仙桃市, not 省直辖县级行政区划仙桃市: the province's directly governed cities have no city above them.
  return d ? (d.city === "省直辖县级行政区划" ? d.name : `${d.city}${d.name}`) : code;
}

/** The question types a campaign may ask (the fixed fields cover identity, phone and district). */
export const QUESTION_TYPES = ["text", "textarea", "number", "date", "select", "multiselect"];

export type Answers = Record<string, string | string[]>;

export interface SubmissionInput {
  name: string;
  idNumber: string;
  phone: string;
  district: string;
  answers: Answers;
}

export interface CheckedSubmission extends SubmissionInput {
  idNumber: string;
}

const NAME = /^[\p{Script=Han}A-Za-z·•．. ]{2,30}$/u;

/** Turns a JSON `answers` object into the form engine's raw input (strings and string lists only). */
export function answersToRaw(schema: FormSchema, answers: unknown): RawInput {
  const raw: RawInput = {};
  if (!answers || typeof answers !== "object" || Array.isArray(answers)) return raw;
  const given = answers as Record<string, unknown>;
  for (const f of schema.fields) {
    const v = given[f.name];
    if (typeof v === "string") raw[f.name] = v.slice(0, 4000);
    else if (typeof v === "number" || typeof v === "boolean") raw[f.name] = String(v);
    else if (Array.isArray(v)) raw[f.name] = v.filter((x): x is string => typeof x === "string").slice(0, 50);
  }
  return raw;
}

/**
 * Keys of a JSON `answers` object that name no question of the form (a typo or another form's
 * question would otherwise be dropped without a word): at most 10, each cut to 50 characters.
 */
export function unknownAnswerKeys(schema: FormSchema, answers: unknown): string[] {
  if (!answers || typeof answers !== "object" || Array.isArray(answers)) return [];
  const names = new Set(schema.fields.map((f) => f.name));
  return Object.keys(answers)
    .filter((k) => !names.has(k))
    .slice(0, 10)
    .map((k) => k.slice(0, 50));
}

/** Full-width digits and letters (４２０１…Ｘ, from Chinese input methods or Excel) as ASCII. */
const halfWidth = (text: string) => text.normalize("NFKC");

/** The raw answers with number and date questions read in half-width (３７.５ → 37.5). */
function withHalfWidthNumbers(schema: FormSchema, raw: RawInput): RawInput {
  const out: RawInput = { ...raw };
  for (const f of schema.fields) {
    const v = raw[f.name];
    if ((f.type === "number" || f.type === "date") && typeof v === "string") out[f.name] = halfWidth(v);
  }
  return out;
}

/**
 * Checks a submission; returns the cleaned values and every problem at once, keyed by field
 * (`name`, `idNumber`, `phone`, `district`, and each question by its own name).
 */
export function checkSubmission(
  schema: FormSchema,
  input: { name?: unknown; idNumber?: unknown; phone?: unknown; district?: unknown },
  raw: RawInput,
): { value: CheckedSubmission; errors: Record<string, string> } {
  const text = (v: unknown, max: number) => (typeof v === "string" ? v.trim().slice(0, max) : "");
  const name = text(input.name, 60);
  const idNumber = halfWidth(text(input.idNumber, 40)).toUpperCase();
  const phone = halfWidth(text(input.phone, 30)).replace(/[\s-]/g, "");
  const district = halfWidth(text(input.district, 10));
  const errors: Record<string, string> = {};
  if (!name) errors.name = "请填写姓名";
  else if (!NAME.test(name)) errors.name = "姓名应为2～30个汉字或字母";
  if (!idNumber) errors.idNumber = "请填写身份证号码";
  else {
    const p = idNumberProblem(idNumber) ?? idRegionProblem(idNumber);
    if (p) errors.idNumber = p;
  }
  if (!phone) errors.phone = "请填写联系电话（手机号码或带区号的固定电话）";
  else {
    // A landline with its area code reaches an elderly resident too.
    const p = phoneProblem(phone);
    if (p) errors.phone = p;
  }
  if (!district) errors.district = "请选择所在县（市、区）";
  else if (!BY_CODE.has(district))
    errors.district = "所在县（市、区）代码无效，应为本省的6位行政区划代码，如 420102";
  const values = readValues(schema, withHalfWidthNumbers(schema, raw));
  Object.assign(errors, validateValues(schema, values));
  const answers: Answers = {};
  for (const [k, v] of Object.entries(activeValues(schema, values))) {
    if (typeof v === "string" && v !== "") answers[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === "string") && v.length > 0)
      answers[k] = v as string[];
  }
  return { value: { name, idNumber, phone, district, answers }, errors };
}

const EXAMPLE_ID = "42010219900307001";

/** A valid example body for a form (the API's `example`): a generated ID number, a demo phone. */
export function exampleBody(schema: FormSchema): SubmissionInput {
  const answers: Answers = {};
  for (const f of schema.fields) {
    if (!f.required && f.type !== "select") continue;
    if (f.type === "select") answers[f.name] = f.options?.[0] ?? "";
    else if (f.type === "multiselect") answers[f.name] = (f.options ?? []).slice(0, 1);
    else if (f.type === "number") answers[f.name] = String(f.min ?? 1);
    else if (f.type === "date") answers[f.name] = "2026-01-01";
    else answers[f.name] = "无";
  }
  return {
    name: "张三",
    idNumber: EXAMPLE_ID + idCheckChar(EXAMPLE_ID),
    phone: "13900000001",
    district: "420102",
    answers,
  };
}
