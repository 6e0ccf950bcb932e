import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { WorkingDaySource } from "../../platform/calendar/platform-working-days.ts";
import type { Db } from "../../platform/db/database.ts";
import { Conflict, forbidden, Invalid, notFound } from "../../platform/http/errors.ts";
import type { SearchIndex } from "../../platform/search/search-index.ts";
import { chinaDayStart, chinaYear, nowIso } from "../../platform/time/china-time.ts";
import type { ContentService } from "../content/index.ts";
import type { SitesService } from "../sites/index.ts";
import { hasRole, type StaffPrincipal } from "../staff/index.ts";
import {
  lateItems,
  manualKeys,
  mergeEdits,
  overviewText,
  reportHtml,
  requestFigures,
  yearBounds,
  type Figures,
  type ReportTexts,
} from "./report.ts";
import { DisclosureRequests, type DisclosureOptions } from "./requests.ts";
import type { DisclosureTables, ReportKind } from "./tables.ts";
import {
  mergeWebsiteEdits,
  WEBSITE_KEYS,
  websiteFigures,
  websiteHtml,
  withInterpretationTotal,
  type WebsiteActivitySource,
} from "./website-report.ts";

export interface DisclosureServiceDeps {
  store: Db<DisclosureTables>;
  audit: AuditLog;
  search: SearchIndex;
  sites: SitesService;
  content: ContentService;
  /** Working days on the platform's Chinese calendar (see PlatformWorkingDays). */
  calendar: WorkingDaySource;
  /** Visits, letters, consultations and surveys for the 网站工作年度报表. */
  activity: WebsiteActivitySource;
  options: DisclosureOptions;
}

/** 依申请公开 and the disclosure work reports (政府信息公开条例, 2019). */
export class DisclosureService {
  readonly requests: DisclosureRequests;
  private readonly store: Db<DisclosureTables>;
  private readonly audit: AuditLog;
  private readonly sites: SitesService;
  private readonly content: ContentService;
  private readonly calendar: WorkingDaySource;
  private readonly activity: WebsiteActivitySource;

  constructor(deps: DisclosureServiceDeps) {
    this.store = deps.store;
    this.audit = deps.audit;
    this.sites = deps.sites;
    this.content = deps.content;
    this.calendar = deps.calendar;
    this.activity = deps.activity;
    this.requests = new DisclosureRequests(
      deps.store,
      deps.audit,
      deps.search,
      deps.sites,
      deps.calendar,
      deps.options,
    );
  }

  private get db() {
    return this.store.db;
  }

  /** The departments a site's figures cover: the portal stands for the province (every site). */
  scopeOf(siteId: number): number[] | null {
    const site = this.sites.byId(siteId);
    if (!site) throw notFound("网站不存在");
    return site.kind === "portal" ? null : [site.id];
  }

  canReport(staff: StaffPrincipal, siteId: number): boolean {
    return staff.isOperator || hasRole(staff, ["site_admin", "reviewer"], siteId);
  }

  private requireReporter(staff: StaffPrincipal, siteId: number) {
    if (!this.canReport(staff, siteId)) throw forbidden("只有本单位的站点管理员或审核员可以编制年度报告");
  }

  /** Proactively disclosed items of a year published more than 20 working days after being formed. */
  async lateProactive(siteId: number, year: number) {
    const { since, until } = yearBounds(year);
    const items = await this.content.formedAndPublished({ ownerSiteIds: this.scopeOf(siteId), since, until });
    return { items: lateItems(await this.calendar.current(), items), checked: items.length };
  }

  /** The figures of the annual report, from the platform's own records. */
  async generatedFigures(siteId: number, year: number): Promise<Figures> {
    const scope = this.scopeOf(siteId);
    const { since, until } = yearBounds(year);
    const [requests, policies, late] = await Promise.all([
      requestFigures(this.store, scope, year),
      this.content.policyFigures(scope, since, until),
      this.lateProactive(siteId, year),
    ]);
    return {
      ...requests,
      "t2.normative.issued": policies.issued,
      "t2.normative.repealed": policies.repealed,
      "t2.normative.valid": policies.valid,
      "x.published": policies.published,
      "x.proactive_late": late.items.length,
    };
  }

  /** The 网站工作年度报表 rows the platform counts: articles per kind, requests, the public's activity. */
  async websiteFigures(siteId: number, year: number): Promise<Figures> {
    const scope = this.scopeOf(siteId);
    const { since, until } = yearBounds(year);
    const site = this.sites.byId(siteId)!;
    const [byKind, requests, activity] = await Promise.all([
      this.content.publishedCountsByKind(scope, since, until),
      requestFigures(this.store, scope, year),
      this.activity.activity(
        { id: site.id, code: site.code, portal: site.kind === "portal" },
        {
          since,
          until,
          from: `${year}-01-01`,
          to: `${year}-12-31`,
        },
      ),
    ]);
    return websiteFigures(byKind, requests["t3.new.total"] ?? 0, activity);
  }

  async reports(siteIds: number[] | null, page: number, pageSize = 20) {
    let q = this.db.selectFrom("disclosureReports");
    if (siteIds) q = q.where("siteId", "in", siteIds.length ? siteIds : [-1]);
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = await q
      .select(["id", "siteId", "year", "kind", "status", "generatedAt", "publishedAt", "articleId"])
      .orderBy("year", "desc")
      .orderBy("siteId")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return { rows, total };
  }

  async report(id: number) {
    const row = await this.db
      .selectFrom("disclosureReports")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw notFound("报告不存在");
    return {
      ...row,
      figures: JSON.parse(row.figures) as Figures,
      texts: JSON.parse(row.texts) as ReportTexts,
    };
  }

  /**
   * Generates (or regenerates, keeping what staff entered by hand and the texts they edited) the draft
   * annual report of a department (or the province, on the portal) for a year.
   */
  async generate(
    siteId: number,
    year: number,
    staff: StaffPrincipal,
    kind: ReportKind = "annual",
  ): Promise<number> {
    if (!this.sites.byId(siteId)) throw new Invalid("请选择单位", { siteId: "请选择单位" });
    this.requireReporter(staff, siteId);
    const site = this.sites.byId(siteId)!;
    if (!Number.isInteger(year) || year < 2008 || year > chinaYear())
      throw new Invalid("请选择报告年度", { year: "年度有误" });
    if (kind !== "annual" && kind !== "website")
      throw new Invalid("请选择报告类型", { kind: "请选择报告类型" });
    const generated =
      kind === "annual" ? await this.generatedFigures(siteId, year) : await this.websiteFigures(siteId, year);
    const existing = await this.db
      .selectFrom("disclosureReports")
      .selectAll()
      .where("siteId", "=", siteId)
      .where("year", "=", year)
      .where("kind", "=", kind)
      .executeTakeFirst();
    if (existing?.status === "published") throw new Conflict("该年度报告已发布，不能重新生成");
    const kept = existing ? (JSON.parse(existing.figures) as Figures) : {};
    const figures: Figures = { ...generated };
    // What the platform did not count this time (staff's rows, and visits where views are not
    // counted) keeps what staff entered.
    for (const k of kind === "annual" ? manualKeys() : WEBSITE_KEYS.filter((key) => !(key in generated)))
      figures[k] = kept[k] ?? 0;
    if (kind === "website") Object.assign(figures, withInterpretationTotal(figures));
    const overview = kind === "annual" ? overviewText(site.name, year, figures) : "";
    const texts: ReportTexts = existing
      ? {
          ...(JSON.parse(existing.texts) as ReportTexts),
          overview: overview || (JSON.parse(existing.texts) as ReportTexts).overview,
        }
      : { overview, problems: "", other: "" };
    const now = nowIso();
    const id = await this.db.transaction().execute(async (trx) => {
      let id: number;
      if (existing) {
        await trx
          .updateTable("disclosureReports")
          .set({
            figures: JSON.stringify(figures),
            texts: JSON.stringify(texts),
            generatedAt: now,
            updatedAt: now,
          })
          .where("id", "=", existing.id)
          .execute();
        id = existing.id;
      } else {
        id = (
          await trx
            .insertInto("disclosureReports")
            .values({
              siteId,
              year,
              kind,
              figures: JSON.stringify(figures),
              texts: JSON.stringify(texts),
              status: "draft",
              articleId: null,
              generatedAt: now,
              publishedAt: null,
              updatedAt: now,
            })
            .returning("id")
            .executeTakeFirstOrThrow()
        ).id;
      }
      await this.audit.record(
        {
          actor: staff.username,
          action: "disclosure_report.generate",
          targetType: "disclosure_report",
          targetId: id,
          detail: { siteId, year },
        },
        trx,
      );
      return id;
    });
    return id;
  }

  /** Saves staff edits (any cell, and the three texts) of a draft report. */
  async save(
    id: number,
    edits: Record<string, string>,
    texts: ReportTexts,
    staff: StaffPrincipal,
  ): Promise<void> {
    const report = await this.report(id);
    this.requireReporter(staff, report.siteId);
    if (report.status === "published") throw new Conflict("该报告已发布，不能修改");
    const merged =
      report.kind === "website"
        ? mergeWebsiteEdits(report.figures, edits)
        : mergeEdits(report.figures, edits);
    const errors = { ...merged.errors };
    for (const [k, v] of Object.entries(texts)) if ([...v].length > 20000) errors[k] = "内容过长";
    if (report.kind === "annual" && !texts.overview.trim()) errors.overview = "请填写总体情况";
    if (Object.keys(errors).length)
      throw new Invalid("报告内容有误，请修改后保存（其余修改已保留在表单中）", errors);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("disclosureReports")
        .set({ figures: JSON.stringify(merged.figures), texts: JSON.stringify(texts), updatedAt: nowIso() })
        .where("id", "=", id)
        .execute();
      await this.audit.record(
        {
          actor: staff.username,
          action: "disclosure_report.edit",
          targetType: "disclosure_report",
          targetId: id,
          detail: { cells: Object.keys(edits).length },
        },
        trx,
      );
    });
  }

  /** Publishes the report as an article of the site's 政务公开 section. */
  async publish(id: number, staff: StaffPrincipal): Promise<number> {
    const report = await this.report(id);
    this.requireReporter(staff, report.siteId);
    if (report.status === "published") throw new Conflict("该报告已发布");
    // A year's figures are only complete once it is over: a draft may be prepared, not published.
    if (report.year >= chinaYear())
      throw new Conflict(
        `${report.year}年度尚未结束，年度报告须在${report.year + 1}年1月1日以后发布；现在可以先生成和修改草稿`,
      );
    // …and only with figures generated after it ended (a draft of November lacks December).
    if (report.generatedAt < chinaDayStart(`${report.year + 1}-01-01`)!.toISOString())
      throw new Conflict(
        `该报告的数据生成于${report.year}年度结束之前，请先点击“重新生成”取得全年数据（人工填写的内容会保留），再发布`,
      );
    const site = this.sites.byId(report.siteId)!;
    const channels = await this.sites.repo.channelsOfSite(site.id);
    const section =
      channels.find((c) => c.kind === "disclosure" && c.parentId === null) ??
      channels.find((c) => c.kind === "disclosure");
    if (!section) throw new Conflict("本网站没有“政务公开”栏目，请先在网站设置中添加");
    const actor = { id: staff.id, name: staff.username };
    const website = report.kind === "website";
    const identity: [string, string][] = [
      ["网站名称", site.name],
      ["首页网址", this.sites.publicUrl(site, "/")],
      ["主办单位", site.sponsor || site.name],
      ["网站类型", site.kind === "portal" ? "政府门户网站" : "部门网站"],
      ["政府网站标识码", site.siteCode],
      ["ICP备案号", site.icp],
      ["公安机关备案号", site.policeRecord],
    ];
    const article = await this.content.create(
      {
        kind: website ? "website_report" : "disclosure_report",
        title: website
          ? `${site.name}${report.year}年网站工作年度报表`
          : `${site.name}${report.year}年政府信息公开工作年度报告`,
        bodyHtml: website ? websiteHtml(identity, report.figures) : reportHtml(report.figures, report.texts),
        ownerSiteId: site.id,
        channelIds: [section.id],
        source: site.name,
      },
      actor,
    );
    await this.content.submit(article.id, actor);
    await this.content.publish(article.id, actor);
    const now = nowIso();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("disclosureReports")
        .set({ status: "published", articleId: article.id, publishedAt: now, updatedAt: now })
        .where("id", "=", id)
        .execute();
      await this.audit.record(
        {
          actor: staff.username,
          action: "disclosure_report.publish",
          targetType: "disclosure_report",
          targetId: id,
          detail: { articleId: article.id },
        },
        trx,
      );
    });
    return article.id;
  }
}
