import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type, type Static } from "typebox";
import type { OneStopDeps } from "./deps.ts";
import { notFound, Invalid } from "../../platform/http/errors.ts";
import { pageParam } from "../../platform/http/params.ts";
import { CITIZEN_API, errorResponses, PUBLIC_API } from "../../platform/http/api-schema.ts";
import { citizenOnly } from "../accounts/index.ts";
import { ACTION_LABELS, STATUS_LABELS } from "./applications.ts";
import type { ServiceItem } from "./catalogue.ts";
import { sparedMaterials } from "./once-only.ts";

const ItemSummary = Type.Object({
  code: Type.String({ description: "事项编码" }),
  name: Type.String(),
  itemType: Type.String({ description: "事项类型，如 行政许可、公共服务" }),
  department: Type.String({ description: "实施部门站点代码" }),
  departmentName: Type.String(),
  audience: Type.Array(Type.String(), { description: "person 个人 / legal 法人" }),
  onlineDepth: Type.String({ description: "全程网办 / 网上预审 / 只需跑一次 / 窗口办理" }),
  visits: Type.Integer({ description: "到现场次数" }),
  legalLimitDays: Type.Integer({ description: "法定办结时限（工作日，0 为即办）" }),
  committedLimitDays: Type.Integer({ description: "承诺办结时限（工作日）" }),
  spared: Type.Integer({ description: "免提交材料件数" }),
  url: Type.String(),
});

const Material = Type.Object({
  name: Type.String(),
  form: Type.String(),
  copies: Type.Integer(),
  required: Type.Boolean(),
  source: Type.String(),
  legalBasis: Type.String(),
  trust: Type.String({ description: "A/B/C/D 可信等级" }),
  sparedBy: Type.Union([Type.String(), Type.Null()], {
    description: "elicense 电子证照 / sharing 数据共享 / null 需提交",
  }),
  licence: Type.Optional(
    Type.String({ description: "可替代该材料的电子证照种类（证照目录名称，如 结婚证、不动产权证书）" }),
  ),
});

const Guide = Type.Object({
  implementingBody: Type.String(),
  legalBasis: Type.Array(Type.String()),
  conditions: Type.Array(Type.String()),
  materials: Type.Array(Material),
  steps: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
  legalLimitDays: Type.Integer(),
  committedLimitDays: Type.Integer(),
  fees: Type.String(),
  place: Type.String(),
  hours: Type.String(),
  consultation: Type.String(),
  complaint: Type.String(),
  onlineDepth: Type.String(),
  visits: Type.Integer(),
  audience: Type.Array(Type.String()),
  themes: Type.Array(Type.String()),
  lifeEvents: Type.Array(Type.String()),
  result: Type.String(),
});

const ItemDetail = Type.Intersect([
  ItemSummary,
  Type.Object({ version: Type.Integer(), updatedAt: Type.String(), guide: Guide }),
]);

const Rate = Type.Union([Type.Number(), Type.Null()]);
const Stats = Type.Object({
  applications: Type.Integer(),
  completed: Type.Integer(),
  fullyOnlineRate: Rate,
  onTimeRate: Rate,
  averageProcessingDays: Rate,
  averageVisits: Rate,
  satisfactionRate: Rate,
  ratings: Type.Record(Type.String(), Type.Integer()),
  defaultRatings: Type.Integer(),
  rectificationRate: Rate,
  averageRectificationDays: Rate,
  byDepartment: Type.Array(
    Type.Object({
      siteCode: Type.String(),
      department: Type.String(),
      applications: Type.Integer(),
      completed: Type.Integer(),
      onTimeRate: Rate,
      ratings: Type.Record(Type.String(), Type.Integer()),
      defaultRatings: Type.Integer(),
      satisfactionRate: Rate,
      badReviews: Type.Integer(),
      rectified: Type.Integer(),
    }),
  ),
  byItem: Type.Array(
    Type.Object({
      itemCode: Type.String(),
      itemName: Type.String(),
      applications: Type.Integer(),
      completed: Type.Integer(),
    }),
  ),
});

const SubmitBody = Type.Object({
  itemCode: Type.String({ maxLength: 80 }),
  idempotencyKey: Type.String({
    minLength: 16,
    maxLength: 64,
    pattern: "^[A-Za-z0-9_-]+$",
    description: "客户端生成的幂等键：同一键重复提交返回同一办件",
  }),
  values: Type.Record(
    Type.String({ maxLength: 120 }),
    Type.Union([
      Type.String({ maxLength: 2000 }),
      Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 }),
    ]),
    {
      description:
        '表单值，键名同表单字段 name；地址用 address.region / address.detail，可重复组用 group.0.field。JSON 接口暂不支持文件字段。办事指南中可由部门共享数据提供的材料（免提交）须传 onceOnlyConsent: "1" 同意由提供部门提供，否则按缺少材料退回；代办须在网页上传授权委托书。',
    },
  ),
});

const Tracking = Type.Object({
  trackingNo: Type.String(),
  itemCode: Type.String(),
  itemName: Type.String(),
  status: Type.String(),
  statusLabel: Type.String(),
  duplicate: Type.Optional(Type.Boolean()),
  submittedAt: Type.Union([Type.String(), Type.Null()]),
  dueCommitted: Type.Union([Type.String(), Type.Null()]),
  dueLegal: Type.Union([Type.String(), Type.Null()]),
  correctionNote: Type.Union([Type.String(), Type.Null()]),
  events: Type.Array(
    Type.Object({
      at: Type.String(),
      action: Type.String(),
      label: Type.String(),
      toStatus: Type.String(),
      note: Type.String(),
    }),
  ),
});

/** The Open JSON API of the service hall (documented at /api/docs). */
const serviceApiRoutes: FastifyPluginAsyncTypebox<{ deps: OneStopDeps }> = async (app, { deps }) => {
  const { oneStop, sites } = deps;
  const citizen = { preHandler: citizenOnly(deps) };
  const tags = ["一网通办"];

  function summary(item: ServiceItem): Static<typeof ItemSummary> {
    const site = sites.byId(item.siteId);
    return {
      code: item.code,
      name: item.name,
      itemType: item.itemType,
      department: site?.code ?? "",
      departmentName: site?.name ?? "",
      audience: item.guide.audience,
      onlineDepth: item.guide.onlineDepth,
      visits: item.guide.visits,
      legalLimitDays: item.guide.legalLimitDays,
      committedLimitDays: item.guide.committedLimitDays,
      spared: sparedMaterials(item.guide).length,
      url: oneStop.catalogue.itemUrl(item),
    };
  }

  app.get(
    "/api/services/items",
    {
      config: { readReplica: true },
      schema: {
        tags,
        summary: "服务事项目录",
        operationId: "listServiceItems",
        ...PUBLIC_API,
        querystring: Type.Object({
          department: Type.Optional(Type.String({ maxLength: 40, description: "部门站点代码，如 rst" })),
          audience: Type.Optional(Type.Union([Type.Literal("person"), Type.Literal("legal")])),
          q: Type.Optional(Type.String({ maxLength: 100 })),
          theme: Type.Optional(Type.String({ maxLength: 30 })),
          event: Type.Optional(Type.String({ maxLength: 30, description: "人生事件" })),
          page: Type.Optional(Type.String({ maxLength: 6 })),
        }),
        response: {
          200: Type.Object({
            total: Type.Integer(),
            page: Type.Integer(),
            pageSize: Type.Integer(),
            items: Type.Array(ItemSummary),
          }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const dept = q.department ? sites.byCodeCached(q.department) : undefined;
      if (q.department && !dept) throw new Invalid("部门代码不存在", { department: "部门代码不存在" });
      const page = pageParam(q.page, 500);
      const list = await oneStop.catalogue.list({
        siteId: dept?.id ?? null,
        audience: q.audience ?? null,
        q: q.q ?? null,
        theme: q.theme ?? null,
        lifeEvent: q.event ?? null,
        page,
        pageSize: 20,
      });
      return { total: list.total, page, pageSize: 20, items: list.rows.map(summary) };
    },
  );

  app.get(
    "/api/services/items/:code",
    {
      config: { readReplica: true },
      schema: {
        tags,
        summary: "服务事项及完整办事指南",
        operationId: "getServiceItem",
        ...PUBLIC_API,
        params: Type.Object({ code: Type.String({ maxLength: 80 }) }),
        response: { 200: ItemDetail, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const item = await oneStop.catalogue.requireByCode(request.params.code);
      return { ...summary(item), version: item.version, updatedAt: item.updatedAt, guide: item.guide };
    },
  );

  app.get(
    "/api/services/bundles",
    {
      config: { readReplica: true },
      schema: {
        tags,
        summary: "一件事一次办",
        operationId: "listServiceBundles",
        ...PUBLIC_API,
        response: {
          200: Type.Object({
            bundles: Type.Array(
              Type.Object({
                code: Type.String(),
                name: Type.String(),
                description: Type.String(),
                lifeEvent: Type.String(),
                audience: Type.String(),
                items: Type.Array(ItemSummary),
              }),
            ),
          }),
        },
      },
    },
    async () => {
      const bundles = await oneStop.bundles.list();
      return {
        bundles: await Promise.all(
          bundles.map(async (b) => ({
            code: b.code,
            name: b.name,
            description: b.description,
            lifeEvent: b.lifeEvent,
            audience: b.audience,
            items: (await oneStop.bundles.items(b)).map(summary),
          })),
        ),
      };
    },
  );

  app.get(
    "/api/services/stats",
    {
      schema: {
        tags,
        summary: "办件统计与好差评",
        operationId: "getServiceStats",
        ...PUBLIC_API,
        response: { 200: Stats },
      },
      config: { readReplica: true },
    },
    async () => oneStop.stats.figures(),
  );

  app.get(
    "/api/services/session",
    {
      ...citizen,
      schema: {
        tags,
        summary: "当前登录用户的 CSRF 令牌（提交办件时放在 x-csrf-token 头）",
        operationId: "getServiceSession",
        ...CITIZEN_API,
        response: {
          200: Type.Object({ csrf: Type.String(), verified: Type.Boolean() }),
          ...errorResponses(401),
        },
      },
    },
    async (request) => ({ csrf: request.citizen.session.csrf, verified: request.citizen.account.verified }),
  );

  async function tracking(
    no: string,
    accountId: number,
    duplicate?: boolean,
  ): Promise<Static<typeof Tracking>> {
    const a = await oneStop.applications.own(accountId, no);
    const events = await oneStop.applications.events(a.id);
    return {
      trackingNo: a.trackingNo,
      itemCode: a.itemCode,
      itemName: a.itemName,
      status: a.status,
      statusLabel: STATUS_LABELS[a.status],
      ...(duplicate === undefined ? {} : { duplicate }),
      submittedAt: a.submittedAt,
      dueCommitted: a.dueCommitted,
      dueLegal: a.dueLegal,
      correctionNote: a.correctionNote,
      events: events.map((e) => ({
        at: e.at,
        action: e.action,
        label: ACTION_LABELS[e.action] ?? e.action,
        toStatus: e.toStatus,
        note: e.note,
      })),
    };
  }

  app.post(
    "/api/services/applications",
    {
      ...citizen,
      schema: {
        tags,
        summary: "提交办件（需登录：个人/法人会话 Cookie + x-csrf-token）",
        operationId: "submitApplication",
        ...CITIZEN_API,
        body: SubmitBody,
        response: {
          200: Tracking,
          201: Tracking,
          ...errorResponses(400, 401, 403, 404, 409, 429),
        },
      },
      config: { rateLimit: { max: 60, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const c = request.citizen;
      const body = request.body;
      const item = await oneStop.catalogue.requireByCode(body.itemCode);
      const existing = await oneStop.applications.findByKey(c.account.id, body.idempotencyKey);
      const form =
        existing && existing.formVersion > 0
          ? ((await oneStop.forms.byVersion(item.code, existing.formVersion)) ??
            (await oneStop.forms.current(item)))
          : await oneStop.forms.current(item);
      const r = await oneStop.applications.save({
        account: c.account,
        item,
        form,
        raw: body.values,
        files: [],
        idempotencyKey: body.idempotencyKey,
        submit: true,
        // Once-only materials as on the form: fetched with the applicant's consent, else missing.
        filing: true,
      });
      if (Object.keys(r.errors).length) throw new Invalid("申请内容有误", r.errors);
      reply.status(r.duplicate ? 200 : 201);
      return tracking(r.application.trackingNo, c.account.id, r.duplicate);
    },
  );

  app.get(
    "/api/services/applications/:no",
    {
      ...citizen,
      schema: {
        tags,
        summary: "查询本人办件进度（需登录）",
        operationId: "getApplication",
        ...CITIZEN_API,
        params: Type.Object({ no: Type.String({ maxLength: 30 }) }),
        response: { 200: Tracking, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { no } = request.params;
      if (!no) throw notFound("该办件不存在");
      return tracking(no, request.citizen.account.id);
    },
  );
};

export default serviceApiRoutes;
