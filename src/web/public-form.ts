import { Type } from "typebox";
import type { FormProblem } from "../platform/http/handle-form.ts";
import { maskPhone } from "../platform/mask/mask.ts";
import type { PhoneVerifier } from "../platform/phone/phone-verify.ts";

/**
 * An urlencoded form body as it arrives (one string, or a list when a field repeats): missing and
 * extra fields still reach the handler, which answers them with messages in the form.
 */
export const FormBody = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));

/** What a public form shows after the phone-code step: where the code went, and the code in demo mode. */
export interface PhoneCodeSent {
  notice: string;
  demoCode: string | null;
  /** Seconds until a new code may be asked for (the page counts them down). */
  resendIn: number;
}

/**
 * The phone-code step of a public form (letters, comments, survey answers): sends a code for the
 * purpose and says where it went; the code itself is shown only when the demo shows SMS codes.
 */
export async function sendPhoneCode(
  phone: PhoneVerifier,
  to: { phone: string; purpose: string; ip: string; showCode: boolean },
): Promise<PhoneCodeSent> {
  const code = await phone.request(to.phone, to.purpose, to.ip);
  return {
    notice: `验证码已发送至 ${maskPhone(to.phone)}，10分钟内有效，有效期内在本平台其他表单中也可使用。`,
    demoCode: to.showCode ? code : null,
    resendIn: await phone.resendIn(to.phone),
  };
}

/** A form problem's field messages; a problem without fields shows its message at `field`. */
export function problemFields(problem: FormProblem, field: string): Record<string, string> {
  const { form, ...rest } = problem.errors;
  return form !== undefined && Object.keys(rest).length === 0 ? { [field]: problem.message } : problem.errors;
}
