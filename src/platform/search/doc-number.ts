/**
 * 发文字号 as people really write and type them. GB/T 9704 says 机关代字〔YYYY〕N号, but real
 * documents and queries use every bracket (〔〕 [] () 【】 or none), spaces, full-width digits, a
 * 第 before the serial, leading zeros, and the announcement form 国家税务总局公告2023年第1号.
 * One loose parser serves the importer (normalise, warn, never refuse) and search (find a document
 * by its number typed in any of these forms, or by a partial number without the year).
 */

export interface LooseDocNumber {
  /** 机关代字, e.g. 鄂政办发 or 国家税务总局公告. */
  prefix: string;
  /** Null in a partial number (鄂政办发12号). */
  year: number | null;
  serial: number;
  /** Announcement style: 公告2023年第1号 is the official form for 公告. */
  announcement: boolean;
}

const OPEN = "〔[(【（［｛{<《";
const CLOSE = "〕\\])】）］｝}>》";
const FULL = new RegExp(
  `^([\\p{Script=Han}A-Za-z]{1,24}?)[${OPEN}]?((?:19|20)\\d{2})(年)?[${CLOSE}]?(第)?0*([1-9]\\d{0,4}|0)号?$`,
  "u",
);
const PARTIAL = new RegExp(`^([\\p{Script=Han}A-Za-z]{1,24}?)(第)?0*([1-9]\\d{0,4})号$`, "u");

/** Full-width digits, letters and brackets to ASCII; spaces removed. */
export function foldDocNumberText(text: string): string {
  return text.normalize("NFKC").replace(/[\s\u3000]+/g, "");
}

/** Parses a 发文字号 in any common form, or null when the text is not one. */
export function parseLooseDocNumber(text: string): LooseDocNumber | null {
  const t = foldDocNumberText(text);
  if (t.length < 3 || t.length > 40) return null;
  const full = FULL.exec(t);
  if (full && full[5] !== "0") {
    const prefix = full[1];
    // A year without 号 and without brackets would also match plain words followed by a number
    // (e.g. 通知2023): require 号, a bracket or 年 around the year.
    const hasMarker = /号$/.test(t) || full[3] === "年" || new RegExp(`[${OPEN}]`, "u").test(t);
    if (!hasMarker) return null;
    return {
      prefix,
      year: Number(full[2]),
      serial: Number(full[5]),
      announcement: full[3] === "年" || /公告$/.test(prefix),
    };
  }
  const partial = PARTIAL.exec(t);
  if (partial && /[发函字令告办电复规文通]$|公告$/u.test(partial[1])) {
    return {
      prefix: partial[1],
      year: null,
      serial: Number(partial[3]),
      announcement: /公告$/.test(partial[1]),
    };
  }
  return null;
}

/** The standard written form: 鄂政办发〔2023〕12号, or 国家税务总局公告2023年第1号 for announcements. */
export function formatDocNumber(n: LooseDocNumber): string {
  if (n.year === null) return `${n.prefix}${n.serial}号`;
  return n.announcement ? `${n.prefix}${n.year}年第${n.serial}号` : `${n.prefix}〔${n.year}〕${n.serial}号`;
}

function tokenPart(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

/** Index tokens for a document's number: the full number and the number without its year. */
export function docNumberIndexTokens(text: string): string[] {
  const n = parseLooseDocNumber(text);
  if (!n) {
    const raw = tokenPart(foldDocNumberText(text));
    return raw ? [`dn${raw}`] : [];
  }
  // Every ending of the 代字 too (人社发 of 楚人社发): people type the number without the
  // province's character, and a cited number is indexed the same way.
  const prefix = [...tokenPart(n.prefix)];
  const out: string[] = [];
  for (let len = prefix.length; len >= Math.min(2, prefix.length); len--) {
    const ending = prefix.slice(prefix.length - len).join("");
    if (n.year !== null) out.push(`dn${ending}y${n.year}n${n.serial}`);
    out.push(`dnp${ending}n${n.serial}`);
  }
  return out;
}

/** The one token a typed number is searched by (full when it has a year, else the partial one). */
export function docNumberQueryToken(text: string): string | null {
  const n = parseLooseDocNumber(text);
  if (!n) return null;
  return n.year === null
    ? `dnp${tokenPart(n.prefix)}n${n.serial}`
    : `dn${tokenPart(n.prefix)}y${n.year}n${n.serial}`;
}

/** The token a cited number is indexed under (dc…), apart from the numbers documents bear (dn…). */
export function citedToken(docNumberToken: string): string {
  return `dc${docNumberToken.slice(2)}`;
}

/** A 发文字号 cited in running text: 机关代字 run, bracketed year, serial; or …公告YYYY年第N号. */
const CITED = new RegExp(
  `([\\p{Script=Han}A-Za-z]{2,24})(?:[${OPEN}]((?:19|20)\\d{2})[${CLOSE}]|((?:19|20)\\d{2})年)(?:第)?0*([1-9]\\d{0,4})号`,
  "gu",
);
/** Longest 机关代字 tried when the run before a cited number also holds ordinary words. */
const MAX_CITED_PREFIX = 12;

/**
 * Index tokens for the numbers a text cites (an interpretation of 楚人社发〔2024〕5号, news that
 * quotes it), so searching a number also finds what refers to it. The words before the bracket run
 * into the 机关代字 (根据楚人社发〔2024〕5号), so every ending of that run is indexed (as for a
 * document's own number): the real 代字 is one of them and the others are tokens no query forms.
 */
export function citedDocNumberTokens(text: string): string[] {
  const out = new Set<string>();
  for (const m of foldDocNumberText(text).matchAll(CITED)) {
    const run = m[1];
    const year = m[2] ?? m[3];
    const announcement = m[3] !== undefined;
    if (announcement && !/公告$/.test(run)) continue;
    // docNumberIndexTokens adds the shorter endings of the longest one.
    const prefix = run.slice(Math.max(0, run.length - MAX_CITED_PREFIX));
    const written = announcement ? `${prefix}${year}年第${m[4]}号` : `${prefix}〔${year}〕${m[4]}号`;
    for (const token of docNumberIndexTokens(written)) out.add(citedToken(token));
  }
  return [...out];
}
