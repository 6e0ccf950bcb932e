export { AnalyticsService, deviceOf, type AnalyticsSummary, type PageView } from "./service.ts";
export { countPageView, registerPageViewCounting } from "./page-views.ts";
