/**
 * 发文字号 and 索引号 conventions.
 * 发文字号: 机关代字〔YYYY〕N号 — year in 〔〕, no 第, no zero padding (GB/T 9704).
 * 索引号: no national format, so each issuing body configures a pattern; tokens:
 *   {code} issuer code, {year} four-digit year, {seq} sequence (zero-padded to 5), {seq:N} padded to N.
 */
const DOC_NUMBER = /^([\p{Script=Han}A-Za-z]{1,20})〔((?:19|20)\d{2})〕([1-9]\d{0,4})号$/u;

export interface ParsedDocNumber {
  prefix: string;
  year: number;
  serial: number;
}

export function parseDocNumber(text: string): ParsedDocNumber | null {
  const m = DOC_NUMBER.exec(text.trim());
  if (!m) return null;
  return { prefix: m[1], year: Number(m[2]), serial: Number(m[3]) };
}

/** A Chinese explanation of what is wrong with a 发文字号, or null when it is well formed. */
export function docNumberProblem(text: string): string | null {
  const t = text.trim();
  if (!t) return null;
  if (parseDocNumber(t)) return null;
  if (/第/.test(t)) return "发文字号中序号前不加“第”字，如：楚人社发〔2024〕12号";
  if (/[[(（【]\s*\d{4}\s*[\])）】]/.test(t)) return "年份须用六角括号〔〕括起，如：楚人社发〔2024〕12号";
  if (/〕0\d/.test(t)) return "发文序号不编虚位（不加0），如：12号而非012号";
  if (!/号$/.test(t)) return "发文字号须以“号”结尾，如：楚人社发〔2024〕12号";
  return "发文字号格式应为：机关代字〔年份〕序号号，如：楚人社发〔2024〕12号";
}

/** Brings a loosely typed 发文字号 to the standard form when it is unambiguous. */
export function normaliseDocNumberInput(text: string): string {
  return text
    .trim()
    .replace(/\s+/g, "")
    .replace(/[[(（【]((?:19|20)\d{2})[\])）】]/, "〔$1〕");
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
