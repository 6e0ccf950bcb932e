import { readFileSync } from "node:fs";
import { Jieba } from "@node-rs/jieba";
import { dict } from "@node-rs/jieba/dict.js";
import { pinyin } from "pinyin-pro";
import { allSynonymWords, canonicalWord } from "./synonyms.ts";

const STOP_WORDS = new Set(
  (
    "的 了 和 与 及 或 是 在 有 为 对 等 把 被 让 给 从 向 以 于 之 其 这 那 个 也 都 就 还 又 并 " +
    "吗 呢 吧 啊 呀 么 哪 怎么 怎样 如何 什么 咋 啥 请问 一下 我 你 他 她 我们 要 想 能 可以 需要 " +
    "a an the of and or to in on for is are"
  ).split(" "),
);

const jieba = Jieba.withDict(dict);
const userDict = readFileSync(new URL("./gov-dict.txt", import.meta.url), "utf8");
const synonymDict = allSynonymWords()
  .map((w) => `${w} 3000 n`)
  .join("\n");
jieba.loadDict(Buffer.from(`${userDict.trim()}\n${synonymDict}\n`, "utf8"));

/** Government words and synonyms, found again inside longer compounds (社会保险费 → 社会保险). */
const KNOWN_WORDS = new Set([
  ...userDict
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((w) => w && [...w].length >= 2),
  ...allSynonymWords(),
]);
const MAX_KNOWN_LENGTH = Math.max(...[...KNOWN_WORDS].map((w) => [...w].length));

function knownWordsInside(token: string): string[] {
  const chars = [...token];
  if (chars.length < 3) return [];
  const found: string[] = [];
  for (let start = 0; start < chars.length; start++) {
    for (let len = 2; len <= MAX_KNOWN_LENGTH && start + len <= chars.length; len++) {
      if (len === chars.length) continue;
      const word = chars.slice(start, start + len).join("");
      if (KNOWN_WORDS.has(word)) found.push(word);
    }
  }
  return found;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

function clean(tokens: string[]): string[] {
  const out: string[] = [];
  for (const raw of tokens) {
    const token = raw.trim().toLowerCase();
    if (!token || !WORD_CHAR.test(token) || STOP_WORDS.has(token)) continue;
    // Keep only letters and digits: punctuation inside a token would split differently per engine.
    const word = token.replace(/[^\p{L}\p{N}]/gu, "");
    if (word) out.push(canonicalWord(word));
  }
  return out;
}

/** Tokens for indexing: search-mode segmentation (words and their sub-words), canonical forms. */
export function indexTokens(text: string): string[] {
  const raw = jieba.cutForSearch(text, true);
  const extra: string[] = [];
  for (const token of raw) extra.push(...knownWordsInside(token));
  return clean(extra.length > 0 ? raw.concat(extra) : raw);
}

/**
 * Cleaned precise-mode tokens of recent whitespace-free chunks. jieba segments the runs between
 * whitespace independently, so a query's tokens are its chunks' tokens in order, and a new query
 * ("社保 2024") mostly reuses chunks seen before.
 */
const chunkTokens = new Map<string, string[]>();

function cutChunk(chunk: string): string[] {
  let tokens = chunkTokens.get(chunk);
  if (!tokens) {
    if (chunkTokens.size >= 10_000) chunkTokens.clear();
    tokens = clean(jieba.cut(chunk, true));
    chunkTokens.set(chunk, tokens);
  }
  return tokens;
}

/** Tokens of a query: precise segmentation, canonical forms, stop words removed, de-duplicated. */
export function queryTokens(text: string): string[] {
  return [...new Set(text.split(/\s+/).flatMap((chunk) => (chunk ? cutChunk(chunk) : [])))];
}

/**
 * The parts a compound query word may be indexed as when a document segments it differently
 * (税务总局 inside 国家税务总局 is indexed as 税务 + 总局): its search-mode sub-words, or none.
 * Chinese compounds are right-headed, so the parts must reach the word's end, its head: a document
 * holding only the modifier is about something else (增值 and 增值税 of 增值税发票, whose 发票 is the
 * word itself under its canonical name, are not invoices). One character may stay uncovered, as
 * segmentation leaves it alone (结婚证 → 结婚; 残疾人 → 残疾); on the tuning sets leaving those out
 * cost more than it won.
 */
export function subWords(token: string): string[] {
  if ([...token].length < 3) return [];
  let parts = subWordCache.get(token);
  if (!parts) {
    if (subWordCache.size >= 10_000) subWordCache.clear();
    const covered = new Array<boolean>(token.length).fill(false);
    const found: string[] = [];
    for (const raw of jieba.cutForSearch(token, true)) {
      const word = clean([raw])[0];
      if (word === undefined || word === token || [...word].length < 2) continue;
      found.push(word);
      for (let at = token.indexOf(raw); at >= 0; at = token.indexOf(raw, at + 1))
        covered.fill(true, at, at + raw.length);
    }
    const tail = covered.lastIndexOf(true) + 1;
    const headCovered = token.length - tail <= 1;
    parts = found.length > 0 && headCovered ? [...new Set(found)] : [];
    subWordCache.set(token, parts);
  }
  return parts;
}

const subWordCache = new Map<string, string[]>();

/** Plain segmentation (no canonicalisation), e.g. for keyword extraction. */
export function segment(text: string): string[] {
  return jieba.cut(text, true).filter((t) => WORD_CHAR.test(t));
}

export function toPinyin(word: string): string {
  return pinyin(word, { toneType: "none", type: "array" }).join("");
}

const knownBySound = new Map<"none" | "num", Map<string, string>>();

/**
 * A government word or synonym that sounds like `text` (公基金 → 公积金), if `text` is not one.
 * With `sameTones`, the tones must match too (身分证 → 身份证, but not 医师 → 遗失 or 拍照 → 牌照):
 * for rewriting a query word, where a loose match would turn a real word into another.
 */
export function knownHomophone(text: string, sameTones = false): string | null {
  if (!/^\p{Script=Han}{2,8}$/u.test(text) || KNOWN_WORDS.has(text)) return null;
  const toneType = sameTones ? "num" : "none";
  let bySound = knownBySound.get(toneType);
  if (!bySound) {
    bySound = new Map();
    for (const word of [...KNOWN_WORDS].sort()) {
      const key = pinyin(word, { toneType, type: "array" }).join(" ");
      if (!bySound.has(key)) bySound.set(key, word);
    }
    knownBySound.set(toneType, bySound);
  }
  return bySound.get(pinyin(text, { toneType, type: "array" }).join(" ")) ?? null;
}

/** 发文字号 in a form that ignores brackets and spaces: 楚人社发〔2024〕12号 → 楚人社发202412号. */
export function normaliseDocNumber(text: string): string {
  return text.replace(/[\s〔〕[\]()（）【】{}第]/g, "");
}

const DOC_NUMBER_LIKE = /^[\p{Script=Han}A-Za-z]{1,16}[〔[(（【]?(19|20)\d{2}[〕\])）】]?\d{1,5}号$/u;

export function looksLikeDocNumber(text: string): boolean {
  return DOC_NUMBER_LIKE.test(text.replace(/\s/g, ""));
}

/** The token under which a document's 发文字号 is indexed (letters and digits only). */
export function docNumberToken(docNumber: string): string {
  return `dn${normaliseDocNumber(docNumber)}`.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

/** Part-of-speech tags of a text's words (jieba's tag set: n noun, v verb, …), for query analysis. */
export function posTags(text: string): { word: string; tag: string }[] {
  return jieba.tag(text, true);
}
