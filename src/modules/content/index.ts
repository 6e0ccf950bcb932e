export { ContentService } from "./service.ts";
export { type ArticleListItem } from "./repo.ts";
