import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { CITIZEN_API, errorResponses, PUBLIC_API } from "../../platform/http/api-schema.ts";
import { citizenOnly } from "../accounts/index.ts";
import type { PoliciesDeps } from "./deps.ts";
import { NotAnEnterprise } from "./errors.ts";
import { PROFILE_FIELDS } from "./fields.ts";
import type { MatchResult } from "./service.ts";

const TAG = ["惠企政策"];

const ConditionJson = Type.Object({
  condition: Type.String({ description: "条件（文字）" }),
  fact: Type.String({ description: "企业画像字段" }),
  clause: Type.String({ description: "依据的政策条款" }),
  met: Type.Union([Type.Boolean(), Type.Null()], {
    description: "true 满足 | false 不满足 | null 缺少数据无法判断",
  }),
  value: Type.Unknown({ description: "企业的取值（缺少时为 null）" }),
  why: Type.String(),
  whatWouldChange: Type.Optional(Type.String({ description: "什么变化会改变此条件的结论" })),
});

const MatchJson = Type.Object({
  benefitId: Type.Integer(),
  versionId: Type.Integer({ description: "所依据的规则版本" }),
  title: Type.String(),
  department: Type.String(),
  status: Type.Union([Type.Literal("eligible"), Type.Literal("possible"), Type.Literal("ineligible")], {
    description:
      "eligible 每个条件都满足 | ineligible 任一条件不满足 | possible 其余情况（缺少数据，见 missing）",
  }),
  conditions: Type.Array(ConditionJson),
  missing: Type.Array(Type.String(), { description: "缺少的数据项" }),
  whatWouldChange: Type.Array(Type.String()),
  automatic: Type.Boolean({ description: "免申即享：全部条件可由共享数据判定" }),
});

function toJson(m: MatchResult) {
  return {
    benefitId: m.benefitId,
    versionId: m.versionId,
    title: m.title,
    department: m.department,
    status: m.status,
    conditions: m.conditions.map((c) => ({
      condition: c.condition,
      fact: c.fact,
      clause: c.clause,
      met: c.met,
      value: c.value,
      why: c.why,
      ...(c.whatWouldChange ? { whatWouldChange: c.whatWouldChange } : {}),
    })),
    missing: m.missing,
    whatWouldChange: m.whatWouldChange,
    automatic: m.automatic,
  };
}

const ProfileJson = Type.Record(Type.String({ maxLength: 40 }), Type.Unknown(), {
  maxProperties: 40,
  description: `企业画像：${PROFILE_FIELDS.filter((f) => !f.derivedFrom)
    .map(
      (f) => `${f.name}（${f.label}，${f.type}${f.options ? `：${Object.keys(f.options).join("/")}` : ""}）`,
    )
    .join("、")}。缺少的字段可不填（结论为 possible）。`,
});

/** The JSON API: the signed-in enterprise's matches and the anonymous "am I eligible" check. */
const policiesApiRoutes: FastifyPluginAsyncTypebox<{ deps: PoliciesDeps }> = async (app, { deps }) => {
  app.get(
    "/api/policies/matches",
    {
      schema: {
        operationId: "policiesMatches",
        ...CITIZEN_API,
        tags: TAG,
        summary: "本企业的惠企政策匹配结果（逐条说明、依据条款、什么会改变结论）",
        response: { 200: Type.Array(MatchJson), ...errorResponses(401, 403) },
      },
      preHandler: citizenOnly(deps),
    },
    async (request, reply) => {
      reply.header("cache-control", "private, no-store");
      if (request.citizen.account.kind !== "enterprise") throw new NotAnEnterprise();
      return (await deps.policies.matchesFor(request.citizen.account.id)).map(toJson);
    },
  );

  app.post(
    "/api/policies/match",
    {
      schema: {
        operationId: "policiesMatch",
        ...PUBLIC_API,
        tags: TAG,
        summary: "匿名试算：给出企业画像，看能享受哪些惠企政策（不保存任何数据）",
        body: Type.Object({ profile: ProfileJson }),
        response: { 200: Type.Array(MatchJson), ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      return (await deps.policies.check(request.body.profile)).map(toJson);
    },
  );
};

export default policiesApiRoutes;
