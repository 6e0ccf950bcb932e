import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { errorResponses, PUBLIC_API } from "../../platform/http/api-schema.ts";
import type { SearchDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { Invalid } from "../../platform/http/errors.ts";
import type { SearchResult } from "../../platform/search/search-index.ts";
import { renderDocument } from "../../web/render.ts";
import { pageParam } from "../../platform/http/params.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import type { Site } from "../sites/index.ts";
import { MAX_QUERY_LENGTH, SiteSearchService } from "./service.ts";
import { SearchPage, type SearchPageParams } from "./views/search-page.tsx";

const ApiResult = Type.Object({
  id: Type.Union([Type.Integer(), Type.String()], { description: "信息ID" }),
  externalId: Type.Union([Type.String(), Type.Null()], { description: "导入时的ID" }),
  site: Type.String({ description: "所属网站代码" }),
  kind: Type.String(),
  title: Type.String(),
  url: Type.String(),
  snippet: Type.String({ description: "摘要，已转义的HTML，命中词以<mark>标出" }),
  publishedAt: Type.String(),
});

const Facet = Type.Array(
  Type.Object({ value: Type.Union([Type.String(), Type.Integer()]), count: Type.Integer() }),
);

/** A search-page query value: as typed, or repeated (the first one counts); odd values fall back later. */
const PageQueryValue = (maxLength: number) =>
  Type.Optional(Type.Union([Type.String({ maxLength }), Type.Array(Type.String({ maxLength }))]));

const SearchPageQuery = Type.Object({
  // Over-long terms are cut with a message on the page, so only what a URL can carry is refused.
  q: PageQueryValue(16_384),
  scope: PageQueryValue(20),
  kind: PageQueryValue(100),
  year: PageQueryValue(100),
  page: PageQueryValue(100),
});

const searchRoutes: FastifyPluginAsyncTypebox<{ deps: SearchDeps }> = async (app, { deps }) => {
  const search = new SiteSearchService(deps);
  app.addHook("onClose", () => search.flush());
  const kinds = deps.search.kinds;

  /** What the search page was asked for, from its query string (bad values fall back to defaults). */
  const pageParams = (site: Site, raw: Record<string, unknown>) => {
    const str = (v: unknown) =>
      typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : "";
    const params: SearchPageParams = {
      q: str(raw.q).trim(),
      scope: site.kind === "portal" ? "all" : str(raw.scope) === "all" ? "all" : "site",
      kind: kinds.has(str(raw.kind)) ? str(raw.kind) : "",
      year: /^\d{4}$/.test(str(raw.year)) ? str(raw.year) : "",
    };
    const tooLong = params.q.length > MAX_QUERY_LENGTH;
    if (tooLong) params.q = params.q.slice(0, MAX_QUERY_LENGTH);
    const query = {
      q: params.q,
      siteCode: params.scope === "all" ? null : site.code,
      fromSite: site.code,
      kind: params.kind || null,
      year: params.year ? Number(params.year) : null,
      page: pageParam(raw.page, 100),
      pageSize: 10,
    };
    return { params, query, tooLong };
  };

  app.get(
    "/sites/:code/search",
    {
      schema: {
        hide: true,
        params: Type.Object({ code: Type.String({ maxLength: 40 }) }),
        querystring: SearchPageQuery,
      },
      config: {
        rateLimit: { max: 120, timeWindow: "1 minute" },
        readReplica: true,
        // Popular searches are served from the page cache; every one is still logged.
        pageCache: true,
        onPageCacheHit: (request) => {
          const site = deps.sites.byCodeCached((request.params as { code: string }).code);
          if (!site) return;
          const { query } = pageParams(site, request.query as Record<string, unknown>);
          if (query.q) search.logSearch({ ...query, searcher: searcherOf(request) });
        },
      },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const raw = request.query;
      const { params, query, tooLong } = pageParams(site, raw);
      let message: string | undefined;
      if (tooLong) message = `搜索词不能超过${MAX_QUERY_LENGTH}字，已按前${MAX_QUERY_LENGTH}字搜索。`;
      let result: SearchResult | null = null;
      if (params.q) {
        result = await search.search({ ...query, searcher: searcherOf(request) });
      } else if ("q" in raw) {
        message = "请输入要搜索的关键词。";
      }
      const ctx = await pageContext(deps, site, request);
      return sendHtml(
        reply,
        renderDocument(
          <SearchPage
            ctx={ctx}
            params={params}
            result={result}
            message={message}
            siteName={(id) => deps.sites.byId(id)}
            kindLabel={(kind) => kinds.label(kind)}
          />,
        ),
      );
    },
  );

  app.get(
    "/api/search",
    {
      config: { rateLimit: { max: 300, timeWindow: "1 minute" }, readReplica: true },
      schema: {
        tags: ["搜索"],
        summary: "全省网站群统一搜索",
        operationId: "search",
        ...PUBLIC_API,
        description:
          "按关键词搜索已发布的信息，支持同义词、发文字号精确查找；site 限定网站，kind 限定信息类型，year 限定年份。",
        querystring: Type.Object({
          q: Type.String({ minLength: 1, maxLength: MAX_QUERY_LENGTH, description: "关键词或发文字号" }),
          site: Type.Optional(Type.String({ maxLength: 40, description: "网站代码，如 rst" })),
          kind: Type.Optional(
            Type.String({
              maxLength: 20,
              description: kinds
                .all()
                .map((k) => `${k.kind}（${k.label}）`)
                .join(" | "),
            }),
          ),
          year: Type.Optional(Type.Integer({ minimum: 1949, maximum: 2100 })),
          page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1 })),
          pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
        }),
        response: {
          200: Type.Object({
            total: Type.Integer(),
            page: Type.Integer(),
            results: Type.Array(ApiResult),
            facets: Type.Object({ site: Facet, kind: Facet, year: Facet }),
            suggestion: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(400, 429),
        },
      },
    },
    async (request) => {
      const q = request.query;
      if (!q.q.trim()) throw new Invalid("请输入搜索关键词", { q: "关键词不能为空" });
      await deps.sites.ensureFresh();
      if (q.site && !deps.sites.byCodeCached(q.site))
        throw new Invalid(`网站“${q.site}”不存在`, { site: "网站不存在" });
      if (q.kind && !kinds.has(q.kind))
        throw new Invalid(`信息类型“${q.kind}”不存在`, {
          kind: `应为 ${kinds
            .all()
            .map((k) => k.kind)
            .join("、")} 之一`,
        });
      const result = await search.search({
        searcher: searcherOf(request),
        q: q.q,
        siteCode: q.site ?? null,
        kind: q.kind ?? null,
        year: q.year ?? null,
        page: q.page ?? 1,
        pageSize: q.pageSize ?? 10,
      });
      const codeOf = (id: number) => deps.sites.byId(id)?.code ?? "";
      return {
        total: result.total,
        page: result.page,
        results: result.hits.map((h) => ({
          id: typeof h.meta.articleId === "number" ? h.meta.articleId : h.key,
          externalId: typeof h.meta.externalId === "string" ? h.meta.externalId : null,
          site:
            typeof h.meta.siteCode === "string"
              ? h.meta.siteCode
              : (/^\/sites\/([^/]+)\//.exec(h.url)?.[1] ?? ""),
          kind: h.kind,
          title: h.title,
          url: h.url,
          snippet: h.snippet,
          publishedAt: h.publishedAt,
        })),
        facets: {
          site: result.facets.site.map((f) => ({ value: codeOf(f.value), count: f.count })),
          kind: result.facets.kind,
          year: result.facets.year,
        },
        suggestion: result.suggestion,
      };
    },
  );
};

/** Who made a search request (for the search figures: robots and flooding addresses are not counted). */
function searcherOf(request: FastifyRequest): { ip: string; userAgent: string } {
  return { ip: request.ip, userAgent: request.headers["user-agent"] ?? "" };
}

export default searchRoutes;
