export {
  searchTermsReport,
  type SearchTermsReport,
  type TermCount,
  type TermWithResults,
} from "./terms-report.ts";
export type { SearchLogTables } from "./tables.ts";
