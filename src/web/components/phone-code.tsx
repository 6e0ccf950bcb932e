import { Field } from "./form.tsx";

/** What the phone-code step shows after a code was asked for (see web/public-form.ts sendPhoneCode). */
export interface PhoneCodeState {
  /** Where the code went ("验证码已发送至 139****0001…"). */
  notice?: string;
  /** The code itself, only on demo deployments (config.smsShowCode). */
  demoCode?: string | null;
  /** Seconds until a new code may be asked for; the page counts them down. */
  resendIn?: number;
}

/** The anchor of the phone-code step: asking for a code comes back to it, not to the top of the page. */
export const PHONE_CODE_ANCHOR = "phone-code";

/**
 * The phone-code step of a citizen form (letters, comments, survey answers, the assistant's hand-off):
 * phone, the code button, a countdown until a new code may be asked for, and the code. Without
 * JavaScript the button posts the form to `action#phone-code`, so the answer opens at this step; the
 * site script (web/client/phone-code.ts) sends it in place instead and runs the countdown.
 */
export function PhoneCodeFields({
  action,
  values,
  errors,
  sent = {},
  phoneLabel = "手机号码（必填，用于验证和回访）",
}: {
  action: string;
  values: { phone: string; code: string };
  errors: Record<string, string>;
  sent?: PhoneCodeState;
  phoneLabel?: string;
}) {
  const wait = sent.resendIn ?? 0;
  return (
    <div id={PHONE_CODE_ANCHOR} class="phone-code" data-phone-code-step>
      <Field id="phone" label={phoneLabel} error={errors.phone}>
        <input
          id="phone"
          name="phone"
          type="tel"
          maxLength={15}
          value={values.phone}
          autoComplete="tel"
          required
        />
      </Field>
      <div class="phone-code-request">
        <button
          type="submit"
          name="action"
          value="code"
          class="button secondary"
          formNoValidate
          formAction={`${action}#${PHONE_CODE_ANCHOR}`}
          data-phone-code
        >
          获取短信验证码
        </button>
        {wait > 0 ? (
          <span class="meta resend-wait" data-resend-in={wait}>
            {wait}秒后可重新获取
          </span>
        ) : null}
      </div>
      {sent.notice ? (
        <div class="notice info" role="status">
          <p>{sent.notice}</p>
          {sent.demoCode ? (
            <p>
              演示环境：验证码为 <strong class="demo-code">{sent.demoCode}</strong>（正式环境仅通过短信发送）
            </p>
          ) : null}
        </div>
      ) : null}
      <Field
        id="code"
        label="短信验证码（必填）"
        error={errors.code}
        hint="6位数字，10分钟内有效；有效期内同一手机号在本平台其他表单中可直接使用"
      >
        <input
          id="code"
          name="code"
          type="text"
          inputMode="numeric"
          maxLength={6}
          value={values.code}
          autoComplete="one-time-code"
        />
      </Field>
    </div>
  );
}
