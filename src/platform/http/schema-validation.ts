import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchema, FastifySchemaCompiler } from "fastify";

/** What Fastify's own validator uses (`@fastify/ajv-compiler`'s defaults). */
const FASTIFY_DEFAULTS: Options = {
  coerceTypes: "array",
  useDefaults: true,
  removeAdditional: true,
  addUsedSchema: false,
  allErrors: false,
};

function ajvWith(options: Options): Ajv {
  const ajv = new Ajv({ ...FASTIFY_DEFAULTS, ...options });
  addFormats.default(ajv);
  return ajv;
}

/** Query strings, path parameters, headers and form posts: text that must be coerced to numbers. */
const coercing = ajvWith({});
/** JSON request bodies of the API: a partner's `"name": ["王五"]` or `"name": true` is an error, not text. */
const strictJson = ajvWith({ coerceTypes: false });
const strictJsonAllErrors = ajvWith({ coerceTypes: false, allErrors: true });

/** Bodies up to this many values get every wrong field named; larger ones (a flood) only the first. */
const ALL_ERRORS_UP_TO = 500;

/** Whether a parsed JSON value holds at most `limit` values (stops counting past it). */
function smallerThan(value: unknown, limit: number): boolean {
  let left = limit;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    if (--left < 0) return false;
    const v = stack.pop();
    if (Array.isArray(v)) {
      if (v.length > left) return false;
      stack.push(...v);
    } else if (v !== null && typeof v === "object") {
      const values = Object.values(v);
      if (values.length > left) return false;
      stack.push(...values);
    }
  }
  return true;
}

/**
 * A strict body validator: the first problem is found cheaply; then, for a body of ordinary size, every
 * problem is listed (Ajv's allErrors on a 900,000-item array held the event loop for seconds).
 */
function strictBodyValidator(schema: object): ValidateFunction {
  const first = strictJson.compile(schema);
  const all = strictJsonAllErrors.compile(schema);
  const validate = ((data: unknown) => {
    if (first(data)) {
      validate.errors = null;
      return true;
    }
    const detailed = smallerThan(data, ALL_ERRORS_UP_TO) && !all(data);
    validate.errors = (detailed ? all.errors : first.errors) as ErrorObject[] | null;
    return false;
  }) as ValidateFunction;
  return validate;
}

/** Fastify's validator, except that JSON bodies of `/api/` routes are not coerced. */
export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, url, httpPart }) =>
  httpPart === "body" && (url === "/api" || url.startsWith("/api/"))
    ? strictBodyValidator(schema as object)
    : coercing.compile(schema as object);
