/** Bad input from a user or client: answered with 4xx and a Chinese message, never a 500. */
export class InputError extends Error {
  constructor(
    message: string,
    /** Messages per form field, shown next to the field. */
    readonly fields: Record<string, string> = {},
    readonly statusCode = 400,
    readonly code = statusCode === 404 ? "not_found" : statusCode === 403 ? "forbidden" : "invalid_input",
  ) {
    super(message);
    this.name = "InputError";
  }
}

export function notFound(message = "您访问的页面不存在"): InputError {
  return new InputError(message, {}, 404);
}

export function forbidden(message = "您没有权限进行此操作"): InputError {
  return new InputError(message, {}, 403);
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
  return parts.length > 0 ? `请求参数有误：${parts.join("；")}` : "请求参数有误";
}
