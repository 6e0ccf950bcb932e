import { Ajv, type Options } from "ajv";
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
/**
 * JSON request bodies of the API: a partner's `"name": ["王五"]` or `"name": true` is an error to report,
 * not a value to convert, and every wrong field is named at once (the body limit bounds the work).
 */
const strictJson = ajvWith({ coerceTypes: false, allErrors: true });

/** Fastify's validator, except that JSON bodies of `/api/` routes are not coerced. */
export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, url, httpPart }) => {
  const ajv = httpPart === "body" && url.startsWith("/api/") ? strictJson : coercing;
  return ajv.compile(schema as object);
};
