/**
 * Refuses Infinity after schema validation. Ajv coerces a query-string or form value such as "1e309"
 * to Infinity, counts it as an integer and skips `minimum`/`maximum` for it (they only compare finite
 * numbers), so `?page=1e309` reached handlers and failed in the database or the serializer (500). A
 * global preHandler (after validation, before every handler) answers such a request as a validation
 * error naming the field; the validator compiler itself stays Fastify's own.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";

/** The instance path ("/page", "/answers/0") of the first non-finite number in `data`, or null. */
export function nonFinitePath(data: unknown, path = "", depth = 0): string | null {
  if (typeof data === "number") return Number.isFinite(data) ? null : path;
  if (data === null || typeof data !== "object" || depth > 32 || Buffer.isBuffer(data)) return null;
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      const found = nonFinitePath(data[i], `${path}/${i}`, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  for (const key in data) {
    const value = (data as Record<string, unknown>)[key];
    // Only numbers and containers can hold one: no path string is built for the rest.
    if (typeof value !== "number" && (value === null || typeof value !== "object")) continue;
    const found = nonFinitePath(value, `${path}/${key}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

const PARTS = [
  ["querystring", "query"],
  ["params", "params"],
  ["body", "body"],
] as const;

/** The preHandler hook: a non-finite number in the query, path or body is a 400 naming its field. */
export function refuseNonFiniteNumbers(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  for (const [context, part] of PARTS) {
    const path = nonFinitePath(request[part]);
    if (path === null) continue;
    const validation = [
      { instancePath: path, keyword: "type", params: { type: "number" }, message: "must be finite" },
    ];
    // Shaped as Fastify's own validation error, so the error handler answers it like any other.
    done(
      Object.assign(new Error(`${context}${path} must be finite`), {
        validation,
        validationContext: context,
        statusCode: 400,
      }),
    );
    return;
  }
  done();
}
