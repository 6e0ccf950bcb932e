import { sanitizeRichText } from "../../platform/html/sanitize.ts";

/** The only component that injects HTML: it sanitises with the platform allow-list first. */
export function RichText({ html, class: className }: { html: string; class?: string }) {
  return (
    <div class={className ?? "rich-text"} dangerouslySetInnerHTML={{ __html: sanitizeRichText(html) }} />
  );
}

/** Inline HTML such as a search snippet with <mark> highlights, sanitised the same way. */
export function InlineHtml({ html }: { html: string }) {
  return <span dangerouslySetInnerHTML={{ __html: sanitizeRichText(html) }} />;
}
