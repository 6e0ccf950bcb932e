import type { FastifyRequest } from "fastify";
import type { SitesService } from "./service.ts";

/** What a public page needs to find its site and navigation. */
export interface PageDeps {
  sites: SitesService;
}
import { notFound } from "../../platform/http/errors.ts";
import type { ElderOptions, PageContext } from "../../web/layout.tsx";
import type { Site } from "./service.ts";

export const ELDER_COOKIE = "elder";

/**
 * Where a channel's link goes: list channels show their articles; the service and interaction
 * channels open those modules' pages on the site.
 */
export const CHANNEL_KIND_PAGES: Record<string, string> = {
  service: "services/",
  interaction: "interaction/",
};

export function channelHref(base: string, channel: { kind: string; path: string }): string {
  const page = CHANNEL_KIND_PAGES[channel.kind];
  return page ? `${base}/${page}` : `${base}/col/${channel.path}/`;
}

/**
 * The elder-mode cookie: "0" or absent is off; "1" is on, followed by the display options chosen
 * ("c" high contrast, "x" extra-large cursor), e.g. "1cx".
 */
export function elderCookieValue(on: boolean, options: ElderOptions): string {
  return on ? `1${options.contrast ? "c" : ""}${options.bigCursor ? "x" : ""}` : "0";
}

export function isElder(request: FastifyRequest): boolean {
  return /^1[cx]{0,2}$/.test(request.cookies?.[ELDER_COOKIE] ?? "");
}

export function elderOptions(request: FastifyRequest): ElderOptions {
  const value = isElder(request) ? request.cookies[ELDER_COOKIE]! : "";
  return { contrast: value.includes("c"), bigCursor: value.includes("x") };
}

/** The site named by /sites/:code/… (404 in Chinese when unknown). */
export async function siteOf(deps: PageDeps, code: string): Promise<Site> {
  await deps.sites.ensureFresh();
  const site = deps.sites.byCodeCached(code);
  if (!site) throw notFound("该网站不存在");
  return site;
}

/** Everything the layout needs: site identity, top navigation, elder mode, current path. */
export async function pageContext(
  deps: PageDeps,
  site: Site,
  request: FastifyRequest,
  currentChannelPath?: string,
): Promise<PageContext> {
  const base = deps.sites.base(site);
  const channels = await deps.sites.channelsCached(site.id);
  const top = channels.filter((c) => c.parentId === null);
  const currentTop = currentChannelPath?.split("/")[0];
  return {
    site,
    base,
    origin: deps.sites.origin(site),
    elder: isElder(request),
    elderOptions: elderOptions(request),
    path: request.url.split("#")[0],
    viewer: request.viewer ?? null,
    nav: [
      { name: "首页", href: `${base}/`, current: currentChannelPath === "" },
      ...top.map((c) => ({ name: c.name, href: channelHref(base, c), current: c.path === currentTop })),
    ],
    cluster: deps.sites
      .list()
      .filter((s) => s.id !== site.id)
      .sort((a, b) => Number(b.kind === "portal") - Number(a.kind === "portal"))
      .map((s) => ({ name: s.name, href: `/sites/${s.code}/` })),
  };
}
