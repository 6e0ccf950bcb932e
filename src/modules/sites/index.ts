export { channelHref, isElder, pageContext, siteOf } from "./page-context.ts";
export { type Channel, type ChannelMergeStep, type Site, SitesService } from "./service.ts";
export type { ChannelKind, SiteKind } from "./tables.ts";
export type { Leader, PortalExtras, PortalFigures, Topic } from "./portal.ts";
