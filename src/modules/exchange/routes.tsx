import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { notFound } from "../../platform/http/errors.ts";
import { errorResponses, PUBLIC_API } from "../../platform/http/api-schema.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { pageParam } from "../../platform/http/params.ts";
import { renderDocument } from "../../web/render.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import { citizenOnly } from "../accounts/index.ts";
import { DataReadsPage } from "./views/data-reads-page.tsx";
import { resourceOpenApi } from "./catalogue.ts";
import type { ExchangeDeps } from "./deps.ts";
import { CataloguePage, ResourcePage } from "./views/catalogue-pages.tsx";

const CatalogueEntry = Type.Object({
  code: Type.String({ description: "资源代码" }),
  name: Type.String(),
  provider: Type.String({ description: "提供部门" }),
  shareClass: Type.Union([Type.Literal("unconditional"), Type.Literal("conditional"), Type.Literal("none")], {
    description: "unconditional 无条件共享 | conditional 有条件共享 | none 不予共享",
  }),
  legalBasis: Type.Union([Type.String(), Type.Null()]),
  updateCycle: Type.String(),
  publishedAt: Type.String(),
  fields: Type.Array(
    Type.Object({
      name: Type.String(),
      label: Type.String(),
      type: Type.String(),
      sensitivity: Type.String({ description: "public | internal | personal | sensitive" }),
    }),
  ),
});

/** The public side of the exchange: the catalogue (pages and JSON) and the hub's keys. */
const exchangeRoutes: FastifyPluginAsyncTypebox<{ deps: ExchangeDeps }> = async (app, { deps }) => {
  const { exchange } = deps;

  app.get(
    "/api/exchange/catalogue",
    {
      schema: {
        operationId: "exchangeCatalogue",
        ...PUBLIC_API,
        tags: ["数据共享交换"],
        summary: "政务数据资源目录",
        description: "全部资源及其信息项、共享类型；有条件共享和不予共享的资源须经共享申请。",
        response: { 200: Type.Array(CatalogueEntry) },
      },
    },
    async () =>
      (await exchange.catalogue()).map((r) => ({
        code: r.code,
        name: r.name,
        provider: r.provider,
        shareClass: r.shareClass,
        legalBasis: r.legalBasis,
        updateCycle: r.updateCycle,
        publishedAt: r.publishedAt,
        fields: r.fields.map((f) => ({
          name: f.name,
          label: f.label,
          type: f.type,
          sensitivity: f.sensitivity,
        })),
      })),
  );

  app.get(
    "/api/exchange/catalogue/:code/openapi.json",
    {
      schema: {
        operationId: "exchangeResourceOpenApi",
        ...PUBLIC_API,
        tags: ["数据共享交换"],
        summary: "某项资源查询接口的 OpenAPI 描述（由信息项生成）",
        params: Type.Object({ code: Type.String({ maxLength: 40 }) }),
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const resource = await exchange.resource(request.params.code);
      if (!resource) throw notFound("目录中没有该资源");
      return resourceOpenApi(resource, `${request.protocol}://${request.host}`);
    },
  );

  app.get(
    "/api/exchange/keys",
    {
      schema: {
        operationId: "exchangeKeys",
        ...PUBLIC_API,
        tags: ["数据共享交换"],
        summary: "交换平台的签名公钥（JWKS）",
        description: '平台对每个应答以 RFC 9421 签名（覆盖 "@status" "content-digest"），用这里的公钥验证。',
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", "public, max-age=300");
      return exchange.jwks();
    },
  );

  app.get(
    "/api/exchange/audit/checkpoints",
    {
      schema: {
        operationId: "exchangeAuditCheckpoints",
        ...PUBLIC_API,
        tags: ["数据共享交换"],
        summary: "审计日志的签名检查点",
        description: [
          "平台定期（及运维按需）用交换平台密钥签名审计哈希链的链头（序号、哈希、时间）。",
          "signature 为 compact JWS（EdDSA，公钥见 /api/exchange/keys），载荷为",
          ' `{"typ":"chuyun-exchange-audit-checkpoint","seq":…,"hash":"…","at":"…"}`。',
          "保存检查点副本的一方可据此发现被截断或被改写后重新成链的日志。最新的在前，每页50条。",
        ].join(""),
        querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) }),
        response: {
          200: Type.Object({
            total: Type.Integer(),
            page: Type.Integer(),
            checkpoints: Type.Array(
              Type.Object({
                seq: Type.Integer({ description: "链头记录的序号" }),
                hash: Type.String({ description: "链头记录的 SHA-256 哈希（十六进制）" }),
                at: Type.String({ description: "签名时间（ISO 8601）" }),
                keyId: Type.String({ description: "签名密钥标识（JWK 指纹）" }),
                signature: Type.String({ description: "compact JWS" }),
              }),
            ),
          }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const page = request.query.page ?? 1;
      const { rows, total } = await exchange.checkpoints(page, 50);
      return {
        total,
        page,
        checkpoints: rows.map((r) => ({
          seq: r.seq,
          hash: r.hash,
          at: r.at,
          keyId: r.keyId,
          signature: r.signature,
        })),
      };
    },
  );

  app.get(
    "/sites/:site/account/data-reads",
    {
      schema: { hide: true, params: Type.Object({ site: Type.String({ maxLength: 40 }) }) },
      preHandler: [
        async (request: { params: { site: string } }) => {
          await siteOf(deps, request.params.site);
        },
        citizenOnly(deps),
      ],
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const account = request.citizen!.account;
      const subject = account.kind === "enterprise" ? account.creditCode : account.idNumber;
      const page = pageParam((request.query as { page?: string }).page);
      const { rows, total } = subject ? await exchange.readsPage(subject, page) : { rows: [], total: 0 };
      const ctx = await pageContext(deps, site, request);
      reply.header("cache-control", "private, no-store");
      return sendHtml(
        reply,
        renderDocument(<DataReadsPage ctx={ctx} reads={rows} total={total} page={page} pageSize={20} />),
      );
    },
  );

  app.get(
    "/sites/:code/data/",
    { schema: { hide: true, params: Type.Object({ code: Type.String({ maxLength: 40 }) }) } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const ctx = await pageContext(deps, site, request);
      return sendHtml(
        reply,
        renderDocument(<CataloguePage ctx={ctx} resources={await exchange.catalogue()} />),
      );
    },
  );

  app.get(
    "/sites/:code/data/:resource",
    {
      schema: {
        hide: true,
        params: Type.Object({
          code: Type.String({ maxLength: 40 }),
          resource: Type.String({ maxLength: 40 }),
        }),
      },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.code);
      const resource = await exchange.resource(request.params.resource);
      if (!resource || resource.shareClass !== "unconditional") throw notFound("该资源不存在或不公开");
      const ctx = await pageContext(deps, site, request);
      return sendHtml(reply, renderDocument(<ResourcePage ctx={ctx} resource={resource} />));
    },
  );
};

export default exchangeRoutes;
