import { Conflict, DomainError } from "../../platform/http/errors.ts";

/** A decision in a category that needs a reason class, without one. */
export class ReasonClassMissing extends DomainError {
  readonly kind = "invalid";
  constructor(category: string) {
    super(
      `“${category}”须选择具体的理由类别（按国家年度报告格式统计），请选择后再作出答复`,
      {
        outcomeReason: "请选择理由类别",
      },
      "reason_class_missing",
    );
  }
}

/** An extension asked when the answer is already overdue (条例 art. 33 allows it only within the limit). */
export class LimitPassed extends Conflict {
  constructor() {
    super(
      "答复期限已过，不能再延长答复期限。请尽快作出答复；申请已保留，延期理由未丢失",
      { reason: "答复期限已过，不能延期" },
      "limit_passed",
    );
  }
}

/** The decision letter cannot be printed to PDF here; the HTML version stays available. */
export class PdfNotAvailable extends DomainError {
  readonly kind = "conflict";
  constructor() {
    super(
      "暂时无法生成 PDF 版答复书（服务器未安装或无法运行 Chromium），请使用网页版答复书打印",
      {},
      "pdf_unavailable",
    );
  }
}
