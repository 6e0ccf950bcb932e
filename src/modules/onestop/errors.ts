import { Conflict, Forbidden, Invalid, NotFound } from "../../platform/http/errors.ts";

/*
 * The one-stop module's domain errors. They say what went wrong in the service hall's words; the
 * platform's one mapper (platform/http/errors.ts) decides the HTTP answer.
 */

/** The application, task or item does not exist (or the caller may not know it does). */
export class NotFoundError extends NotFound {}

/** The application or task changed under the caller (a stale page, a double click, a race). */
export class ConflictError extends Conflict {}

/** Input the caller can correct: a message, and one per form field where it belongs to a field. */
export class InvalidError extends Invalid {}

/** The handler holds no role that allows this step. */
export class ForbiddenError extends Forbidden {}
