import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { safeNext } from "../../platform/http/safe-redirect.ts";
import { Type } from "typebox";
import { PUBLIC_API } from "../../platform/http/api-schema.ts";
import type { SitesDeps } from "./deps.ts";
import { Invalid } from "../../platform/http/errors.ts";
import { FormBody, formText } from "../../platform/http/form-input.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { nowIso } from "../../platform/time/china-time.ts";
import { renderDocument } from "../../web/render.ts";
import {
  channelHref,
  ELDER_COOKIE,
  elderCookieValue,
  elderOptions,
  pageContext,
  siteOf,
} from "./page-context.ts";
import { SITE_KINDS } from "./service.ts";
import { DirectoryPage } from "./views/directory.tsx";
import { SitemapPage } from "./views/sitemap-page.tsx";
import { HomePage, type HomeData, type HomeSection } from "./views/home.tsx";
import { ERROR_CATEGORIES, ReportErrorPage, type ReportErrorValues } from "./views/report-error.tsx";
import type { ArticleKind } from "../content/index.ts";

const SiteParams = Type.Object({ code: Type.String({ maxLength: 40 }) });

const SECTIONS: { id: string; title: string; kinds: ArticleKind[]; channelPath: string }[] = [
  { id: "tzgg", title: "通知公告", kinds: ["notice"], channelPath: "tzgg" },
  { id: "gzdt", title: "工作动态", kinds: ["news"], channelPath: "gzdt" },
  { id: "zcwj", title: "政策文件", kinds: ["policy"], channelPath: "zwgk/zcwj" },
  { id: "zcjd", title: "政策解读", kinds: ["interpretation"], channelPath: "zwgk/zcjd" },
];

/** A report's values checked: the row to store, or Invalid with a message per field. */
function checkReport(values: ReportErrorValues) {
  const errors: Record<string, string> = {};
  if (!ERROR_CATEGORIES.includes(values.category)) errors.category = "请选择错误类型";
  if (!values.description.trim()) errors.description = "请描述发现的问题";
  else if (values.description.length > 1000) errors.description = "问题描述不能超过1000字";
  if (values.contact && !/^(1[3-9]\d{9}|[^@\s]+@[^@\s]+\.[^@\s]+)$/.test(values.contact))
    errors.contact = "请填写正确的手机号或邮箱，或留空";
  if (Object.keys(errors).length > 0) throw new Invalid("请检查填写的内容", errors);
  return {
    url: values.url,
    category: values.category,
    description: values.description.trim(),
    contact: values.contact,
  };
}

const sitesRoutes: FastifyPluginAsyncTypebox<{ deps: SitesDeps }> = async (app, { deps }) => {
  const { sites, content } = deps;

  app.get("/sites/:code", { schema: { hide: true, params: SiteParams } }, async (request, reply) => {
    const site = await siteOf(deps, request.params.code);
    return reply.redirect(`/sites/${site.code}/`, 301);
  });

  // Public pages: cached for anonymous visitors, and may read from the read replica.
  const cached = { pageCache: true, readReplica: true };
  app.get(
    "/sites/:code/",
    { schema: { hide: true, params: SiteParams }, config: cached },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request, "");
      const channels = await sites.channelsCached(site.id);
      const sections: HomeSection[] = [];
      for (const s of SECTIONS) {
        const channel = channels.find((c) => c.path === s.channelPath);
        sections.push({
          id: s.id,
          title: s.title,
          items: await content.repo.latestOnSite(site.id, s.kinds, 8),
          moreHref: channel ? channelHref(ctx.base, channel) : null,
        });
      }
      const zwgk = channels.find((c) => c.path === "zwgk");
      const disclosure = [
        { name: "政府信息公开目录", href: `${ctx.base}/zwgk` },
        { name: "政策文件库", href: `${ctx.base}/policies` },
        ...channels
          .filter((c) => zwgk && c.parentId === zwgk.id)
          .map((c) => ({ name: c.name, href: channelHref(ctx.base, c) })),
      ];
      // The portal speaks for the whole province; every other site shows its own figures.
      const figuresOf = site.kind === "portal" ? null : site.id;
      const data: HomeData = {
        headlines: await content.repo.headlinesOnSite(site.id, 5),
        sections,
        hotServices: await deps.portalFigures.hotServices(figuresOf, 10),
        letters: await deps.portalFigures.lettersThisMonth(figuresOf),
        disclosure,
        extras: await sites.portalContent.extras(site.code),
        cluster: sites.list(),
      };
      return sendHtml(reply, renderDocument(<HomePage ctx={ctx} data={data} />));
    },
  );

  app.get(
    "/sites/:code/theme.css",
    { schema: { hide: true, params: SiteParams } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      // Colours are validated as #RRGGBB on save, so they are safe to interpolate.
      const colour = /^#[0-9a-fA-F]{6}$/.test(site.themeColor) ? site.themeColor : "#b3261e";
      reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=60");
      return `:root{--brand:${colour};--brand-dark:color-mix(in srgb, ${colour} 75%, black);}`;
    },
  );

  app.get(
    "/sites/:code/elder",
    {
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({
          on: Type.Optional(Type.String()),
          contrast: Type.Optional(Type.String()),
          cursor: Type.Optional(Type.String()),
          back: Type.Optional(Type.String()),
        }),
      },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const { on, contrast, cursor, back } = request.query;
      // Display options not named keep their current setting.
      const current = elderOptions(request);
      const value = elderCookieValue(on !== "0", {
        contrast: contrast === undefined ? current.contrast : contrast === "1",
        bigCursor: cursor === undefined ? current.bigCursor : cursor === "1",
      });
      reply.setCookie(ELDER_COOKIE, value, {
        path: "/",
        maxAge: 365 * 24 * 3600,
        sameSite: "lax",
        httpOnly: false,
        secure: deps.config.secureCookies,
      });
      return reply.redirect(safeNext(back, `/sites/${site.code}/`), 303);
    },
  );

  app.get(
    "/sites/:code/zwgk",
    { schema: { hide: true, params: SiteParams }, config: cached },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request, "zwgk");
      return sendHtml(
        reply,
        renderDocument(<DirectoryPage ctx={ctx} tree={await sites.channelTree(site.id)} />),
      );
    },
  );

  app.get(
    "/sites/:code/sitemap",
    { schema: { hide: true, params: SiteParams }, config: cached },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      return sendHtml(
        reply,
        renderDocument(<SitemapPage ctx={ctx} tree={await sites.channelTree(site.id)} />),
      );
    },
  );

  // robots.txt of the host asked for (the portal's for its own and unknown hosts), with that site's
  // sitemap at its configured public address.
  app.get("/robots.txt", { schema: { hide: true } }, async (request, reply) => {
    await sites.ensureFresh();
    const site = sites.siteOrPortalForHost(request.headers.host);
    reply.type("text/plain; charset=utf-8").header("cache-control", "public, max-age=3600");
    const lines = ["User-agent: *", "Disallow: /admin", "Disallow: /api/"];
    if (site) lines.push("", `Sitemap: ${sites.publicUrl(site, "/sitemap.xml")}`);
    return `${lines.join("\n")}\n`;
  });

  app.get(
    "/sites/:code/report-error",
    {
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({ url: Type.Optional(Type.String({ maxLength: 2000 })) }),
      },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const url = (request.query.url ?? "").slice(0, 500);
      const values: ReportErrorValues = { url, category: ERROR_CATEGORIES[0], description: "", contact: "" };
      return sendHtml(reply, renderDocument(<ReportErrorPage ctx={ctx} values={values} errors={{}} />));
    },
  );

  app.post(
    "/sites/:code/report-error",
    {
      schema: { hide: true, params: SiteParams, body: FormBody },
      config: { rateLimit: { max: 10, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      const form = request.body;
      const values: ReportErrorValues = {
        url: formText(form, "url", 500).trim(),
        category: formText(form, "category", 20),
        description: formText(form, "description", 5000),
        contact: formText(form, "contact", 100).trim(),
      };
      return handleForm({
        parse: () => checkReport(values),
        run: async (report) =>
          deps.store.db
            .insertInto("errorReports")
            .values({ siteId: site.id, ...report, status: "open", createdAt: nowIso() })
            .returning("id")
            .executeTakeFirstOrThrow(),
        onSuccess: (row) =>
          sendHtml(
            reply,
            renderDocument(<ReportErrorPage ctx={ctx} values={values} errors={{}} receipt={row.id} />),
          ),
        rerender: ({ errors, status }) =>
          sendHtml(
            reply.status(status),
            renderDocument(<ReportErrorPage ctx={ctx} values={values} errors={errors} />),
          ),
      });
    },
  );

  app.get(
    "/api/sites",
    {
      schema: {
        tags: ["站群"],
        summary: "网站列表",
        operationId: "listSites",
        ...PUBLIC_API,
        response: {
          200: Type.Array(
            Type.Object({
              code: Type.String(),
              siteCode: Type.String({ description: "网站标识码" }),
              name: Type.String(),
              kind: Type.String(),
              kindName: Type.String(),
              host: Type.String(),
              url: Type.String(),
            }),
          ),
        },
      },
    },
    async () => {
      await sites.ensureFresh();
      return sites.list().map((s) => ({
        code: s.code,
        siteCode: s.siteCode,
        name: s.name,
        kind: s.kind,
        kindName: SITE_KINDS[s.kind] ?? s.kind,
        host: s.host,
        url: `/sites/${s.code}/`,
      }));
    },
  );
};
export default sitesRoutes;
