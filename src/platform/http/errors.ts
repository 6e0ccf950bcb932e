/**
 * What went wrong, in domain words. Services throw these; one mapper (httpStatusOf / apiErrorOf) turns
 * them into HTTP answers, and forms show them again with the messages (handleForm). Never a 500.
 */
export type ErrorKind =
  | "invalid"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "gone"
  | "unsupported"
  | "too_many";

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(
    message: string,
    /** Messages per form field, shown next to the field. */
    readonly fields: Record<string, string> = {},
    /** A machine-readable reason for API clients; defaults to the kind. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input breaks a rule; `fields` says which field and why. */
export class Invalid extends DomainError {
  readonly kind = "invalid";
}
/** Nobody is signed in. */
export class Unauthenticated extends DomainError {
  readonly kind = "unauthenticated";
}
/** The actor may not do this. */
export class Forbidden extends DomainError {
  readonly kind = "forbidden";
}
/** The thing does not exist (or the actor may not know it does). */
export class NotFound extends DomainError {
  readonly kind = "not_found";
}
/** The thing is not in a state that allows this (already answered, duplicate, changed meanwhile…). */
export class Conflict extends DomainError {
  readonly kind = "conflict";
}
/** The thing existed and is gone for good (an expired link). */
export class Gone extends DomainError {
  readonly kind = "gone";
}
/** The request comes in a form the platform does not read (a body's media type or charset). */
export class Unsupported extends DomainError {
  readonly kind = "unsupported";
}
/** Too many attempts; try later (after `retryAfterSeconds`, when known: sent as Retry-After). */
export class TooMany extends DomainError {
  readonly kind = "too_many";
  retryAfterSeconds?: number;
}

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  unsupported: 415,
  too_many: 429,
};

const DEFAULT_CODE: Record<ErrorKind, string> = {
  invalid: "invalid_input",
  unauthenticated: "unauthenticated",
  forbidden: "forbidden",
  not_found: "not_found",
  conflict: "conflict",
  gone: "gone",
  unsupported: "unsupported_media_type",
  too_many: "too_many_requests",
};

/** The one mapping from domain errors to HTTP status codes. */
export function httpStatusOf(error: DomainError): number {
  return STATUS[error.kind];
}

/** The machine-readable code an API answer carries for a domain error. */
export function errorCodeOf(error: DomainError): string {
  return error.reason ?? DEFAULT_CODE[error.kind];
}

/** Errors a form answers by showing itself again with the messages: the user can correct these. */
export function isCorrectable(error: unknown): error is DomainError {
  return error instanceof DomainError && !(error instanceof NotFound || error instanceof Forbidden);
}

export function notFound(message = "您访问的页面不存在"): NotFound {
  return new NotFound(message);
}

export function forbidden(message = "您没有权限进行此操作"): Forbidden {
  return new Forbidden(message);
}

export interface ApiErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

export function apiError(code: string, message: string, fields?: Record<string, string>): ApiErrorBody {
  return { error: fields && Object.keys(fields).length > 0 ? { code, message, fields } : { code, message } };
}

/** One schema-validation problem as Fastify/Ajv reports it. */
export interface ValidationProblem {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

const TYPE_NAMES: Record<string, string> = {
  integer: "整数",
  number: "数字",
  string: "文本",
  boolean: "布尔值",
  array: "列表",
  object: "对象",
};

/** Chinese messages, per parameter, for schema-validation problems (API clients get them as `fields`). */
export function validationFields(problems: ValidationProblem[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const p of problems) {
    const params = p.params ?? {};
    const name =
      p.keyword === "required"
        ? String(params.missingProperty ?? "")
        : (p.instancePath ?? "").replace(/^\//, "").replace(/\//g, ".");
    const key = name || "_";
    // A union's branches each report a problem before the union itself: the union's message stands.
    if (p.keyword === "anyOf" || p.keyword === "union") {
      fields[key] = "取值或类型不在允许范围内";
      continue;
    }
    if (fields[key]) continue;
    switch (p.keyword) {
      case "required":
        fields[key] = "缺少此参数";
        break;
      case "maxLength":
        fields[key] = `不能超过${String(params.limit)}个字`;
        break;
      case "minLength":
        fields[key] = Number(params.limit) <= 1 ? "不能为空" : `不能少于${String(params.limit)}个字`;
        break;
      case "maximum":
        fields[key] = `不能大于${String(params.limit)}`;
        break;
      case "minimum":
        fields[key] = `不能小于${String(params.limit)}`;
        break;
      case "type":
        fields[key] = `应为${TYPE_NAMES[String(params.type)] ?? String(params.type)}`;
        break;
      case "enum":
      case "const":
      case "anyOf":
      case "union":
        fields[key] = "取值不在允许范围内";
        break;
      case "pattern":
      case "format":
        fields[key] = "格式有误";
        break;
      case "additionalProperties":
        fields[String(params.additionalProperty ?? key)] = "不支持此参数";
        break;
      default:
        fields[key] = "取值有误";
    }
  }
  return fields;
}

/** "请求参数有误：q 不能超过100个字；page 应为整数" */
export function validationMessage(fields: Record<string, string>): string {
  const parts = Object.entries(fields).map(([k, v]) => (k === "_" ? v : `${k} ${v}`));
  if (parts.length > 10) parts.splice(10, parts.length - 10, `等 ${parts.length} 处`);
  return parts.length > 0 ? `请求参数有误：${parts.join("；")}` : "请求参数有误";
}
