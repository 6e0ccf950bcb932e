import { Conflict, Forbidden, Invalid, NotFound } from "../../platform/http/errors.ts";

export class BadPolicyInput extends Invalid {}

/** A profile with unknown fields, wrong types or absurd values. */
export class BadProfile extends Invalid {
  constructor(fields: Record<string, string>) {
    super(`企业信息有误：${Object.values(fields).join("；")}`, fields, "bad_profile");
  }
}

/** Rules on unknown fields, with wrong values, or that contradict each other. */
export class BadRules extends Invalid {
  constructor(fields: Record<string, string>) {
    super(`规则有误：${Object.values(fields).join("；")}`, fields, "bad_rules");
  }
}

export class UnknownBenefit extends NotFound {
  constructor() {
    super("没有这项惠企政策", {}, "unknown_benefit");
  }
}

export class UnknownVersion extends NotFound {
  constructor() {
    super("没有这个规则版本", {}, "unknown_version");
  }
}

/** Publishing is refused while a test case fails; `fields` lists each failing case. */
export class PublishBlocked extends Conflict {
  constructor(failures: Record<string, string>) {
    super(
      `测试用例未全部通过，不能发布：${Object.values(failures).join("；")}`,
      failures,
      "test_cases_failed",
    );
  }
}

export class AlreadyPublished extends Conflict {
  constructor() {
    super("该版本已发布，不能修改；请新建版本", {}, "already_published");
  }
}

export class NotAnEnterprise extends Forbidden {
  constructor() {
    super("惠企政策匹配仅对法人（企业）账号开放", {}, "not_an_enterprise");
  }
}

export class NotYourGrant extends NotFound {
  constructor() {
    super("没有这项兑现记录", {}, "unknown_grant");
  }
}

export class ObjectionClosed extends Conflict {
  constructor() {
    super("异议期已过或已提出异议", {}, "objection_closed");
  }
}
