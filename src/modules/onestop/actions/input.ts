import { Type, type Static, type TObject, type TSchema } from "typebox";
import { Compile } from "typebox/compile";
import type { TLocalizedValidationError } from "typebox/error";
import {
  validationFields,
  validationMessage,
  type ValidationProblem,
} from "../../../platform/http/errors.ts";
import { InvalidError } from "../errors.ts";

/*
 * Each action declares its input as a TypeBox object. A schema, or one of its properties, may carry
 * an `errorMessage` option: the Chinese message shown instead of the generic one when it fails.
 */

/** The fields most actions take: the handler's note and the task (workflow step) the page showed. */
export const Note = Type.Optional(Type.String());
export const TaskId = Type.Optional(Type.Integer());
export const TaskStepInput = Type.Object({ note: Note, taskId: TaskId });

/** What the shared context reads from any action's input (a schema may leave either out). */
export interface CommonInput {
  note?: string;
  taskId?: number;
}

/** A parser for one schema: the input reduced to the schema's properties, or an InvalidError. */
export function inputParser<S extends TObject>(schema: S): (raw: object) => Static<S> {
  const validator = Compile(schema);
  return (raw) => {
    const input = validator.Clean({ ...raw });
    if (validator.Check(input)) return input as Static<S>;
    throw invalidInput(schema, validator.Errors(input));
  };
}

function invalidInput(schema: TObject, errors: TLocalizedValidationError[]): InvalidError {
  const fields = validationFields(errors.flatMap(toProblems));
  for (const name of Object.keys(fields))
    fields[name] = errorMessageOf(schema.properties[name]) ?? fields[name];
  return new InvalidError(errorMessageOf(schema) ?? validationMessage(fields), fields);
}

/** TypeBox names every missing property in one error; the shared messages expect one error each. */
function toProblems(error: TLocalizedValidationError): ValidationProblem[] {
  const params = error.params as Record<string, unknown>;
  if (error.keyword !== "required") return [{ ...error, params }];
  return error.params.requiredProperties.map((missingProperty) => ({
    ...error,
    params: { missingProperty },
  }));
}

function errorMessageOf(schema: TSchema | undefined): string | undefined {
  const message = (schema as { errorMessage?: unknown } | undefined)?.errorMessage;
  return typeof message === "string" ? message : undefined;
}
