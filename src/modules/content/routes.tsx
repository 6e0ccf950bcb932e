import { pageParam } from "../../platform/http/params.ts";
import { sameOriginPath } from "../../platform/http/safe-redirect.ts";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply } from "fastify";
import { Feed } from "feed";
import { Type } from "typebox";
import type { ContentDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { notFound, Gone } from "../../platform/http/errors.ts";
import { chinaDate } from "../../platform/time/china-time.ts";
import { renderDocument } from "../../web/render.ts";
import type { Crumb } from "../../web/layout.tsx";
import { channelHref, pageContext, siteOf } from "../sites/index.ts";
import type { Channel, Site } from "../sites/index.ts";
import { contentDisposition } from "../../platform/files/attachments.ts";
import { VALIDITY } from "./service.ts";
import { ArticlePage } from "./views/article.tsx";
import { canonicalSiteId } from "./article-address.ts";
import { ChannelPage } from "./views/channel.tsx";
import { PoliciesPage, type PolicyFilterValues } from "./views/policies.tsx";

const SiteParams = Type.Object({ code: Type.String({ maxLength: 40 }) });
/** A page number as typed in the address: anything odd falls back to page 1 (pageParam). */
const PageQuery = Type.Object({ page: Type.Optional(Type.String({ maxLength: 40 })) });
const PAGE_SIZE = 20;

/** An error a feed reader or crawler can read: a small XML document, never an HTML page. */
function sendXmlError(reply: FastifyReply, status: number, code: string, message: string) {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return reply
    .status(status)
    .type("application/xml; charset=utf-8")
    .send(
      `<?xml version="1.0" encoding="UTF-8"?>\n<error><code>${esc(code)}</code><message>${esc(message)}</message></error>\n`,
    );
}

/**
 * A channel's RSS 2.0 or Atom feed. Every URL is the site's configured public address, never the
 * request's Host header; an empty channel is dated by its creation, not 1970.
 */
function channelFeed(
  deps: ContentDeps,
  site: Site,
  channel: Channel,
  rows: { id: number; title: string; publishedAt: string | null }[],
  kind: "rss" | "atom",
): string {
  const link = deps.sites.publicUrl(site, `/col/${channel.path}/`);
  const newest = rows.find((a) => a.publishedAt)?.publishedAt;
  const f = new Feed({
    title: `${channel.name} - ${site.name}`,
    description: `${site.name}“${channel.name}”栏目发布的最新信息`,
    id: link,
    link,
    language: "zh-CN",
    copyright: `版权所有：${site.sponsor}`,
    author: { name: site.sponsor, link: deps.sites.publicUrl(site, "/") },
    updated: new Date(newest ?? channel.createdAt),
    generator: false,
    feedLinks: { [kind]: `${link}${kind}.xml` },
  });
  for (const a of rows) {
    const url = deps.sites.publicUrl(site, `/art/${a.id}.html`);
    const date = new Date(a.publishedAt ?? channel.createdAt);
    f.addItem({ title: a.title, id: url, link: url, date, published: date });
  }
  return kind === "rss" ? f.rss2() : f.atom1();
}

async function channelCrumbs(deps: ContentDeps, site: Site, channel: Channel): Promise<Crumb[]> {
  const base = deps.sites.base(site);
  const all = await deps.sites.repo.channelsOfSite(site.id);
  const chain: Channel[] = [];
  let current: Channel | undefined = channel;
  while (current) {
    chain.unshift(current);
    const parentId: number | null = current.parentId;
    current = parentId != null ? all.find((c) => c.id === parentId) : undefined;
  }
  return [
    { name: "首页", href: `${base}/` },
    ...chain.map((c) => ({ name: c.name, href: `${base}/col/${c.path}/` })),
  ];
}

async function channelWithDescendants(
  deps: ContentDeps,
  site: Site,
  channel: Channel,
): Promise<{ ids: number[]; children: Channel[] }> {
  const all = await deps.sites.repo.channelsOfSite(site.id);
  const ids = all
    .filter((c) => c.id === channel.id || c.path.startsWith(`${channel.path}/`))
    .map((c) => c.id);
  return { ids, children: all.filter((c) => c.parentId === channel.id) };
}

const contentRoutes: FastifyPluginAsyncTypebox<{ deps: ContentDeps }> = async (app, { deps }) => {
  const { sites, content } = deps;

  // Public pages: cached for anonymous visitors, and may read from the read replica.
  const cached = { pageCache: true, readReplica: true };
  const replica = { readReplica: true };
  app.get(
    "/sites/:code/col/*",
    {
      schema: {
        hide: true,
        params: Type.Object({ code: Type.String({ maxLength: 40 }), "*": Type.String({ maxLength: 1000 }) }),
        querystring: PageQuery,
      },
      config: cached,
    },
    async (request, reply) => {
      const params = request.params;
      const site = await siteOf(deps, params.code);
      let rest = params["*"];
      let feed: "rss" | "atom" | null = null;
      if (rest.endsWith("/rss.xml")) [feed, rest] = ["rss", rest.slice(0, -8)];
      else if (rest.endsWith("/atom.xml")) [feed, rest] = ["atom", rest.slice(0, -9)];
      const path = rest.replace(/\/+$/, "");
      const channel = await sites.repo.channelByPath(site.id, path);
      if (!channel) {
        const target = await sites.resolveRedirect(`/sites/${site.code}/col/${path}`);
        if (target) {
          const page = target.endsWith("/") ? target : `${target}/`;
          return reply.redirect(feed ? `${page}${feed}.xml` : page, 301);
        }
        // A feed reader asked for XML: answer in XML, not with an HTML page.
        if (feed) return sendXmlError(reply, 404, "not_found", "该栏目不存在");
        throw notFound("该栏目不存在");
      }
      if (!feed && !request.url.split("?")[0].endsWith("/"))
        return reply.redirect(`/sites/${site.code}/col/${channel.path}/`, 301);
      const { ids, children } = await channelWithDescendants(deps, site, channel);
      const page = pageParam(request.query.page);
      const list = await content.repo.publishedInChannel(ids, feed ? 1 : page, PAGE_SIZE);
      if (feed) {
        const xml = channelFeed(deps, site, channel, list.rows, feed);
        reply.header("cache-control", "public, max-age=300");
        return feed === "rss"
          ? reply.type("application/rss+xml; charset=utf-8").send(xml)
          : reply.type("application/atom+xml; charset=utf-8").send(xml);
      }
      const ctx = await pageContext(deps, site, request, channel.path);
      const crumbs = await channelCrumbs(deps, site, channel);
      return sendHtml(
        reply,
        renderDocument(
          <ChannelPage ctx={ctx} channel={channel} crumbs={crumbs} children={children} list={list} />,
        ),
      );
    },
  );

  app.get(
    "/sites/:code/art/:file",
    {
      config: cached,
      schema: {
        hide: true,
        params: Type.Object({ code: Type.String({ maxLength: 40 }), file: Type.String({ maxLength: 40 }) }),
      },
    },
    async (request, reply) => {
      const { code, file } = request.params;
      const site = await siteOf(deps, code);
      const match = /^(\d{1,10})\.html$/.exec(file);
      if (!match) throw notFound("该信息不存在");
      const article = await content.repo.byId(Number(match[1]));
      if (!article) throw notFound("该信息不存在");
      // Checked again as it is sent: a target stored before the check was tightened is not followed.
      const movedTo =
        article.status === "unpublished" && article.unpublishReason === "consolidated"
          ? sameOriginPath(article.redirectTo)
          : null;
      if (movedTo) return reply.redirect(movedTo, 301);
      const onSite = article.ownerSiteId === site.id || (await content.repo.isOnSite(article.id, site.id));
      if (!onSite) throw notFound("该信息不存在");
      if (article.status === "unpublished") {
        throw new Gone("该信息已撤下，不再公开");
      }
      if (article.status !== "published" && article.status !== "withdrawn") throw notFound("该信息不存在");
      const links = await content.repo.channelLinks(article.id);
      const link = links.find((l) => l.siteId === site.id);
      const channel = link ? await sites.repo.channelById(link.channelId) : undefined;
      const ctx = await pageContext(deps, site, request, channel?.path);
      const crumbs = channel
        ? await channelCrumbs(deps, site, channel)
        : [{ name: "首页", href: `${ctx.base}/` }];
      crumbs.push({ name: "正文" });
      const [attachments, interpretations, policy] = await Promise.all([
        content.repo.attachmentsOf(article.id),
        article.kind === "policy" ? content.repo.interpretationsOf(article.id) : Promise.resolve([]),
        article.policyId ? content.repo.byId(article.policyId) : Promise.resolve(undefined),
      ]);
      const shownPolicy = policy && policy.status === "published" ? policy : null;
      // A copy on another site names the article's canonical address (the one search results give).
      const canonicalSite = sites.byId(
        canonicalSiteId({
          ownerSiteId: article.ownerSiteId,
          siteIds: [...new Set(links.map((l) => l.siteId))],
        }),
      );
      const canonical =
        canonicalSite && canonicalSite.id !== site.id
          ? sites.publicUrl(canonicalSite, `/art/${article.id}.html`)
          : undefined;
      const articleHref = await content.readingHrefs(
        [...interpretations.map((i) => i.id), ...(shownPolicy ? [shownPolicy.id] : [])],
        site,
      );
      return sendHtml(
        reply,
        renderDocument(
          <ArticlePage
            ctx={ctx}
            article={article}
            crumbs={crumbs}
            columnName={channel?.name ?? "信息"}
            attachments={attachments}
            interpretations={interpretations}
            policy={shownPolicy}
            articleHref={articleHref}
            canonical={canonical}
          />,
        ),
      );
    },
  );

  app.get(
    "/sites/:code/attachments/:id",
    {
      config: replica,
      schema: {
        hide: true,
        params: Type.Object({ code: Type.String({ maxLength: 40 }), id: Type.String({ maxLength: 12 }) }),
      },
    },
    async (request, reply) => {
      const { code, id } = request.params;
      await siteOf(deps, code);
      const attachment = /^\d+$/.test(id) ? await content.repo.attachmentById(Number(id)) : undefined;
      const article = attachment?.articleId ? await content.repo.byId(attachment.articleId) : undefined;
      if (!attachment || !article || !["published", "withdrawn"].includes(article.status))
        throw notFound("附件不存在");
      const bytes = await content.repo.blob(attachment.sha256);
      if (!bytes) throw notFound("附件不存在");
      const inline = attachment.mime.startsWith("image/") || attachment.mime === "application/pdf";
      return reply
        .type(attachment.mime)
        .header("content-disposition", contentDisposition(attachment.fileName, inline))
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "public, max-age=3600")
        .send(bytes);
    },
  );

  app.get(
    "/sites/:code/policies",
    {
      config: cached,
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({
          issuer: Type.Optional(Type.String({ maxLength: 100 })),
          year: Type.Optional(Type.String({ maxLength: 10 })),
          theme: Type.Optional(Type.String({ maxLength: 100 })),
          validity: Type.Optional(Type.String({ maxLength: 10 })),
          page: Type.Optional(Type.String({ maxLength: 10 })),
        }),
      },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const q = request.query;
      const filter: PolicyFilterValues = {
        issuer: q.issuer ?? "",
        year: /^\d{4}$/.test(q.year ?? "") ? q.year! : "",
        theme: q.theme ?? "",
        validity: VALIDITY.includes((q.validity ?? "") as (typeof VALIDITY)[number]) ? q.validity! : "",
      };
      const siteId = site.kind === "portal" ? null : site.id;
      const list = await content.repo.policies(
        {
          siteId,
          issuer: filter.issuer || null,
          year: filter.year ? Number(filter.year) : null,
          theme: filter.theme || null,
          validity: filter.validity || null,
        },
        pageParam(q.page),
        PAGE_SIZE,
      );
      const ctx = await pageContext(deps, site, request, "zwgk");
      return sendHtml(
        reply,
        renderDocument(
          <PoliciesPage
            ctx={ctx}
            filter={filter}
            facets={await content.repo.policyFacets(siteId)}
            list={list}
            articleHref={await content.readingHrefs(
              list.rows.map((r) => r.id),
              site,
            )}
          />,
        ),
      );
    },
  );

  app.get(
    "/sites/:code/sitemap.xml",
    { schema: { hide: true, params: SiteParams }, config: replica },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      // The site's one public address (its own host root), from configuration, never the Host header.
      const base = sites.origin(site);
      const channels = await sites.repo.channelsOfSite(site.id);
      const articles = await deps.store.read
        .selectFrom("articles as a")
        .select(["a.id", "a.updatedAt"])
        .where("a.status", "=", "published")
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom("articleChannels as ac")
              .select("ac.articleId")
              .whereRef("ac.articleId", "=", "a.id")
              .where("ac.siteId", "=", site.id),
          ),
        )
        .orderBy("a.publishedAt", "desc")
        .limit(45000)
        .execute();
      const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
      const pages = new Set([`${base}/`, `${base}/sitemap`, ...channels.map((c) => channelHref(base, c))]);
      const urls = [
        ...[...pages].map((loc) => `<url><loc>${esc(loc)}</loc></url>`),
        ...articles.map(
          (a) =>
            `<url><loc>${esc(`${base}/art/${a.id}.html`)}</loc><lastmod>${chinaDate(a.updatedAt)}</lastmod></url>`,
        ),
      ];
      reply.type("application/xml; charset=utf-8");
      return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join("\n")}\n</urlset>\n`;
    },
  );
};
export default contentRoutes;
