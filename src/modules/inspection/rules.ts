import { chinaDate, dayNumber, shiftDays } from "../../platform/time/china-time.ts";

/**
 * The national website check rules (政府网站与政务新媒体检查指标, 国办秘函〔2019〕19号) as the platform
 * reads them: veto items (单项否决) first, then deductions from 100 points. Pure: facts in, result out,
 * so the rules are tested on seeded facts and the countdown on any date.
 */

/** A veto fails the site whatever its score. */
export interface Veto {
  rule: string;
  detail: string;
}

export interface Deduction {
  rule: string;
  points: number;
  detail: string;
  url: string;
}

/** "This site fails inspection in N days": a dated rule not broken yet, with the day it breaks. */
export interface Countdown {
  rule: string;
  /** Whole days left (1: fails tomorrow). */
  daysLeft: number;
  /** The China date on which the rule is broken. */
  failsOn: string;
  detail: string;
  url: string;
}

/** The result `npm run inspect -- --json` prints (exactly these keys). */
export interface InspectionResult {
  site: string;
  score: number;
  passed: boolean;
  vetoes: Veto[];
  deductions: Deduction[];
}

/** What was looked at but is not part of the score (crawl limits, checks not run). */
export interface InspectionNote {
  kind: string;
  detail: string;
  url?: string;
}

/** The column types whose freshness the rules name. */
export type ColumnType = "news" | "notice" | "other";

export interface ChannelFact {
  name: string;
  /** Public path of the channel page. */
  url: string;
  type: ColumnType;
  /** Published items. */
  items: number;
  /** Newest dated item (ISO), null when none is dated. */
  latestAt: string | null;
}

export interface ProbeFacts {
  total: number;
  /** Probes not answered within 15 s (or answered with an error). */
  failed: number;
}

export interface LinkProblem {
  url: string;
  /** Page the link was found on. */
  from: string;
  /** Whether the link points into the site. */
  internal: boolean;
  /** Whether it was found on the home page. */
  onHome: boolean;
  reason: string;
}

export interface PageProblem {
  url: string;
  detail: string;
}

export interface SiteFacts {
  site: string;
  homeUrl: string;
  /** Probes over the last 7 days. */
  probes: ProbeFacts;
  /** Newest item shown on the home page (ISO), null when none is dated. */
  homeUpdatedAt: string | null;
  channels: ChannelFact[];
  letters: { oldestOpenAt: string | null; overdueOpen: number; url: string };
  guides: { code: string; name: string; problems: string[]; url: string }[];
  /** null: not crawled. */
  links: LinkProblem[] | null;
  metaMissing: PageProblem[] | null;
  /** null: not checked (no Chromium); never counted as passed. */
  accessibility: PageProblem[] | null;
  elder: PageProblem[] | null;
  /** Why the crawl could not open the home page (no answer, an error status); absent: it opened. */
  homeFailure?: string | null;
  /** Why a page check (by rule: links, meta-missing, accessibility, elder-mode) was not made. */
  skipped?: Partial<Record<"links" | "meta-missing" | "accessibility" | "elder-mode", string>>;
}

export const RULES: Record<string, string> = {
  availability: "站点无法访问",
  "home-stale": "首页不更新",
  "column-stale": "栏目不更新",
  "empty-columns": "空白栏目",
  "columns-long-stale": "应更新未更新栏目",
  "letters-unanswered": "互动回应差",
  "guide-elements": "办事指南要素缺失",
  "broken-links": "不可用链接",
  "column-other-stale": "栏目更新不及时",
  "empty-column": "空白栏目",
  "letters-overdue": "留言办理超期",
  "guide-problem": "办事指南不规范",
  "meta-missing": "元数据缺失",
  accessibility: "无障碍问题",
  "elder-mode": "适老化问题",
};

export const LIMITS = {
  probeFailShare: 0.05,
  probeTimeoutMs: 15_000,
  homeDays: 14,
  newsDays: 14,
  noticeMonths: 6,
  otherMonths: 12,
  lettersMonths: 3,
  emptyColumnsVeto: 5,
  longStaleVeto: 10,
  guidesVeto: 5,
  /** Countdowns are shown from this many days before a rule breaks. */
  warnDays: 7,
} as const;

/** A China date plus whole months (clamped to the month's last day). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, "0")}-${String(Math.min(d, last)).padStart(2, "0")}`;
}

function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** The column type from its name (the rules name 动态/要闻 and 通知公告/政策文件). */
export function columnTypeOf(name: string, isPolicy: boolean): ColumnType {
  if (/动态|要闻|新闻|工作信息/.test(name)) return "news";
  if (isPolicy || /通知|公告|政策文件|文件/.test(name)) return "notice";
  return "other";
}

/**
 * The day a freshness rule breaks: updated on `latest` (China date), allowed `days` or `months`; it is
 * broken once that much time has passed (updated 11 days ago with 14 allowed: fails in 3 days). An
 * undated item counts as stale: broken already.
 */
function breaksOn(latestIso: string | null, limit: { days?: number; months?: number }): string | null {
  if (!latestIso) return null;
  const latest = chinaDate(new Date(latestIso));
  return limit.days !== undefined ? shiftDays(latest, limit.days) : addMonths(latest, limit.months!);
}

function columnLimit(type: ColumnType): { days?: number; months?: number } {
  return type === "news"
    ? { days: LIMITS.newsDays }
    : type === "notice"
      ? { months: LIMITS.noticeMonths }
      : { months: LIMITS.otherMonths };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Applies the rules to a site's facts on `today` (a China date). */
export function evaluate(
  facts: SiteFacts,
  today: string,
): { result: InspectionResult; countdowns: Countdown[]; notes: InspectionNote[] } {
  const vetoes: Veto[] = [];
  const deductions: Deduction[] = [];
  const countdowns: Countdown[] = [];
  const notes: InspectionNote[] = [];
  const deduct = (rule: string, points: number, detail: string, url: string) =>
    deductions.push({ rule, points: round1(points), detail, url });
  /** A dated rule: broken (→ veto or deduction) or counting down (→ countdown within the warning window). */
  const dated = (
    rule: string,
    failsOn: string | null,
    url: string,
    brokenDetail: string,
    comingDetail: (n: number) => string,
    onBroken: (detail: string) => void,
  ): void => {
    if (failsOn === null || failsOn <= today) {
      onBroken(brokenDetail);
      return;
    }
    const daysLeft = daysBetween(today, failsOn);
    if (daysLeft <= LIMITS.warnDays)
      countdowns.push({ rule, daysLeft, failsOn, detail: comingDetail(daysLeft), url });
  };

  // 1. Availability: ≥ 5% of the probes of the last week not answered within 15 s.
  if (facts.probes.total === 0)
    notes.push({ kind: "availability", detail: "近7天尚无可用性探测记录，未判定" });
  else {
    const share = facts.probes.failed / facts.probes.total;
    if (share >= LIMITS.probeFailShare)
      vetoes.push({
        rule: "availability",
        detail: `近7天 ${facts.probes.total} 次探测中 ${facts.probes.failed} 次未在15秒内打开（${(share * 100).toFixed(1)}%，≥5%）`,
      });
    if (facts.probes.total < 20 * 7)
      notes.push({
        kind: "availability",
        detail: `近7天仅 ${facts.probes.total} 次探测（每天应不少于20次）`,
      });
  }

  // The inspector's own visit: a home page that does not answer fails the site, probes or not.
  if (facts.homeFailure)
    vetoes.push({
      rule: "availability",
      detail: `巡检时首页无法打开（${facts.homeFailure}）：${facts.homeUrl}`,
    });

  // 2. Home page freshness: 2 weeks.
  const home = facts.homeUpdatedAt ? chinaDate(new Date(facts.homeUpdatedAt)) : null;
  dated(
    "home-stale",
    breaksOn(facts.homeUpdatedAt, { days: LIMITS.homeDays }),
    facts.homeUrl,
    home ? `首页信息最近更新于 ${home}，已超过2周未更新` : "首页没有注明日期的信息，视为未更新",
    (n) => `首页信息最近更新于 ${home}，${n} 天后超过2周未更新`,
    (detail) => vetoes.push({ rule: "home-stale", detail }),
  );

  // 3. Column freshness by column type; empty columns; columns long stale.
  const staleNews: string[] = [];
  let longStale = 0;
  const empty = facts.channels.filter((c) => c.items === 0);
  for (const c of facts.channels) {
    if (c.items === 0) continue;
    const since = c.latestAt ? `最近更新于 ${chinaDate(new Date(c.latestAt))}` : "信息均未注明日期";
    const period = c.type === "news" ? "2周" : c.type === "notice" ? "6个月" : "1年";
    dated(
      c.type === "other" ? "column-other-stale" : "column-stale",
      breaksOn(c.latestAt, columnLimit(c.type)),
      c.url,
      `栏目“${c.name}”${since}，超过${period}未更新`,
      (n) => `栏目“${c.name}”${since}，${n} 天后超过${period}未更新`,
      (detail) => {
        if (c.type === "other") {
          longStale++;
          deduct("column-other-stale", 1, detail, c.url);
        } else staleNews.push(detail);
      },
    );
  }
  for (const detail of staleNews) vetoes.push({ rule: "column-stale", detail });
  if (empty.length >= LIMITS.emptyColumnsVeto)
    vetoes.push({
      rule: "empty-columns",
      detail: `空白栏目 ${empty.length} 个（≥${LIMITS.emptyColumnsVeto}个）：${empty.map((c) => c.name).join("、")}`,
    });
  // Deducted with or without the veto: a site with more problems never scores higher.
  for (const c of empty) deduct("empty-column", 5, `栏目“${c.name}”没有任何信息`, c.url);
  if (longStale >= LIMITS.longStaleVeto)
    vetoes.push({
      rule: "columns-long-stale",
      detail: `应更新但超过1年未更新的栏目 ${longStale} 个（≥${LIMITS.longStaleVeto}个）`,
    });

  // 4. Letters unanswered for more than 3 months.
  const oldest = facts.letters.oldestOpenAt ? chinaDate(new Date(facts.letters.oldestOpenAt)) : null;
  if (oldest)
    dated(
      "letters-unanswered",
      addMonths(oldest, LIMITS.lettersMonths),
      facts.letters.url,
      `有留言自 ${oldest} 起超过3个月未答复`,
      (n) => `最早的未答复留言收到于 ${oldest}，${n} 天后超过3个月未答复`,
      (detail) => vetoes.push({ rule: "letters-unanswered", detail }),
    );
  if (facts.letters.overdueOpen > 0)
    deduct(
      "letters-overdue",
      Math.min(10, facts.letters.overdueOpen),
      `${facts.letters.overdueOpen} 件留言已超过办理时限仍未答复`,
      facts.letters.url,
    );

  // 5. Service guides (办事指南) with missing elements.
  const flawed = facts.guides.filter((g) => g.problems.length > 0);
  if (flawed.length >= LIMITS.guidesVeto)
    vetoes.push({
      rule: "guide-elements",
      detail:
        `${flawed.length} 个事项的办事指南要素缺失或不规范（≥${LIMITS.guidesVeto}个）：` +
        `${flawed
          .slice(0, 10)
          .map((g) => g.name)
          .join("、")}${flawed.length > 10 ? "等" : ""}`,
    });
  for (const g of flawed)
    deduct("guide-problem", 2, `“${g.name}”（${g.code}）：${g.problems.slice(0, 3).join("；")}`, g.url);

  // 6. Links, meta tags, accessibility, elder mode (from the crawl and the browser).
  if (facts.links === null)
    notes.push({ kind: "links", detail: `未进行链接检查${why("links", "未抓取页面")}` });
  else {
    let points = 0;
    for (const l of facts.links) {
      const p = l.onHome ? 1 : 0.2;
      if (points + p > 20) {
        notes.push({ kind: "links", detail: "不可用链接扣分已达上限（20分）", url: l.url });
        break;
      }
      points += p;
      deduct(
        "broken-links",
        p,
        `${l.onHome ? "首页" : "页面"}${l.internal ? "内部" : "外部"}链接不可用（${l.reason}），所在页面 ${l.from}`,
        l.url,
      );
    }
  }
  function why(rule: keyof NonNullable<SiteFacts["skipped"]>, fallback: string): string {
    return `（${facts.skipped?.[rule] ?? fallback}）`;
  }
  const capped = (
    rule: string,
    list: PageProblem[] | null,
    each: number,
    cap: number,
    what: string,
    fallback: string,
  ): void => {
    if (list === null) {
      notes.push({
        kind: rule,
        detail: `未检查${what}${why(rule as keyof NonNullable<SiteFacts["skipped"]>, fallback)}：不是“通过”`,
      });
      return;
    }
    let points = 0;
    for (const p of list) {
      if (points + each > cap) break;
      points += each;
      deduct(rule, each, p.detail, p.url);
    }
  };
  capped("meta-missing", facts.metaMissing, 0.5, 5, "元数据", "未抓取页面");
  capped("accessibility", facts.accessibility, 1, 10, "无障碍", "未在浏览器中检查");
  capped("elder-mode", facts.elder, 2, 6, "适老化", "未抓取页面");

  const lost = deductions.reduce((s, d) => s + d.points, 0);
  // A home page that did not answer let nothing be checked: no points for what could not be seen.
  const score = facts.homeFailure ? 0 : round1(Math.max(0, 100 - lost));
  countdowns.sort((a, b) => a.daysLeft - b.daysLeft);
  return {
    result: { site: facts.site, score, passed: vetoes.length === 0 && score >= 60, vetoes, deductions },
    countdowns,
    notes,
  };
}
