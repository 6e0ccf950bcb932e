import { CJK_FONT_STACK, printPdf, PdfUnavailable } from "../../platform/pdf/chromium-pdf.ts";
import { chinaDayStart, shiftDays } from "../../platform/time/china-time.ts";
import type { Site, SitesService } from "../sites/index.ts";
import { BadMonth, PdfNotAvailable } from "./errors.ts";
import { RULES } from "./rules.ts";
import type { InspectionService, InspectionSources } from "./service.ts";

/** One site's performance (绩效评估) for one month. */
export interface SiteAssessment {
  site: { code: string; name: string; kind: string };
  month: string;
  inspection: { runs: number; latestScore: number | null; averageScore: number | null; vetoes: string[] };
  analytics: { pageviews: number; visitors: number; searches: number; zeroResultRate: number | null };
  letters: { received: number; onTimeRate: number | null; satisfaction: number | null };
  services: {
    applications: number;
    onTimeRate: number | null;
    satisfaction: number | null;
    badReviews: number;
    rectified: number;
  } | null;
  /**
   * 0–100: the weighted parts present; a site with a veto in the month is capped at 59; null (not
   * ranked) without an inspection in the month.
   */
  score: number | null;
  parts: { name: string; weight: number; value: number | null }[];
}

const WEIGHTS = {
  inspection: 0.5,
  lettersOnTime: 0.15,
  lettersSatisfaction: 0.1,
  servicesOnTime: 0.15,
  servicesSatisfaction: 0.1,
};

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/**
 * A China-time month: `from` its first day, `to` the first day of the next month, `end` its last day,
 * and `start`/`stop` the same bounds as instants (Asia/Shanghai midnight, ISO), for timestamp columns.
 */
export function monthRange(month: string): {
  from: string;
  to: string;
  end: string;
  start: string;
  stop: string;
} {
  const m = MONTH.exec(month);
  if (!m) throw new BadMonth();
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const from = `${month}-01`;
  const next = mo === 12 ? `${y + 1}-01-01` : `${y}-${String(mo + 1).padStart(2, "0")}-01`;
  return {
    from,
    to: next,
    end: shiftDays(next, -1),
    start: chinaDayStart(from)!.toISOString(),
    stop: chinaDayStart(next)!.toISOString(),
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Monthly reports per site and the league table, from inspection, analytics, mailbox and the service hall. */
export class AssessmentService {
  constructor(
    private readonly inspection: InspectionService,
    private readonly sites: SitesService,
    private readonly sources: InspectionSources,
    private readonly chromiumPath: string,
  ) {}

  async site(
    site: Site,
    month: string,
    services?: Map<string, SiteAssessment["services"]>,
  ): Promise<SiteAssessment> {
    // Every figure covers exactly the month (Asia/Shanghai month boundaries).
    const { from, to, end, start, stop } = monthRange(month);
    const [scores, analytics, letters, serviceMap, lastInMonth] = await Promise.all([
      this.inspection.scores(site.id, from, to),
      this.sources.analytics.summary(site.code, from, end),
      this.sources.mailbox.periodFigures(site.id, start, stop),
      services ? Promise.resolve(services) : this.serviceFigures(month),
      this.inspection.lastFinished(site.id, from, to),
    ]);
    const latestScore = scores.length ? scores[scores.length - 1]!.score : null;
    const averageScore = scores.length
      ? round1(scores.reduce((s, x) => s + x.score, 0) / scores.length)
      : null;
    const svc = serviceMap.get(site.code) ?? null;
    const parts = [
      { name: "网站巡检得分", weight: WEIGHTS.inspection, value: averageScore },
      { name: "留言按时答复率", weight: WEIGHTS.lettersOnTime, value: letters.onTimeRate },
      { name: "留言满意率", weight: WEIGHTS.lettersSatisfaction, value: letters.satisfactionWithDefault },
      { name: "办件按时办结率", weight: WEIGHTS.servicesOnTime, value: svc?.onTimeRate ?? null },
      { name: "好差评满意率", weight: WEIGHTS.servicesSatisfaction, value: svc?.satisfaction ?? null },
    ];
    const present = parts.filter((p) => p.value !== null);
    const weight = present.reduce((s, p) => s + p.weight, 0);
    // A month without an inspection has no score: letters alone would rank a site never checked first.
    let score =
      weight > 0 && averageScore !== null
        ? round1(present.reduce((s, p) => s + p.weight * p.value!, 0) / weight)
        : null;
    const vetoes = (lastInMonth?.detail?.vetoes ?? []).map((v) => `${RULES[v.rule] ?? v.rule}：${v.detail}`);
    if (score !== null && scores.some((s) => !s.passed)) score = Math.min(score, 59);
    return {
      site: { code: site.code, name: site.name, kind: site.kind },
      month,
      inspection: { runs: scores.length, latestScore, averageScore, vetoes },
      analytics: {
        pageviews: analytics.pageviews,
        visitors: analytics.visitors,
        searches: analytics.search.total,
        zeroResultRate: analytics.search.total
          ? round1((analytics.search.zeroResult / analytics.search.total) * 100)
          : null,
      },
      letters: {
        received: letters.received,
        onTimeRate: letters.onTimeRate,
        satisfaction: letters.satisfactionWithDefault,
      },
      services: svc,
      score,
      parts,
    };
  }

  /** The service hall's figures of the month (applications submitted, closed and rated in it). */
  private async serviceFigures(month: string): Promise<Map<string, SiteAssessment["services"]>> {
    const { start, stop } = monthRange(month);
    const f = await this.sources.oneStop.stats.figures({ from: start, to: stop });
    return new Map(
      f.byDepartment.map((d) => [
        d.siteCode,
        {
          applications: d.applications,
          onTimeRate: d.onTimeRate,
          satisfaction: d.satisfactionRate,
          badReviews: d.badReviews,
          rectified: d.rectified,
        },
      ]),
    );
  }

  /** Every site of the cluster for a month, ranked within its kind (departments, cities, counties). */
  async league(month: string): Promise<(SiteAssessment & { rank: number | null })[]> {
    const services = await this.serviceFigures(month);
    const all: SiteAssessment[] = [];
    for (const s of this.sites.list()) all.push(await this.site(s, month, services));
    const ranked = all.map((a) => ({ ...a, rank: null as number | null }));
    for (const kind of new Set(ranked.map((r) => r.site.kind))) {
      const group = ranked
        .filter((r) => r.site.kind === kind && r.score !== null)
        .sort((a, b) => b.score! - a.score! || a.site.code.localeCompare(b.site.code));
      // Equal scores share a rank (1, 2, 2, 4); the list order among them is by code only.
      group.forEach((r, i) => (r.rank = i > 0 && r.score === group[i - 1].score ? group[i - 1].rank : i + 1));
    }
    const order = ["department", "city", "county", "portal"];
    return ranked.sort(
      (a, b) =>
        order.indexOf(a.site.kind) - order.indexOf(b.site.kind) ||
        (a.rank ?? 1e9) - (b.rank ?? 1e9) ||
        a.site.code.localeCompare(b.site.code),
    );
  }

  /** A self-contained printable document (no network), for the browser and for Chromium's PDF. */
  reportHtml(title: string, body: string): string {
    return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font-family:${CJK_FONT_STACK};font-size:11pt;margin:18mm 15mm;color:#111}
h1{font-size:18pt;text-align:center}h2{font-size:13pt;margin-top:1.2em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #444;padding:4px 6px;text-align:left}
th{background:#eee}.num{text-align:right}.meta{color:#444}
</style></head><body>${body}</body></html>`;
  }

  siteReportBody(a: SiteAssessment): string {
    const pct = (v: number | null) => (v === null ? "—" : `${v}%`);
    const num = (v: number | null) => (v === null ? "—" : String(v));
    const rows = (pairs: [string, string][]) =>
      pairs.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td class="num">${esc(v)}</td></tr>`).join("");
    return `<h1>${esc(a.site.name)} ${esc(a.month)} 绩效评估月报</h1>
<p class="meta">网站代码 ${esc(a.site.code)}；综合得分 <strong>${num(a.score)}</strong>（满分100，当月有单项否决的不超过59分）</p>
<h2>一、网站巡检</h2><table><tbody>${rows([
      ["当月巡检次数", String(a.inspection.runs)],
      ["最近一次得分", num(a.inspection.latestScore)],
      ["当月平均得分", num(a.inspection.averageScore)],
    ])}</tbody></table>
${a.inspection.vetoes.length ? `<p>单项否决：</p><ul>${a.inspection.vetoes.map((v) => `<li>${esc(v)}</li>`).join("")}</ul>` : "<p>当月最近一次巡检无单项否决。</p>"}
<h2>二、访问与搜索</h2><table><tbody>${rows([
      ["浏览量", String(a.analytics.pageviews)],
      ["访客数", String(a.analytics.visitors)],
      ["站内搜索次数", String(a.analytics.searches)],
      ["无结果搜索占比", pct(a.analytics.zeroResultRate)],
    ])}</tbody></table>
<h2>三、互动交流（领导信箱，当月收到的留言）</h2><table><tbody>${rows([
      ["当月收到留言", String(a.letters.received)],
      ["按时答复率", pct(a.letters.onTimeRate)],
      ["满意率", pct(a.letters.satisfaction)],
    ])}</tbody></table>
<h2>四、政务服务（一网通办，当月）</h2>${
      a.services
        ? `<table><tbody>${rows([
            ["当月提交办件", String(a.services.applications)],
            ["当月办结按时率", pct(a.services.onTimeRate)],
            ["当月好差评满意率", pct(a.services.satisfaction)],
            ["当月差评", String(a.services.badReviews)],
            ["其中月内已整改", String(a.services.rectified)],
          ])}</tbody></table>`
        : "<p>本网站不承担政务服务事项。</p>"
    }
<h2>五、得分构成</h2><table><thead><tr><th scope="col">指标</th><th scope="col">权重</th><th scope="col">数值</th></tr></thead><tbody>${a.parts
      .map(
        (p) =>
          `<tr><td>${esc(p.name)}</td><td class="num">${p.weight * 100}%</td><td class="num">${num(p.value)}</td></tr>`,
      )
      .join("")}</tbody></table>`;
  }

  leagueBody(month: string, rows: (SiteAssessment & { rank: number | null })[]): string {
    const kinds: Record<string, string> = {
      department: "部门网站",
      city: "市级网站",
      county: "县级网站",
      portal: "门户网站",
    };
    const num = (v: number | null) => (v === null ? "—" : String(v));
    return `<h1>${esc(month)} 网站绩效评估排行</h1>
<table><thead><tr><th scope="col">类别</th><th scope="col">名次</th><th scope="col">网站</th><th scope="col">综合得分</th><th scope="col">巡检平均分</th><th scope="col">留言按时率</th><th scope="col">办件按时率</th><th scope="col">好差评满意率</th></tr></thead><tbody>${rows
      .map(
        (r) =>
          `<tr><td>${esc(kinds[r.site.kind] ?? r.site.kind)}</td><td class="num">${num(r.rank)}</td><td>${esc(r.site.name)}</td><td class="num">${num(r.score)}</td><td class="num">${num(r.inspection.averageScore)}</td><td class="num">${num(r.letters.onTimeRate)}</td><td class="num">${num(r.services?.onTimeRate ?? null)}</td><td class="num">${num(r.services?.satisfaction ?? null)}</td></tr>`,
      )
      .join("")}</tbody></table>`;
  }

  async pdf(html: string): Promise<Buffer> {
    try {
      return await printPdf(html, this.chromiumPath);
    } catch (error) {
      if (error instanceof PdfUnavailable) throw new PdfNotAvailable();
      throw error;
    }
  }
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
