import { httpStatusOf, isCorrectable, type DomainError } from "./errors.ts";

/** What a form shows when it comes back: messages per field, a summary, and the status to answer with. */
export interface FormProblem {
  errors: Record<string, string>;
  message: string;
  status: number;
}

export interface FormSteps<I, R, A> {
  /** Reads and checks the submitted values; throws Invalid with field messages. */
  parse: () => I | Promise<I>;
  /** Does the work with the parsed input. */
  run: (input: I) => R | Promise<R>;
  /** Answers a successful submission (usually a 303 redirect). */
  onSuccess: (result: R) => A | Promise<A>;
  /** Shows the form again with the user's input kept and the problem explained. */
  rerender: (problem: FormProblem) => A | Promise<A>;
  /** Which domain errors the form shows again; the rest propagate (default: every correctable one). */
  shows?: (error: DomainError) => boolean;
}

/** A domain error as a form problem: field messages, or the message itself as the form's only entry. */
export function formProblem(error: DomainError): FormProblem {
  const errors = Object.keys(error.fields).length > 0 ? error.fields : { form: error.message };
  return { errors, message: error.message, status: httpStatusOf(error) };
}

/**
 * The one way a form submission runs: parse, run, then either answer success or show the form again
 * with the messages. Errors the user cannot correct (not found, forbidden, faults) propagate to the
 * app's error handler.
 */
export async function handleForm<I, R, A>(steps: FormSteps<I, R, A>): Promise<A> {
  let result: R;
  try {
    result = await steps.run(await steps.parse());
  } catch (error) {
    if (!isCorrectable(error) || (steps.shows && !steps.shows(error))) throw error;
    return steps.rerender(formProblem(error));
  }
  return steps.onSuccess(result);
}
