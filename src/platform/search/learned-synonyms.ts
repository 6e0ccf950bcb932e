import type { Db } from "../db/database.ts";
import { segment, subWords } from "./segmenter.ts";
import { canonicalWord, QUERY_SYNONYMS, surfaceForms } from "./synonyms.ts";
import type { SearchTables } from "./tables.ts";

const RELOAD_MS = 5000;

/** A synonym pair as one key (the built-in pairs' switches are rows of the same word and canonical). */
export const synonymPairKey = (word: string, canonical: string) => `${word}\u001f${canonical}`;

/** The built-in query-time pairs an editor switched off in the console (rejected rows of those pairs). */
export async function switchedOffBuiltIns(store: Db<SearchTables>): Promise<Set<string>> {
  const rows = await store.read
    .selectFrom("searchSynonyms")
    .select(["word", "canonical"])
    .where("status", "=", "rejected")
    .where("source", "=", "builtin")
    .execute();
  return new Set(rows.map((r) => synonymPairKey(r.word, r.canonical)));
}

/**
 * Synonym pairs mined from the platform's own text and approved by an editor, with the built-in
 * query-time pairs (QUERY_SYNONYMS). Unlike the built-in groups (synonyms.ts, applied when indexing),
 * these apply at query time: a query word also matches its approved partners, so approving a pair
 * needs no re-index and takes effect within seconds.
 */
export class LearnedSynonyms {
  private partners = new Map<string, string[]>();
  /** Surface phrases (as written) and their partners, longest first. */
  private phrases: { surface: string; partners: string[] }[] = [];
  private loadedAt = 0;
  private loading: Promise<LearnedSynonyms> | null = null;

  /** Drops the loaded pairs (a pair was approved or rejected). */
  invalidate(): void {
    this.loadedAt = 0;
  }

  async load(store: Db<SearchTables>): Promise<LearnedSynonyms> {
    if (Date.now() - this.loadedAt < RELOAD_MS) return this;
    this.loading ??= (async () => {
      let approved: { word: string; canonical: string }[] = [];
      let off = new Set<string>();
      try {
        approved = await store.read
          .selectFrom("searchSynonyms")
          .select(["word", "canonical"])
          .where("status", "=", "approved")
          .execute();
        off = await switchedOffBuiltIns(store);
      } catch {
        // Before the migration or on a read error: the built-in pairs only, never a failed search.
      }
      try {
        const builtIn = QUERY_SYNONYMS.filter(
          ([word, canonical]) => !off.has(synonymPairKey(word, canonical)),
        ).map(([word, canonical]) => ({ word, canonical }));
        const rows = [...builtIn, ...approved];
        const partners = new Map<string, string[]>();
        const link = (a: string, b: string) => {
          const list = partners.get(a) ?? [];
          if (!list.includes(b)) list.push(b);
          partners.set(a, list);
        };
        for (const r of rows) {
          const a = canonicalWord(r.word.toLowerCase());
          const b = canonicalWord(r.canonical.toLowerCase());
          if (a === b) continue;
          link(a, b);
          link(b, a);
        }
        this.partners = partners;
        const bySurface = new Map<string, Set<string>>();
        for (const r of rows) {
          // An empty phrase would be found everywhere (and never let the search move on).
          if (!r.word.trim() || !r.canonical.trim()) continue;
          for (const [a, b] of [
            [r.word, r.canonical],
            [r.canonical, r.word],
          ]) {
            const set = bySurface.get(a) ?? new Set<string>();
            set.add(b);
            bySurface.set(a, set);
          }
        }
        this.phrases = [...bySurface]
          .map(([surface, set]) => ({ surface, partners: [...set] }))
          .sort((x, y) => y.surface.length - x.surface.length);
        this.loadedAt = Date.now();
      } finally {
        this.loading = null;
      }
      return this;
    })();
    return this.loading;
  }

  /**
   * Approved phrases written in the text, longest first, not overlapping, and what is left of the text
   * without them. A phrase counts only where it starts and ends on word boundaries (jieba), whatever
   * it is split into inside (城乡居保 as 城乡 + 居保), or where it is a sub-word of one word (房贷 in
   * 房贷利率): 中专 is not read inside 集中专项, nor 房贷 in 厂房贷款.
   */
  phrasesIn(text: string): { phrases: { surface: string; partners: string[] }[]; rest: string } {
    const found: { surface: string; partners: string[] }[] = [];
    // The text is segmented only when some phrase is written in it (most queries hold none).
    let spans: ReturnType<typeof phraseSpans> | undefined;
    let rest = text;
    for (const p of this.phrases) {
      let matched = false;
      for (let at = rest.indexOf(p.surface); at >= 0; at = rest.indexOf(p.surface, at + 1)) {
        const end = at + p.surface.length;
        const { boundaries, subWordSpans } = (spans ??= phraseSpans(text));
        if (!(boundaries.has(at) && boundaries.has(end)) && !subWordSpans.has(`${at}:${end}`)) continue;
        // Blanked, not removed: the offsets of the words after it stay as segmented.
        rest = rest.slice(0, at) + " ".repeat(p.surface.length) + rest.slice(end);
        matched = true;
      }
      if (matched) found.push(p);
    }
    return { phrases: found, rest };
  }

  /** The approved partners of a (canonical) query word. */
  formsOf(token: string): string[] {
    return this.partners.get(token) ?? [];
  }
}

/**
 * Where a phrase may be read in the text: from a word boundary (jieba) to a word boundary, or exactly a
 * sub-word of one word (房贷 in 房贷利率, not 生孩子 across 初中生 + 孩子).
 */
function phraseSpans(text: string): { boundaries: Set<number>; subWordSpans: Set<string> } {
  const boundaries = new Set([0, text.length]);
  const subWordSpans = new Set<string>();
  let cursor = 0;
  for (const word of segment(text)) {
    const at = text.indexOf(word, cursor);
    if (at < 0) continue;
    boundaries.add(at);
    boundaries.add(at + word.length);
    cursor = at + word.length;
    // Sub-words come back in canonical form (社保 as 社会保险): each of their written forms is looked for.
    const lower = word.toLowerCase();
    for (const sub of subWords(word))
      for (const form of surfaceForms(sub))
        for (let inner = lower.indexOf(form); inner >= 0; inner = lower.indexOf(form, inner + 1))
          subWordSpans.add(`${at + inner}:${at + inner + form.length}`);
  }
  return { boundaries, subWordSpans };
}
