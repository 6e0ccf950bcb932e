import { sniffMime } from "../../platform/files/attachments.ts";
import { idNumberProblem, phoneProblem } from "../../platform/validation/china-ids.ts";
import { isDateString } from "../../platform/time/china-time.ts";
import type { ServiceItem } from "./catalogue.ts";
import { onceOnlySource } from "./once-only.ts";

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
  /** Multiselect: the option that excludes every other ("无以上症状"), chosen alone or not at all. */
  exclusiveOption?: string;
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

const NAME = /^[a-z][a-zA-Z0-9_]{0,39}$/;
export const DEFAULT_ACCEPT = ["application/pdf", "image/jpeg", "image/png"];
export const MIME_LABEL: Record<string, string> = {
  "application/pdf": "PDF",
  "image/jpeg": "JPG",
  "image/png": "PNG",
};
export const DEFAULT_MAX_KB = 5120;

/** One problem of a form definition: where (field index, then sub-field index in a group), which setting, what. */
export interface FormSchemaIssue {
  /** [] for the whole form, [i] for a field, [i, j] for sub-field j of group i. */
  path: number[];
  /** The setting at fault ("name", "label", "options", "pattern", "min", "when", "fields", …); "" for the field. */
  prop: string;
  message: string;
}

const MAX_FIELDS = 100;
const MAX_SUB_FIELDS = 30;

/** Checks a staff-written form definition; every problem in Chinese, tied to its field and setting. */
export function formSchemaIssues(input: unknown): FormSchemaIssue[] {
  const issues: FormSchemaIssue[] = [];
  if (!input || typeof input !== "object" || !Array.isArray((input as FormSchema).fields)) {
    return [{ path: [], prop: "", message: "表单定义须为 JSON 对象，包含 fields 数组" }];
  }
  const fields = (input as FormSchema).fields;
  if (fields.length === 0) issues.push({ path: [], prop: "", message: "表单至少需要一个字段" });
  if (fields.length > MAX_FIELDS)
    issues.push({ path: [], prop: "", message: `表单字段不能超过${MAX_FIELDS}个` });
  const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  const check = (list: FormField[], parent: number[], inGroup: boolean) => {
    const seen = new Set<string>();
    list.forEach((f, i) => {
      const path = [...parent, i];
      const add = (prop: string, message: string) => issues.push({ path, prop, message });
      if (!f || typeof f !== "object") return add("", "不是对象");
      if (typeof f.name !== "string" || !NAME.test(f.name))
        add("name", "name 须以小写字母开头，仅含字母、数字和下划线（40位以内）");
      else if (seen.has(f.name)) add("name", `name “${f.name}”与前面的字段重复`);
      else seen.add(f.name);
      if (typeof f.label !== "string" || !f.label.trim()) add("label", "请填写标签 label");
      else if (f.label.length > 60) add("label", "标签 label 不能超过60字");
      if (f.hint !== undefined && (typeof f.hint !== "string" || f.hint.length > 200))
        add("hint", "提示不能超过200字");
      if (typeof f.type !== "string" || !Object.hasOwn(FIELD_TYPES, f.type)) {
        add("type", `类型 type 无效，可用：${Object.keys(FIELD_TYPES).join("、")}`);
        return;
      }
      if (f.type === "select" || f.type === "multiselect") {
        if (!Array.isArray(f.options) || f.options.length === 0)
          add("options", "选择题须提供 options 选项，至少一项");
        else if (f.options.some((o) => typeof o !== "string" || !o.trim() || o.length > 100))
          add("options", "选项不能为空，每项不超过100字");
        else if (new Set(f.options).size !== f.options.length) add("options", "选项不能重复");
        else if (f.options.length > 100) add("options", "选项不能超过100个");
      }
      if (
        f.exclusiveOption !== undefined &&
        (f.type !== "multiselect" || !Array.isArray(f.options) || !f.options.includes(f.exclusiveOption))
      )
        add("exclusiveOption", "互斥选项 exclusiveOption 只用于多选题，且须是其选项之一");
      if (f.pattern !== undefined) {
        try {
          if (typeof f.pattern !== "string") throw new Error("not a string");
          new RegExp(f.pattern);
        } catch {
          add("pattern", "pattern 不是有效的正则表达式");
        }
      }
      if (
        f.patternMessage !== undefined &&
        (typeof f.patternMessage !== "string" || f.patternMessage.length > 100)
      )
        add("patternMessage", "格式提示不能超过100字");
      if (f.min !== undefined && !isNum(f.min)) add("min", "最小值须为数字");
      if (f.max !== undefined && !isNum(f.max)) add("max", "最大值须为数字");
      if (isNum(f.min) && isNum(f.max) && f.min > f.max) add("min", "最小值不能大于最大值");
      if (
        f.maxLength !== undefined &&
        (!Number.isInteger(f.maxLength) || f.maxLength < 1 || f.maxLength > 2000)
      )
        add("maxLength", "最大字数须为1至2000的整数");
      if (f.type === "file" && inGroup) add("type", "可重复组内暂不支持文件字段");
      if (
        f.accept !== undefined &&
        (!Array.isArray(f.accept) ||
          f.accept.length === 0 ||
          f.accept.some((m) => !Object.hasOwn(MIME_LABEL, m)))
      )
        add("accept", `accept 仅支持 ${Object.keys(MIME_LABEL).join("、")}，至少选一种`);
      if (
        f.maxSizeKb !== undefined &&
        (!Number.isInteger(f.maxSizeKb) || f.maxSizeKb < 1 || f.maxSizeKb > 20480)
      )
        add("maxSizeKb", "文件大小上限须为1至20480 KB 的整数");
      if (f.type === "group") {
        if (inGroup) add("type", "可重复组不能嵌套");
        else if (!Array.isArray(f.fields) || f.fields.length === 0)
          add("fields", "可重复组须至少包含一个子字段 fields");
        else if (f.fields.length > MAX_SUB_FIELDS)
          add("fields", `可重复组的子字段不能超过${MAX_SUB_FIELDS}个`);
        else check(f.fields, path, true);
        const rowsOk = (v: unknown) =>
          v === undefined || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 50);
        if (!rowsOk(f.minRows)) add("minRows", "最少行数须为0至50的整数");
        if (!rowsOk(f.maxRows) || f.maxRows === 0) add("maxRows", "maxRows 须为1至50的整数");
        if (isNum(f.minRows) && isNum(f.maxRows) && f.minRows > f.maxRows)
          add("minRows", "最少行数不能大于最多行数");
      }
      if (f.when !== undefined) {
        const ref = list.slice(0, i).find((x) => x && x.name === f.when?.field);
        const equals = f.when && (Array.isArray(f.when.equals) ? f.when.equals : [f.when.equals]);
        if (!ref) add("when.field", "显示条件 when.field 须引用它之前的字段");
        else if (!equals || equals.length === 0 || equals.some((e) => typeof e !== "string" || !e))
          add("when.equals", "请填写显示条件的取值");
        else if (
          (ref.type === "select" || ref.type === "multiselect") &&
          Array.isArray(ref.options) &&
          equals.some((e) => !ref.options!.includes(e))
        )
          add("when.equals", `条件取值须为“${ref.label}”的选项之一：${ref.options.join("、")}`);
        else if (ref.type === "file" || ref.type === "group" || ref.type === "address")
          add("when.field", "显示条件不能引用文件、地址或可重复组字段");
      }
    });
  };
  check(fields, [], false);
  return issues;
}

/** Checks a staff-written form definition; every problem in Chinese, one line each. */
export function formSchemaProblems(input: unknown): string[] {
  const fields = (input as FormSchema | null)?.fields;
  return formSchemaIssues(input).map(({ path, message }) => {
    if (path.length === 0) return message;
    const f = fields?.[path[0]];
    const sub = path.length > 1 ? f?.fields?.[path[1]] : undefined;
    const name = (x: FormField | undefined) => (x && typeof x.label === "string" ? `“${x.label}”` : "");
    const at =
      path.length > 1
        ? `第${path[0] + 1}个字段${name(f)}内第${path[1] + 1}个字段${name(sub)}`
        : `第${path[0] + 1}个字段${name(f)}`;
    return `${at}：${message}`;
  });
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
    // Fetched through the exchange with consent (or uploaded instead): the apply page asks for it.
    if (onceOnlySource(m)) return;
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
  // An option named twice is one choice (a hand-made post could repeat it to inflate the counts).
  return [...new Set((Array.isArray(v) ? v : v ? [v] : []).map((x) => x.trim()).filter(Boolean))];
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
      if (!isDateString(s)) errors[key] = `${label}须为有效日期，格式如 2026-03-01`;
      return;
    }
    case "select":
      if (!(f.options ?? []).includes(s)) errors[key] = `${label}的选项无效，请重新选择`;
      return;
    case "multiselect": {
      const chosen = v as string[];
      if (chosen.some((x) => !(f.options ?? []).includes(x))) errors[key] = `${label}的选项无效，请重新选择`;
      else if (f.exclusiveOption !== undefined && chosen.length > 1 && chosen.includes(f.exclusiveOption))
        errors[key] = `${label}：“${f.exclusiveOption}”不能与其他选项同时选择`;
      return;
    }
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
  const mime = (await sniffMime(bytes)) ?? "application/octet-stream";
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
