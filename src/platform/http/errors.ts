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
