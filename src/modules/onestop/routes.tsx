import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { OneStopDeps } from "./deps.ts";
import { pageParam } from "../../platform/http/params.ts";
import { isElder, siteOf } from "../sites/index.ts";
import { notFound } from "../../platform/http/errors.ts";
import { HallPage, type HallParams } from "./views/hall.tsx";
import { GuidePage } from "./views/guide.tsx";
import { PathCode, QueryText, sendHallPage } from "./route-kit.ts";

const str = (v: string | undefined, max = 100) => (v ?? "").trim().slice(0, max);

const SiteParams = Type.Object({ code: PathCode });

const HallQuery = Type.Object({
  q: QueryText(),
  department: QueryText(),
  audience: QueryText(),
  theme: QueryText(),
  event: QueryText(),
  page: QueryText(),
});

/** Public pages of the service hall: the catalogue on the portal and every department site, guides. */
const serviceHallRoutes: FastifyPluginAsyncTypebox<{ deps: OneStopDeps }> = async (app, { deps }) => {
  const { sites, oneStop } = deps;
  const PAGE_SIZE = 20;

  app.get("/sites/:code/services", { schema: { hide: true, params: SiteParams } }, async (request, reply) => {
    const site = await siteOf(deps, request.params.code);
    const qs = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
    return reply.redirect(`/sites/${site.code}/services/${qs}`, 301);
  });

  app.get(
    "/sites/:code/services/",
    { schema: { hide: true, params: SiteParams, querystring: HallQuery }, config: { readReplica: true } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const raw = request.query;
      const departments = sites
        .list()
        .filter((s) => s.kind === "department")
        .map((s) => ({ code: s.code, name: s.name, id: s.id }));
      const isPortal = site.kind === "portal";
      const params: HallParams = {
        q: str(raw.q),
        department: isPortal ? str(raw.department, 40) : "",
        audience: ["person", "legal"].includes(str(raw.audience)) ? str(raw.audience) : "",
        theme: str(raw.theme, 30),
        event: str(raw.event, 30),
      };
      const dept = params.department ? sites.byCodeCached(params.department) : undefined;
      const page = pageParam(raw.page, 500);
      const list = await oneStop.catalogue.list({
        siteId: isPortal ? (dept?.id ?? null) : site.id,
        audience: (params.audience || null) as "person" | "legal" | null,
        theme: params.theme || null,
        lifeEvent: params.event || null,
        q: params.q || null,
        // 长辈版: the most used services first (适老化: a simplified layout, the most used first).
        mostUsedFirst: isElder(request),
        page,
        pageSize: PAGE_SIZE,
      });
      return sendHallPage(deps, request, reply, site, (ctx) => (
        <HallPage
          ctx={ctx}
          params={params}
          rows={list.rows}
          total={list.total}
          page={page}
          pageSize={PAGE_SIZE}
          facets={list.facets}
          departments={departments}
          isPortal={isPortal}
          itemHref={(item) => `${ctx.base}/services/item/${encodeURIComponent(item.code)}`}
          departmentName={(id) => sites.byId(id)?.name ?? ""}
          bundlesHref={`${ctx.base}/services/bundles`}
        />
      ));
    },
  );

  app.get(
    "/sites/:code/services/item/:item",
    {
      schema: { hide: true, params: Type.Object({ code: PathCode, item: PathCode }) },
      config: { readReplica: true },
    },
    async (request, reply) => {
      const { code, item: itemCode } = request.params;
      const site = await siteOf(deps, code);
      const item = await oneStop.catalogue.byCode(itemCode);
      // A department site shows its own items; the portal and cities show every item.
      if (!item || (site.kind === "department" && item.siteId !== site.id))
        throw notFound("该服务事项不存在或已停止办理");
      return sendHallPage(deps, request, reply, site, (ctx) => (
        <GuidePage ctx={ctx} item={item} department={sites.byId(item.siteId)?.name ?? ""} canApply />
      ));
    },
  );
};

export default serviceHallRoutes;
