import { Type, type Static } from "typebox";

/**
 * An urlencoded form as it arrives: each field a string, or a list when repeated. Missing and extra
 * fields still reach the handler, which shows the form again with messages rather than a bare 400.
 */
export const FormBody = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));
export type FormBody = Static<typeof FormBody>;

/** Reads a form's fields: the first value of each, cut to `max` characters ("" when missing). */
export function formField(body: FormBody): (key: string, max: number) => string {
  return (key, max) => {
    const value = Object.hasOwn(body, key) ? body[key] : undefined;
    return (Array.isArray(value) ? (value[0] ?? "") : (value ?? "")).slice(0, max);
  };
}
