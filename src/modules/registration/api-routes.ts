import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { apiError, Invalid } from "../../platform/http/errors.ts";
import { isServiceUnavailable } from "../../platform/ops/unavailable.ts";
import { errorResponses, PUBLIC_API, REGISTRATION_API_KEY } from "../../platform/http/api-schema.ts";
import { QueueFull } from "../../platform/db/group-commit.ts";
import { currentCitizen } from "../accounts/index.ts";
import type { RegistrationDeps } from "./deps.ts";
import { ApiKeyRefused, VerifiedOnly } from "./errors.ts";
import { AUDIENCES, DEDUP_RULES, type Campaign } from "./service.ts";
import type { Channel } from "./tables.ts";
import { DISTRICTS, exampleBody } from "./validation.ts";

const Code = Type.String({ maxLength: 40, description: "登记活动代码，如 demo-health" });

const SubmissionBody = Type.Object(
  {
    name: Type.String({ maxLength: 60, description: "姓名" }),
    idNumber: Type.String({
      maxLength: 40,
      description: "18位居民身份证号码（GB 11643，校验位、出生日期、地区码均校验）",
    }),
    phone: Type.String({
      maxLength: 30,
      description: "联系电话：11位手机号码，或带区号的固定电话（如 027-87654321）",
    }),
    district: Type.String({
      maxLength: 10,
      description: "所在县（市、区）的6位行政区划代码，见 /api/registration/districts",
    }),
    answers: Type.Record(
      Type.String(),
      Type.Union([Type.String(), Type.Array(Type.String()), Type.Number()]),
      {
        description: "按活动表单逐题作答：题目名 → 答案（多选题为字符串数组）",
      },
    ),
  },
  { additionalProperties: false },
);

const Accepted = Type.Object({
  id: Type.String({ description: "登记编号（同一天同一身份证号再次登记时不变）" }),
  receipt: Type.String({ description: "回执码：与登记编号一起可查询登记是否成功" }),
  replaced: Type.Boolean({ description: "true 表示替换了当天先前的登记" }),
});

const FieldSchema = Type.Object({
  name: Type.String(),
  label: Type.String(),
  type: Type.String({ description: "text | textarea | number | date | select | multiselect" }),
  required: Type.Boolean(),
  hint: Type.Optional(Type.String()),
  options: Type.Optional(Type.Array(Type.String())),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  maxLength: Type.Optional(Type.Number()),
});

const Unavailable = {
  503: Type.Object(
    { error: Type.Object({ code: Type.String(), message: Type.String() }) },
    { description: "瞬时提交量超过缓冲队列：未受理，按 Retry-After 秒后重试（绝不静默丢弃）" },
  ),
};

/** Who is submitting, by the campaign's audience: a partner key, a verified citizen, or anyone. */
export async function channelFor(
  deps: RegistrationDeps,
  request: FastifyRequest,
  c: Campaign,
  idNumber: unknown,
  web: boolean,
): Promise<Channel> {
  const header = request.headers["x-api-key"];
  const key = typeof header === "string" && header ? header : null;
  if (key) {
    await deps.registration.useKey(c, key);
    return "partner";
  }
  if (c.audience === "partners")
    throw new ApiKeyRefused("该登记仅接受接入系统提交，请在 X-Api-Key 头中提供接入密钥");
  if (c.audience === "verified") {
    const citizen = await currentCitizen(deps, request);
    const own = citizen?.account.idNumber;
    if (!citizen || !citizen.account.verified || !own) throw new VerifiedOnly();
    if (typeof idNumber !== "string" || idNumber.trim().toUpperCase() !== own.toUpperCase())
      throw new VerifiedOnly("实名登记只能为本人登记：身份证号码须与登录账号一致");
  }
  return web ? "web" : "api";
}

/** The answer when the burst queue is full: 503 with Retry-After, never a silent drop. */
export function queueFull(reply: FastifyReply, error: QueueFull) {
  return reply
    .status(503)
    .header("retry-after", String(error.retryAfterSeconds))
    .send(apiError("queue_full", "当前登记人数过多，您的登记尚未受理，请稍后重新提交"));
}

/** The JSON API of registration campaigns (anyone, partner systems with keys). */
const registrationApiRoutes: FastifyPluginAsyncTypebox<{ deps: RegistrationDeps }> = async (
  app,
  { deps },
) => {
  const { registration } = deps;

  app.get(
    "/api/registration/districts",
    {
      schema: {
        operationId: "registrationDistricts",
        ...PUBLIC_API,
        tags: ["应急登记"],
        summary: "本省县级行政区划代码",
        response: {
          200: Type.Array(Type.Object({ code: Type.String(), city: Type.String(), name: Type.String() })),
        },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", "public, max-age=3600");
      return DISTRICTS;
    },
  );

  app.get(
    "/api/registration/campaigns/:code",
    {
      schema: {
        operationId: "registrationCampaign",
        ...PUBLIC_API,
        tags: ["应急登记"],
        summary: "登记活动及其表单",
        description: "返回活动说明、开放时间、固定字段和表单题目，以及一份可直接提交的示例 `example`。",
        params: Type.Object({ code: Code }),
        response: {
          200: Type.Object({
            code: Type.String(),
            title: Type.String(),
            summary: Type.String(),
            audience: Type.String({ description: "anyone | verified | partners" }),
            audienceLabel: Type.String(),
            dedup: Type.String({ description: "per_id_per_day | none" }),
            dedupLabel: Type.String(),
            opensAt: Type.String(),
            closesAt: Type.Union([Type.String(), Type.Null()]),
            open: Type.Boolean(),
            fields: Type.Array(FieldSchema, { description: "answers 中各题" }),
            example: SubmissionBody,
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const c = await registration.requireCampaign(request.params.code);
      let open = true;
      try {
        registration.assertOpen(c);
      } catch {
        open = false;
      }
      return {
        code: c.code,
        title: c.title,
        summary: c.summary,
        audience: c.audience,
        audienceLabel: AUDIENCES[c.audience],
        dedup: c.dedup,
        dedupLabel: DEDUP_RULES[c.dedup],
        opensAt: c.opensAt,
        closesAt: c.closesAt,
        open,
        fields: c.form.fields.map((f) => ({
          name: f.name,
          label: f.label,
          type: f.type,
          required: !!f.required,
          ...(f.hint ? { hint: f.hint } : {}),
          ...(f.options ? { options: f.options } : {}),
          ...(f.min !== undefined ? { min: f.min } : {}),
          ...(f.max !== undefined ? { max: f.max } : {}),
          ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}),
        })),
        example: exampleBody(c.form),
      };
    },
  );

  app.post(
    "/api/registration/campaigns/:code/submissions",
    {
      bodyLimit: 64 * 1024,
      config: { rateLimit: { max: 1200, timeWindow: "1 minute" } },
      schema: {
        operationId: "registrationSubmit",
        security: [{}, { [REGISTRATION_API_KEY]: [] }],
        tags: ["应急登记"],
        summary: "提交一条登记",
        description: [
          "登记写入磁盘（SQLite 组提交 fsync，或 PostgreSQL 事务提交）后才答复：新登记 `201`，",
          "同一天同一身份证号再次登记则替换先前内容并以 `200` 返回相同的 `id`。",
          "内容有误时 `400`，`error.fields` 逐项说明（固定字段 name、idNumber、phone、district，题目按题目名）。",
          "接入系统在 `X-Api-Key` 头中提供密钥（每个密钥有每日额度，用完 `429`）；仅限接入系统的活动无密钥时 `401`。",
          "瞬时提交量超过缓冲队列时 `503` 并带 `Retry-After`，该次提交未受理。",
        ].join(""),
        params: Type.Object({ code: Code }),
        body: SubmissionBody,
        response: {
          200: Accepted,
          201: Accepted,
          ...errorResponses(400, 401, 403, 404, 413, 429),
          ...Unavailable,
        },
      },
    },
    async (request, reply) => {
      const c = await registration.requireCampaign(request.params.code);
      registration.assertOpen(c);
      const body = request.body;
      const channel = await channelFor(deps, request, c, body.idNumber, false);
      try {
        const result = await registration.submit(c, body, channel);
        return reply
          .status(result.created ? 201 : 200)
          .send({ id: result.id, receipt: result.receipt, replaced: !result.created });
      } catch (error) {
        // A partner's quota counts accepted submissions: a refused one (bad input, queue full, the
        // writer unavailable) gives its call back. (When the writer thread ended after committing, the
        // record may be stored though its call was given back: a rare free call, never a lost record.)
        const key = request.headers["x-api-key"];
        if (
          channel === "partner" &&
          typeof key === "string" &&
          (error instanceof QueueFull || error instanceof Invalid || isServiceUnavailable(error))
        )
          await registration.refundKey(key);
        if (error instanceof QueueFull) return queueFull(reply, error);
        throw error;
      }
    },
  );
};

export default registrationApiRoutes;
