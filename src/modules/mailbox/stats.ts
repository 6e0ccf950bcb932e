import type { ExpressionBuilder } from "kysely";
import type { Db } from "../../platform/db/database.ts";

import type { SitesService } from "../sites/index.ts";

import type { WorkingDayCalendar } from "../../platform/calendar/platform-working-days.ts";

import type { InteractionSettings } from "./model.ts";

import type { MailboxTables } from "./tables.ts";

/**
 * A site's letters: written on its pages, handled by it (owner) or addressed to it. Every count and
 * list of "the site's letters" uses this one rule.
 */
export const lettersOfSite = (siteId: number) => (eb: ExpressionBuilder<MailboxTables, "letters">) =>
  eb.or([eb("siteId", "=", siteId), eb("ownerSiteId", "=", siteId), eb("addresseeSiteId", "=", siteId)]);

export interface LetterFigures {
  /** Every letter received, including those not accepted. */
  received: number;
  /** Not accepted (spam, abuse, out of scope). */
  invalid: number;
  /** Replied to the citizen (answer reviewed and sent). */
  replied: number;
  /** Replied within the time limit (including approved extensions). */
  repliedOnTime: number;
  /**
   * Letters replied on time over the letters that should have been replied by now (replied, plus open
   * letters past their limit: an overdue unanswered letter counts against timeliness), percent with
   * one decimal; null when there are none.
   */
  onTimeRate: number | null;
  /** The sample of onTimeRate: replied letters plus open letters past their limit. */
  onTimeBase: number;
  /** Open letters past their limit. */
  overdueOpen: number;
  /** Mean working days from receipt to reply; null when none replied. */
  averageReplyDays: number | null;
  ratings: {
    satisfied: number;
    basic: number;
    unsatisfied: number;
    /** Real ratings given by citizens. */
    real: number;
    /** Replies not rated within the rating window, counted satisfied by local rule (shown apart). */
    defaulted: number;
    /** Replies still inside the rating window without a rating. */
    awaiting: number;
  };
  /** (satisfied + basic) / real ratings, percent; null without ratings. */
  satisfactionReal: number | null;
  /** The same counting default ratings as satisfied; null without any. */
  satisfactionWithDefault: number | null;
  /** Rated letters the citizen marked solved / rated letters that said solved or not. */
  solvedRate: number | null;
  /** The sample of solvedRate: rated letters that said solved or not. */
  solvedBase: number;
}

export interface SiteFigures extends LetterFigures {
  site: string | null;
  byDepartment: ({ code: string; name: string } & LetterFigures)[];
}

export interface FigureRow {
  status: string;
  ratedAt?: string | null;
  ownerSiteId: number | null;
  createdAt: string;
  dueAt: string;
  repliedAt: string | null;
  rating: string | null;
  solved: number | null;
}

const pct = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 1000) / 10 : null);

/** Figures over a set of letters; pure, so tests can recompute them from stored rows. */
export function figuresOf(
  rows: FigureRow[],
  calendar: WorkingDayCalendar,
  settings: InteractionSettings,
  now = new Date(),
): LetterFigures {
  let invalid = 0;
  let replied = 0;
  let onTime = 0;
  let overdue = 0;
  let days = 0;
  const r = { satisfied: 0, basic: 0, unsatisfied: 0, real: 0, defaulted: 0, awaiting: 0 };
  let solved = 0;
  let solvedKnown = 0;
  const windowMs = settings.ratingWindowDays * 86_400_000;
  for (const row of rows) {
    if (row.status === "invalid") {
      invalid++;
      continue;
    }
    if (row.repliedAt) {
      replied++;
      if (row.repliedAt <= row.dueAt) onTime++;
      days += calendar.workingDaysBetween(new Date(row.createdAt), new Date(row.repliedAt));
      if (row.rating && row.rating in r) {
        r[row.rating as "satisfied" | "basic" | "unsatisfied"]++;
        r.real++;
        if (row.solved != null) {
          solvedKnown++;
          if (row.solved) solved++;
        }
      } else if (now.getTime() - Date.parse(row.repliedAt) > windowMs) {
        r.defaulted++;
      } else {
        r.awaiting++;
      }
    } else if (row.dueAt < now.toISOString()) {
      overdue++;
    }
  }
  const good = r.satisfied + r.basic;
  const defaulted = settings.defaultRatingSatisfied ? r.defaulted : 0;
  return {
    received: rows.length,
    invalid,
    replied,
    repliedOnTime: onTime,
    onTimeRate: pct(onTime, replied + overdue),
    onTimeBase: replied + overdue,
    overdueOpen: overdue,
    averageReplyDays: replied > 0 ? Math.round((days / replied) * 10) / 10 : null,
    ratings: r,
    satisfactionReal: pct(good, r.real),
    satisfactionWithDefault: settings.defaultRatingSatisfied
      ? pct(good + defaulted, r.real + defaulted)
      : pct(good, r.real),
    solvedRate: pct(solved, solvedKnown),
    solvedBase: solvedKnown,
  };
}

/** Live figures for a site (the portal: the whole cluster), with the breakdown by department. */
export async function siteFigures(
  store: Db<MailboxTables>,
  sites: SitesService,
  calendar: WorkingDayCalendar,
  settings: InteractionSettings,
  siteId: number | null,
  now = new Date(),
): Promise<SiteFigures> {
  let q = store.read
    .selectFrom("letters")
    .select(["status", "ownerSiteId", "createdAt", "dueAt", "repliedAt", "rating", "solved"]);
  if (siteId != null) q = q.where(lettersOfSite(siteId));
  const rows = await q.execute();
  return figuresFromRows(rows, sites, calendar, settings, siteId, now);
}

/**
 * The figures of the letters a site received in [from, to) (ISO instants), as they stood at `to` (or
 * now, if earlier): replies and ratings given later do not count, so a month's report does not change
 * afterwards, and letters received before or after the period are left out.
 */
export async function periodFigures(
  store: Db<MailboxTables>,
  sites: SitesService,
  calendar: WorkingDayCalendar,
  settings: InteractionSettings,
  siteId: number | null,
  from: string,
  to: string,
  now = new Date(),
): Promise<SiteFigures> {
  let q = store.read
    .selectFrom("letters")
    .select(["status", "ownerSiteId", "createdAt", "dueAt", "repliedAt", "rating", "solved", "ratedAt"])
    .where("createdAt", ">=", from)
    .where("createdAt", "<", to);
  if (siteId != null) q = q.where(lettersOfSite(siteId));
  const asOf = to < now.toISOString() ? new Date(to) : now;
  const cut = asOf.toISOString();
  const rows = (await q.execute()).map((row) => {
    const replied = row.repliedAt && row.repliedAt < cut ? row.repliedAt : null;
    const rated = replied && row.rating && (!row.ratedAt || row.ratedAt < cut);
    return {
      ...row,
      repliedAt: replied,
      rating: rated ? row.rating : null,
      solved: rated ? row.solved : null,
    };
  });
  return figuresFromRows(rows, sites, calendar, settings, siteId, asOf);
}

function figuresFromRows(
  rows: FigureRow[],
  sites: SitesService,
  calendar: WorkingDayCalendar,
  settings: InteractionSettings,
  siteId: number | null,
  now: Date,
): SiteFigures {
  const byOwner = new Map<number, FigureRow[]>();
  for (const row of rows) {
    if (row.ownerSiteId == null) continue;
    const list = byOwner.get(row.ownerSiteId) ?? [];
    list.push(row);
    byOwner.set(row.ownerSiteId, list);
  }
  const byDepartment = [...byOwner.entries()]
    .map(([id, list]) => {
      const s = sites.byId(id);
      return {
        code: s?.code ?? String(id),
        name: s?.name ?? "未知部门",
        ...figuresOf(list, calendar, settings, now),
      };
    })
    .sort((a, b) => b.received - a.received || a.code.localeCompare(b.code));
  // Letters no department handles yet (awaiting screening or transfer, or not accepted): their own
  // row, so the department rows add up to the total received.
  const unowned = rows.filter((row) => row.ownerSiteId == null);
  if (unowned.length > 0)
    byDepartment.push({
      code: "unassigned",
      name: "尚未转办（待甄别、待转办或不予受理）",
      ...figuresOf(unowned, calendar, settings, now),
    });
  const site = siteId != null ? (sites.byId(siteId)?.code ?? null) : null;
  return { site, ...figuresOf(rows, calendar, settings, now), byDepartment };
}
