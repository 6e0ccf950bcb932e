/**
 * Schema validation that refuses Infinity. Ajv coerces a query-string or form value such as "1e309"
 * to Infinity, counts it as an integer and skips `minimum`/`maximum` for it (they only compare finite
 * numbers), so `?page=1e309` reached handlers and failed in the database or the serializer (500).
 * Every route's validator is Fastify's own (@fastify/ajv-compiler), followed by a check that no value
 * the validation produced is a non-finite number.
 */
import AjvCompiler from "@fastify/ajv-compiler";
import type { FastifyServerOptions } from "fastify";

interface ValidatorFunction {
  (data: unknown): unknown;
  errors?: unknown;
}

/** The instance path ("/page", "/answers/0") of the first non-finite number in `data`, or null. */
export function nonFinitePath(data: unknown, path = "", depth = 0): string | null {
  if (typeof data === "number") return Number.isFinite(data) ? null : path;
  if (data === null || typeof data !== "object" || depth > 32) return null;
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      const found = nonFinitePath(data[i], `${path}/${i}`, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  for (const key in data) {
    const found = nonFinitePath((data as Record<string, unknown>)[key], `${path}/${key}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** A validator that also fails on non-finite numbers, reporting them as Ajv reports a wrong type. */
export function finiteOnly(validate: ValidatorFunction): ValidatorFunction {
  const checked: ValidatorFunction = (data) => {
    const result = validate(data);
    // Asynchronous validators are not used by this platform's schemas: passed through as they are.
    if (result !== true) {
      checked.errors = validate.errors;
      return result;
    }
    const path = nonFinitePath(data);
    if (path === null) {
      checked.errors = null;
      return true;
    }
    checked.errors = [
      { instancePath: path, keyword: "type", params: { type: "number" }, message: "must be finite" },
    ];
    return false;
  };
  return checked;
}

type BuildValidator = (externalSchemas: unknown, options: unknown) => (route: unknown) => ValidatorFunction;

/** Fastify's `schemaController` option: its default validator compiler, with finiteOnly on every route. */
export function finiteNumberSchemaController(): NonNullable<FastifyServerOptions["schemaController"]> {
  const buildDefault = AjvCompiler() as unknown as BuildValidator;
  const buildValidator: BuildValidator = (externalSchemas, options) => {
    const compile = buildDefault(externalSchemas, options);
    return (route) => finiteOnly(compile(route));
  };
  return {
    compilersFactory: {
      buildValidator: buildValidator as NonNullable<
        NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
      >["buildValidator"],
    },
  };
}
