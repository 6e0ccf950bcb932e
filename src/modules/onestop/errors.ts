import { InputError } from "../../platform/http/errors.ts";

/*
 * The one-stop module's domain errors. For now each is an InputError with the status code the
 * routes already answer with, so the pages and the API handle them unchanged; a later step maps
 * domain errors centrally and these can stop knowing about HTTP.
 */

export class NotFoundError extends InputError {
  constructor(message: string) {
    super(message, {}, 404);
  }
}

/** The application or task changed under the caller (a stale page, a double click, a race). */
export class ConflictError extends InputError {
  constructor(message: string) {
    super(message, {}, 409, "conflict");
  }
}

/** Input the caller can correct: a message, and one per form field where it belongs to a field. */
export class InvalidError extends InputError {
  constructor(message: string, fields: Record<string, string> = {}) {
    super(message, fields, 400);
  }
}

export class ForbiddenError extends InputError {
  constructor(message: string) {
    super(message, {}, 403, "forbidden");
  }
}
