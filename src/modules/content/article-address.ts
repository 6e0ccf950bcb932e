/**
 * Where an article is published. An article is read at /sites/CODE/art/ID.html under its owner site
 * and under every site with a channel carrying it; under any other site that address is a 404.
 */
export interface ArticlePlacement {
  ownerSiteId: number;
  /** The sites whose channels carry the article, ascending. */
  siteIds: number[];
}

/**
 * The site of an article's canonical address (the one search results link): its owner when the owner
 * carries it in a channel, else the first site that does, else the owner, which always serves it.
 */
export function canonicalSiteId(placement: ArticlePlacement): number {
  const { ownerSiteId, siteIds } = placement;
  return siteIds.includes(ownerSiteId) ? ownerSiteId : (siteIds[0] ?? ownerSiteId);
}

/**
 * The site a link on `fromSiteId`'s pages reads the article under: that site itself when it serves the
 * article, so the visitor stays on the site, else the article's canonical site.
 */
export function readingSiteId(placement: ArticlePlacement, fromSiteId: number): number {
  const servedHere = placement.ownerSiteId === fromSiteId || placement.siteIds.includes(fromSiteId);
  return servedHere ? fromSiteId : canonicalSiteId(placement);
}

/** An article's address under a site (internal form; a site's own host serves it at /art/ID.html). */
export function articlePath(siteCode: string, articleId: number): string {
  return `/sites/${siteCode}/art/${articleId}.html`;
}

/** Where a link to an article leads on the page being drawn (see ContentService.readingHrefs). */
export type ArticleHref = (articleId: number) => string;
