import { mergeEdits, type Figures } from "./report.ts";

/** How a row's value reads: a count, a number of days (one decimal), or 是/否 (1/0). */
export type WebsiteRowKind = "count" | "days" | "yesno";

export interface WebsiteRow {
  key: string;
  label: string;
  /** The heading of the table part the row belongs to (信息发布, 办事服务, …). */
  section: string;
  generated: boolean;
  kind: WebsiteRowKind;
}

const row = (
  section: string,
  key: string,
  label: string,
  generated: boolean,
  kind: WebsiteRowKind = "count",
): WebsiteRow => ({ key, label, section, generated, kind });

/**
 * 网站工作年度报表 (国办发〔2017〕47号, 政府网站发展指引 附件), part by part: the rows the platform can
 * count are generated from its records (articles, visits, the hall's items and applications, letters,
 * consultations and surveys, the assistant, the inspection); the others (columns kept, interpretation
 * products, online interviews, security checks, new media accounts, …) are entered by staff.
 */
export const WEBSITE_ROWS: WebsiteRow[] = [
  row("网站访问", "w.visitors", "独立用户访问总量（个）", true),
  row("网站访问", "w.visits", "网站总访问量（次）", true),
  row("信息发布", "w.published", "信息发布总数（条）", true),
  row("信息发布", "w.overview", "其中：概况类信息更新量（条）", false),
  row("信息发布", "w.news", "其中：政务动态信息更新量（条）", true),
  row("信息发布", "w.catalogue", "其中：信息公开目录信息更新量（条）", true),
  row("专栏专题", "w.topics_kept", "维护数量（个）", false),
  row("专栏专题", "w.topics_new", "新开设数量（个）", false),
  row("政策解读", "w.interpretations", "政策解读总数（条，下列三项之和）", true),
  row("政策解读", "w.interp_materials", "其中：解读材料数量（条）", true),
  row("政策解读", "w.interp_products", "其中：解读产品数量（条，图解、音视频等）", false),
  row("政策解读", "w.interp_media", "其中：媒体评论文章数量（条）", false),
  row("解读回应", "w.responses", "回应公众关注热点或重大舆情数量（次）", false),
  row("办事服务", "w.service_catalogue", "是否发布服务事项目录", true, "yesno"),
  row("办事服务", "w.registered_users", "注册用户数（个，全省统一身份认证）", true),
  row("办事服务", "w.service_items", "政务服务事项数量（项）", true),
  row("办事服务", "w.service_online", "可全程在线办理政务服务事项数量（项）", true),
  row("办事服务", "w.cases_total", "办件量总数（件）", true),
  row("办事服务", "w.cases_person", "其中：自然人办件量（件）", true),
  row("办事服务", "w.cases_legal", "其中：法人办件量（件）", true),
  row("互动交流", "w.unified_platform", "是否使用统一平台", true, "yesno"),
  row("互动交流", "w.letters_received", "留言办理：收到留言数量（条）", true),
  row("互动交流", "w.letters_closed", "留言办理：办结留言数量（条）", true),
  row("互动交流", "w.letters_days", "留言办理：平均办理时间（天）", true, "days"),
  row("互动交流", "w.letters_public", "留言办理：公开答复数量（条）", true),
  row("互动交流", "w.surveys", "征集调查：征集调查期数（期）", true),
  row("互动交流", "w.opinions", "征集调查：收到意见数量（条）", true),
  row("互动交流", "w.survey_results", "征集调查：公布调查结果期数（期）", true),
  row("互动交流", "w.interviews", "在线访谈：访谈期数（期）", false),
  row("互动交流", "w.interview_messages", "在线访谈：网民留言数量（条）", false),
  row("互动交流", "w.interview_answers", "在线访谈：答复网民提问数量（条）", false),
  row("互动交流", "w.smart_qa", "是否提供智能问答功能", true, "yesno"),
  row("互动交流", "w.disclosure_requests", "收到政府信息公开申请（件）", true),
  row("安全防护", "w.security_checks", "安全检测评估次数（次）", false),
  row("安全防护", "w.security_found", "发现问题数量（个）", false),
  row("安全防护", "w.security_fixed", "问题整改数量（个）", false),
  row("安全防护", "w.security_monitoring", "是否建立安全监测预警机制", true, "yesno"),
  row("安全防护", "w.security_drills", "是否开展应急演练", false, "yesno"),
  row("安全防护", "w.security_owner", "是否明确网站安全负责人", false, "yesno"),
  row("移动新媒体", "w.new_media", "是否有移动新媒体", false, "yesno"),
  row("移动新媒体", "w.weibo_posts", "微博：信息发布量（条）", false),
  row("移动新媒体", "w.weibo_followers", "微博：关注量（个）", false),
  row("移动新媒体", "w.wechat_posts", "微信：信息发布量（条）", false),
  row("移动新媒体", "w.wechat_subscribers", "微信：订阅数（个）", false),
  row("移动新媒体", "w.other_media", "其他移动新媒体账号数量（个）", false),
  row("创新发展", "w.search_service", "搜索即服务", true, "yesno"),
  row("创新发展", "w.multilingual", "多语言版本", false, "yesno"),
  row("创新发展", "w.accessible", "无障碍浏览（含长辈版）", true, "yesno"),
  row("创新发展", "w.personalised", "千人千网（个性化推送）", true, "yesno"),
];

/**
 * Staff's edits of a website report: 是/否 rows take 1 or 0, the others numbers (mergeEdits), and the
 * interpretation total follows its parts (an edit of it is ignored).
 */
export function mergeWebsiteEdits(
  figures: Figures,
  edits: Record<string, string>,
): { figures: Figures; errors: Record<string, string> } {
  const yesNo = new Set(WEBSITE_ROWS.filter((r) => r.kind === "yesno").map((r) => r.key));
  const numbers = Object.fromEntries(Object.entries(edits).filter(([k]) => !yesNo.has(k)));
  const merged = mergeEdits(
    figures,
    numbers,
    WEBSITE_KEYS.filter((k) => k !== "w.interpretations"),
  );
  for (const [k, raw] of Object.entries(edits)) {
    if (!yesNo.has(k)) continue;
    const v = raw.trim();
    if (v === "1" || v === "是") merged.figures[k] = 1;
    else if (v === "0" || v === "否") merged.figures[k] = 0;
    else if (v !== "") merged.errors[k] = "请选择“是”或“否”";
  }
  return { figures: withInterpretationTotal(merged.figures), errors: merged.errors };
}

/** 政策解读总数 is the sum of its three parts (some counted, some entered): kept so after every change. */
export function withInterpretationTotal(f: Figures): Figures {
  // A report saved before the total had parts keeps the total it was given.
  if (!("w.interp_materials" in f)) return f;
  return {
    ...f,
    "w.interpretations":
      (f["w.interp_materials"] ?? 0) + (f["w.interp_products"] ?? 0) + (f["w.interp_media"] ?? 0),
  };
}

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
  /** The site's hall (the portal's: every department's items). */
  hall: {
    items: number;
    fullyOnline: number;
    /** Accounts of the province's unified identity service registered by the year's end. */
    registeredUsers: number;
    /** Applications submitted within the year, by persons and by enterprises (法人). */
    persons: number;
    enterprises: number;
  };
  /** Whether the site was inspected (availability, freshness, links, security headers) in the year. */
  inspected: boolean;
  /** Whether the assistant has a knowledge base to answer from (it serves every site). */
  assistantAnswers: boolean;
}

/**
 * Where the 网站工作年度报表 reads a website's own activity: its pages' views, the letters written on,
 * handled by or addressed to it, its consultations and surveys (the portal's report is the portal's,
 * not the cluster's: each department's site reports its own).
 */
export interface WebsiteActivitySource {
  activity(
    /** The portal's hall is every department's. */
    site: { id: number; code: string; portal: boolean },
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
  const { hall } = activity;
  return withInterpretationTotal({
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
    "w.interp_materials": n("interpretation"),
    "w.disclosure_requests": requestsReceived,
    "w.service_catalogue": hall.items > 0 ? 1 : 0,
    "w.registered_users": hall.registeredUsers,
    "w.service_items": hall.items,
    "w.service_online": hall.fullyOnline,
    "w.cases_total": hall.persons + hall.enterprises,
    "w.cases_person": hall.persons,
    "w.cases_legal": hall.enterprises,
    "w.smart_qa": activity.assistantAnswers ? 1 : 0,
    // Site search lists the hall's items with their 办理 links (搜索即服务) where the hall has any.
    "w.search_service": hall.items > 0 ? 1 : 0,
    // What the platform itself gives every site it runs, not counts: one mailbox and one set of
    // interaction tools, the elder mode and accessible pages, 惠企政策 pushed to each enterprise.
    "w.unified_platform": 1,
    "w.accessible": 1,
    "w.personalised": 1,
    "w.security_monitoring": activity.inspected ? 1 : 0,
  });
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A row's value as the report shows it: 是/否, days with one decimal, or a count. */
export function websiteValue(r: WebsiteRow, f: Figures): string {
  const v = f[r.key] ?? 0;
  if (r.kind === "yesno") return v ? "是" : "否";
  return r.kind === "days" ? String(Math.round(v * 10) / 10) : String(v);
}

/** The rows grouped by their part of the form, in order. */
export function websiteSections(): { section: string; rows: WebsiteRow[] }[] {
  const sections: { section: string; rows: WebsiteRow[] }[] = [];
  for (const r of WEBSITE_ROWS) {
    if (sections.at(-1)?.section !== r.section) sections.push({ section: r.section, rows: [] });
    sections.at(-1)!.rows.push(r);
  }
  return sections;
}

/** The report as article HTML: the site's identity, then each part of the form with its rows. */
export function websiteHtml(identity: [string, string][], f: Figures): string {
  const rows = [
    `<tr><th scope="colgroup" colspan="2">网站基本信息</th></tr>`,
    ...identity.map(([label, value]) => `<tr><th scope="row">${esc(label)}</th><td>${esc(value)}</td></tr>`),
    ...websiteSections().flatMap(({ section, rows }) => [
      `<tr><th scope="colgroup" colspan="2">${esc(section)}</th></tr>`,
      ...rows.map((r) => `<tr><th scope="row">${esc(r.label)}</th><td>${websiteValue(r, f)}</td></tr>`),
    ]),
  ];
  return `<table><tbody>${rows.join("\n")}</tbody></table>`;
}
