/**
 * Links an FAQ entry to the service hall's matching service item (its 办事指南 and 在线办理 pages), by
 * the item's name and themes against the entry's question, phrasings, keywords and category. Pure:
 * the service hands it the published items (through the `ServiceGuides` it is given) and the entries.
 *
 * A name word counts by how rare it is among the catalogue's names (登记, 申领 say little; 社会保障卡
 * says a lot); a word the entry does not have as a word still counts when every character pair of it
 * is in the entry's text. The qualifier in brackets (住房公积金提取（购买自住住房）) counts like the
 * rest of the name. An item is linked when the entry explains at least MIN_MATCH of its name and no
 * other item explains as much.
 */
import { indexTokens, queryTokens } from "../../platform/search/segmenter.ts";
import type { FaqEntry } from "./faq-file.ts";

/** A published service item as the assistant links it. */
export interface ServiceGuideItem {
  code: string;
  name: string;
  /** Themes and life events of the item's guide (they help a match, they never make one). */
  keywords: string[];
  /** The item's 办事指南 page. */
  guideHref: string;
  /** Where to apply online. */
  applyHref: string;
}

/** What the assistant is given to find service items (the container reads the service hall). */
export interface ServiceGuides {
  publishedItems(): Promise<ServiceGuideItem[]>;
}

/** Share of an item's name (IDF-weighted) the entry must contain for a link. */
export const MIN_MATCH = 0.7;
/** Weight of the bracketed qualifier of a name (as much as the name: it tells siblings apart). */
const QUALIFIER_WEIGHT = 1;
/** Weight of the item's themes and life events (bonus only). */
const KEYWORD_BONUS = 0.1;

const BRACKETED = /[（(]([^）)]*)[）)]/g;

function bigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const run of text.toLowerCase().match(/\p{Script=Han}+|[a-z0-9]+/gu) ?? []) {
    const chars = [...run];
    if (chars.length === 1) out.add(chars[0]);
    for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  }
  return out;
}

interface NameWord {
  word: string;
  weight: number;
}

function nameWords(name: string): NameWord[] {
  const qualifier = [...name.matchAll(BRACKETED)].map((m) => m[1]).join(" ");
  const main = name.replace(BRACKETED, " ");
  const words = new Map<string, number>();
  const meaningful = (text: string) => queryTokens(text).filter((w) => [...w].length >= 2);
  for (const w of meaningful(main)) words.set(w, 1);
  // The qualifier tells sibling items apart (购买自住住房 / 离职、退休); its words inside the main
  // name's words (住房 in 住房公积金) tell nothing.
  const mainWords = [...words.keys()];
  for (const w of meaningful(qualifier))
    if (!words.has(w) && !mainWords.some((m) => m.includes(w))) words.set(w, QUALIFIER_WEIGHT);
  return [...words].map(([word, weight]) => ({ word, weight }));
}

/** The best matching items per entry id (entries without a clear match are left out). */
export function matchServiceItems(
  entries: readonly FaqEntry[],
  items: readonly ServiceGuideItem[],
): Map<string, ServiceGuideItem[]> {
  const result = new Map<string, ServiceGuideItem[]>();
  if (items.length === 0) return result;
  const names = items.map((item) => nameWords(item.name));
  const df = new Map<string, number>();
  for (const words of names) for (const { word } of words) df.set(word, (df.get(word) ?? 0) + 1);
  const idf = (word: string) => Math.log(1 + items.length / (df.get(word) ?? 1));
  const itemKeywords = items.map((item) => item.keywords.flatMap((k) => indexTokens(k)));
  for (const entry of entries) {
    const text = [entry.question, ...(entry.alternatives ?? []), ...entry.keywords, entry.category].join(" ");
    const tokens = new Set(indexTokens(text));
    const grams = bigrams(text);
    let best = 0;
    let bestItems: ServiceGuideItem[] = [];
    items.forEach((item, i) => {
      let total = 0;
      let matched = 0;
      for (const { word, weight } of names[i]) {
        const w = weight * idf(word);
        total += w;
        const wordGrams = bigrams(word);
        if (tokens.has(word) || (wordGrams.size > 0 && [...wordGrams].every((g) => grams.has(g))))
          matched += w;
      }
      if (total === 0) return;
      let score = matched / total;
      if (score >= MIN_MATCH && itemKeywords[i].some((k) => tokens.has(k))) score += KEYWORD_BONUS;
      if (score > best + 1e-9) [best, bestItems] = [score, [item]];
      else if (Math.abs(score - best) <= 1e-9) bestItems.push(item);
    });
    // Two items explaining the entry equally well: the entry does not say which one it is about.
    if (best >= MIN_MATCH && bestItems.length === 1) result.set(entry.id, bestItems);
  }
  return result;
}
