import type { Figures } from "./report.ts";

/**
 * 网站工作年度报表 (国办发〔2017〕47号, 政府网站发展指引 附件): the rows the platform can count are
 * generated from its records (articles, requests, visits, letters, consultations and surveys); the
 * others (columns kept, responses to public concerns, security checks) are entered by staff.
 */
export const WEBSITE_ROWS: { key: string; label: string; generated: boolean }[] = [
  { key: "w.visitors", label: "独立用户访问总量（个）", generated: true },
  { key: "w.visits", label: "网站总访问量（次）", generated: true },
  { key: "w.published", label: "信息发布总数（条）", generated: true },
  { key: "w.overview", label: "其中：概况类信息更新量（条）", generated: false },
  { key: "w.news", label: "其中：政务动态信息更新量（条）", generated: true },
  { key: "w.catalogue", label: "其中：信息公开目录信息更新量（条）", generated: true },
  { key: "w.topics_kept", label: "专栏专题维护数量（个）", generated: false },
  { key: "w.topics_new", label: "专栏专题新开设数量（个）", generated: false },
  { key: "w.interpretations", label: "解读信息发布总数（条）", generated: true },
  { key: "w.responses", label: "回应公众关注热点或重大舆情数量（次）", generated: false },
  { key: "w.letters_received", label: "留言办理：收到留言数量（条）", generated: true },
  { key: "w.letters_closed", label: "留言办理：办结留言数量（条）", generated: true },
  { key: "w.letters_days", label: "留言办理：平均办理时间（天）", generated: true },
  { key: "w.letters_public", label: "留言办理：公开答复数量（条）", generated: true },
  { key: "w.surveys", label: "征集调查期数（期）", generated: true },
  { key: "w.opinions", label: "收到意见数量（条）", generated: true },
  { key: "w.survey_results", label: "公布调查结果期数（期）", generated: true },
  { key: "w.disclosure_requests", label: "收到政府信息公开申请（件）", generated: true },
  { key: "w.security_checks", label: "安全检测评估次数（次）", generated: false },
  { key: "w.security_found", label: "发现问题数量（个）", generated: false },
  { key: "w.security_fixed", label: "问题整改数量（个）", generated: false },
];

export const WEBSITE_KEYS = WEBSITE_ROWS.map((r) => r.key);
export const WEBSITE_MANUAL_KEYS = WEBSITE_ROWS.filter((r) => !r.generated).map((r) => r.key);

/**
 * What the site's public took part in over the year, from the modules that record it (the container
 * composes it from analytics, the mailbox and participation; see WebsiteActivitySource).
 */
export interface WebsiteActivity {
  /**
   * Page views, and visitors (cookieless: distinct per day, summed over the days); null where page
   * views are not counted (ANALYTICS=0): the rows are then staff's to fill.
   */
  pageviews: number | null;
  visitors: number | null;
  letters: {
    received: number;
    /** Replied within the year (whenever received). */
    closed: number;
    /** Mean working days from receipt to reply, of the year's letters; null when none was replied. */
    averageDays: number | null;
    /** Replies published on the site within the year. */
    published: number;
  };
  /** Consultations and surveys opened within the year. */
  surveys: number;
  /** Comments on consultations and survey responses received within the year. */
  opinions: number;
  /** Consultation summaries (反馈意见采纳情况) published within the year. */
  results: number;
}

/**
 * Where the 网站工作年度报表 reads a website's own activity: its pages' views, the letters written on,
 * handled by or addressed to it, its consultations and surveys (the portal's report is the portal's,
 * not the cluster's: each department's site reports its own).
 */
export interface WebsiteActivitySource {
  activity(
    site: { id: number; code: string },
    year: { since: string; until: string; from: string; to: string },
  ): Promise<WebsiteActivity>;
}

/** The platform's figures for the rows it can count: articles per kind, requests received, the public's activity. */
export function websiteFigures(
  byKind: Record<string, number>,
  requestsReceived: number,
  activity: WebsiteActivity,
): Figures {
  const n = (k: string) => byKind[k] ?? 0;
  return {
    ...(activity.pageviews === null || activity.visitors === null
      ? {}
      : { "w.visitors": activity.visitors, "w.visits": activity.pageviews }),
    "w.letters_received": activity.letters.received,
    "w.letters_closed": activity.letters.closed,
    "w.letters_days": activity.letters.averageDays ?? 0,
    "w.letters_public": activity.letters.published,
    "w.surveys": activity.surveys,
    "w.opinions": activity.opinions,
    "w.survey_results": activity.results,
    "w.published": Object.values(byKind).reduce((a, b) => a + b, 0),
    "w.news": n("news"),
    "w.catalogue":
      n("policy") + n("interpretation") + n("notice") + n("report") + n("budget") + n("disclosure_report"),
    "w.interpretations": n("interpretation"),
    "w.disclosure_requests": requestsReceived,
  };
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The report as article HTML: the site's identity, then one row per figure. */
export function websiteHtml(identity: [string, string][], f: Figures): string {
  const rows = [
    ...identity.map(([label, value]) => `<tr><th scope="row">${esc(label)}</th><td>${esc(value)}</td></tr>`),
    ...WEBSITE_ROWS.map((r) => `<tr><th scope="row">${esc(r.label)}</th><td>${f[r.key] ?? 0}</td></tr>`),
  ];
  return `<table><tbody>${rows.join("\n")}</tbody></table>`;
}
