import { sql, type Selectable } from "kysely";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { WorkingDaySource } from "../../platform/calendar/platform-working-days.ts";
import type { Db } from "../../platform/db/database.ts";
import { Conflict, Forbidden, Invalid, NotFound } from "../../platform/http/errors.ts";
import { chinaDate, chinaDayStart } from "../../platform/time/china-time.ts";
import type { Resource } from "./catalogue.ts";
import type { AccessRequestRow, AccessRequestStatus, ExchangeTables } from "./tables.ts";

export type AccessRequest = Omit<Selectable<AccessRequestRow>, "fields" | "needsPublication"> & {
  fields: string[];
  needsPublication: boolean;
  /** Open and past its current stage's due date. */
  overdue: boolean;
};

/**
 * Who is acting in the exchange console: operators see and do everything; the data authority (the
 * platform's own data officers) checks compliance and settles disputes; a department's data officer
 * applies for its member systems and answers requests for its resources.
 */
export interface ExchangeScope {
  actor: string;
  /** Platform operator: everything. */
  all: boolean;
  /** The data authority (数据主管部门): operators and the platform's data officers. */
  authority: boolean;
  /** Department names the actor is a data officer of. */
  departments: string[];
}

/** The platform's own department (数据主管部门): the portal's data officers act for it. */
export const HUB_DEPARTMENT = "楚云省政务服务和大数据管理局";

export const REQUEST_STATUS_LABEL: Record<AccessRequestStatus, string> = {
  checking: "待合规审核",
  noncompliant: "合规审核未通过",
  pending: "待提供部门答复",
  approved: "已同意（已授权）",
  refused: "提供部门不予同意",
  disputed: "异议待裁定",
  upheld: "裁定维持不予共享",
};

/** Working-day limits of each stage (the rules). */
export const LIMITS = { compliance: 2, answer: 5, answerAfterPublication: 10, dispute: 5 };

const OPEN: AccessRequestStatus[] = ["checking", "pending", "disputed"];
export const PAGE_SIZE = 20;

export interface ApplyInput {
  memberId: number;
  resourceCode: string;
  fields: string[];
  purpose: string;
  legalBasis: string;
  expiresOn: string;
  dailyQuota: number;
  ratePerMinute: number;
}

export interface GrantTerms {
  memberId: number;
  resourceCode: string;
  fields: string[];
  purpose: string;
  legalBasis: string;
  expiresAt: string;
  dailyQuota: number;
  ratePerMinute: number;
  requestId: number;
}

/** What the requests workflow needs from the rest of the exchange. */
export interface RequestsHost {
  resource(code: string): Promise<Resource | undefined>;
  memberById(id: number): Promise<{ id: number; department: string; status: string } | undefined>;
  grant(terms: GrantTerms, actor: string): Promise<number>;
}

function toRequest(row: Selectable<AccessRequestRow>, now: string): AccessRequest {
  return {
    ...row,
    fields: JSON.parse(row.fields) as string[],
    needsPublication: row.needsPublication === 1,
    overdue: OPEN.includes(row.status) && !!row.dueAt && row.dueAt < now,
  };
}

/** Problems with an applicant's terms, per form field, in Chinese. */
export function checkTerms(
  input: ApplyInput,
  resource: Resource | undefined,
  now: Date,
): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!resource) errors.resourceCode = "请选择目录中的数据资源";
  const known = new Set(resource?.fields.map((f) => f.name) ?? []);
  if (input.fields.length === 0) errors.fields = "请至少勾选一个信息项";
  else if (resource && input.fields.some((f) => !known.has(f))) errors.fields = "所选信息项不属于该资源";
  if (!input.purpose.trim()) errors.purpose = "请填写用途（办理什么事项、为什么需要这些信息项）";
  if (resource && resource.shareClass !== "unconditional" && !input.legalBasis.trim())
    errors.legalBasis = "有条件共享和不予共享的资源须写明法律法规依据";
  const expires = chinaDayStart(input.expiresOn);
  if (!expires || expires.getTime() <= now.getTime()) errors.expiresOn = "请选择今天以后的到期日期";
  else if (expires.getTime() - now.getTime() > 3 * 366 * 86_400_000) errors.expiresOn = "授权期限最长三年";
  if (!Number.isInteger(input.dailyQuota) || input.dailyQuota < 1 || input.dailyQuota > 1_000_000)
    errors.dailyQuota = "每日限额应为1～1000000的整数";
  if (!Number.isInteger(input.ratePerMinute) || input.ratePerMinute < 1 || input.ratePerMinute > 60_000)
    errors.ratePerMinute = "每分钟限额应为1～60000的整数";
  return errors;
}

/**
 * 共享申请: a consumer's data officer applies for fields of a resource with a purpose (and a legal basis
 * unless the resource is shared unconditionally); the data authority checks compliance within 2 working
 * days; the provider answers within 5 (10 when the resource must be published first), giving reasons
 * for a refusal; the consumer may dispute a refusal, which the data authority decides within 5 working
 * days. An approval creates the grant. Every step is a staff action in the audit log.
 */
export class AccessRequests {
  constructor(
    private readonly store: Db<ExchangeTables>,
    private readonly staffAudit: AuditLog,
    private readonly calendar: WorkingDaySource,
    private readonly host: RequestsHost,
  ) {}

  private get db() {
    return this.store.db;
  }

  private async due(from: Date, days: number): Promise<string> {
    return (await this.calendar.current()).addWorkingDays(from, days).toISOString();
  }

  private async record(scope: ExchangeScope, action: string, id: number, detail: Record<string, unknown>) {
    await this.staffAudit.record({
      actor: scope.actor,
      action: `exchange.request.${action}`,
      targetType: "exchange_access_request",
      targetId: id,
      detail,
    });
  }

  /** Whether the actor may act for this department (operators may act for any). */
  static actsFor(scope: ExchangeScope, department: string): boolean {
    return scope.all || scope.departments.includes(department);
  }

  async apply(input: ApplyInput, scope: ExchangeScope, now = new Date()): Promise<AccessRequest> {
    const member = Number.isInteger(input.memberId) ? await this.host.memberById(input.memberId) : undefined;
    const resource = await this.host.resource(input.resourceCode);
    const errors = checkTerms(input, resource, now);
    if (!member || member.status !== "active") errors.memberId = "请选择在用的接入系统";
    else if (!AccessRequests.actsFor(scope, member.department))
      errors.memberId = "只能为本部门的接入系统申请";
    if (Object.keys(errors).length > 0) throw new Invalid("共享申请有误，请按提示修改", errors);
    const complianceDueAt = await this.due(now, LIMITS.compliance);
    const row = await this.db
      .insertInto("exchangeAccessRequests")
      .values({
        memberId: member!.id,
        resourceCode: resource!.code,
        fields: JSON.stringify([...new Set(input.fields)]),
        purpose: input.purpose.trim(),
        legalBasis: input.legalBasis.trim(),
        expiresOn: input.expiresOn.trim(),
        dailyQuota: input.dailyQuota,
        ratePerMinute: input.ratePerMinute,
        status: "checking",
        applicant: scope.actor,
        consumerDepartment: member!.department,
        providerDepartment: resource!.provider,
        createdAt: now.toISOString(),
        dueAt: complianceDueAt,
        complianceDueAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.record(scope, "apply", row.id, {
      memberId: row.memberId,
      resource: row.resourceCode,
      fields: input.fields,
    });
    return toRequest(row, now.toISOString());
  }

  async get(id: number, scope: ExchangeScope, now = new Date()): Promise<AccessRequest> {
    const row = await this.db
      .selectFrom("exchangeAccessRequests")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (
      !row ||
      !(
        scope.all ||
        scope.authority ||
        scope.departments.includes(row.consumerDepartment) ||
        scope.departments.includes(row.providerDepartment)
      )
    )
      throw new NotFound("共享申请不存在");
    return toRequest(row, now.toISOString());
  }

  /** Requests the actor may see, newest first, by status and/or overdue only; paged. */
  async list(
    filter: { status?: AccessRequestStatus | ""; overdue?: boolean },
    page: number,
    scope: ExchangeScope,
    now = new Date(),
  ): Promise<{ rows: AccessRequest[]; total: number }> {
    const at = now.toISOString();
    let q = this.db.selectFrom("exchangeAccessRequests");
    if (!scope.all && !scope.authority) {
      const mine = scope.departments.length > 0 ? scope.departments : ["\u0000"];
      q = q.where((eb) =>
        eb.or([eb("consumerDepartment", "in", mine), eb("providerDepartment", "in", mine)]),
      );
    }
    if (filter.status) q = q.where("status", "=", filter.status);
    if (filter.overdue) q = q.where("status", "in", OPEN).where("dueAt", "<", at);
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = await q
      .selectAll()
      .orderBy("id", "desc")
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE)
      .execute();
    return { rows: rows.map((r) => toRequest(r, at)), total };
  }

  /** Open requests past their due date (for the console's summary). */
  async countOverdue(scope: ExchangeScope, now = new Date()): Promise<number> {
    return (await this.list({ overdue: true }, 1, scope, now)).total;
  }

  /** Moves a request from one state to the next, only if nobody moved it meanwhile. */
  private async move(id: number, from: AccessRequestStatus, set: Partial<Selectable<AccessRequestRow>>) {
    const result = await this.db
      .updateTable("exchangeAccessRequests")
      .set(set)
      .where("id", "=", id)
      .where("status", "=", from)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new Conflict("该申请已被他人处理，请刷新后查看");
  }

  /** The data authority's compliance check (合规审核): compliant → the provider's clock starts. */
  async checkCompliance(
    id: number,
    decision: { compliant: boolean; note: string; needsPublication: boolean },
    scope: ExchangeScope,
    now = new Date(),
  ): Promise<AccessRequest> {
    if (!scope.authority) throw new Forbidden("合规审核由数据主管部门（平台数据管理员）进行");
    const request = await this.get(id, scope, now);
    if (request.status !== "checking") throw new Conflict("该申请不在待合规审核状态");
    const note = decision.note.trim();
    if (!decision.compliant && !note)
      throw new Invalid("请说明不合规的理由", {
        note: "不通过时须写明理由（如缺少法律依据、用途与字段不符）",
      });
    const at = now.toISOString();
    if (decision.compliant) {
      const answerDueAt = await this.due(
        now,
        decision.needsPublication ? LIMITS.answerAfterPublication : LIMITS.answer,
      );
      await this.move(id, "checking", {
        status: "pending",
        complianceBy: scope.actor,
        complianceAt: at,
        complianceNote: note || null,
        needsPublication: decision.needsPublication ? 1 : 0,
        answerDueAt,
        dueAt: answerDueAt,
      });
    } else
      await this.move(id, "checking", {
        status: "noncompliant",
        complianceBy: scope.actor,
        complianceAt: at,
        complianceNote: note,
        dueAt: null,
      });
    await this.record(scope, "compliance", id, { ...decision, note });
    return this.get(id, scope, now);
  }

  private async createGrant(request: AccessRequest, terms: Partial<ApplyInput>, actor: string) {
    const expiresOn = terms.expiresOn ?? request.expiresOn;
    return this.host.grant(
      {
        memberId: request.memberId,
        resourceCode: request.resourceCode,
        fields: request.fields,
        purpose: request.purpose,
        legalBasis: request.legalBasis || "无条件共享",
        expiresAt: chinaDayStart(expiresOn)!.toISOString(),
        dailyQuota: terms.dailyQuota ?? request.dailyQuota,
        ratePerMinute: terms.ratePerMinute ?? request.ratePerMinute,
        requestId: request.id,
      },
      actor,
    );
  }

  /** Checks the terms a decision-maker may tighten at approval (expiry, daily quota, rate). */
  private checkApproval(request: AccessRequest, terms: Partial<ApplyInput>, now: Date): void {
    const errors = checkTerms(
      { ...request, ...terms, fields: request.fields },
      { shareClass: "unconditional", fields: request.fields.map((name) => ({ name })) } as Resource,
      now,
    );
    if (Object.keys(errors).length > 0) throw new Invalid("授权条件有误", errors);
  }

  /** The provider's answer (提供部门答复): approval creates the grant; a refusal must give reasons. */
  async answer(
    id: number,
    decision: { approve: boolean; reason: string; terms?: Partial<ApplyInput> },
    scope: ExchangeScope,
    now = new Date(),
  ): Promise<AccessRequest> {
    const request = await this.get(id, scope, now);
    if (!AccessRequests.actsFor(scope, request.providerDepartment))
      throw new Forbidden("只有提供部门的数据管理员可以答复该申请");
    if (request.status !== "pending") throw new Conflict("该申请不在待提供部门答复状态");
    const reason = decision.reason.trim();
    if (!decision.approve && reason.length < 4)
      throw new Invalid("不予同意须说明理由", { reason: "请写明不予同意的理由及依据（至少4个字）" });
    const at = now.toISOString();
    const base = { answeredBy: scope.actor, answeredAt: at, answerReason: reason || null, dueAt: null };
    if (decision.approve) {
      this.checkApproval(request, decision.terms ?? {}, now);
      await this.move(id, "pending", { ...base, status: "approved" });
      const grantId = await this.createGrant(request, decision.terms ?? {}, scope.actor);
      await this.db.updateTable("exchangeAccessRequests").set({ grantId }).where("id", "=", id).execute();
    } else await this.move(id, "pending", { ...base, status: "refused" });
    await this.record(scope, decision.approve ? "approve" : "refuse", id, { reason });
    return this.get(id, scope, now);
  }

  /** The consumer disputes a refusal (提出异议): the data authority decides within 5 working days. */
  async dispute(id: number, reason: string, scope: ExchangeScope, now = new Date()): Promise<AccessRequest> {
    const request = await this.get(id, scope, now);
    if (!AccessRequests.actsFor(scope, request.consumerDepartment))
      throw new Forbidden("只有申请部门的数据管理员可以提出异议");
    if (request.status !== "refused") throw new Conflict("只能对不予同意的申请提出异议");
    const text = reason.trim();
    if (text.length < 4)
      throw new Invalid("请说明异议理由", { disputeReason: "请写明异议理由（至少4个字）" });
    const finalDueAt = await this.due(now, LIMITS.dispute);
    await this.move(id, "refused", {
      status: "disputed",
      disputedAt: now.toISOString(),
      disputeReason: text,
      finalDueAt,
      dueAt: finalDueAt,
    });
    await this.record(scope, "dispute", id, { reason: text });
    return this.get(id, scope, now);
  }

  /** The data authority's final decision on a dispute (裁定): share (creates the grant) or uphold. */
  async decideDispute(
    id: number,
    decision: { approve: boolean; note: string; terms?: Partial<ApplyInput> },
    scope: ExchangeScope,
    now = new Date(),
  ): Promise<AccessRequest> {
    if (!scope.authority) throw new Forbidden("异议由数据主管部门裁定");
    const request = await this.get(id, scope, now);
    if (request.status !== "disputed") throw new Conflict("该申请没有待裁定的异议");
    const note = decision.note.trim();
    if (note.length < 4)
      throw new Invalid("请写明裁定意见", { finalNote: "请写明裁定意见及理由（至少4个字）" });
    const base = { finalBy: scope.actor, finalAt: now.toISOString(), finalNote: note, dueAt: null };
    if (decision.approve) {
      this.checkApproval(request, decision.terms ?? {}, now);
      await this.move(id, "disputed", { ...base, status: "approved" });
      const grantId = await this.createGrant(request, decision.terms ?? {}, scope.actor);
      await this.db.updateTable("exchangeAccessRequests").set({ grantId }).where("id", "=", id).execute();
    } else await this.move(id, "disputed", { ...base, status: "upheld" });
    await this.record(scope, decision.approve ? "final-approve" : "final-uphold", id, { note });
    return this.get(id, scope, now);
  }

  /** Counts per status for the actor's requests (the console's summary). */
  async counts(scope: ExchangeScope): Promise<Partial<Record<AccessRequestStatus, number>>> {
    let q = this.db
      .selectFrom("exchangeAccessRequests")
      .select(["status", sql<number>`count(*)`.as("n")])
      .groupBy("status");
    if (!scope.all && !scope.authority) {
      const mine = scope.departments.length > 0 ? scope.departments : ["\u0000"];
      q = q.where((eb) =>
        eb.or([eb("consumerDepartment", "in", mine), eb("providerDepartment", "in", mine)]),
      );
    }
    return Object.fromEntries((await q.execute()).map((r) => [r.status, Number(r.n)]));
  }

  /** Today's China date, for forms' defaults. */
  static today(): string {
    return chinaDate();
  }
}
