import { foldDocNumberText, formatDocNumber, parseLooseDocNumber } from "../../platform/search/doc-number.ts";

/**
 * 发文字号 and 索引号 conventions.
 * 发文字号: 机关代字〔YYYY〕N号 — year in 〔〕, no 第, no zero padding (GB/T 9704); announcements are
 * numbered 机关公告YYYY年第N号. Real documents use every other style too: they are normalised to the
 * standard form with a warning, never refused (see platform/search/doc-number.ts).
 * 索引号: no national format, so each issuing body configures a pattern; tokens:
 *   {code} issuer code, {year} four-digit year, {seq} sequence (zero-padded to 5), {seq:N} padded to N.
 */

export interface ParsedDocNumber {
  prefix: string;
  year: number;
  serial: number;
}

/** A 发文字号 with a year, in any common style. */
export function parseDocNumber(text: string): ParsedDocNumber | null {
  const n = parseLooseDocNumber(text);
  if (!n || n.year === null) return null;
  return { prefix: n.prefix, year: n.year, serial: n.serial };
}

/**
 * A Chinese note on how a 发文字号 differs from the standard form (a warning, not a refusal), or null
 * when it is already standard or empty.
 */
export function docNumberProblem(text: string): string | null {
  const t = text.trim();
  if (!t) return null;
  const n = parseLooseDocNumber(t);
  if (!n) return "未能识别发文字号格式，已按原样保存；标准格式如：楚人社发〔2024〕12号";
  if (n.year === null)
    return `发文字号缺少年份，已按原样保存（标准格式如：${n.prefix}〔2024〕${n.serial}号）`;
  const standard = formatDocNumber(n);
  if (standard === t) return null;
  const folded = foldDocNumberText(t);
  const notes: string[] = [];
  if (/第/.test(folded) && !n.announcement) notes.push("序号前不加“第”字");
  if (/[[(（【]/.test(folded)) notes.push("年份须用六角括号〔〕括起");
  if (/(〕|\]|\)|】|年第?)0\d/.test(folded)) notes.push("发文序号不编虚位（不加0）");
  if (folded !== t.replace(/\s+/g, "")) notes.push("数字应为半角");
  if (!/号$/.test(folded)) notes.push("须以“号”结尾");
  return `${notes.length > 0 ? notes.join("，") : "格式不规范"}，已规范为：${standard}`;
}

/** Brings a 发文字号 in any common style to the standard form; unrecognised text is kept as typed. */
export function normaliseDocNumberInput(text: string): string {
  const n = parseLooseDocNumber(text);
  if (!n || n.year === null) return text.trim().replace(/\s+/g, " ");
  return formatDocNumber(n);
}

export function formatIndexNo(format: string, values: { code: string; year: number; seq: number }): string {
  return format
    .replace(/\{code\}/g, values.code)
    .replace(/\{year\}/g, String(values.year))
    .replace(/\{seq(?::(\d+))?\}/g, (_m, width: string | undefined) =>
      String(values.seq).padStart(Number(width ?? 5), "0"),
    );
}

export const DEFAULT_INDEX_FORMAT = "{code}/{year}-{seq:5}";
