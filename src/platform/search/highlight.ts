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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every surface form of the query tokens, longest first, for highlighting. */
export function highlightWords(tokens: string[]): string[] {
  const words = new Set<string>();
  for (const token of tokens) for (const form of surfaceForms(token)) words.add(form);
  return [...words].filter((w) => w.length > 0).sort((a, b) => b.length - a.length);
}

/** Compiled match patterns by word list: a search highlights every hit with the same one. */
const patterns = new Map<string, RegExp>();

/** The pattern matching any of `words` (case-insensitive), compiled once per word list. */
function wordsPattern(words: string[]): RegExp {
  const key = words.join("\u0000");
  let pattern = patterns.get(key);
  if (!pattern) {
    if (patterns.size >= 1000) patterns.clear();
    pattern = new RegExp(words.map(escapeRegExp).join("|"), "gi");
    patterns.set(key, pattern);
  }
  return pattern;
}

/**
 * An HTML-safe excerpt of `text` around the first match, with matches wrapped in <mark>.
 * Everything except the <mark> tags is escaped.
 */
export function snippet(text: string, tokens: string[], length = 120): string {
  const words = highlightWords(tokens);
  const plain = text.replace(/\s+/g, " ").trim();
  if (words.length === 0) return escapeHtml(plain.slice(0, length));
  const pattern = wordsPattern(words);
  const first = plain.search(pattern);
  const start = first < 0 ? 0 : Math.max(0, first - Math.floor(length / 4));
  const window = plain.slice(start, start + length);
  const prefix = start > 0 ? "…" : "";
  const suffix = start + length < plain.length ? "…" : "";
  return prefix + markMatches(window, pattern) + suffix;
}

export function markMatches(text: string, pattern: RegExp): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const index = match.index ?? 0;
    out += escapeHtml(text.slice(last, index)) + "<mark>" + escapeHtml(match[0]) + "</mark>";
    last = index + match[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

/** Title with matches marked, HTML-safe. */
export function highlightTitle(title: string, tokens: string[]): string {
  const words = highlightWords(tokens);
  if (words.length === 0) return escapeHtml(title);
  return markMatches(title, wordsPattern(words));
}
