export { searchTermsReport, type SearchTermsReport, type TermCount } from "./terms-report.ts";
export type { SearchLogTables } from "./tables.ts";
