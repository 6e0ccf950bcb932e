import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { nowIso } from "../time/china-time.ts";
import { builtInPair } from "./synonyms.ts";
import type { SearchTables, SynonymSource } from "./tables.ts";

export interface SynonymCandidate {
  word: string;
  canonical: string;
  source: SynonymSource;
  score: number;
  evidence: string;
}

/** "全称（以下简称“简称”）" and its variants, the way government documents define abbreviations. */
const DEFINITION =
  /([\p{Script=Han}A-Za-z0-9]{4,24})[（(]\s*(?:以下)?(?:简称|统称|下称)\s*[“"「]?([\p{Script=Han}A-Za-z0-9]{2,10})[”"」]?\s*[）)]/gu;

/**
 * Whether `short` can abbreviate `long` the way Chinese abbreviations are formed: its characters
 * appear in order in the long form, starting with its first character (社会保险 → 社保, 医疗保险 → 医保),
 * or it is the long form's distinctive tail (住房公积金 → 公积金).
 */
export function abbreviates(short: string, long: string): boolean {
  const s = [...short];
  const l = [...long];
  if (s.length < 2 || s.length >= l.length) return false;
  if (long.endsWith(short) && s.length >= 3) return true;
  if (s[0] !== l[0] || long.startsWith(short)) return false;
  let at = 0;
  for (const ch of s) {
    const found = l.indexOf(ch, at);
    if (found < 0) return false;
    at = found + 1;
  }
  return true;
}

function excerpt(text: string, index: number): string {
  return text.slice(Math.max(0, index - 10), index + 50).replace(/\s+/g, " ");
}

/**
 * Mines candidate synonym pairs from the platform's own text: abbreviations defined in documents
 * (以下简称), and abbreviation-shaped pairs of words that both occur in titles, scored by how often
 * the two words appear in the same documents. Nothing is used before an editor approves it.
 */
export async function mineSynonymCandidates(
  store: Db<SearchTables>,
  options: { limitDocs?: number; maxCandidates?: number } = {},
): Promise<SynonymCandidate[]> {
  const limitDocs = options.limitDocs ?? 20000;
  const found = new Map<string, SynonymCandidate>();
  const add = (c: SynonymCandidate) => {
    if (builtInPair(c.word, c.canonical)) return; // already a built-in synonym
    const key = `${c.word}\u0000${c.canonical}`;
    const known = found.get(key);
    if (known) known.score += c.score;
    else found.set(key, { ...c });
  };
  const docs = await store.read
    .selectFrom("searchDocs")
    .select(["title", "body"])
    .orderBy("id", "desc")
    .limit(limitDocs)
    .execute();
  for (const d of docs) {
    const text = `${d.title}\n${d.body}`;
    for (const m of text.matchAll(DEFINITION)) {
      const [, longRaw, short] = m;
      // The defined name is the end of the run before the bracket: trim to the shortest tail the
      // abbreviation fits (关于做好城乡居民养老保险 → 城乡居民养老保险 for 城乡居保).
      const chars = [...longRaw];
      let long = longRaw;
      for (let n = Math.min(chars.length, 12); n >= 4; n--) {
        const tail = chars.slice(chars.length - n).join("");
        if (abbreviates(short, tail)) long = tail;
      }
      if (short === long) continue;
      add({
        word: short,
        canonical: long,
        source: "definition",
        score: 3,
        evidence: excerpt(text, m.index ?? 0),
      });
    }
  }
  // Abbreviation-shaped pairs among title words that occur in at least two documents.
  const terms = await store.read
    .selectFrom("searchTerms")
    .select(["term", "df"])
    .where("df", ">=", 2)
    .orderBy("df", "desc")
    .limit(3000)
    .execute();
  const han = terms.filter((t) => /^\p{Script=Han}+$/u.test(t.term));
  const longs = han.filter((t) => [...t.term].length >= 4);
  const shorts = han.filter((t) => [...t.term].length >= 2 && [...t.term].length <= 3);
  const byFirst = new Map<string, typeof shorts>();
  for (const s of shorts) {
    const first = [...s.term][0];
    byFirst.set(first, [...(byFirst.get(first) ?? []), s]);
  }
  for (const l of longs) {
    const candidates = [
      ...(byFirst.get([...l.term][0]) ?? []),
      ...shorts.filter((s) => l.term.endsWith(s.term)),
    ];
    for (const s of candidates) {
      if (!abbreviates(s.term, l.term)) continue;
      // The short form must not be just a word inside the long one (保险 in 社会保险 is not an abbreviation).
      if (l.term.includes(s.term) && !l.term.endsWith(s.term)) continue;
      const co = await sql<{ n: number }>`SELECT count(*) AS n FROM search_docs
          WHERE (title LIKE ${`%${l.term}%`} OR body LIKE ${`%${l.term}%`})
            AND (title LIKE ${`%${s.term}%`} OR body LIKE ${`%${s.term}%`})`.execute(store.read);
      const together = Number(co.rows[0]?.n ?? 0);
      const score = Math.round((together + Math.min(l.df, s.df) / 2) * 10) / 10;
      add({
        word: s.term,
        canonical: l.term,
        source: together > 0 ? "cooccurrence" : "abbreviation",
        score,
        evidence: `标题词“${l.term}”（${l.df}篇）与“${s.term}”（${s.df}篇）；同时出现 ${together} 篇`,
      });
    }
  }
  return [...found.values()].sort((a, b) => b.score - a.score).slice(0, options.maxCandidates ?? 200);
}

/** A search a visitor replaced with another term soon after (from the analytics visit sequences). */
export interface Reformulation {
  from: string;
  to: string;
  count: number;
}

const MAX_REFORMULATED_CHARS = 12;

/**
 * Candidate pairs from searches that visitors replaced with another term: the first term is taken to
 * mean the second. Narrowing or widening (one term inside the other) and long questions are not
 * synonyms; a pair seen both ways keeps the more frequent direction.
 */
export function reformulationCandidates(pairs: Reformulation[]): SynonymCandidate[] {
  const counts = new Map(pairs.map((p) => [`${p.from}\u0000${p.to}`, p.count]));
  const candidates: SynonymCandidate[] = [];
  for (const { from, to, count } of pairs) {
    const word = from.trim();
    const canonical = to.trim();
    if (!word || !canonical || /\s/.test(word) || /\s/.test(canonical)) continue;
    if ([...word].length > MAX_REFORMULATED_CHARS || [...canonical].length > MAX_REFORMULATED_CHARS) continue;
    if (word.includes(canonical) || canonical.includes(word)) continue;
    if (builtInPair(word, canonical)) continue;
    const reverse = counts.get(`${to}\u0000${from}`) ?? 0;
    if (reverse > count || (reverse === count && word > canonical)) continue;
    candidates.push({
      word,
      canonical,
      source: "reformulation",
      score: count,
      evidence: `访客搜索“${word}”后五分钟内改搜“${canonical}”，共 ${count} 次`,
    });
  }
  return candidates;
}

/** Stores new candidates (pairs already stored, whatever their status, are left alone). */
export async function storeSynonymCandidates(
  store: Db<SearchTables>,
  candidates: SynonymCandidate[],
): Promise<number> {
  let added = 0;
  for (const c of candidates) {
    const result = await store.db
      .insertInto("searchSynonyms")
      .values({ ...c, status: "candidate", decidedBy: null, decidedAt: null, createdAt: nowIso() })
      .onConflict((oc) => oc.columns(["word", "canonical"]).doNothing())
      .executeTakeFirst();
    added += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}
