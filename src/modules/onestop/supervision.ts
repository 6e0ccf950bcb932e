import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { StaffPrincipal } from "../staff/index.ts";

import type { CalendarService } from "../../platform/calendar/calendar-service.ts";

import type { Db } from "../../platform/db/database.ts";

import { chinaDate, nowIso } from "../../platform/time/china-time.ts";

import type { SitesService } from "../sites/index.ts";

import { WARNING_DAYS } from "./applications.ts";

import { SUPERVISION_GROUP, type WorkflowStore } from "./workflow.ts";

import type { LimitKind, OneStopTables } from "./tables.ts";

export const LIMIT_LABELS: Record<string, string> = {
  committed: "承诺时限",
  legal: "法定时限",
  delivery: "送达时限",
};

export const ALERT_LABELS: Record<string, string> = {
  warning: "临期预警",
  escalation: "超期督办",
};

/**
 * Time-limit supervision (督办): a recurring job warns applications close to a limit and, once a
 * limit has passed, flags them overdue and escalates them to a supervising group — the department's
 * leader group for the committed and delivery limits, the provincial office (省政务服务管理办公室) for
 * the legal limit. A unique key per (application, kind, limit, due date) makes every alert happen once,
 * however often or concurrently the job runs; a due date moved by an extension can alert again.
 */
export class SupervisionService {
  constructor(
    private readonly store: Db<OneStopTables>,
    private readonly audit: AuditLog,
    private readonly calendar: CalendarService,
    private readonly sites: SitesService,
    private readonly workflows: WorkflowStore,
  ) {}

  private get db() {
    return this.store.db;
  }

  /** The provincial supervising office group (on the portal site). */
  async supervisionGroup() {
    const portal = this.sites.list().find((s) => s.kind === "portal");
    if (!portal) return undefined;
    return this.workflows.ensureGroup(portal.id, SUPERVISION_GROUP);
  }

  async sweep(today = chinaDate()): Promise<{ warned: number; escalated: number }> {
    const cal = await this.calendar.calendar();
    const horizon = cal.addWorkingDays(today, WARNING_DAYS);
    const batch = (afterId: number) =>
      this.db
        .selectFrom("applications")
        .select([
          "id",
          "trackingNo",
          "siteId",
          "status",
          "version",
          "dueCommitted",
          "dueLegal",
          "dueDelivery",
        ])
        .where("status", "in", ["review", "decided", "delivered"])
        .where("id", ">", afterId)
        .where((eb) =>
          eb.or([
            eb("dueCommitted", "<=", horizon),
            eb.and([eb("status", "=", "review"), eb("dueLegal", "<=", horizon)]),
            eb.and([eb("status", "=", "decided"), eb("dueDelivery", "<=", horizon)]),
          ]),
        )
        .orderBy("id")
        .limit(500)
        .execute();
    const office = await this.supervisionGroup();
    const leaders = new Map<number, number>();
    let warned = 0;
    let escalated = 0;
    // In batches by id, so a large backlog is walked through completely in one run.
    for (let rows = await batch(0); rows.length > 0; rows = await batch(rows[rows.length - 1].id))
      for (const a of rows) {
        const limits: [LimitKind, string | null][] = [["committed", a.dueCommitted]];
        if (a.status === "review") limits.push(["legal", a.dueLegal]);
        if (a.status === "decided") limits.push(["delivery", a.dueDelivery]);
        for (const [limitKind, due] of limits) {
          if (!due || due > horizon) continue;
          const overdue = cal.workingDaysBetween(today, due) < 0;
          let groupId = leaders.get(a.siteId);
          if (groupId === undefined) {
            groupId = (await this.workflows.ensureDefaultGroups(a.siteId))[2].id;
            leaders.set(a.siteId, groupId);
          }
          if (overdue && limitKind === "legal" && office) groupId = office.id;
          const kind = overdue ? "escalation" : "warning";
          const done = await this.db.transaction().execute(async (trx) => {
            const r = await trx
              .insertInto("applicationAlerts")
              .values({
                applicationId: a.id,
                siteId: a.siteId,
                kind,
                limitKind,
                due,
                groupId: groupId!,
                createdAt: nowIso(),
              })
              .onConflict((oc) => oc.columns(["applicationId", "kind", "limitKind", "due"]).doNothing())
              .executeTakeFirst();
            if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
            if (kind === "escalation") {
              const group = await trx
                .selectFrom("serviceGroups")
                .select("name")
                .where("id", "=", groupId!)
                .executeTakeFirst();
              const note = `${LIMIT_LABELS[limitKind]}（${due}）已超期，自动督办至“${group?.name ?? ""}”`;
              await trx
                .insertInto("applicationEvents")
                .values({
                  applicationId: a.id,
                  at: nowIso(),
                  actorKind: "system",
                  actorName: "系统",
                  action: "escalate",
                  fromStatus: a.status,
                  toStatus: a.status,
                  note,
                })
                .execute();
              await this.audit.record(
                {
                  actor: "system:supervision",
                  action: "application.escalate",
                  targetType: "application",
                  targetId: a.trackingNo,
                  detail: { limit: limitKind, due, groupId },
                },
                trx,
              );
            }
            return true;
          });
          if (done) {
            if (kind === "escalation") escalated++;
            else warned++;
          }
        }
      }
    return { warned, escalated };
  }

  /**
   * Alerts visible to a staff member: those sent to their groups, plus (for handlers) the alerts of
   * their departments; operators see every alert. Newest first, paged.
   */
  async alerts(
    staff: StaffPrincipal,
    filter: { kind?: string; page: number; pageSize?: number; siteIds: number[] | null },
  ) {
    const pageSize = filter.pageSize ?? 20;
    const groups = await this.workflows.groupIdsOf(staff.id);
    let q = this.db
      .selectFrom("applicationAlerts")
      .innerJoin("applications", "applications.id", "applicationAlerts.applicationId")
      .innerJoin("serviceGroups", "serviceGroups.id", "applicationAlerts.groupId");
    if (filter.kind === "warning" || filter.kind === "escalation")
      q = q.where("applicationAlerts.kind", "=", filter.kind);
    if (filter.siteIds !== null) {
      const sites = filter.siteIds;
      q = q.where((eb) =>
        eb.or([
          ...(groups.length ? [eb("applicationAlerts.groupId", "in", groups)] : []),
          ...(sites.length ? [eb("applicationAlerts.siteId", "in", sites)] : []),
          eb.lit(false),
        ]),
      );
    }
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = await q
      .select([
        "applicationAlerts.id",
        "applicationAlerts.kind",
        "applicationAlerts.limitKind",
        "applicationAlerts.due",
        "applicationAlerts.createdAt",
        "applicationAlerts.siteId",
        "applicationAlerts.groupId",
        "serviceGroups.name as groupName",
        "applications.id as applicationId",
        "applications.trackingNo",
        "applications.itemName",
        "applications.status",
        "applications.assigneeName",
      ])
      .orderBy("applicationAlerts.id", "desc")
      .limit(pageSize)
      .offset((filter.page - 1) * pageSize)
      .execute();
    return { rows, total };
  }

  /** Pending extension requests a leader may approve (their departments' leader groups). */
  async pendingExtensions(staff: StaffPrincipal) {
    return this.db
      .selectFrom("applicationExtensions")
      .innerJoin("applications", "applications.id", "applicationExtensions.applicationId")
      .innerJoin("serviceGroups", (j) =>
        j
          .onRef("serviceGroups.siteId", "=", "applicationExtensions.siteId")
          .on("serviceGroups.kind", "=", "leader"),
      )
      .innerJoin("serviceGroupMembers", "serviceGroupMembers.groupId", "serviceGroups.id")
      .select([
        "applicationExtensions.id",
        "applicationExtensions.days",
        "applicationExtensions.reason",
        "applicationExtensions.requestedByName",
        "applicationExtensions.requestedAt",
        "applications.id as applicationId",
        "applications.trackingNo",
        "applications.itemName",
        "applications.dueLegal",
      ])
      .where("serviceGroupMembers.userId", "=", staff.id)
      .where("applicationExtensions.status", "=", "pending")
      .orderBy("applicationExtensions.id")
      .limit(100)
      .execute();
  }
}
