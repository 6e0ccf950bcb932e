import { Conflict, Forbidden, Invalid, NotFound } from "../../platform/http/errors.ts";

export class UnknownLicence extends NotFound {
  constructor() {
    super("没有这张证照", {}, "unknown_licence");
  }
}

export class UnknownStatusList extends NotFound {
  constructor() {
    super("没有这个证照状态列表", {}, "unknown_status_list");
  }
}

export class NotAnIssuer extends Forbidden {
  constructor(kindName: string) {
    super(
      `只有${kindName}的发证部门（承办人或数据管理员）或平台运维可以签发、注销该证照`,
      {},
      "not_an_issuer",
    );
  }
}

export class StatusUnchanged extends Conflict {
  constructor() {
    super("证照已处于该状态", {}, "status_unchanged");
  }
}

export class BadLicenceInput extends Invalid {}

export class NotAGrantor extends Forbidden {
  constructor() {
    super("只有平台运维或发证部门的数据管理员可以管理接入系统的证照签发授权", {}, "not_a_grantor");
  }
}

export class UnknownIssuerGrant extends NotFound {
  constructor() {
    super("没有这条签发授权", {}, "unknown_issuer_grant");
  }
}

export class UnknownTreeHead extends NotFound {
  constructor(size: number) {
    super(`没有保存树大小为 ${size} 的签名树头`, {}, "unknown_tree_head");
  }
}

export class LeafNotInLog extends NotFound {
  constructor() {
    super("该叶哈希不在此大小的日志树中", {}, "leaf_not_found");
  }
}

/** Why a member system's fetch of a licence over the hub was refused (403, machine-readable code). */
export type ConsentRefusal = "no_consent" | "consent_revoked" | "consent_expired" | "consent_not_yet_valid";

const CONSENT_MESSAGES: Record<ConsentRefusal, string> = {
  no_consent: "持证人未授权本接入系统（或其所属部门）调取该证照",
  consent_revoked: "持证人已撤回对本接入系统调取该证照的授权",
  consent_expired: "持证人的授权已过期",
  consent_not_yet_valid: "持证人的授权尚未生效",
};

export class NoConsent extends Forbidden {
  constructor(reason: ConsentRefusal, detail?: string) {
    super(detail ? `${CONSENT_MESSAGES[reason]}（${detail}）` : CONSENT_MESSAGES[reason], {}, reason);
  }
}

export class NoIssuerGrant extends Forbidden {
  constructor(kindName: string) {
    super(`本接入系统未获得签发“${kindName}”的授权`, {}, "no_issuer_grant");
  }
}

export class UnknownHolder extends NotFound {
  constructor() {
    super("没有与该身份证号码或统一社会信用代码对应的实名账户", {}, "unknown_holder");
  }
}

export class UnknownConsent extends NotFound {
  constructor() {
    super("没有这项授权", {}, "unknown_consent");
  }
}
