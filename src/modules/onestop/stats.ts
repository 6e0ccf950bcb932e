import type { CalendarService } from "../../platform/calendar/calendar-service.ts";

import type { Db } from "../../platform/db/database.ts";

import type { SitesService } from "../sites/index.ts";

import type { EvaluationService } from "./evaluations.ts";

import { chinaDate } from "../../platform/time/china-time.ts";

import type { ApplicationStatus, OneStopTables } from "./tables.ts";

export interface DepartmentFigures {
  siteCode: string;
  department: string;
  applications: number;
  completed: number;
  onTimeRate: number | null;
  ratings: Record<string, number>;
  defaultRatings: number;
  satisfactionRate: number | null;
  badReviews: number;
  rectified: number;
}

export interface ServiceFigures {
  applications: number;
  completed: number;
  fullyOnlineRate: number | null;
  onTimeRate: number | null;
  averageProcessingDays: number | null;
  averageVisits: number | null;
  satisfactionRate: number | null;
  ratings: Record<string, number>;
  defaultRatings: number;
  rectificationRate: number | null;
  averageRectificationDays: number | null;
  byDepartment: DepartmentFigures[];
  byItem: { itemCode: string; itemName: string; applications: number; completed: number }[];
}

/** A year of a hall for the 网站工作年度报表 (办事服务): its items, and who applied how often. */
export interface HallYear {
  /** Published items. */
  items: number;
  /** Published items handled entirely online (全程网办). */
  fullyOnline: number;
  /** Applications submitted within the period, per applicant account. */
  applicantsOf: { accountId: number; applications: number }[];
}

const rate = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 10 : null);
const SUBMITTED: ApplicationStatus[] = [
  "prereview",
  "correction",
  "review",
  "decided",
  "delivered",
  "closed",
  "refused",
  "withdrawn",
  "suspended",
];

/** The figures the platform publishes (console dashboard, public page, API). */
export class StatsService {
  constructor(
    private readonly store: Db<OneStopTables>,
    private readonly sites: SitesService,
    private readonly calendar: CalendarService,
    private readonly evaluations: EvaluationService,
  ) {}

  /**
   * The published figures. With a period ([from, to) as ISO instants, e.g. a China-time month) they
   * cover only it: applications submitted in it, applications closed in it (on-time rate, processing
   * days), evaluations given in it, bad reviews raised in it (rectified: done before its end).
   */
  async figures(period?: { from: string; to: string }): Promise<ServiceFigures> {
    await this.evaluations.applyDefaults();
    const db = this.store.read;
    const within = (t: string | null) => !period || (t !== null && t >= period.from && t < period.to);
    let appsQuery = db
      .selectFrom("applications")
      .select([
        "siteId",
        "itemCode",
        "itemName",
        "status",
        "online",
        "visits",
        "onTime",
        "acceptedOn",
        "submittedAt",
        "closedAt",
      ])
      .where("status", "in", SUBMITTED);
    if (period)
      appsQuery = appsQuery.where((eb) =>
        eb.or([
          eb.and([eb("submittedAt", ">=", period.from), eb("submittedAt", "<", period.to)]),
          eb.and([eb("closedAt", ">=", period.from), eb("closedAt", "<", period.to)]),
        ]),
      );
    const touched = await appsQuery.limit(200000).execute();
    // Closed in the period (for a past period: closed before its end, which is what `within` checks).
    const closed = touched.filter((a) => a.status === "closed" && within(a.closedAt));
    const apps = period ? touched.filter((a) => within(a.submittedAt)) : touched;
    let evalsQuery = db.selectFrom("evaluations").select(["siteId", "level", "isDefault"]);
    if (period)
      evalsQuery = evalsQuery.where("createdAt", ">=", period.from).where("createdAt", "<", period.to);
    const evals = await evalsQuery.execute();
    let rectsQuery = db.selectFrom("rectifications").select(["siteId", "status", "createdAt", "doneAt"]);
    if (period)
      rectsQuery = rectsQuery.where("createdAt", ">=", period.from).where("createdAt", "<", period.to);
    const rects = (await rectsQuery.execute()).map((r) =>
      // A bad review put right after the period was not rectified in it.
      period && r.status === "done" && r.doneAt && r.doneAt >= period.to
        ? { ...r, status: "open" as const, doneAt: null }
        : r,
    );
    const cal = await this.calendar.calendar();
    const days = closed
      .filter((a) => a.acceptedOn && a.closedAt)
      .map((a) => Math.max(0, cal.workingDaysBetween(a.acceptedOn!, chinaDate(a.closedAt!))));
    const ratings = (list: typeof evals) => {
      const r: Record<string, number> = { "5": 0, "4": 0, "3": 0, "2": 0, "1": 0 };
      for (const e of list) if (!e.isDefault) r[String(e.level)]++;
      return r;
    };
    const satisfied = (list: typeof evals) => {
      const real = list.filter((e) => !e.isDefault);
      return rate(real.filter((e) => e.level >= 3).length, real.length);
    };
    const doneRects = rects.filter((r) => r.status === "done" && r.doneAt);
    const rectDays = doneRects.map((r) =>
      Math.max(0, cal.workingDaysBetween(chinaDate(r.createdAt), chinaDate(r.doneAt!))),
    );
    const avg = (xs: number[]) =>
      xs.length ? Math.round((xs.reduce((s, x) => s + x, 0) / xs.length) * 10) / 10 : null;
    const byDepartment: DepartmentFigures[] = this.sites
      .list()
      .filter((s) => s.kind === "department")
      .map((s) => {
        const mine = apps.filter((a) => a.siteId === s.id);
        const done = closed.filter((a) => a.siteId === s.id);
        const ev = evals.filter((e) => e.siteId === s.id);
        const rc = rects.filter((r) => r.siteId === s.id);
        return {
          siteCode: s.code,
          department: s.name,
          applications: mine.length,
          completed: done.length,
          onTimeRate: rate(done.filter((a) => a.onTime === 1).length, done.length),
          ratings: ratings(ev),
          defaultRatings: ev.filter((e) => e.isDefault).length,
          satisfactionRate: satisfied(ev),
          badReviews: rc.length,
          rectified: rc.filter((r) => r.status === "done").length,
        };
      });
    const items = new Map<
      string,
      { itemCode: string; itemName: string; applications: number; completed: number }
    >();
    for (const a of apps) {
      const x = items.get(a.itemCode) ?? {
        itemCode: a.itemCode,
        itemName: a.itemName,
        applications: 0,
        completed: 0,
      };
      x.applications++;
      items.set(a.itemCode, x);
    }
    for (const a of closed) {
      const x = items.get(a.itemCode) ?? {
        itemCode: a.itemCode,
        itemName: a.itemName,
        applications: 0,
        completed: 0,
      };
      x.completed++;
      items.set(a.itemCode, x);
    }
    return {
      applications: apps.length,
      completed: closed.length,
      fullyOnlineRate: rate(apps.filter((a) => a.online === 1).length, apps.length),
      onTimeRate: rate(closed.filter((a) => a.onTime === 1).length, closed.length),
      averageProcessingDays: avg(days),
      averageVisits: avg(apps.map((a) => a.visits)),
      satisfactionRate: satisfied(evals),
      ratings: ratings(evals),
      defaultRatings: evals.filter((e) => e.isDefault).length,
      rectificationRate: rate(doneRects.length, rects.length),
      averageRectificationDays: avg(rectDays),
      byDepartment,
      byItem: [...items.values()].sort((a, b) => b.applications - a.applications).slice(0, 50),
    };
  }

  /** The items of these sites' halls (null: every site) and the applications submitted in [since, until). */
  async hallYear(siteIds: number[] | null, since: string, until: string): Promise<HallYear> {
    const db = this.store.read;
    const scope = siteIds && siteIds.length === 0 ? [-1] : siteIds;
    let items = db
      .selectFrom("serviceItems")
      .select((eb) => [
        eb.fn.countAll<number>().as("n"),
        eb.fn.sum<number>(eb.case().when("onlineDepth", "=", "全程网办").then(1).else(0).end()).as("online"),
      ])
      .where("status", "=", "published");
    if (scope) items = items.where("siteId", "in", scope);
    let apps = db
      .selectFrom("applications")
      .select((eb) => ["accountId", eb.fn.countAll<number>().as("n")])
      .where("status", "in", SUBMITTED)
      .where("submittedAt", ">=", since)
      .where("submittedAt", "<", until)
      .groupBy("accountId");
    if (scope) apps = apps.where("siteId", "in", scope);
    const [counted, applicants] = await Promise.all([items.executeTakeFirstOrThrow(), apps.execute()]);
    return {
      items: Number(counted.n),
      fullyOnline: Number(counted.online ?? 0),
      applicantsOf: applicants.map((a) => ({ accountId: a.accountId, applications: Number(a.n) })),
    };
  }
}
