import sanitizeHtml from "sanitize-html";

/**
 * The one way rich text reaches a page: an allow-list of tags and attributes that editors need for
 * government articles (headings, lists, tables, links, images). Scripts, styles, event handlers and
 * javascript: URLs are dropped.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    "h2",
    "h3",
    "h4",
    "h5",
    "p",
    "br",
    "hr",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "span",
    "div",
    "figure",
    "figcaption",
    "pre",
    "code",
    "mark",
  ],
  allowedAttributes: {
    a: ["href", "title", "target", "rel"],
    img: ["src", "alt", "width", "height"],
    th: ["colspan", "rowspan", "scope"],
    td: ["colspan", "rowspan"],
    "*": ["class"],
  },
  allowedClasses: { "*": ["align-center", "align-right", "indent"] },
  allowedSchemes: ["http", "https", "mailto", "tel"],
  allowedSchemesByTag: { img: ["http", "https", "data"] },
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => {
      const external = /^https?:/i.test(attribs.href ?? "");
      return {
        tagName,
        attribs: external ? { ...attribs, rel: "noopener noreferrer" } : attribs,
      };
    },
    h1: "h2",
  },
};

export function sanitizeRichText(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}

/** Text content of an HTML fragment, whitespace folded (for search and summaries). */
export function htmlToText(html: string): string {
  return sanitizeHtml(html.replace(/<\/(p|div|h\d|li|tr|br)>/gi, "$&\n"), {
    allowedTags: [],
    allowedAttributes: {},
  })
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[ \t]+/g, " ")
    .replace(/\n\s*\n+/g, "\n")
    .trim();
}

/** Plain text whose line breaks become paragraphs, escaped. */
export function textToHtml(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map(
      (line) =>
        `<p>${sanitizeHtml(line, { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: "escape" })}</p>`,
    )
    .join("\n");
}

export function looksLikeHtml(text: string): boolean {
  return /<\/?[a-z][\s\S]*?>/i.test(text);
}

/**
 * Highlighted text (a search snippet or title): only <mark> and </mark> survive as tags; any other
 * angle bracket is escaped. Much cheaper than the rich-text allow-list and just as strict for text.
 */
export function sanitizeHighlighted(html: string): string {
  return html
    .split(/(<\/?mark>)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, "&lt;").replace(/>/g, "&gt;")))
    .join("");
}
