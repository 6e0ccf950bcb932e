/** Checksums of Chinese identifiers: 居民身份证号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015). */

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

/** The check character for the first 17 digits of an ID number. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

/** A Chinese reason why an 18-digit citizen ID number is invalid, or null when it is valid. */
export function idNumberProblem(value: string): string | null {
  const id = value.trim().toUpperCase();
  if (/^\d(\.\d+)?E\+?\d+$/.test(id))
    return "身份证号码被表格软件改成了科学计数法（如 4.20106E+17），后几位已丢失：请把该列设为“文本”格式后重新填写";
  if (!/^\d{17}[\dX]$/.test(id)) return "身份证号码应为18位，前17位为数字，最后一位为数字或X";
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (
    y < 1900 ||
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== m - 1 ||
    date.getUTCDate() !== d ||
    date > new Date()
  )
    return "身份证号码中的出生日期无效";
  if (idCheckChar(id) !== id[17]) return "身份证号码校验位不正确，请核对后重新填写";
  return null;
}

const USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC_CHARS[(31 - (sum % 31)) % 31];
}

/** A Chinese reason why a unified social credit code is invalid, or null. */
export function creditCodeProblem(value: string): string | null {
  const code = value.trim().toUpperCase();
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code))
    return "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）";
  if (creditCodeCheckChar(code) !== code[17]) return "统一社会信用代码校验位不正确，请核对后重新填写";
  return null;
}

export const MOBILE = /^1[3-9]\d{9}$/;

export function phoneProblem(value: string): string | null {
  const v = value.trim();
  // A landline: 0, an area code that does not start with 0, a local number that does not either.
  if (MOBILE.test(v) || /^0[1-9]\d{1,2}-?[1-9]\d{6,7}$/.test(v)) return null;
  return "请填写11位手机号码或带区号的固定电话";
}

/** Province-level codes of GB/T 2260 (the first two digits of a region code and of an ID number). */
export const PROVINCE_CODES = new Set([
  "11",
  "12",
  "13",
  "14",
  "15",
  "21",
  "22",
  "23",
  "31",
  "32",
  "33",
  "34",
  "35",
  "36",
  "37",
  "41",
  "42",
  "43",
  "44",
  "45",
  "46",
  "50",
  "51",
  "52",
  "53",
  "54",
  "61",
  "62",
  "63",
  "64",
  "65",
  "71",
  "81",
  "82",
]);

/**
 * A Chinese reason why an ID number's address code (its first six digits) is no region, or null.
 * People are registered where they were born, anywhere in China, so only the province and the form
 * of the code are checked (a county list of every province and every year since 1984 is not kept).
 */
export function idRegionProblem(value: string): string | null {
  const id = value.trim();
  // Residence permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证) carry 810000, 820000, 830000.
  if (/^8[123]0000/.test(id)) return null;
  if (!PROVINCE_CODES.has(id.slice(0, 2)) || id.slice(2, 4) === "00")
    return "身份证号码前6位不是有效的行政区划代码";
  return null;
}
