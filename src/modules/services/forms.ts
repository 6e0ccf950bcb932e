import { fileTypeFromBuffer } from "file-type";
import { idNumberProblem, phoneProblem } from "../../platform/validation/china-ids.ts";
import type { ServiceItem } from "./catalogue.ts";

/** Application forms as data: staff define them as JSON, the server renders and validates them. */

export const FIELD_TYPES: Record<string, string> = {
  text: "单行文本",
  textarea: "多行文本",
  number: "数字",
  date: "日期",
  select: "单选",
  multiselect: "多选",
  idnumber: "身份证号码",
  phone: "电话号码",
  address: "地址",
  file: "文件",
  group: "可重复的一组",
};

export interface FormField {
  name: string;
  label: string;
  type: string;
  required?: boolean;
  hint?: string;
  pattern?: string;
  patternMessage?: string;
  min?: number;
  max?: number;
  maxLength?: number;
  options?: string[];
  /** File fields: accepted MIME types (detected from content) and size limit. */
  accept?: string[];
  maxSizeKb?: number;
  /** Shown and checked only when another field has one of these values. */
  when?: { field: string; equals: string | string[] };
  /** Group fields: the fields of one row, and the row limits. */
  fields?: FormField[];
  minRows?: number;
  maxRows?: number;
}

export interface FormSchema {
  fields: FormField[];
}

export interface FileRef {
  fileId: number;
  name: string;
  size: number;
  mime: string;
}

export type FieldValue = string | string[] | { region: string; detail: string } | FileRef | null | GroupRow[];
export interface GroupRow {
  [name: string]: string | string[] | { region: string; detail: string } | null;
}
export type FormValues = Record<string, FieldValue>;

export interface UploadedFile {
  field: string;
  fileName: string;
  bytes: Buffer;
}

/** Regions of the demo province for address fields. */
export const REGIONS = ["江城市", "云梦市", "青溪县", "白水县", "楚云省其他地区", "省外"];

const NAME = /^[a-z][a-zA-Z0-9]{0,39}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const DEFAULT_ACCEPT = ["application/pdf", "image/jpeg", "image/png"];
const MIME_LABEL: Record<string, string> = {
  "application/pdf": "PDF",
  "image/jpeg": "JPG",
  "image/png": "PNG",
};
export const DEFAULT_MAX_KB = 5120;

/** Checks a staff-written form definition; every problem in Chinese. */
export function formSchemaProblems(input: unknown): string[] {
  const problems: string[] = [];
  if (!input || typeof input !== "object" || !Array.isArray((input as FormSchema).fields)) {
    return ["表单定义须为 JSON 对象，包含 fields 数组"];
  }
  const fields = (input as FormSchema).fields;
  if (fields.length === 0) problems.push("表单至少需要一个字段");
  if (fields.length > 100) problems.push("表单字段不能超过100个");
  const check = (list: FormField[], where: string, inGroup: boolean) => {
    const seen = new Set<string>();
    list.forEach((f, i) => {
      const at = `${where}第${i + 1}个字段${f && typeof f.label === "string" ? `“${f.label}”` : ""}`;
      if (!f || typeof f !== "object") return problems.push(`${at}不是对象`);
      if (typeof f.name !== "string" || !NAME.test(f.name))
        problems.push(`${at}的 name 须以小写字母开头，仅含字母和数字（40位以内）`);
      else if (seen.has(f.name)) problems.push(`${at}的 name “${f.name}”重复`);
      else seen.add(f.name);
      if (typeof f.label !== "string" || !f.label.trim() || f.label.length > 60)
        problems.push(`${at}缺少标签 label（60字以内）`);
      if (!(f.type in FIELD_TYPES))
        problems.push(`${at}的类型 type 无效，可用：${Object.keys(FIELD_TYPES).join("、")}`);
      if (
        (f.type === "select" || f.type === "multiselect") &&
        (!Array.isArray(f.options) ||
          f.options.length === 0 ||
          f.options.some((o) => typeof o !== "string" || !o))
      )
        problems.push(`${at}为选择题，须提供 options 选项列表`);
      if (f.pattern !== undefined) {
        try {
          new RegExp(f.pattern);
        } catch {
          problems.push(`${at}的 pattern 不是有效的正则表达式`);
        }
      }
      if (f.type === "file" && inGroup) problems.push(`${at}：可重复组内暂不支持文件字段`);
      if (f.type === "group") {
        if (inGroup) problems.push(`${at}：可重复组不能嵌套`);
        else if (!Array.isArray(f.fields) || f.fields.length === 0)
          problems.push(`${at}为可重复组，须提供 fields`);
        else check(f.fields, `${at}内`, true);
        if (f.maxRows !== undefined && (!Number.isInteger(f.maxRows) || f.maxRows < 1 || f.maxRows > 50))
          problems.push(`${at}的 maxRows 须为1至50`);
      }
      if (f.accept !== undefined && (!Array.isArray(f.accept) || f.accept.some((m) => !(m in MIME_LABEL))))
        problems.push(`${at}的 accept 仅支持 ${Object.keys(MIME_LABEL).join("、")}`);
      if (f.when !== undefined) {
        const ref = list.slice(0, i).find((x) => x && x.name === f.when?.field);
        if (!ref) problems.push(`${at}的显示条件 when.field 须引用它之前的字段`);
      }
    });
  };
  check(fields, "", false);
  return problems;
}

/** The form used when staff have not defined one: applicant details plus one upload per material to submit. */
export function defaultForm(item: ServiceItem): FormSchema {
  const legal = item.guide.audience.includes("legal") && !item.guide.audience.includes("person");
  const fields: FormField[] = legal
    ? [
        { name: "orgName", label: "单位名称", type: "text", required: true, maxLength: 100 },
        {
          name: "creditCode",
          label: "统一社会信用代码",
          type: "text",
          required: true,
          pattern: "^[0-9A-HJ-NPQRTUWXY]{18}$",
          patternMessage: "统一社会信用代码应为18位数字或大写字母",
        },
        { name: "agentName", label: "经办人姓名", type: "text", required: true, maxLength: 30 },
        { name: "agentIdNumber", label: "经办人身份证号码", type: "idnumber", required: true },
        { name: "phone", label: "联系电话", type: "phone", required: true },
        { name: "address", label: "单位地址", type: "address", required: true },
      ]
    : [
        { name: "applicantName", label: "申请人姓名", type: "text", required: true, maxLength: 30 },
        { name: "idNumber", label: "身份证号码", type: "idnumber", required: true },
        { name: "phone", label: "联系电话", type: "phone", required: true },
        { name: "address", label: "联系地址", type: "address", required: true },
      ];
  item.guide.materials.forEach((m, i) => {
    if (m.sparedBy) return;
    if (m.trust === "D") {
      // The applicant's own commitment (告知承诺): a declaration, not an upload.
      fields.push({
        name: `material${i + 1}`,
        label: m.name,
        type: "select",
        required: m.required,
        options: ["本人承诺所填信息真实有效"],
        hint: "告知承诺：无需上传材料",
      });
      return;
    }
    fields.push({
      name: `material${i + 1}`,
      label: m.name,
      type: "file",
      required: m.required,
      hint: `${m.form}，支持PDF、JPG、PNG，不超过5MB`,
    });
  });
  fields.push({ name: "remark", label: "补充说明", type: "textarea", maxLength: 500 });
  return { fields };
}

/** Whether a field's condition holds for the values given. */
export function fieldActive(field: FormField, values: Record<string, unknown>): boolean {
  if (!field.when) return true;
  const v = values[field.when.field];
  const wanted = Array.isArray(field.when.equals) ? field.when.equals : [field.when.equals];
  if (Array.isArray(v)) return v.some((x) => wanted.includes(String(x)));
  return typeof v === "string" && wanted.includes(v);
}

/** Flat form input: one or more strings per key (multiselect repeats its key). */
export type RawInput = Record<string, string | string[]>;

const one = (raw: RawInput, key: string): string => {
  const v = raw[key];
  return (Array.isArray(v) ? (v[0] ?? "") : (v ?? "")).trim();
};
const many = (raw: RawInput, key: string): string[] => {
  const v = raw[key];
  return (Array.isArray(v) ? v : v ? [v] : []).map((x) => x.trim()).filter(Boolean);
};

/** Rows of a group in the raw input (keys like members.0.name), at least minRows. */
export function groupRowCount(field: FormField, raw: RawInput): number {
  let max = -1;
  const prefix = `${field.name}.`;
  for (const key of Object.keys(raw)) {
    if (!key.startsWith(prefix)) continue;
    const n = Number(key.slice(prefix.length).split(".")[0]);
    if (Number.isInteger(n) && n >= 0 && n < 50) max = Math.max(max, n);
  }
  return max + 1;
}

function simpleValue(field: FormField, raw: RawInput, key: string): FieldValue {
  if (field.type === "multiselect") return many(raw, key);
  if (field.type === "address")
    return { region: one(raw, `${key}.region`), detail: one(raw, `${key}.detail`).slice(0, 200) };
  const limit = field.maxLength ?? (field.type === "textarea" ? 2000 : 200);
  return one(raw, key).slice(0, Math.max(limit, 1) + 1);
}

/** Reads the values the form defines out of raw input (ignores anything else: tampered extra keys). */
export function readValues(schema: FormSchema, raw: RawInput, previous: FormValues = {}): FormValues {
  const values: FormValues = {};
  for (const f of schema.fields) {
    if (f.type === "file") {
      values[f.name] = (previous[f.name] as FileRef | null) ?? null;
    } else if (f.type === "group") {
      const rows: GroupRow[] = [];
      const n = Math.min(groupRowCount(f, raw), f.maxRows ?? 20);
      for (let i = 0; i < n; i++) {
        const row: GroupRow = {};
        for (const sub of f.fields ?? [])
          row[sub.name] = simpleValue(sub, raw, `${f.name}.${i}.${sub.name}`) as GroupRow[string];
        const empty = Object.values(row).every((v) =>
          Array.isArray(v) ? v.length === 0 : typeof v === "object" && v ? !v.region && !v.detail : !v,
        );
        if (!empty) rows.push(row);
      }
      values[f.name] = rows;
    } else {
      values[f.name] = simpleValue(f, raw, f.name);
    }
  }
  return values;
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object" && "region" in (v as object)) {
    const a = v as { region: string; detail: string };
    return !a.region && !a.detail;
  }
  return false;
}

function checkSimple(f: FormField, v: unknown, key: string, errors: Record<string, string>): void {
  const label = f.label;
  if (isEmpty(v)) {
    if (f.required)
      errors[key] =
        f.type === "select" || f.type === "multiselect"
          ? `请选择${label}`
          : f.type === "file"
            ? `请上传${label}`
            : `请填写${label}`;
    return;
  }
  const s = typeof v === "string" ? v : "";
  const limit = f.maxLength ?? (f.type === "textarea" ? 2000 : 200);
  switch (f.type) {
    case "number": {
      const n = Number(s);
      if (!/^-?\d+(\.\d+)?$/.test(s) || !Number.isFinite(n)) errors[key] = `${label}须为数字`;
      else if (f.min !== undefined && n < f.min) errors[key] = `${label}不能小于${f.min}`;
      else if (f.max !== undefined && n > f.max) errors[key] = `${label}不能大于${f.max}`;
      return;
    }
    case "date": {
      const d = new Date(`${s}T00:00:00Z`);
      if (!DATE.test(s) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s)
        errors[key] = `${label}须为有效日期，格式如 2026-03-01`;
      return;
    }
    case "select":
      if (!(f.options ?? []).includes(s)) errors[key] = `${label}的选项无效，请重新选择`;
      return;
    case "multiselect":
      if ((v as string[]).some((x) => !(f.options ?? []).includes(x)))
        errors[key] = `${label}的选项无效，请重新选择`;
      return;
    case "idnumber": {
      const p = idNumberProblem(s);
      if (p) errors[key] = `${label}：${p}`;
      return;
    }
    case "phone": {
      const p = phoneProblem(s);
      if (p) errors[key] = `${label}：${p}`;
      return;
    }
    case "address": {
      const a = v as { region: string; detail: string };
      if (!REGIONS.includes(a.region)) errors[`${key}.region`] = `请选择${label}所在地区`;
      if (!a.detail) errors[`${key}.detail`] = `请填写${label}的详细地址`;
      return;
    }
  }
  if (s.length > limit) errors[key] = `${label}不能超过${limit}字`;
  else if (f.pattern && !new RegExp(f.pattern).test(s))
    errors[key] = f.patternMessage ?? `${label}格式不正确`;
}

/** Every problem of the values at once, keyed by field path (the control's id). */
export function validateValues(schema: FormSchema, values: FormValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of schema.fields) {
    if (!fieldActive(f, values)) continue;
    const v = values[f.name];
    if (f.type === "group") {
      const rows = (v as GroupRow[]) ?? [];
      const min = f.minRows ?? (f.required ? 1 : 0);
      if (rows.length < min)
        errors[`${f.name}.0.${f.fields?.[0]?.name ?? ""}`] = `${f.label}至少填写${min}行`;
      rows.forEach((row, i) => {
        for (const sub of f.fields ?? []) {
          if (!fieldActive(sub, row)) continue;
          const e: Record<string, string> = {};
          checkSimple(
            { ...sub, label: `${f.label}第${i + 1}行的${sub.label}` },
            row[sub.name],
            `${f.name}.${i}.${sub.name}`,
            e,
          );
          Object.assign(errors, e);
        }
      });
    } else {
      checkSimple(f, v, f.name, errors);
    }
  }
  return errors;
}

/** Drops values of fields whose condition does not hold (they were not asked). */
export function activeValues(schema: FormSchema, values: FormValues): FormValues {
  const out: FormValues = {};
  for (const f of schema.fields) if (fieldActive(f, values)) out[f.name] = values[f.name];
  return out;
}

/** Checks an uploaded file against its field: detected type (not the name) and size. */
export async function fileProblem(
  field: FormField,
  bytes: Buffer,
): Promise<{ problem: string | null; mime: string }> {
  const accept = field.accept ?? DEFAULT_ACCEPT;
  const maxKb = field.maxSizeKb ?? DEFAULT_MAX_KB;
  if (bytes.length === 0) return { problem: `${field.label}是空文件，请重新上传`, mime: "" };
  if (bytes.length > maxKb * 1024)
    return {
      problem: `${field.label}不能超过${maxKb >= 1024 ? `${Math.round(maxKb / 1024)}MB` : `${maxKb}KB`}`,
      mime: "",
    };
  const detected = await fileTypeFromBuffer(bytes);
  const mime = detected?.mime ?? "application/octet-stream";
  if (!accept.includes(mime))
    return {
      problem: `${field.label}仅支持${accept.map((m) => MIME_LABEL[m] ?? m).join("、")}格式，请检查文件`,
      mime,
    };
  return { problem: null, mime };
}

/** A readable rendering of a value (receipts, handler view). */
export function displayValue(field: FormField, v: FieldValue | undefined): string {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v))
    return v.length ? (typeof v[0] === "string" ? (v as string[]).join("、") : `${v.length}行`) : "—";
  if (typeof v === "object" && "region" in v) return `${v.region}${v.detail}` || "—";
  if (typeof v === "object" && "fileId" in v) return `${v.name}（${Math.ceil(v.size / 1024)}KB）`;
  return String(v) || "—";
}
