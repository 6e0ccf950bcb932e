import type { Selectable, Transaction } from "kysely";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { Db } from "../../platform/db/database.ts";
import { paginate } from "../../platform/db/paginate.ts";
import type { WorkingDaySource } from "../../platform/calendar/platform-working-days.ts";
import { checkAttachment, MAX_ATTACHMENT_BYTES } from "../../platform/files/attachments.ts";
import { getBlob, putBlob } from "../../platform/files/blob-store.ts";
import { Conflict, DomainError, forbidden, Invalid, notFound } from "../../platform/http/errors.ts";
import {
  hashLookupCode,
  newLookupCode,
  newQueryNo,
  QUERY_NO_PATTERN,
} from "../../platform/lookup/lookup-code.ts";
import { maskName } from "../../platform/mask/mask.ts";
import { printPdf, PdfUnavailable } from "../../platform/pdf/chromium-pdf.ts";
import type { SearchIndex } from "../../platform/search/search-index.ts";
import { chinaDate, nowIso } from "../../platform/time/china-time.ts";
import { creditCodeProblem, idNumberProblem, phoneProblem } from "../../platform/validation/china-ids.ts";
import type { SitesService } from "../sites/index.ts";
import { hasRole, sitesWithRole, type StaffPrincipal } from "../staff/index.ts";
import { correctionAllowed, dueFrom, remainingAt } from "./clock.ts";
import { LimitPassed, PdfNotAvailable, ReasonClassMismatch, ReasonClassMissing } from "./errors.ts";
import { decisionLetterHtml } from "./letter.ts";
import { LookupGuard } from "../../platform/lookup/lookup-guard.ts";
import { APPLICANT_KINDS, CLOCK, DELIVERY_FORMS, ORG_TYPES, OUTCOMES, REQUEST_STATUS } from "./model.ts";
import type {
  ApplicantKind,
  DeliveryForm,
  DisclosureRequestRow,
  DisclosureTables,
  OrgType,
  RequestStatus,
} from "./tables.ts";

export type DisclosureRequest = Selectable<DisclosureRequestRow>;

/** The signed-in citizen's real-name identity, when the applicant chose it. */
export interface AccountIdentity {
  id: number;
  kind: "person" | "enterprise";
  name: string;
  idNumber: string | null;
  creditCode: string | null;
  phone: string;
  verified: boolean;
}

export interface RequestInput {
  siteId: number;
  applicantKind: string;
  orgType: string;
  name: string;
  idNumber: string;
  phone: string;
  email: string;
  address: string;
  description: string;
  purpose: string;
  delivery: string;
  identity: string;
  account: AccountIdentity | null;
  /** The uploaded ID document; `oversized` when the upload passed the size limit and was cut. */
  files: { fileName: string; bytes: Buffer; oversized?: boolean }[];
}

export interface PublicStatus {
  status: RequestStatus;
  statusLabel: string;
  receivedAt: string;
  /** The China date the answer is due; null while the clock is stopped (补正, consultation). */
  dueDate: string | null;
  outcome: string | null;
}

export {
  LOOKUP_TRIES_PAST_CEILING,
  LOOKUP_TRIES_PER_HOUR,
  LOOKUP_TRIES_PER_REQUEST_HOUR,
  LookupLimited,
} from "../../platform/lookup/lookup-guard.ts";
const OPEN: RequestStatus[] = ["received", "assigned", "correction", "consulting"];
const RUNNING: RequestStatus[] = ["received", "assigned"];

export interface DisclosureOptions {
  chromiumPath: string;
}

/** Validates the applicant's fields; per-field messages (empty when fine). */
export function validateRequest(input: RequestInput): Record<string, string> {
  const e: Record<string, string> = {};
  if (!Object.hasOwn(APPLICANT_KINDS, input.applicantKind)) e.applicantKind = "请选择申请人类型";
  if (input.applicantKind === "organisation" && !Object.hasOwn(ORG_TYPES, input.orgType))
    e.orgType = "请选择法人或其他组织的类型";
  const description = input.description.trim();
  if (!description)
    e.description = "请描述所需的政府信息（名称、文号或者便于查询的其他特征性描述），不能为空";
  else if ([...description].length < 5) e.description = "所需信息的描述至少5个字，请写清楚便于查找";
  else if ([...description].length > 3000) e.description = "所需信息的描述不能超过3000字";
  if ([...input.purpose].length > 500) e.purpose = "申请用途不能超过500字";
  if (!Object.hasOwn(DELIVERY_FORMS, input.delivery)) e.delivery = "请选择获取信息的方式";
  if (input.identity === "account") {
    if (!input.account) e.identity = "请先登录实名账号，或选择上传身份证明";
    else if (!input.account.verified) e.identity = "您的账号尚未实名认证，请完成实名认证或选择上传身份证明";
    else if (input.applicantKind === "organisation" && input.account.kind !== "enterprise")
      e.identity = "以法人或其他组织名义申请，请使用法人账号登录或上传营业执照等证明";
  } else if (input.identity === "upload") {
    const name = input.name.trim();
    if (!name) e.name = input.applicantKind === "organisation" ? "请填写组织名称" : "请填写姓名";
    else if ([...name].length > 60) e.name = "名称不能超过60字";
    const idProblem =
      input.applicantKind === "organisation"
        ? creditCodeProblem(input.idNumber.trim())
        : idNumberProblem(input.idNumber.trim());
    if (idProblem) e.idNumber = idProblem;
    const file = input.files[0];
    if (!file) e.idFile = "请上传身份证件或营业执照的照片或扫描件";
    else if (file.oversized || file.bytes.length > MAX_ATTACHMENT_BYTES)
      e.idFile = `身份证明文件不能超过${MAX_ATTACHMENT_BYTES / 1024 / 1024}MB，您上传的文件过大，请压缩后重新上传（已填写的内容已保留）`;
  } else e.identity = "请选择身份核验方式";
  const phone = input.phone.trim() || input.account?.phone || "";
  const phoneIssue = phoneProblem(phone);
  if (phoneIssue) e.phone = phoneIssue;
  if (input.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email.trim())) e.email = "邮箱格式不正确";
  if (input.delivery === "paper" && !input.address.trim()) e.address = "选择纸质邮寄，请填写邮寄地址";
  if ([...input.address].length > 200) e.address = "地址不能超过200字";
  return e;
}

/** 依申请公开 requests: filing, lookup, the 条例 clocks, handling and decisions. */
export class DisclosureRequests {
  private readonly guard: LookupGuard;

  constructor(
    private readonly store: Db<DisclosureTables>,
    private readonly audit: AuditLog,
    private readonly search: SearchIndex,
    private readonly sites: SitesService,
    private readonly calendar: WorkingDaySource,
    private readonly options: DisclosureOptions,
  ) {
    this.guard = new LookupGuard(store.db, "disclosure", { noun: "申请", person: "申请人" });
  }

  private get db() {
    return this.store.db;
  }

  // ---------------------------------------------------------------- applicant

  /** Files a request; returns the query number and the one-time lookup code. */
  async submit(
    input: RequestInput,
    now = new Date(),
  ): Promise<{ id: number; queryNo: string; lookupCode: string }> {
    const errors = validateRequest(input);
    const site = this.sites.byId(input.siteId);
    if (!site) throw notFound("网站不存在");
    let checked: Awaited<ReturnType<typeof checkAttachment>> | null = null;
    if (input.identity === "upload" && input.files[0] && !errors.idFile) {
      try {
        checked = await checkAttachment(input.files[0].fileName, input.files[0].bytes);
      } catch (error) {
        if (error instanceof DomainError) errors.idFile = error.message;
        else throw error;
      }
    }
    if (Object.keys(errors).length > 0)
      throw new Invalid("提交的内容有误，请修改后重新提交（已填写的内容已保留）", errors);
    const account = input.identity === "account" ? input.account! : null;
    const organisation = input.applicantKind === "organisation";
    const name = account ? account.name : input.name.trim();
    const idNumber = account
      ? ((organisation ? account.creditCode : account.idNumber) ?? "")
      : input.idNumber.trim().toUpperCase();
    const phone = input.phone.trim() || account?.phone || "";
    const lookupCode = newLookupCode();
    const calendar = await this.calendar.current();
    const dueAt = dueFrom(calendar, now, CLOCK.limitDays).toISOString();
    // A request filed on the portal goes to the provincial government office (the portal) until assigned.
    const cipher = this.store.cipher;
    const row = await this.db.transaction().execute(async (trx) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const queryNo = newQueryNo(now);
        const taken = await trx
          .selectFrom("disclosureRequests")
          .select("id")
          .where("queryNo", "=", queryNo)
          .executeTakeFirst();
        if (taken) continue;
        if (checked) await putBlob(trx, checked.sha256, checked.bytes);
        const inserted = await trx
          .insertInto("disclosureRequests")
          .values({
            queryNo,
            lookupHash: hashLookupCode(lookupCode),
            siteId: site.id,
            ownerSiteId: site.id,
            assigneeId: null,
            applicantKind: input.applicantKind as ApplicantKind,
            orgType: organisation ? (input.orgType as OrgType) : null,
            applicantName: cipher.seal(name),
            idNumber: cipher.seal(idNumber),
            phone: cipher.seal(phone),
            email: cipher.seal(input.email.trim()),
            address: cipher.seal(input.address.trim()),
            accountId: account?.id ?? null,
            identityMethod: account ? "account" : "upload",
            idFileSha256: checked?.sha256 ?? null,
            idFileMime: checked?.mime ?? null,
            description: input.description.trim(),
            purpose: input.purpose.trim(),
            delivery: input.delivery as DeliveryForm,
            status: "received",
            receivedAt: now.toISOString(),
            limitDays: CLOCK.limitDays,
            extensionReason: null,
            extensionRequestedBy: null,
            extensionApprovedBy: null,
            dueAt,
            remainingDays: null,
            pausedAt: null,
            correctionNote: null,
            correctionReply: null,
            consultParty: null,
            consultDueAt: null,
            warnedAt: null,
            escalatedAt: null,
            documents: "[]",
            outcome: null,
            outcomeReason: null,
            decisionText: null,
            letterNo: null,
            letterHtml: null,
            decidedAt: null,
            decidedBy: null,
            deliveredAt: null,
            createdAt: now.toISOString(),
            updatedAt: now.toISOString(),
          })
          .returning(["id", "queryNo"])
          .executeTakeFirstOrThrow();
        await this.event(
          trx,
          inserted.id,
          "applicant",
          "received",
          `答复期限：${chinaDate(dueAt)}`,
          true,
          now,
        );
        return inserted;
      }
      throw new Error("could not allocate a query number");
    });
    return { id: row.id, queryNo: row.queryNo, lookupCode };
  }

  /**
   * The request for a query number and its lookup code; null for any mismatch. Wrong codes are limited
   * per request and client address (`client`, the caller's IP) and, more loosely, per request over all
   * addresses, so a guesser neither gets far nor locks the applicant out (see LookupGuard); past the
   * limits LookupLimited (429, with the seconds to wait).
   */
  async lookup(
    queryNo: string,
    code: string,
    client: string,
    now = new Date(),
  ): Promise<DisclosureRequest | null> {
    if (!QUERY_NO_PATTERN.test(queryNo.trim()) || !code || code.length > 64) return null;
    const found = await this.db
      .selectFrom("disclosureRequests")
      .selectAll()
      .where("queryNo", "=", queryNo.trim())
      .executeTakeFirst();
    const row = await this.guard.open(found, code, client, now);
    if (!row) return null;
    return row;
  }

  publicStatus(r: DisclosureRequest): PublicStatus {
    return {
      status: r.status,
      statusLabel: REQUEST_STATUS[r.status] ?? r.status,
      receivedAt: r.receivedAt,
      dueDate: r.dueAt ? chinaDate(r.dueAt) : null,
      outcome: r.outcome,
    };
  }

  /** The applicant answers a 补正 request; the 20 working days count again from today (art. 30). */
  async answerCorrection(r: DisclosureRequest, text: string, now = new Date()): Promise<void> {
    if (r.status !== "correction") throw new Conflict("该申请当前不需要补正");
    const reply = text.trim();
    if ([...reply].length < 5)
      throw new Invalid("请填写补正内容（至少5个字）", { correctionReply: "请填写补正内容" });
    if ([...reply].length > 3000)
      throw new Invalid("补正内容不能超过3000字", { correctionReply: "补正内容过长" });
    const calendar = await this.calendar.current();
    const due = dueFrom(calendar, now, r.limitDays).toISOString();
    await this.change(
      r,
      "applicant",
      "corrected",
      {
        status: r.assigneeId ? "assigned" : "received",
        correctionReply: reply,
        dueAt: due,
        pausedAt: null,
        remainingDays: null,
        warnedAt: null,
      },
      `补正后答复期限自收到补正之日起重新计算，至 ${chinaDate(due)}`,
      true,
      now,
    );
  }

  /** The applicant's own requests (account page), newest first. */
  async forAccount(accountId: number, page: number, pageSize = 20) {
    const q = this.db.selectFrom("disclosureRequests").where("accountId", "=", accountId);
    return paginate(q.selectAll().orderBy("id", "desc"), page, pageSize);
  }

  async accountRequest(accountId: number, id: number): Promise<DisclosureRequest> {
    const r = await this.get(id);
    if (r.accountId !== accountId) throw notFound("申请不存在");
    return r;
  }

  async events(requestId: number, includeInternal: boolean) {
    let q = this.db.selectFrom("disclosureEvents").selectAll().where("requestId", "=", requestId);
    if (!includeInternal) q = q.where("public", "=", 1);
    return q.orderBy("id").execute();
  }

  // ---------------------------------------------------------------- staff

  async get(id: number): Promise<DisclosureRequest> {
    const row = await this.db
      .selectFrom("disclosureRequests")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw notFound("申请不存在");
    return row;
  }

  canSee(staff: StaffPrincipal, r: DisclosureRequest): boolean {
    return staff.isOperator || hasRole(staff, ["handler", "reviewer", "site_admin"], r.ownerSiteId);
  }

  private requireHandler(staff: StaffPrincipal, r: DisclosureRequest) {
    if (!staff.isOperator && !hasRole(staff, "handler", r.ownerSiteId))
      throw forbidden("只有承办单位的承办人可以进行此操作");
  }

  private requireApprover(staff: StaffPrincipal, r: DisclosureRequest) {
    if (!staff.isOperator && !hasRole(staff, ["reviewer", "site_admin"], r.ownerSiteId))
      throw forbidden("只有承办单位的负责人（审核员）可以批准延期");
  }

  private expect(r: DisclosureRequest, statuses: RequestStatus[]) {
    if (!statuses.includes(r.status)) throw new Conflict("申请当前状态不允许此操作，请刷新页面");
  }

  /** The staff view (audited: it shows the applicant's data, masked). */
  async viewForStaff(id: number, staff: StaffPrincipal) {
    const r = await this.get(id);
    if (!this.canSee(staff, r)) throw forbidden("您无权查看该申请");
    await this.audit.record({
      actor: staff.username,
      action: "disclosure.view",
      targetType: "disclosure_request",
      targetId: id,
    });
    return { request: r, events: await this.events(id, true) };
  }

  async idFile(id: number, staff: StaffPrincipal): Promise<{ bytes: Buffer; mime: string }> {
    const r = await this.get(id);
    if (!this.canSee(staff, r) || !r.idFileSha256) throw notFound("文件不存在");
    const bytes = await getBlob(this.db, r.idFileSha256);
    if (!bytes) throw notFound("文件不存在");
    await this.audit.record({
      actor: staff.username,
      action: "disclosure.id_file_view",
      targetType: "disclosure_request",
      targetId: id,
    });
    return { bytes, mime: r.idFileMime ?? "application/octet-stream" };
  }

  /** The staff queue, filtered and paged; views: overdue, warned, escalated, paused. */
  async queue(
    staff: StaffPrincipal,
    filter: { status?: string; view?: string; q?: string },
    page: number,
    pageSize = 20,
  ) {
    const siteIds = sitesWithRole(staff, ["handler", "reviewer", "site_admin"]);
    const now = nowIso();
    let q = this.db.selectFrom("disclosureRequests");
    if (siteIds !== null) {
      if (siteIds.length === 0) return { rows: [], total: 0, page: 1 };
      q = q.where("ownerSiteId", "in", siteIds);
    }
    if (filter.status && Object.hasOwn(REQUEST_STATUS, filter.status))
      q = q.where("status", "=", filter.status as RequestStatus);
    if (filter.view === "overdue") q = q.where("status", "in", RUNNING).where("dueAt", "<", now);
    if (filter.view === "warned")
      q = q.where("status", "in", RUNNING).where("warnedAt", "is not", null).where("dueAt", ">=", now);
    if (filter.view === "escalated") q = q.where("status", "in", OPEN).where("escalatedAt", "is not", null);
    if (filter.view === "paused") q = q.where("status", "in", ["correction", "consulting"]);
    if (filter.q) {
      const words = filter.q.replace(/[%_]/g, "");
      q = q.where((eb) => eb.or([eb("queryNo", "=", filter.q!), eb("description", "like", `%${words}%`)]));
    }
    return paginate(q.selectAll().orderBy("dueAt").orderBy("id"), page, pageSize);
  }

  /** Assigns to a department (operators) and/or a handler of the owner (the handler takes it). */
  async assign(id: number, ownerSiteId: number | null, staff: StaffPrincipal): Promise<void> {
    const r = await this.get(id);
    this.expect(r, ["received", "assigned"]);
    if (ownerSiteId != null && ownerSiteId !== r.ownerSiteId) {
      if (!staff.isOperator) throw forbidden("只有平台运维（政府信息公开工作机构）可以转交其他部门");
      const site = this.sites.byId(ownerSiteId);
      if (!site) throw new Invalid("请选择承办单位", { ownerSiteId: "请选择承办单位" });
      await this.change(
        r,
        staff,
        "assigned",
        { ownerSiteId: site.id, assigneeId: null, status: "received" },
        `转交${site.name}办理`,
      );
      return;
    }
    this.requireHandler(staff, r);
    await this.change(
      r,
      staff,
      "assigned",
      { assigneeId: staff.id, status: "assigned" },
      `由${staff.displayName}承办`,
      false,
    );
  }

  /** Asks the applicant to correct an unclear request (only within 7 working days of receipt); the clock stops. */
  async requestCorrection(id: number, note: string, staff: StaffPrincipal, now = new Date()): Promise<void> {
    const r = await this.get(id);
    this.requireHandler(staff, r);
    this.expect(r, RUNNING);
    const text = note.trim();
    if ([...text].length < 5)
      throw new Invalid("请写明需要补正的事项和合理的补正期限", { correctionNote: "请写明需要补正的事项" });
    if (r.correctionNote) throw new Conflict("补正应当一次性告知，该申请已告知过补正");
    const calendar = await this.calendar.current();
    if (!correctionAllowed(calendar, new Date(r.receivedAt), now))
      throw new Invalid(`补正须在收到申请之日起${CLOCK.correctionWithinDays}个工作日内一次性告知，现已超过`, {
        correctionNote: "已超过告知补正的期限",
      });
    await this.change(
      r,
      staff,
      "correction_requested",
      {
        status: "correction",
        correctionNote: text.slice(0, 2000),
        pausedAt: now.toISOString(),
        remainingDays: remainingAt(calendar, now, new Date(r.dueAt!)),
        dueAt: null,
      },
      text,
      true,
      now,
    );
  }

  /** Consults a third party (art. 32): the 15 working days of consultation do not count. */
  async startConsultation(id: number, party: string, staff: StaffPrincipal, now = new Date()): Promise<void> {
    const r = await this.get(id);
    this.requireHandler(staff, r);
    this.expect(r, RUNNING);
    const who = party.trim();
    if (!who || [...who].length > 100)
      throw new Invalid("请填写征求意见的第三方", { consultParty: "请填写第三方名称" });
    const calendar = await this.calendar.current();
    const consultDue = calendar.addWorkingDays(now, CLOCK.consultationDays).toISOString();
    await this.change(
      r,
      staff,
      "consultation_started",
      {
        status: "consulting",
        consultParty: who,
        consultDueAt: consultDue,
        pausedAt: now.toISOString(),
        remainingDays: remainingAt(calendar, now, new Date(r.dueAt!)),
        dueAt: null,
      },
      `第三方应于 ${chinaDate(consultDue)} 前提出意见`,
      true,
      now,
    );
  }

  /** The third party answered (or its 15 working days passed): the clock runs on with the days it had left. */
  async endConsultation(
    id: number,
    note: string,
    staff: StaffPrincipal | "system",
    now = new Date(),
  ): Promise<void> {
    const r = await this.get(id);
    if (staff !== "system") this.requireHandler(staff, r);
    this.expect(r, ["consulting"]);
    const calendar = await this.calendar.current();
    const due = dueFrom(calendar, now, r.remainingDays ?? 0).toISOString();
    await this.change(
      r,
      staff,
      "consultation_answered",
      {
        status: r.assigneeId ? "assigned" : "received",
        dueAt: due,
        pausedAt: null,
        remainingDays: null,
      },
      `${note.trim().slice(0, 500) || "第三方意见已收到"}；答复期限顺延至 ${chinaDate(due)}`,
      true,
      now,
    );
  }

  /** A handler asks for the 20 extra working days (art. 33); refused once the limit has passed. */
  async requestExtension(id: number, reason: string, staff: StaffPrincipal, now = new Date()): Promise<void> {
    const r = await this.get(id);
    this.requireHandler(staff, r);
    this.expect(r, OPEN);
    if (r.limitDays > CLOCK.limitDays) throw new Conflict("该申请已延长过答复期限，不能再次延长");
    if (r.dueAt && new Date(r.dueAt) < now) throw new LimitPassed();
    const text = reason.trim();
    if ([...text].length < 4) throw new Invalid("请写明延期理由", { reason: "请写明延期理由" });
    await this.change(
      r,
      staff,
      "extension_requested",
      { extensionReason: text.slice(0, 500), extensionRequestedBy: staff.id },
      text,
      false,
      now,
    );
  }

  /** The head of the disclosure office approves (the applicant is told) or refuses the extension. */
  async decideExtension(
    id: number,
    approve: boolean,
    staff: StaffPrincipal,
    now = new Date(),
  ): Promise<void> {
    const r = await this.get(id);
    this.requireApprover(staff, r);
    this.expect(r, OPEN);
    if (!r.extensionRequestedBy || r.extensionApprovedBy) throw new Conflict("该申请没有待审批的延期申请");
    if (r.extensionRequestedBy === staff.id && !staff.isOperator)
      throw forbidden("延期须由申请人以外的负责人批准");
    if (!approve) {
      await this.change(
        r,
        staff,
        "extension_rejected",
        { extensionRequestedBy: null, extensionReason: null },
        "",
        false,
        now,
      );
      return;
    }
    if (r.dueAt && new Date(r.dueAt) < now) throw new LimitPassed();
    const calendar = await this.calendar.current();
    const limitDays = CLOCK.limitDays + CLOCK.extensionDays;
    const set: Partial<DisclosureRequestRow> = { limitDays, extensionApprovedBy: staff.id, warnedAt: null };
    if (r.dueAt) set.dueAt = calendar.addWorkingDays(new Date(r.dueAt), CLOCK.extensionDays).toISOString();
    else set.remainingDays = (r.remainingDays ?? 0) + CLOCK.extensionDays;
    const dueNote = set.dueAt ? `，答复期限延长至 ${chinaDate(set.dueAt)}` : "";
    await this.change(
      r,
      staff,
      "extended",
      set,
      `经政府信息公开工作机构负责人同意，延长答复期限${CLOCK.extensionDays}个工作日${dueNote}。延期理由：${r.extensionReason ?? ""}`,
      true,
      now,
    );
  }

  /** Published information in the content library that may answer the request (policy documents first). */
  async findDocuments(r: DisclosureRequest, q: string) {
    const words = (q.trim() || r.description).slice(0, 100);
    const result = await this.search.search({
      q: words,
      siteId: null,
      kinds: ["policy", "interpretation", "notice", "news", "report", "budget"],
      pageSize: 10,
    });
    return result.hits.map((h) => ({
      key: h.key,
      title: h.title,
      url: h.url,
      snippet: h.snippet,
      publishedAt: h.publishedAt,
    }));
  }

  /** Keeps the documents a handler picked (they are listed in the decision letter). */
  async attachDocuments(
    id: number,
    docs: { title: string; url: string }[],
    staff: StaffPrincipal,
  ): Promise<void> {
    const r = await this.get(id);
    this.requireHandler(staff, r);
    this.expect(r, OPEN);
    const clean = docs
      .filter((d) => d.title && d.url.startsWith("/"))
      .slice(0, 20)
      .map((d) => ({ title: d.title.slice(0, 200), url: d.url.slice(0, 300) }));
    await this.change(
      r,
      staff,
      "documents",
      { documents: JSON.stringify(clean) },
      clean.map((d) => d.title).join("；"),
      false,
    );
  }

  /** Decides with a national outcome category (and its reason class when it has them); writes the letter. */
  async decide(
    id: number,
    input: { outcome: string; outcomeReason: string; text: string },
    staff: StaffPrincipal,
    now = new Date(),
  ): Promise<void> {
    const r = await this.get(id);
    this.requireHandler(staff, r);
    this.expect(r, ["received", "assigned", "consulting", "correction"]);
    const category = OUTCOMES[input.outcome];
    if (!category) throw new Invalid("请选择办理结果", { outcome: "请选择办理结果" });
    const needsReason = Object.keys(category.reasons).length > 0;
    const reason = input.outcomeReason.trim();
    if (reason && !Object.hasOwn(category.reasons, reason)) {
      // A class of another category (予以公开 with 属于国家秘密) contradicts the outcome: refused, not dropped.
      const owner = Object.values(OUTCOMES).find((c) => Object.hasOwn(c.reasons, reason));
      throw new ReasonClassMismatch(
        category.label,
        owner?.reasons[reason] ?? reason.slice(0, 40),
        owner?.label ?? null,
        needsReason,
      );
    }
    if (needsReason && !reason) throw new ReasonClassMissing(category.label);
    input = { ...input, outcomeReason: reason };
    const text = input.text.trim();
    if ([...text].length < 10) throw new Invalid("请填写答复内容（至少10个字）", { text: "请填写答复内容" });
    if ([...text].length > 5000) throw new Invalid("答复内容不能超过5000字", { text: "答复内容过长" });
    const owner = this.sites.byId(r.ownerSiteId);
    const letterNo = `${owner?.name ?? ""}依申请公开答〔${now.getUTCFullYear()}〕${r.queryNo.slice(8)}号`;
    const documents = JSON.parse(r.documents) as { title: string; url: string }[];
    const letterHtml = decisionLetterHtml({
      letterNo,
      applicant: maskName(r.applicantName),
      receivedAt: r.receivedAt,
      queryNo: r.queryNo,
      description: r.description,
      outcome: input.outcome,
      outcomeReason: needsReason ? input.outcomeReason : null,
      text,
      documents: documents.map((d) => ({ title: d.title, url: this.absolute(d.url) })),
      delivery: r.delivery,
      issuer: owner?.name ?? "",
      issuedAt: now.toISOString(),
    });
    await this.change(
      r,
      staff,
      "decided",
      {
        status: "decided",
        outcome: input.outcome,
        outcomeReason: needsReason ? input.outcomeReason : null,
        decisionText: text,
        letterNo,
        letterHtml,
        decidedAt: now.toISOString(),
        decidedBy: staff.id,
        deliveredAt: r.delivery === "electronic" ? now.toISOString() : null,
        pausedAt: null,
      },
      `${letterNo}：${category.label}${needsReason ? `（${category.reasons[input.outcomeReason]}）` : ""}`,
      true,
      now,
    );
    if (r.delivery === "electronic")
      await this.db
        .transaction()
        .execute((trx) =>
          this.event(
            trx,
            r.id,
            "system",
            "delivered",
            "答复书已通过网上送达（查询页面和个人账号可查看、下载）",
            true,
            now,
          ),
        );
  }

  /** Paper (mailed) or pick-up answers: staff record the delivery. */
  async markDelivered(id: number, note: string, staff: StaffPrincipal): Promise<void> {
    const r = await this.get(id);
    this.requireHandler(staff, r);
    this.expect(r, ["decided"]);
    if (r.deliveredAt) throw new Conflict("该答复已送达");
    const how = r.delivery === "paper" ? "已邮寄送达" : "申请人已现场领取";
    await this.change(
      r,
      staff,
      "delivered",
      { deliveredAt: nowIso() },
      `${how}${note.trim() ? `：${note.trim().slice(0, 200)}` : ""}`,
    );
  }

  /** The decision letter as PDF, printed by headless Chromium with the CJK font. */
  async letterPdf(r: DisclosureRequest): Promise<Buffer> {
    if (!r.letterHtml) throw notFound("尚未作出答复");
    try {
      return await printPdf(r.letterHtml, this.options.chromiumPath);
    } catch (error) {
      if (error instanceof PdfUnavailable) throw new PdfNotAvailable();
      throw error;
    }
  }

  /** Forgets wrong-code counters of past hours (a recurring job; see LookupGuard.sweep). */
  sweepLookupCounters(now = new Date()): Promise<number> {
    return this.guard.sweep(now);
  }

  /** Warnings before the limit and 督办 after it; consultations past 15 working days resume. */
  async sweep(now = new Date()): Promise<{ warned: number; escalated: number; resumed: number }> {
    const calendar = await this.calendar.current();
    let warned = 0;
    let escalated = 0;
    let resumed = 0;
    const consulting = await this.db
      .selectFrom("disclosureRequests")
      .selectAll()
      .where("status", "=", "consulting")
      .where("consultDueAt", "<", now.toISOString())
      .limit(2000)
      .execute();
    for (const r of consulting) {
      try {
        await this.endConsultation(r.id, "第三方逾期未提出意见", "system", now);
        resumed++;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
    const open = await this.db
      .selectFrom("disclosureRequests")
      .selectAll()
      .where("status", "in", RUNNING)
      .where("dueAt", "is not", null)
      .where((eb) => eb.or([eb("warnedAt", "is", null), eb("escalatedAt", "is", null)]))
      .orderBy("dueAt")
      .limit(5000)
      .execute();
    for (const r of open) {
      const due = new Date(r.dueAt!);
      try {
        if (due < now && !r.escalatedAt) {
          await this.change(
            r,
            "system",
            "escalated",
            { escalatedAt: now.toISOString(), warnedAt: r.warnedAt ?? now.toISOString() },
            "超过法定答复期限，自动督办",
            false,
            now,
          );
          escalated++;
        } else if (due >= now && !r.warnedAt && calendar.workingDaysBetween(now, due) <= CLOCK.warnDays) {
          await this.change(
            r,
            "system",
            "warned",
            { warnedAt: now.toISOString() },
            `距答复期限不足${CLOCK.warnDays}个工作日`,
            false,
            now,
          );
          warned++;
        }
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
    return { warned, escalated, resumed };
  }

  // ---------------------------------------------------------------- internals

  /** A document's public address (its own site's host) for the letter. */
  private absolute(path: string): string {
    const code = /^\/sites\/([a-z0-9-]+)\//.exec(path)?.[1];
    const site = code ? this.sites.byCodeCached(code) : this.sites.portalSite();
    return site ? this.sites.publicUrl(site, path) : path;
  }

  private async change(
    r: DisclosureRequest,
    staff: StaffPrincipal | "system" | "applicant",
    action: string,
    set: Partial<Omit<DisclosureRequestRow, "id">>,
    note = "",
    isPublic = true,
    now = new Date(),
  ): Promise<void> {
    const actor = typeof staff === "string" ? staff : staff.username;
    await this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable("disclosureRequests")
        .set({ ...set, updatedAt: now.toISOString() })
        .where("id", "=", r.id)
        .where("updatedAt", "=", r.updatedAt)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Conflict("申请已被他人修改，请刷新页面后重试");
      await this.event(trx, r.id, actor, action, note, isPublic, now);
      await this.audit.record(
        {
          actor,
          action: `disclosure.${action}`,
          targetType: "disclosure_request",
          targetId: r.id,
          detail: { from: r.status, to: set.status ?? r.status, note: note.slice(0, 500) },
        },
        trx,
      );
    });
  }

  private async event(
    trx: Transaction<DisclosureTables>,
    requestId: number,
    actor: string,
    action: string,
    note: string,
    isPublic: boolean,
    now: Date,
  ) {
    await trx
      .insertInto("disclosureEvents")
      .values({ requestId, at: now.toISOString(), actor, action, note, public: isPublic ? 1 : 0 })
      .execute();
  }
}
