import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { CITIZEN_API, errorResponses, PUBLIC_API } from "../../platform/http/api-schema.ts";
import { citizenOnly } from "../accounts/index.ts";
import type { PoliciesDeps } from "./deps.ts";
import { NotAnEnterprise } from "./errors.ts";
import { choicesText, EDITABLE_FIELDS, type ProfileField } from "./fields.ts";
import type { MatchResult } from "./service.ts";

const TAG = ["惠企政策"];

const ConditionJson = Type.Object({
  condition: Type.String({ description: "条件（文字）" }),
  fact: Type.String({ description: "企业画像字段" }),
  clause: Type.String({ description: "依据的政策条款" }),
  met: Type.Union([Type.Boolean(), Type.Null()], {
    description: "true 满足 | false 不满足 | null 缺少数据无法判断",
  }),
  value: Type.Unknown({
    description:
      "企业的取值，单位同企业画像字段（注册资本为元，营业收入为万元，研发占比为百分数）；缺少时为 null",
  }),
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

/** A plausible value of each field, in its unit (shown in /api/docs). */
const EXAMPLES: Record<string, unknown> = {
  industryCode: "C3911",
  districtCode: "420106",
  foundedOn: "2020-05-01",
  registeredCapital: 2_000_000,
  kind: "有限责任公司",
  registryStatus: "存续",
  sizeClass: "small",
  taxCreditGrade: "A",
  headcount: 45,
  annualRevenue: 1800,
  rdRatio: 5,
  highTech: true,
  newHires: 2,
  exportRevenue: 300,
};

/** How one profile field is given in JSON: its type, unit and accepted values, for /api/docs. */
function fieldDescription(f: ProfileField): string {
  const kind: Record<ProfileField["type"], string> = {
    string: "文字（string）",
    enum: "取值（string）",
    integer: "整数（integer）",
    number: "数字（number）",
    date: "日期（string，YYYY-MM-DD，不晚于今天）",
    boolean: "是否（boolean：true/false，也接受“是”/“否”）",
  };
  const parts = [`${f.label}：${kind[f.type]}`];
  if (f.unitNote) parts.push(f.unitNote);
  else if (f.unit) parts.push(`单位：${f.unit}`);
  if (f.options) parts.push(`可填代码或名称：${choicesText(f)}`);
  if (f.type === "integer" || f.type === "number") parts.push("不能为负数");
  if (f.registry) parts.push("可由法人登记信息提供");
  return `${parts.join("；")}。`;
}

/** Every field a profile may hold, described with its unit; unknown fields are refused per field (400). */
const ProfileJson = Type.Object(
  Object.fromEntries(
    EDITABLE_FIELDS.map((f) => [
      f.name,
      Type.Optional(
        Type.Unknown({
          description: fieldDescription(f),
          ...(Object.hasOwn(EXAMPLES, f.name) ? { examples: [EXAMPLES[f.name]] } : {}),
        }),
      ),
    ]),
  ),
  {
    additionalProperties: true,
    maxProperties: 40,
    description:
      "企业画像。各数字字段单位不同，请按说明填写：注册资本为元，营业收入和出口额为万元，研发费用占比为百分数（5 表示5%）。" +
      "缺少的字段可不填或填 null（结论为 possible，并在 missing 中列出）；未知字段、类型不符或不合理的值逐项返回 400。",
  },
);

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
      return (await deps.policies.check(request.body.profile, { api: true })).map(toJson);
    },
  );
};

export default policiesApiRoutes;
