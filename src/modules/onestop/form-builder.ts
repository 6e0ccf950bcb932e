import type { Db } from "../../platform/db/database.ts";

import { nowIso } from "../../platform/time/china-time.ts";

import {
  DEFAULT_ACCEPT,
  FIELD_TYPES,
  formSchemaIssues,
  MIME_LABEL,
  type FormField,
  type FormSchema,
} from "./forms.ts";

import type { OneStopTables } from "./tables.ts";

import { KvStore, type KvScope } from "../../platform/kv/kv-store.ts";

/**
 * The no-code form builder's model: a draft of the form as staff typed it (every setting a string, so
 * nothing they typed is lost when it is wrong), turned into a FormSchema and checked by forms.ts.
 */

export interface FieldDraft {
  name: string;
  label: string;
  type: string;
  required: boolean;
  hint: string;
  /** Select and multi-select: one option a line. */
  options: string;
  /** Multi-select: the option that excludes the others ("无以上症状"), or "". */
  exclusiveOption: string;
  pattern: string;
  patternMessage: string;
  maxLength: string;
  min: string;
  max: string;
  accept: string[];
  maxSizeKb: string;
  /** Condition: shown only when the earlier field `whenField` has one of the values (separated by |). */
  whenField: string;
  whenEquals: string;
  minRows: string;
  maxRows: string;
  /** Group: the fields of one row. */
  fields: FieldDraft[];
}

export interface FormDraft {
  /** The version the draft started from. */
  base: number;
  fields: FieldDraft[];
  updatedAt: string;
}

export const MAX_FIELDS = 100;
export const MAX_SUB_FIELDS = 30;
/** Types a group's row may hold (no files, no nested groups). */
export const SUB_FIELD_TYPES = Object.keys(FIELD_TYPES).filter((t) => t !== "file" && t !== "group");

const numText = (n: number | undefined) => (n === undefined ? "" : String(n));

/** A saved field as the builder shows it. */
export function draftOf(f: FormField): FieldDraft {
  const equals = f.when ? (Array.isArray(f.when.equals) ? f.when.equals : [f.when.equals]) : [];
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    required: !!f.required,
    hint: f.hint ?? "",
    options: (f.options ?? []).join("\n"),
    exclusiveOption: f.exclusiveOption ?? "",
    pattern: f.pattern ?? "",
    patternMessage: f.patternMessage ?? "",
    maxLength: numText(f.maxLength),
    min: numText(f.min),
    max: numText(f.max),
    accept: f.accept ?? (f.type === "file" ? [...DEFAULT_ACCEPT] : []),
    maxSizeKb: numText(f.maxSizeKb),
    whenField: f.when?.field ?? "",
    whenEquals: equals.join("|"),
    minRows: numText(f.minRows),
    maxRows: numText(f.maxRows),
    fields: (f.fields ?? []).map(draftOf),
  };
}

export function newField(type: string, taken: FieldDraft[], sub = false): FieldDraft {
  const names = new Set(taken.map((f) => f.name));
  const stem = sub ? "col" : "field";
  let n = taken.length + 1;
  while (names.has(`${stem}${n}`)) n++;
  return {
    ...draftOf({ name: `${stem}${n}`, label: "", type }),
    options: "",
    maxRows: type === "group" ? "10" : "",
    fields: type === "group" ? [newField("text", [], true)] : [],
  };
}

// ---------------------------------------------------------------- reading the posted builder form

type Body = Record<string, unknown>;

function str(body: Body, key: string, max = 200): string {
  const v = body[key];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === "string" ? s.slice(0, max) : "";
}

function list(body: Body, key: string): string[] {
  const v = body[key];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
    (x): x is string => typeof x === "string",
  );
}

/** Indices present under a prefix ("f." or "f.3.sub."), in order: each field posts its type select. */
function indices(body: Body, prefix: string, limit: number): number[] {
  const found = new Set<number>();
  for (const key of Object.keys(body)) {
    if (!key.startsWith(prefix) || !key.endsWith(".type")) continue;
    const middle = key.slice(prefix.length, -".type".length);
    if (/^\d{1,3}$/.test(middle)) found.add(Number(middle));
  }
  return [...found].sort((a, b) => a - b).slice(0, limit);
}

function readField(body: Body, prefix: string, sub: boolean): FieldDraft {
  const types = sub ? SUB_FIELD_TYPES : Object.keys(FIELD_TYPES);
  const type = str(body, `${prefix}type`, 20);
  return {
    name: str(body, `${prefix}name`, 60).trim(),
    label: str(body, `${prefix}label`, 100).trim(),
    type: types.includes(type) ? type : "text",
    required: str(body, `${prefix}required`, 5) === "1",
    hint: str(body, `${prefix}hint`, 300).trim(),
    options: str(body, `${prefix}options`, 8000),
    exclusiveOption: str(body, `${prefix}exclusiveOption`, 100).trim(),
    pattern: str(body, `${prefix}pattern`, 300),
    patternMessage: str(body, `${prefix}patternMessage`, 150).trim(),
    maxLength: str(body, `${prefix}maxLength`, 20).trim(),
    min: str(body, `${prefix}min`, 30).trim(),
    max: str(body, `${prefix}max`, 30).trim(),
    accept: list(body, `${prefix}accept`).filter((m) => Object.hasOwn(MIME_LABEL, m)),
    maxSizeKb: str(body, `${prefix}maxSizeKb`, 20).trim(),
    whenField: str(body, `${prefix}whenField`, 60).trim(),
    whenEquals: str(body, `${prefix}whenEquals`, 300).trim(),
    minRows: str(body, `${prefix}minRows`, 20).trim(),
    maxRows: str(body, `${prefix}maxRows`, 20).trim(),
    fields: sub
      ? []
      : indices(body, `${prefix}sub.`, MAX_SUB_FIELDS).map((j) =>
          readField(body, `${prefix}sub.${j}.`, true),
        ),
  };
}

/** The draft as posted by the builder form (anything malformed becomes an empty setting, never an error). */
export function readDraft(body: Body): FieldDraft[] {
  return indices(body, "f.", MAX_FIELDS).map((i) => readField(body, `f.${i}.`, false));
}

/** A stored draft read back defensively (it is JSON in the kv table). */
function normalize(x: unknown, sub: boolean): FieldDraft {
  const o = (x && typeof x === "object" ? x : {}) as Record<string, unknown>;
  const body: Body = {};
  for (const [k, v] of Object.entries(o)) if (k !== "fields" && k !== "required") body[k] = v;
  body.type = typeof o.type === "string" ? o.type : "text";
  if (o.required === true) body.required = "1";
  const f = readField(body, "", true);
  if (!sub && (o.type === "file" || o.type === "group")) f.type = o.type;
  if (!sub && Array.isArray(o.fields))
    f.fields = o.fields.slice(0, MAX_SUB_FIELDS).map((y) => normalize(y, true));
  return f;
}

// ---------------------------------------------------------------- actions

export type BuilderAction =
  | { kind: "apply" | "save" }
  | { kind: "add"; type: string }
  | { kind: "up" | "down" | "del" | "addsub" | "apply"; index: number; sub: number | null };

export function parseAction(value: string, addType: string): BuilderAction {
  if (value === "save") return { kind: "save" };
  if (value === "add") return { kind: "add", type: Object.hasOwn(FIELD_TYPES, addType) ? addType : "text" };
  const m = /^(up|down|del|addsub|apply):(\d{1,3})(?:\.(\d{1,2}))?$/.exec(value);
  if (m)
    return {
      kind: m[1] as "up" | "down" | "del" | "addsub" | "apply",
      index: Number(m[2]),
      sub: m[3] === undefined ? null : Number(m[3]),
    };
  return { kind: "apply" };
}

function move<T>(items: T[], i: number, kind: "up" | "down" | "del"): T[] {
  const out = [...items];
  if (i < 0 || i >= out.length) return out;
  if (kind === "del") out.splice(i, 1);
  else {
    const j = kind === "up" ? i - 1 : i + 1;
    if (j < 0 || j >= out.length) return out;
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Applies an editing action; returns the new fields and the anchor to show next. */
export function applyAction(
  fields: FieldDraft[],
  action: BuilderAction,
): { fields: FieldDraft[]; anchor: string } {
  switch (action.kind) {
    case "add": {
      if (fields.length >= MAX_FIELDS) return { fields, anchor: "fb-add" };
      return {
        fields: [...fields, newField(action.type, fields)],
        anchor: `fb-f-${fields.length}`,
      };
    }
    case "addsub": {
      const g = fields[action.index];
      if (!g || g.type !== "group" || g.fields.length >= MAX_SUB_FIELDS)
        return { fields, anchor: `fb-f-${action.index}` };
      const next = [...fields];
      next[action.index] = { ...g, fields: [...g.fields, newField("text", g.fields, true)] };
      return { fields: next, anchor: `fb-f-${action.index}-${g.fields.length}` };
    }
    case "up":
    case "down":
    case "del": {
      const { index, sub, kind } = action;
      const target = (i: number) => (kind === "del" ? Math.max(0, i - 1) : kind === "up" ? i - 1 : i + 1);
      if (sub === null) {
        const next = move(fields, index, kind);
        const to = Math.min(Math.max(target(index), 0), next.length - 1);
        return { fields: next, anchor: next.length ? `fb-f-${to}` : "fb-add" };
      }
      const g = fields[index];
      if (!g) return { fields, anchor: "fb-add" };
      const next = [...fields];
      next[index] = { ...g, fields: move(g.fields, sub, kind) };
      const to = Math.min(Math.max(target(sub), 0), next[index].fields.length - 1);
      return { fields: next, anchor: to >= 0 ? `fb-f-${index}-${to}` : `fb-f-${index}` };
    }
    default:
      return { fields, anchor: "index" in action ? `fb-f-${action.index}` : "" };
  }
}

// ---------------------------------------------------------------- draft → schema, with every problem placed

/** The builder control a field's setting is edited in ("f.2.options", "f.2.sub.0.name"). */
export function controlId(path: number[], prop: string): string {
  const base = path.length > 1 ? `f.${path[0]}.sub.${path[1]}` : `f.${path[0]}`;
  return `${base}.${prop}`;
}

const PROP_CONTROL: Record<string, string> = {
  "": "label",
  "when.field": "whenField",
  "when.equals": "whenEquals",
};

/**
 * Turns the draft into a form schema and lists every problem keyed by the builder control it belongs to.
 * Number settings that are not numbers are reported here; everything else by forms.ts formSchemaIssues.
 */
export function schemaOf(fields: FieldDraft[]): { schema: FormSchema; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const toField = (d: FieldDraft, path: number[]): FormField => {
    const f: FormField = { name: d.name, label: d.label, type: d.type };
    const num = (prop: keyof FieldDraft & string, integer: boolean): number | undefined => {
      const s = d[prop] as string;
      if (!s) return undefined;
      const ok = integer ? /^\d{1,6}$/.test(s) : /^-?\d{1,15}(\.\d{1,6})?$/.test(s);
      if (!ok) {
        errors[controlId(path, prop)] = integer ? "须为整数" : "须为数字，如 0、100 或 2.5";
        return undefined;
      }
      return Number(s);
    };
    if (d.required) f.required = true;
    if (d.hint) f.hint = d.hint;
    if (d.whenField || d.whenEquals) {
      const equals = d.whenEquals
        .split("|")
        .map((x) => x.trim())
        .filter(Boolean);
      f.when = { field: d.whenField, equals: equals.length === 1 ? equals[0] : equals };
    }
    switch (d.type) {
      case "text":
      case "textarea":
        f.maxLength = num("maxLength", true);
        if (d.pattern) f.pattern = d.pattern;
        if (d.pattern && d.patternMessage) f.patternMessage = d.patternMessage;
        break;
      case "number":
        f.min = num("min", false);
        f.max = num("max", false);
        break;
      case "select":
      case "multiselect":
        f.options = d.options
          .split(/\r?\n/)
          .map((o) => o.trim())
          .filter(Boolean);
        if (d.type === "multiselect" && d.exclusiveOption) f.exclusiveOption = d.exclusiveOption;
        break;
      case "file":
        f.accept = d.accept;
        f.maxSizeKb = num("maxSizeKb", true);
        break;
      case "group":
        f.fields = d.fields.map((sub, j) => toField(sub, [...path, j]));
        f.minRows = num("minRows", true);
        f.maxRows = num("maxRows", true);
        break;
    }
    for (const k of Object.keys(f) as (keyof FormField)[]) if (f[k] === undefined) delete f[k];
    return f;
  };
  const schema: FormSchema = { fields: fields.map((d, i) => toField(d, [i])) };
  for (const issue of formSchemaIssues(schema)) {
    const key =
      issue.path.length === 0 ? "fb-add" : controlId(issue.path, PROP_CONTROL[issue.prop] ?? issue.prop);
    errors[key] ??= issue.message;
  }
  return { schema, errors };
}

// ---------------------------------------------------------------- drafts kept between requests

/** Each staff member's unsaved draft of an item's form, kept in the kv table so every action can redirect. */
export class FormDrafts {
  private readonly kv: KvScope<Record<`form-draft:${string}`, unknown>>;

  constructor(store: Db<OneStopTables>) {
    this.kv = new KvStore(store.db).scope("onestop");
  }

  private key(itemCode: string, staffId: number) {
    return `form-draft:${itemCode}:${staffId}` as const;
  }

  async get(itemCode: string, staffId: number): Promise<FormDraft | null> {
    const o = (await this.kv.get(this.key(itemCode, staffId))) as
      { base?: unknown; fields?: unknown; updatedAt?: unknown } | null | undefined;
    if (!o || typeof o !== "object") return null;
    return {
      base: Number.isInteger(o.base) ? (o.base as number) : 0,
      fields: Array.isArray(o.fields) ? o.fields.slice(0, MAX_FIELDS).map((x) => normalize(x, false)) : [],
      updatedAt: typeof o.updatedAt === "string" ? o.updatedAt : "",
    };
  }

  async put(itemCode: string, staffId: number, base: number, fields: FieldDraft[]): Promise<void> {
    await this.kv.set(this.key(itemCode, staffId), { base, fields, updatedAt: nowIso() });
  }

  async clear(itemCode: string, staffId: number): Promise<void> {
    await this.kv.delete(this.key(itemCode, staffId));
  }
}
