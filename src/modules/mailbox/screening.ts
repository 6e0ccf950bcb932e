import { createHash } from "node:crypto";
import { segment } from "../../platform/search/segmenter.ts";

/**
 * Screening of incoming letters: spam, abuse and sensitive words, and similarity for duplicate and
 * near-duplicate detection (64-bit SimHash over jieba words to find candidates, character-bigram
 * Jaccard to confirm).
 */

const ABUSE = ["傻逼", "傻B", "sb政府", "狗官", "去死", "妈的", "操你", "他妈", "王八蛋", "废物政府"];
const SENSITIVE = ["法轮", "六四", "藏独", "台独", "疆独", "颠覆国家", "炸弹制作", "恐怖袭击"];
const SPAM = [
  "代开发票",
  "加微信",
  "加V",
  "刷单",
  "兼职日结",
  "网赌",
  "博彩",
  "贷款秒批",
  "免费领取",
  "点击领取",
];

export type ScreenFlag = "spam" | "abuse" | "sensitive";

export const FLAG_LABELS: Record<ScreenFlag, string> = {
  spam: "疑似广告",
  abuse: "含辱骂内容",
  sensitive: "含敏感词",
};

export interface ScreenResult {
  flags: ScreenFlag[];
  words: string[];
}

function normaliseForMatch(text: string): string {
  return text.toLowerCase().replace(/[\s\p{P}\p{S}]/gu, "");
}

export function screenText(text: string): ScreenResult {
  const t = normaliseForMatch(text);
  const flags = new Set<ScreenFlag>();
  const words: string[] = [];
  for (const [flag, list] of [
    ["abuse", ABUSE],
    ["sensitive", SENSITIVE],
    ["spam", SPAM],
  ] as [ScreenFlag, string[]][]) {
    for (const w of list) {
      if (t.includes(normaliseForMatch(w))) {
        flags.add(flag);
        words.push(w);
      }
    }
  }
  const links = (text.match(/https?:\/\/|www\./gi) ?? []).length;
  if (links >= 3) flags.add("spam");
  if (/(.)\1{14,}/u.test(t)) flags.add("spam");
  return { flags: [...flags], words };
}

/** Character bigrams of the letters and digits of a text. */
export function bigrams(text: string): Set<string> {
  const chars = [...normaliseForMatch(text)];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  if (chars.length === 1) out.add(chars[0]);
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** 64-bit SimHash (16 hex digits) over the segmented words, weighted by frequency. */
export function simhash(text: string): string {
  const weights = new Map<string, number>();
  for (const w of segment(text.toLowerCase())) weights.set(w, (weights.get(w) ?? 0) + 1);
  const v = new Array<number>(64).fill(0);
  for (const [word, weight] of weights) {
    const h = createHash("md5").update(word).digest();
    for (let bit = 0; bit < 64; bit++) {
      const on = (h[bit >> 3] >> (bit & 7)) & 1;
      v[bit] += on ? weight : -weight;
    }
  }
  let hex = "";
  for (let nibble = 0; nibble < 16; nibble++) {
    let n = 0;
    for (let k = 0; k < 4; k++) if (v[nibble * 4 + k] > 0) n |= 1 << k;
    hex += n.toString(16);
  }
  return hex;
}

export function hammingHex(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    let x = parseInt(a[i], 16) ^ parseInt(b[i], 16);
    while (x) {
      d += x & 1;
      x >>= 1;
    }
  }
  return d;
}

/** Similarity in percent between two letters' texts (bigram Jaccard). */
export function similarityPercent(a: string, b: string): number {
  return Math.round(jaccard(bigrams(a), bigrams(b)) * 100);
}

/** Thresholds: at or above DUPLICATE is a duplicate, at or above NEAR a near-duplicate. */
export const DUPLICATE = 90;
export const NEAR_DUPLICATE = 60;
