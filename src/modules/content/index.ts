export { ContentService } from "./service.ts";
export type { ArticleHref } from "./article-address.ts";
export { type ArticleListItem, type HeadlineItem } from "./repo.ts";
export type { ArticleKind, ArticleStatus } from "./tables.ts";
export { importJsonl, type ImportSummary } from "./import.ts";
