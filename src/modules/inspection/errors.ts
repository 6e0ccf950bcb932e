import { DomainError, Forbidden, Invalid, NotFound } from "../../platform/http/errors.ts";

export class SiteNotFound extends NotFound {
  constructor() {
    super("未找到该网站", {}, "site_not_found");
  }
}

export class RunNotFound extends NotFound {
  constructor() {
    super("未找到该次巡检", {}, "run_not_found");
  }
}

/** Only operators and the site's administrators see and start a site's inspections. */
export class NotSiteAdmin extends Forbidden {
  constructor() {
    super("网站巡检只对平台运维和本网站的站点管理员开放", {}, "not_site_admin");
  }
}

export class BadMonth extends Invalid {
  constructor() {
    super("月份格式应为 YYYY-MM", { month: "请填写有效的月份，如 2026-11" }, "bad_month");
  }
}

/** The report cannot be printed to PDF here; the HTML version stays available. */
export class PdfNotAvailable extends DomainError {
  readonly kind = "conflict";
  constructor() {
    super("暂时无法生成 PDF（服务器未安装或无法运行 Chromium），请使用网页版报告打印", {}, "pdf_unavailable");
  }
}
