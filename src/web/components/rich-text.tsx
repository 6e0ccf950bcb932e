import { sanitizeHighlighted, sanitizeRichText } from "../../platform/html/sanitize.ts";

/** The only component that injects HTML: it sanitises with the platform allow-list first. */
export function RichText({ html, class: className }: { html: string; class?: string }) {
  return (
    <div class={className ?? "rich-text"} dangerouslySetInnerHTML={{ __html: sanitizeRichText(html) }} />
  );
}

/** Highlighted text such as a search snippet: only its <mark> tags are kept as HTML. */
export function InlineHtml({ html }: { html: string }) {
  return <span dangerouslySetInnerHTML={{ __html: sanitizeHighlighted(html) }} />;
}
