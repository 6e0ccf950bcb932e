export { pageContext, siteOf } from "./page-context.ts";
export { type Channel, type Site, SitesService } from "./service.ts";
