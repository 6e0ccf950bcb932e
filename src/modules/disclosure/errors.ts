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

/**
 * A reason class that does not belong to the chosen outcome: 予以公开 with “属于国家秘密”, 不予公开 with
 * “本机关不掌握”… The decision is refused, never recorded with the class silently dropped or miscounted.
 */
export class ReasonClassMismatch extends DomainError {
  readonly kind = "invalid";
  /** `owner`: the category the class belongs to (null: no such class); `hasClasses`: whether `category` has any. */
  constructor(category: string, reason: string, owner: string | null, hasClasses: boolean) {
    const why = owner
      ? `理由类别“${reason}”属于“${owner}”，与办理结果“${category}”矛盾`
      : `没有“${reason}”这一理由类别`;
    const fix = !owner
      ? "请从列出的理由类别中选择"
      : `确属${owner}的，请将办理结果改为“${owner}”；否则${
          hasClasses ? `请选择“${category}”的理由类别` : "请将理由类别选为“不适用”"
        }`;
    super(`${why}。请核对：${fix}。已填写的答复内容已保留`, { outcomeReason: why }, "reason_class_mismatch");
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
