import { creditCodeCheckChar, idCheckChar } from "../../platform/validation/china-ids.ts";
import type { ResourceField, ShareClass } from "./tables.ts";

/**
 * The examples in the catalogue and its OpenAPI descriptions are numbers a validator accepts: the
 * check characters (GB 11643, GB 32100) are computed, not typed. The ID number is the standard's own
 * example (GB 11643-1999: 11010519491231002X, no demo resident's: the sample is stored in clear), and
 * an enterprise registered in 江城市.
 */
const withCheck = (first17: string, check: (first17: string) => string) => first17 + check(first17);
export const SAMPLE_ID_NUMBER = withCheck("11010519491231002", idCheckChar);
export const SAMPLE_CREDIT_CODE = withCheck("91420100MA4K00001", creditCodeCheckChar);

/** A catalogue resource (政务信息资源) as 国发〔2016〕51号 describes it. */
export interface Resource {
  code: string;
  name: string;
  provider: string;
  summary: string;
  shareClass: ShareClass;
  legalBasis: string | null;
  updateCycle: string;
  fields: ResourceField[];
  sample: Record<string, unknown>;
  publishedAt: string;
}

export const SHARE_CLASS_LABEL: Record<ShareClass, string> = {
  unconditional: "无条件共享",
  conditional: "有条件共享",
  none: "不予共享",
};

/** Which registry table answers a resource's queries, and the field its records are keyed by. */
export type RegistryKind = "people" | "entities" | "licences";
export const REGISTRY_OF: Record<string, { registry: RegistryKind; subjectField: string }> = {
  "RK-0001": { registry: "people", subjectField: "idNumber" },
  "FR-0001": { registry: "entities", subjectField: "creditCode" },
  "ZZ-0001": { registry: "licences", subjectField: "holderId" },
};

export const DEMO_RESOURCES: Omit<Resource, "publishedAt">[] = [
  {
    code: "RK-0001",
    name: "人口基础信息",
    provider: "楚云省公安厅",
    summary: "全省户籍人口的身份、户籍地址和户号信息，用于政务服务中的身份核验和户籍证明免提交。",
    shareClass: "conditional",
    legalBasis:
      "《中华人民共和国居民身份证法》第六条；《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条",
    updateCycle: "实时",
    fields: [
      { name: "idNumber", label: "公民身份号码", type: "string", sensitivity: "sensitive", filterable: true },
      { name: "name", label: "姓名", type: "string", sensitivity: "personal" },
      { name: "gender", label: "性别", type: "string", sensitivity: "personal" },
      { name: "birthDate", label: "出生日期", type: "date", format: "date", sensitivity: "personal" },
      { name: "nation", label: "民族", type: "string", sensitivity: "personal" },
      { name: "districtCode", label: "户籍地行政区划代码", type: "string", sensitivity: "internal" },
      { name: "address", label: "户籍地址", type: "string", sensitivity: "sensitive" },
      { name: "householdNo", label: "户号", type: "string", sensitivity: "personal" },
    ],
    sample: {
      idNumber: SAMPLE_ID_NUMBER,
      name: "示例",
      gender: "女",
      birthDate: "1949-12-31",
      nation: "汉族",
      districtCode: "420102",
      address: "楚云省江岸区解放大道1号",
      householdNo: "HH420102000001",
    },
  },
  {
    code: "FR-0001",
    name: "法人单位基础信息",
    provider: "楚云省市场监督管理局",
    summary: "全省登记注册的企业等市场主体的统一社会信用代码、名称、法定代表人、注册资本和行业等信息。",
    shareClass: "unconditional",
    legalBasis: null,
    updateCycle: "每日",
    fields: [
      {
        name: "creditCode",
        label: "统一社会信用代码",
        type: "string",
        sensitivity: "public",
        filterable: true,
      },
      { name: "name", label: "单位名称", type: "string", sensitivity: "public", filterable: true },
      { name: "kind", label: "市场主体类型", type: "string", sensitivity: "public" },
      { name: "legalRepresentative", label: "法定代表人", type: "string", sensitivity: "public" },
      { name: "registeredCapital", label: "注册资本（元）", type: "integer", sensitivity: "public" },
      { name: "foundedOn", label: "成立日期", type: "date", format: "date", sensitivity: "public" },
      { name: "districtCode", label: "住所行政区划代码", type: "string", sensitivity: "public" },
      { name: "industryCode", label: "国民经济行业代码", type: "string", sensitivity: "public" },
      { name: "address", label: "住所", type: "string", sensitivity: "public" },
      { name: "status", label: "登记状态", type: "string", sensitivity: "public" },
    ],
    sample: {
      creditCode: SAMPLE_CREDIT_CODE,
      name: "楚云示范餐饮有限公司",
      kind: "有限责任公司",
      legalRepresentative: "李四",
      registeredCapital: 500000,
      foundedOn: "2020-05-01",
      districtCode: "420100",
      industryCode: "H6210",
      address: "楚云省江岸区解放大道100号",
      status: "存续",
    },
  },
  {
    code: "ZZ-0001",
    name: "电子证照目录",
    provider: "楚云省政务服务和大数据管理局",
    summary: "全省已签发证照的目录信息（证照类型、编号、持证主体、签发机关、有效期），用于办事材料免提交。",
    shareClass: "conditional",
    legalBasis: "《国务院关于在线政务服务的若干规定》（国务院令第716号）第十条",
    updateCycle: "实时",
    fields: [
      { name: "licenceNo", label: "证照编号", type: "string", sensitivity: "internal", filterable: true },
      { name: "kind", label: "证照类型", type: "string", sensitivity: "public", filterable: true },
      { name: "holderId", label: "持证主体代码", type: "string", sensitivity: "sensitive", filterable: true },
      { name: "holderName", label: "持证主体名称", type: "string", sensitivity: "personal" },
      { name: "issuer", label: "签发机关", type: "string", sensitivity: "public" },
      { name: "issuedOn", label: "签发日期", type: "date", format: "date", sensitivity: "public" },
      {
        name: "validUntil",
        label: "有效期至（长期有效为空）",
        type: "date",
        format: "date",
        sensitivity: "public",
        nullable: true,
      },
      { name: "status", label: "证照状态", type: "string", sensitivity: "public" },
    ],
    sample: {
      licenceNo: `YYZZ${SAMPLE_CREDIT_CODE}`,
      kind: "营业执照",
      holderId: SAMPLE_CREDIT_CODE,
      holderName: "楚云示范餐饮有限公司",
      issuer: "楚云省市场监督管理局",
      issuedOn: "2020-05-01",
      validUntil: null,
      status: "有效",
    },
  },
  {
    code: "SB-0001",
    name: "社会保险参保缴费明细",
    provider: "楚云省人力资源和社会保障厅",
    summary: "个人社会保险逐月缴费明细。涉及个人隐私，仅在本部门业务系统内使用，不予共享。",
    shareClass: "none",
    legalBasis: "《中华人民共和国社会保险法》第八十一条（对个人权益记录负有保密义务）",
    updateCycle: "每月",
    fields: [
      { name: "idNumber", label: "公民身份号码", type: "string", sensitivity: "sensitive" },
      { name: "month", label: "缴费年月", type: "string", sensitivity: "personal" },
      { name: "amount", label: "缴费金额", type: "number", sensitivity: "sensitive" },
    ],
    sample: { idNumber: SAMPLE_ID_NUMBER, month: "2026-10", amount: 1032.5 },
  },
];

const JSON_TYPE: Record<ResourceField["type"], string> = {
  string: "string",
  integer: "integer",
  number: "number",
  date: "string",
  boolean: "boolean",
};

/** An OpenAPI 3.1 description of one resource's signed query operation, generated from its fields. */
export function resourceOpenApi(resource: Resource, serverUrl: string): Record<string, unknown> {
  const properties = Object.fromEntries(
    resource.fields.map((f) => [
      f.name,
      {
        type: f.nullable ? [JSON_TYPE[f.type], "null"] : JSON_TYPE[f.type],
        ...(f.format ? { format: f.format } : {}),
        description: `${f.label}（敏感级别：${f.sensitivity}）`,
      },
    ]),
  );
  const filterable = resource.fields.filter((f) => f.filterable).map((f) => f.name);
  return {
    openapi: "3.1.0",
    info: {
      title: `${resource.name}（${resource.code}）`,
      version: resource.publishedAt.slice(0, 10),
      description: resource.summary,
    },
    servers: [{ url: serverUrl }],
    paths: {
      [`/api/exchange/v1/resources/${resource.code}/query`]: {
        post: {
          operationId: `query_${resource.code.replace(/\W/g, "_")}`,
          summary: `查询${resource.name}`,
          description:
            '请求须以 HTTP Message Signatures (RFC 9421, ed25519) 签名，覆盖 "@method" "@target-uri" "content-digest" "exchange-purpose"，带 created、keyid、nonce 参数；Content-Digest 按 RFC 9530 (sha-256)。',
          parameters: [
            {
              name: "Exchange-Purpose",
              in: "header",
              required: true,
              schema: { type: "string" },
              example: 'case="HB20261202000001", basis="《政务服务条例》"',
            },
            { name: "Content-Digest", in: "header", required: true, schema: { type: "string" } },
            { name: "Signature-Input", in: "header", required: true, schema: { type: "string" } },
            { name: "Signature", in: "header", required: true, schema: { type: "string" } },
          ],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["filter", "fields"],
                  additionalProperties: false,
                  properties: {
                    filter: {
                      type: "object",
                      properties: Object.fromEntries(filterable.map((f) => [f, properties[f]])),
                      additionalProperties: false,
                    },
                    fields: {
                      type: "array",
                      items: { type: "string", enum: resource.fields.map((f) => f.name) },
                    },
                  },
                },
              },
            },
          },
          responses: {
            "200": {
              description: "授权字段的记录（未授权字段不返回）",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: { records: { type: "array", items: { type: "object", properties } } },
                  },
                  example: { records: [resource.sample] },
                },
              },
            },
          },
        },
      },
    },
  };
}
