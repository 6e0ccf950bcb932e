import { surfaceForms } from "./synonyms.ts";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A text on one line: every run of white space one space, none at either end (as snippets show it). */
export function plainText(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Every surface form of the query tokens, longest first, for highlighting. */
export function highlightWords(tokens: string[]): string[] {
  const words = new Set<string>();
  for (const token of tokens) for (const form of surfaceForms(token)) words.add(form);
  return [...words].filter((w) => w.length > 0).sort((a, b) => b.length - a.length);
}

/**
 * Where the words occur in a text, leftmost first and, at one position, the longest word (as a
 * regular expression alternation of the words sorted longest first would match), ignoring case.
 * Plain `indexOf` scans instead of a pattern compiled per query: a new query's pattern cost more to
 * compile than the whole search (every query with a new word compiles one).
 */
export class WordMatcher {
  private readonly lowerWords: string[];
  /** No word has letters with case (Chinese, digits): the text need not be lower-cased. */
  private readonly caseless: boolean;

  /** `words` longest first (see highlightWords). */
  constructor(readonly words: string[]) {
    this.lowerWords = words.map((w) => w.toLowerCase());
    this.caseless = words.every((w) => w.toLowerCase() === w && w.toUpperCase() === w);
  }

  /** The matches in `text` as [start, end) pairs, flattened. */
  matches(text: string, limit = Infinity): number[] {
    const out: number[] = [];
    if (this.words.length === 0) return out;
    const lower = this.caseless ? text : text.toLowerCase();
    // A character whose lower case has another length would shift every index: compare exactly.
    const haystack = lower.length === text.length ? lower : text;
    const needles = haystack === lower ? this.lowerWords : this.words;
    const next = needles.map((w) => haystack.indexOf(w));
    let from = 0;
    while (out.length < limit * 2) {
      let best = -1;
      for (let i = 0; i < needles.length; i++) {
        if (next[i] >= 0 && next[i] < from) next[i] = haystack.indexOf(needles[i], from);
        if (next[i] >= 0 && (best < 0 || next[i] < next[best])) best = i;
      }
      if (best < 0) break;
      const start = next[best];
      out.push(start, start + needles[best].length);
      from = start + needles[best].length;
    }
    return out;
  }

  /** The text HTML-escaped, with every match wrapped in <mark>. */
  mark(text: string): string {
    const spans = this.matches(text);
    let out = "";
    let last = 0;
    for (let i = 0; i < spans.length; i += 2) {
      out +=
        escapeHtml(text.slice(last, spans[i])) +
        "<mark>" +
        escapeHtml(text.slice(spans[i], spans[i + 1])) +
        "</mark>";
      last = spans[i + 1];
    }
    return out + escapeHtml(text.slice(last));
  }

  /**
   * An HTML-safe excerpt of `text` around the first match, with matches wrapped in <mark>.
   * Everything except the <mark> tags is escaped.
   */
  snippet(text: string, length = 120): string {
    return this.excerpt(plainText(text), length);
  }

  /** snippet() of a text already made plain (see plainText). */
  excerpt(plain: string, length = 120): string {
    if (this.words.length === 0) return escapeHtml(plain.slice(0, length));
    const first = this.matches(plain, 1)[0] ?? -1;
    const start = first < 0 ? 0 : Math.max(0, first - Math.floor(length / 4));
    const window = plain.slice(start, start + length);
    const prefix = start > 0 ? "…" : "";
    const suffix = start + length < plain.length ? "…" : "";
    return prefix + this.mark(window) + suffix;
  }
}

/** An HTML-safe excerpt of `text` around the first match of the tokens' words (see WordMatcher). */
export function snippet(text: string, tokens: string[], length = 120): string {
  return new WordMatcher(highlightWords(tokens)).snippet(text, length);
}

/** Title with matches marked, HTML-safe. */
export function highlightTitle(title: string, tokens: string[]): string {
  return new WordMatcher(highlightWords(tokens)).mark(title);
}
