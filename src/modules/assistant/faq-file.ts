import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** The demo FAQ knowledge base the project ships: data/faq.jsonl in the repository. */
export const DEFAULT_FAQ_PATH = resolve(REPO_ROOT, "data/faq.jsonl");

/** One FAQ entry of the knowledge base (the shape of a line of faq.jsonl). */
export interface FaqEntry {
  id: string;
  department: string;
  category: string;
  question: string;
  /** Other phrasings of the question, written by editors. */
  alternatives?: string[];
  answer: string;
  keywords: string[];
}

export interface FaqLineError {
  /** 1-based line number in the file. */
  line: number;
  message: string;
}

export interface FaqParseResult {
  entries: FaqEntry[];
  errors: FaqLineError[];
}

/** Any stable id of the source system (faq-001, 12345, HZ-2024/07, kb:tax:001), without spaces. */
const ID_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._:/#-]{0,99}$/u;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/** Validates one parsed JSON value; returns the entry or a list of problems. */
export function validateFaqEntry(value: unknown): FaqEntry | string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return ["不是一个 JSON 对象"];
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  const text = (key: string): string => {
    const field = v[key];
    if (typeof field !== "string" || field.trim() === "") {
      problems.push(`字段 ${key} 缺失或为空`);
      return "";
    }
    return field.trim();
  };
  // A numeric id of the source system (12345) is as stable as a text one.
  if (typeof v.id === "number" && Number.isInteger(v.id) && v.id >= 0) v.id = String(v.id);
  const id = text("id");
  if (id && !ID_PATTERN.test(id)) problems.push(`id "${id}" 应为不含空格的稳定编号（最多100个字符）`);
  // The department is shown beside an answer; a knowledge base without one still answers.
  const department = v.department == null || v.department === "" ? "" : text("department");
  const category = text("category");
  const question = text("question");
  const answer = text("answer");
  // The console's limits: a knowledge base from elsewhere cannot hold what an editor could not save.
  if ([...question].length > 200) problems.push("字段 question 不能超过200字");
  if ([...answer].length > 4000) problems.push("字段 answer 不能超过4000字");
  if ([...category].length > 40) problems.push("字段 category 不能超过40字");
  if ([...department].length > 40) problems.push("字段 department 不能超过40字");
  // Lists may come as one string from other systems: keywords split on commas, 、 or spaces,
  // alternative phrasings on line breaks or |.
  let keywords: string[] = [];
  if (v.keywords === undefined || v.keywords === null) keywords = [];
  else if (typeof v.keywords === "string") keywords = v.keywords.split(/[,，、;；\s]+/).filter(Boolean);
  else if (isStringArray(v.keywords)) keywords = v.keywords.map((k) => k.trim()).filter(Boolean);
  else problems.push("字段 keywords 必须是字符串数组");
  let alternatives: string[] | undefined;
  if (typeof v.alternatives === "string")
    alternatives = v.alternatives
      .split(/\r?\n|\|/)
      .map((a) => a.trim())
      .filter(Boolean);
  else if (v.alternatives !== undefined && v.alternatives !== null) {
    if (isStringArray(v.alternatives)) alternatives = v.alternatives.map((k) => k.trim()).filter(Boolean);
    else problems.push("字段 alternatives 必须是字符串数组");
  }
  if (keywords.length > 20 || keywords.some((k) => [...k].length > 30))
    problems.push("字段 keywords 最多20个，每个不超过30字");
  if (alternatives && (alternatives.length > 30 || alternatives.some((a) => [...a].length > 200)))
    problems.push("字段 alternatives 最多30条，每条不超过200字");
  if (problems.length > 0) return problems;
  const entry: FaqEntry = { id, department, category, question, answer, keywords };
  if (alternatives) entry.alternatives = alternatives;
  return entry;
}

/** Parses faq.jsonl text: one JSON object per line, blank lines ignored, duplicate ids reported. */
export function parseFaqJsonl(text: string): FaqParseResult {
  const entries: FaqEntry[] = [];
  const errors: FaqLineError[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.replace(/^\uFEFF/, "").trim();
    if (!trimmed) return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      errors.push({ line, message: `JSON 解析失败：${(error as Error).message}` });
      return;
    }
    const result = validateFaqEntry(value);
    if (Array.isArray(result)) {
      errors.push({ line, message: result.join("；") });
      return;
    }
    const previous = seen.get(result.id);
    if (previous !== undefined) {
      errors.push({ line, message: `id ${result.id} 与第 ${previous} 行重复` });
      return;
    }
    seen.set(result.id, line);
    entries.push(result);
  });
  return { entries, errors };
}

/** A file that is neither UTF-8 (with or without BOM), UTF-16 with a BOM, nor GBK / GB18030. */
export class UnreadableText extends Error {}

/**
 * A file's text: UTF-8 (with or without BOM), UTF-16 with its BOM, else GB18030 (GBK) as spreadsheets
 * save it on Chinese Windows, provided every byte is valid in it. A file valid in none of them is
 * refused, never read as garbled text (one stray Latin-1 byte in a UTF-8 file is not a GBK file).
 */
export function readTextFile(path: string): { text: string; encoding: string } {
  const bytes = readFileSync(path);
  const strict = (label: string, from = 0) =>
    new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(from));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: strict("utf-16le", 2), encoding: "UTF-16" };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: strict("utf-16be", 2), encoding: "UTF-16" };
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    return { text: strict("utf-8", bom ? 3 : 0), encoding: "UTF-8" };
  } catch {
    if (bom) throw new UnreadableText("文件以 UTF-8 标记开头，但内容不是有效的 UTF-8 编码");
  }
  try {
    const text = strict("gb18030");
    if (!text.includes("\uFFFD")) return { text, encoding: "GB18030" };
  } catch {
    // not GB18030 either
  }
  throw new UnreadableText("文件不是有效的 UTF-8 或 GBK 编码，请用文本编辑器另存为 UTF-8 后重新导入");
}

export function loadFaqFile(path: string): FaqParseResult & { encoding: string } {
  let read: { text: string; encoding: string };
  try {
    read = readTextFile(path);
  } catch (error) {
    if (!(error instanceof UnreadableText)) throw error;
    return { entries: [], errors: [{ line: 1, message: error.message }], encoding: "" };
  }
  return { ...parseFaqJsonl(read.text), encoding: read.encoding };
}

/** Alternative citizen phrasings kept in the repository, keyed by FAQ id (one JSON object a line). */
export const DEFAULT_ALTERNATIVES_PATH = resolve(REPO_ROOT, "data/faq-alternatives.jsonl");

/** Reads {"id": "faq-001", "alternatives": ["…"]} lines; a missing file gives an empty map. */
export function loadAlternatives(path: string = DEFAULT_ALTERNATIVES_PATH): {
  alternatives: Map<string, string[]>;
  errors: FaqLineError[];
} {
  const alternatives = new Map<string, string[]>();
  const errors: FaqLineError[] = [];
  if (!existsSync(path)) return { alternatives, errors };
  let text: string;
  try {
    text = readTextFile(path).text;
  } catch (error) {
    if (!(error instanceof UnreadableText)) throw error;
    return { alternatives, errors: [{ line: 1, message: error.message }] };
  }
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.replace(/^\uFEFF/, "").trim();
    if (!trimmed) return;
    try {
      const value = JSON.parse(trimmed) as { id?: unknown; alternatives?: unknown };
      if (typeof value.id !== "string" || !ID_PATTERN.test(value.id) || !isStringArray(value.alternatives))
        throw new Error("需要 id（稳定编号）和 alternatives（字符串数组）");
      const list = alternatives.get(value.id) ?? [];
      alternatives.set(value.id, [...list, ...value.alternatives.map((a) => a.trim()).filter(Boolean)]);
    } catch (error) {
      errors.push({ line: index + 1, message: (error as Error).message });
    }
  });
  return { alternatives, errors };
}

/** Entries with the repository's alternative phrasings merged in. */
export function withAlternatives(entries: FaqEntry[], alternatives: Map<string, string[]>): FaqEntry[] {
  return entries.map((e) => {
    const extra = alternatives.get(e.id);
    return extra ? { ...e, alternatives: [...new Set([...(e.alternatives ?? []), ...extra])] } : e;
  });
}
