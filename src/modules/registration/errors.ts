import { Forbidden, Invalid, NotFound, TooMany, Unauthenticated } from "../../platform/http/errors.ts";
import { secondsToChinaMidnight } from "../../platform/time/china-time.ts";

/** The campaign does not exist (or is not public). */
export class CampaignNotFound extends NotFound {
  constructor() {
    super("该登记活动不存在", {}, "campaign_not_found");
  }
}

/** Outside the campaign's open and close times. */
export class CampaignClosed extends Forbidden {
  constructor(message: string) {
    super(message, {}, "campaign_closed");
  }
}

/** The submission breaks a rule; `fields` names each field and why. */
export class SubmissionInvalid extends Invalid {
  constructor(fields: Record<string, string>) {
    super("提交的登记信息有误，请按提示修改", fields, "invalid_submission");
  }
}

/** A partner key is needed (partners-only campaign) or the one given is unknown or revoked. */
export class ApiKeyRefused extends Unauthenticated {
  constructor(message: string) {
    super(message, {}, "api_key_refused");
  }
}

/** The key's daily quota is used up. */
export class QuotaExceeded extends TooMany {
  constructor(quota: number) {
    super(`该接入密钥今日的 ${quota} 次提交额度已用完`, {}, "quota_exceeded");
    // The quota starts again at midnight, China time.
    this.retryAfterSeconds = secondsToChinaMidnight();
  }
}

/** Only real-name verified citizens may submit, for themselves. */
export class VerifiedOnly extends Forbidden {
  constructor(message = "此项登记须由实名认证的本人提交，请先登录") {
    super(message, {}, "verified_only");
  }
}
