import { Conflict, Forbidden, Invalid, NotFound } from "../../platform/http/errors.ts";

export class UnknownLicence extends NotFound {
  constructor() {
    super("没有这张证照", {}, "unknown_licence");
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
