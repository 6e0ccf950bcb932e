import type { Db } from "../db/database.ts";
import { canonicalWord, QUERY_SYNONYMS } from "./synonyms.ts";
import type { SearchTables } from "./tables.ts";

const RELOAD_MS = 5000;

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
      const builtIn = QUERY_SYNONYMS.map(([word, canonical]) => ({ word, canonical }));
      let approved: { word: string; canonical: string }[] = [];
      try {
        approved = await store.read
          .selectFrom("searchSynonyms")
          .select(["word", "canonical"])
          .where("status", "=", "approved")
          .execute();
      } catch {
        // Before the migration or on a read error: the built-in pairs only, never a failed search.
      }
      try {
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

  /** Approved phrases written in the text (whatever the segmentation), longest first, not overlapping. */
  phrasesIn(text: string): { surface: string; partners: string[] }[] {
    const found: { surface: string; partners: string[] }[] = [];
    let rest = text;
    for (const p of this.phrases) {
      if (!rest.includes(p.surface)) continue;
      found.push(p);
      rest = rest.split(p.surface).join(" ");
    }
    return found;
  }

  /** The approved partners of a (canonical) query word. */
  formsOf(token: string): string[] {
    return this.partners.get(token) ?? [];
  }
}
