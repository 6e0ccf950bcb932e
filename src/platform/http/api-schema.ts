import { Type, type TSchema } from "typebox";

/**
 * OpenAPI building blocks shared by the JSON APIs: the one error answer every API gives
 * ({error:{code,message,fields}}, see apiError in errors.ts), the 4xx answers an operation may give,
 * and the security an operation needs. Route schemas use these so /api/docs/json describes itself.
 */

/** The JSON error answer of every API (apiError): a machine code, a Chinese message, per-field messages. */
export const ApiErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "机器可读的错误代码，如 invalid_input、not_found" }),
      message: Type.String({ description: "中文错误说明，可直接展示给用户" }),
      fields: Type.Optional(
        Type.Record(Type.String(), Type.String(), { description: "逐个字段的错误说明（字段名 → 说明）" }),
      ),
    }),
  },
  { title: "错误", description: "接口错误答复" },
);

const ERROR_DESCRIPTIONS = {
  400: "请求参数有误（fields 逐项说明）",
  401: "未登录或登录已过期",
  403: "无权进行此操作，或 CSRF 令牌无效",
  404: "请求的对象不存在",
  409: "对象当前状态不允许此操作",
  410: "对象已失效",
  413: "提交的内容过大",
  429: "请求过于频繁，请稍后再试",
} as const;

export type ApiErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The response schemas of the 4xx answers an operation can give, each the shared error answer. */
export function errorResponses(...statuses: ApiErrorStatus[]): Record<number, TSchema> {
  return Object.fromEntries(
    statuses.map((status) => [status, { ...ApiErrorSchema, description: ERROR_DESCRIPTIONS[status] }]),
  );
}

/** An operation anyone may call: no credentials (`security: []` overrides the document default). */
export const PUBLIC_API = { security: [] as Record<string, string[]>[] };

/** Names of the security schemes the document declares (see openApiSecuritySchemes). */
export const CITIZEN_SESSION = "citizenSession";
export const OPEN311_API_KEY = "open311ApiKey";
export const EXCHANGE_SIGNATURE = "exchangeSignature";
export const STAFF_SESSION = "staffSession";
export const OPERATOR_API_KEY = "operatorApiKey";
export const REGISTRATION_API_KEY = "registrationApiKey";

/** A member system's call to the exchange, signed with HTTP Message Signatures (RFC 9421). */
export const EXCHANGE_API = { security: [{ [EXCHANGE_SIGNATURE]: [] as string[] }] };

/** An operation for a signed-in citizen or enterprise (the session cookie; writes also x-csrf-token). */
export const CITIZEN_API = { security: [{ [CITIZEN_SESSION]: [] as string[] }] };

/** The security schemes, given the cookie name the citizen sign-in uses. */
export function openApiSecuritySchemes(cookies: { citizen: string; staff: string }) {
  return {
    [STAFF_SESSION]: {
      type: "apiKey" as const,
      in: "cookie" as const,
      name: cookies.staff,
      description: "工作人员在管理后台登录后的会话 Cookie",
    },
    [OPERATOR_API_KEY]: {
      type: "apiKey" as const,
      in: "header" as const,
      name: "X-Api-Key",
      description: "平台运维接口密钥（npm run analytics:key 签发），供运维脚本读取统计",
    },
    [CITIZEN_SESSION]: {
      type: "apiKey" as const,
      in: "cookie" as const,
      name: cookies.citizen,
      description: "个人/法人用户登录后的会话 Cookie；提交类接口另需 x-csrf-token 请求头",
    },
    [OPEN311_API_KEY]: {
      type: "apiKey" as const,
      in: "header" as const,
      name: "X-Api-Key",
      description: "Open311 接入密钥（由管理员在后台签发）；GeoReport v2 客户端也可用 api_key 参数",
    },
    [REGISTRATION_API_KEY]: {
      type: "apiKey" as const,
      in: "header" as const,
      name: "X-Api-Key",
      description: "应急登记接入系统的密钥（由管理员在后台为某个登记活动签发，每个密钥有每日提交额度）",
    },
    [EXCHANGE_SIGNATURE]: {
      type: "apiKey" as const,
      in: "header" as const,
      name: "Signature",
      description:
        "数据共享交换的签名调用：HTTP Message Signatures（RFC 9421，ed25519），与 Signature-Input、Content-Digest、Exchange-Purpose 头一起发送；keyid 为接入系统登记的公钥指纹",
    },
  };
}
