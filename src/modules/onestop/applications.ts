import { createHash, randomInt } from "node:crypto";

import type { Selectable } from "kysely";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import { RIGHTS } from "../staff/index.ts";

import {
  hasRole,
  sitesWithRight,
  type StaffPrincipal,
  type WorkItem,
  type WorkloadSection,
  type WorkloadSource,
  type WorkState,
} from "../staff/index.ts";

import type { CalendarService } from "../../platform/calendar/calendar-service.ts";

import type { WorkingCalendar } from "../../platform/calendar/working-days.ts";

import type { Db } from "../../platform/db/database.ts";

import { chinaDate, nowIso } from "../../platform/time/china-time.ts";

import { Invalid, DomainError } from "../../platform/http/errors.ts";

import type { ApplicationRow, ApplicationStatus, OneStopTables } from "./tables.ts";

import type { Account } from "../accounts/index.ts";

import { maskName } from "../../platform/mask/mask.ts";

import { actionNamed, type ActionServices, type ActionSetup, type TrxStep } from "./actions/index.ts";

import {
  ACTIVE_STATUSES,
  WARNING_DAYS,
  type Actor,
  type Application,
  type ApplicationChanges,
  type ApplicationEvent,
  type LimitState,
  type PreReview,
  type ProgressStep,
  type Task,
} from "./application-model.ts";

import {
  acceptTask,
  cancelOpenTasks,
  createTask,
  deliverTask,
  hasOpenTask,
  openStage,
} from "./application-tasks.ts";

import type { ServiceItem } from "./catalogue.ts";

import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from "./errors.ts";

import type { FormVersion } from "./form-store.ts";

import {
  activeValues,
  fileProblem,
  readValues,
  validateValues,
  type FileRef,
  type FormValues,
  type RawInput,
  type UploadedFile,
} from "./forms.ts";

import {
  licenceMaterials,
  materialLicence,
  onceOnlyMaterials,
  ownRecordQuery,
  principalProblems,
  readFiling,
  sparedKey,
  usableLicences,
  type Filing,
  type LicenceMaterial,
  type LicenceWallet,
  type OnceOnlyMaterial,
  type RecordFetcher,
} from "./once-only.ts";

import type { WorkflowStore } from "./workflow.ts";

import { getBlob, putBlob } from "../../platform/files/blob-store.ts";

export * from "./application-model.ts";

/**
 * What a handler's form posts for an action: the action's own fields (checked against its schema
 * in ./actions/), the version the page showed, and the service item the application is for.
 */
export type ActRequest = Record<string, unknown> & { version?: number; item?: ServiceItem };

function toApplication(row: Selectable<ApplicationRow>): Application {
  return {
    ...row,
    data: JSON.parse(row.data) as FormValues,
    filing: row.filing ? (JSON.parse(row.filing) as Filing) : null,
    prereview: row.prereview ? (JSON.parse(row.prereview) as PreReview) : null,
    onTime: row.onTime === null ? null : row.onTime === 1,
  };
}

/**
 * An application belongs to the person who files it: a person with an ID number on the account
 * applies for themselves under the account's name, ID number and phone (posted values are ignored);
 * for 代办 the applicant is the principal named in the 代办 section.
 */
export function lockIdentity(
  schema: FormVersion["schema"],
  values: FormValues,
  account: Account,
  filing: Filing | null,
): void {
  if (account.kind !== "person" || !account.idNumber) return;
  const has = (name: string, type: string) => schema.fields.some((f) => f.name === name && f.type === type);
  // The contact phone is the account's verified one either way: for 代办 the agent who files is the
  // one the department calls back (the form shows it, read-only, in both modes).
  if (has("phone", "phone") && account.phone) values.phone = account.phone;
  if (filing?.mode === "proxy" && filing.principal) {
    if (has("applicantName", "text")) values.applicantName = filing.principal.name;
    if (has("idNumber", "idnumber")) values.idNumber = filing.principal.idNumber;
    return;
  }
  if (has("applicantName", "text")) values.applicantName = account.name;
  if (has("idNumber", "idnumber")) values.idNumber = account.idNumber;
}

/**
 * Refuses an item not offered to the account's kind (a person-only item for an enterprise, and the
 * reverse): an enterprise would otherwise file a person's 退休 claim under any ID number it typed.
 */
export function assertItemForAccount(item: Pick<ServiceItem, "guide">, account: Pick<Account, "kind">): void {
  const audience = item.guide.audience ?? [];
  if (audience.length === 0) return;
  const kind = account.kind === "person" ? "person" : "legal";
  if (audience.includes(kind)) return;
  throw new ForbiddenError(
    kind === "person"
      ? "本事项仅限法人（企业、单位）办理，请以法人账号登录后申请"
      : "本事项仅限个人办理，请由本人以个人账号登录后申请（他人可以个人账号选择“代办”）",
  );
}

/** Once-only materials that must be uploaded: 代办, no consent, or no record the applicant can be the subject of. */
function onceOnlyProblems(
  filing: Filing,
  onceOnly: OnceOnlyMaterial[],
  account: Account,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const o of onceOnly) {
    const done = filing.materials.find((m) => m.index === o.index);
    if (done) continue;
    if (!o.material.required) continue;
    // An e-licence chosen instead: verified after the rest of the form is in order (see useLicences).
    if (
      filing.mode === "self" &&
      filing.licenceChoices?.some((c) => c.index === o.index) &&
      materialLicence(o.material)
    )
      continue;
    const key = sparedKey(o.index);
    const fetchable =
      filing.mode === "self" && account.verified && ownRecordQuery(o.source, account) !== null;
    if (filing.mode === "proxy") errors[key] = `代办申请请上传被代办人的${o.material.name}`;
    else if (!fetchable) errors[key] = `请上传${o.material.name}`;
    else if (!filing.consent)
      errors[key] = `请上传${o.material.name}，或勾选同意由${o.source.provider}提供（免提交）`;
  }
  return errors;
}

const LICENCE_RESULT: Record<string, string> = {
  revoked: "证照已被发证部门注销",
  suspended: "证照已被发证部门暂停使用",
  expired: "证照已过有效期",
  forged: "证照核验不通过",
};

export function newTrackingNo(prefix = "CY"): string {
  return `${prefix}${chinaDate().replace(/-/g, "")}${String(randomInt(0, 1e8)).padStart(8, "0")}`;
}

const IDEM = /^[A-Za-z0-9_-]{16,64}$/;

export interface SaveResult {
  application: Application;
  errors: Record<string, string>;
  /** The same submission arrived again (double click, retry): nothing changed. */
  duplicate: boolean;
}

/** Applications (办件): drafts, submission, pre-review, the handling workflow and its time limits. */
export class ApplicationService implements WorkloadSource {
  /** Fetches once-only materials through the data exchange (wired by the container; null: none). */
  records: RecordFetcher | null = null;
  /** The applicant's e-licences, presented and verified in place of materials (null: none). */
  wallet: LicenceWallet | null = null;

  constructor(
    private readonly store: Db<OneStopTables>,
    private readonly audit: AuditLog,
    private readonly calendar: CalendarService,
    readonly workflows: WorkflowStore,
  ) {}

  private get db() {
    return this.store.db;
  }

  /** The applicant's licences usable in place of materials (valid, not expired); none without a wallet. */
  async heldLicences(account: Account) {
    if (!this.wallet || !account.verified) return [];
    try {
      return usableLicences(await this.wallet.held(account.id));
    } catch {
      return []; // the wallet failing never blocks an application: the applicant uploads instead
    }
  }

  async byId(id: number): Promise<Application | undefined> {
    const row = await this.db.selectFrom("applications").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toApplication(row) : undefined;
  }

  /**
   * Form answers as stored: the JSON encrypted at rest (it holds ID numbers, phones, addresses), and
   * the blind index of the applicant's ID number for lookups by it.
   */
  private sealedData(
    values: FormValues,
    filing: Filing | null = null,
  ): { data: string; applicantIdIndex: string | null; filing?: string } {
    const id = values.idNumber;
    return {
      data: this.store.cipher.seal(JSON.stringify(values)),
      applicantIdIndex: typeof id === "string" && id ? this.store.cipher.blindIndex("id-number", id) : null,
      ...(filing ? { filing: this.store.cipher.seal(JSON.stringify(filing)) } : {}),
    };
  }

  /** Applications whose applicant ID number (form answer) is this one, newest first (staff lookups). */
  async byApplicantIdNumber(idNumber: string, limit = 50): Promise<Application[]> {
    const rows = await this.db
      .selectFrom("applications")
      .selectAll()
      .where("applicantIdIndex", "=", this.store.cipher.blindIndex("id-number", idNumber))
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map(toApplication);
  }

  async byTrackingNo(no: string): Promise<Application | undefined> {
    if (!/^[A-Z]{2}\d{16}$/.test(no)) return undefined;
    const row = await this.db
      .selectFrom("applications")
      .selectAll()
      .where("trackingNo", "=", no)
      .executeTakeFirst();
    return row ? toApplication(row) : undefined;
  }

  /** The applicant's own application; anyone else's is "not found" (no hint that it exists). */
  async own(accountId: number, idOrNo: number | string): Promise<Application> {
    const app = typeof idOrNo === "number" ? await this.byId(idOrNo) : await this.byTrackingNo(idOrNo);
    if (!app || app.accountId !== accountId) throw new NotFoundError("该办件不存在");
    return app;
  }

  /** Staff may see an application only with the handler (or site admin) role on its department. */
  canHandle(staff: StaffPrincipal, app: { siteId: number }): boolean {
    const sites = sitesWithRight(staff, RIGHTS.applications);
    return sites === null || sites.includes(app.siteId);
  }

  async forStaff(staff: StaffPrincipal, id: number): Promise<Application> {
    const app = await this.byId(id);
    if (!app || app.status === "draft") throw new NotFoundError("该办件不存在");
    if (!this.canHandle(staff, app)) throw new ForbiddenError("该办件不属于您所在部门，无权查看");
    return app;
  }

  async events(applicationId: number): Promise<ApplicationEvent[]> {
    return this.db
      .selectFrom("applicationEvents")
      .select(["at", "actorKind", "actorName", "action", "fromStatus", "toStatus", "note"])
      .where("applicationId", "=", applicationId)
      .orderBy("id")
      .execute();
  }

  async files(applicationId: number) {
    return this.db
      .selectFrom("applicationFiles")
      .select(["id", "field", "fileName", "mime", "size", "sha256", "createdAt"])
      .where("applicationId", "=", applicationId)
      .orderBy("id")
      .execute();
  }

  async fileBytes(
    applicationId: number,
    fileId: number,
  ): Promise<{ name: string; mime: string; bytes: Buffer } | undefined> {
    const f = await this.db
      .selectFrom("applicationFiles")
      .select(["fileName", "mime", "sha256"])
      .where("id", "=", fileId)
      .where("applicationId", "=", applicationId)
      .executeTakeFirst();
    const bytes = f && (await getBlob(this.db, f.sha256));
    return f && bytes ? { name: f.fileName, mime: f.mime, bytes } : undefined;
  }

  /** The applicant's most recently saved draft of an item, if any (a fresh form offers to continue it). */
  async latestDraft(accountId: number, itemCode: string): Promise<Application | undefined> {
    const row = await this.db
      .selectFrom("applications")
      .selectAll()
      .where("accountId", "=", accountId)
      .where("itemCode", "=", itemCode)
      .where("status", "=", "draft")
      .orderBy("updatedAt", "desc")
      .orderBy("id", "desc")
      .executeTakeFirst();
    return row ? toApplication(row) : undefined;
  }

  async listForAccount(accountId: number, page: number, pageSize = 20) {
    const rows = await this.db
      .selectFrom("applications")
      .selectAll()
      .where("accountId", "=", accountId)
      .orderBy("updatedAt", "desc")
      .orderBy("id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    const n = await this.db
      .selectFrom("applications")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("accountId", "=", accountId)
      .executeTakeFirstOrThrow();
    return { rows: rows.map(toApplication), total: Number(n.n) };
  }

  private async event(
    trx: Db<OneStopTables>["db"],
    appId: number,
    actor: Actor,
    action: string,
    from: ApplicationStatus | null,
    to: ApplicationStatus,
    note = "",
  ) {
    await trx
      .insertInto("applicationEvents")
      .values({
        applicationId: appId,
        at: nowIso(),
        actorKind: actor.kind,
        actorName: actor.name,
        action,
        fromStatus: from,
        toStatus: to,
        note: note.slice(0, 2000),
      })
      .execute();
  }

  private async storeFile(
    appId: number,
    field: string,
    fileName: string,
    mime: string,
    bytes: Buffer,
  ): Promise<FileRef> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    await putBlob(this.db, sha256, bytes);
    const name =
      [...fileName]
        .map((c) => (c < " " || c === "/" || c === "\\" ? "_" : c))
        .join("")
        .slice(-100) || "file";
    const row = await this.db
      .insertInto("applicationFiles")
      .values({
        applicationId: appId,
        field,
        fileName: name,
        mime,
        size: bytes.length,
        sha256,
        createdAt: nowIso(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { fileId: row.id, name, size: bytes.length, mime };
  }

  /**
   * Saves the applicant's form as a draft or submits it. The idempotency key (a hidden field of the
   * form page) makes a double-posted submission return the same application. Invalid submissions
   * are kept as drafts (nothing typed or uploaded is lost) and come back with every error at once.
   */
  async save(input: {
    account: Account;
    item: ServiceItem;
    form: FormVersion;
    raw: RawInput;
    files: UploadedFile[];
    idempotencyKey: string;
    submit: boolean;
    bundleApplicationId?: number | null;
    /** The apply page: 本人/代办 choice, consent and once-only materials come with the form. */
    filing?: boolean;
  }): Promise<SaveResult> {
    const { account, item, form } = input;
    assertItemForAccount(item, account);
    if (!IDEM.test(input.idempotencyKey))
      throw new Invalid("页面已过期，请重新打开申请页面", {}, "bad_idempotency_key");
    const actor: Actor = { kind: "applicant", id: account.id, name: "申请人" };
    let app = await this.findByKey(account.id, input.idempotencyKey);
    if (app && app.itemCode !== item.code)
      throw new Invalid("页面已过期，请重新打开申请页面", {}, "bad_idempotency_key");
    if (app && !["draft", "correction"].includes(app.status))
      return { application: app, errors: {}, duplicate: true };
    if (app && app.formVersion !== form.version && app.status === "draft") {
      // The form changed since the draft was started: keep the draft on its own version.
    }
    const values = readValues(form.schema, input.raw, app?.data ?? {});
    const filing = input.filing
      ? readFiling(
          input.raw,
          app?.filing ?? null,
          { accountId: account.id, name: account.name },
          account.kind === "person" && Boolean(account.idNumber),
        )
      : null;
    lockIdentity(form.schema, values, account, filing);
    const applicantName = filing?.mode === "proxy" && filing.principal ? filing.principal.name : account.name;
    if (!app) {
      const now = nowIso();
      try {
        const row = await this.db
          .insertInto("applications")
          .values({
            trackingNo: newTrackingNo(),
            itemCode: item.code,
            itemName: item.name,
            siteId: item.siteId,
            accountId: account.id,
            bundleApplicationId: input.bundleApplicationId ?? null,
            status: "draft",
            suspendedFrom: null,
            formVersion: form.version,
            ...this.sealedData(values, filing),
            applicantName,
            idempotencyKey: input.idempotencyKey,
            prereview: "",
            online: item.guide.onlineDepth === "全程网办" ? 1 : 0,
            visits: item.guide.visits,
            createdAt: now,
            updatedAt: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        app = toApplication(row);
        await this.event(this.db, app.id, actor, "create", null, "draft");
      } catch (error) {
        // A concurrent request with the same key won the insert: answer with its application.
        const existing = await this.findByKey(account.id, input.idempotencyKey);
        if (!existing) throw error;
        return { application: existing, errors: {}, duplicate: existing.status !== "draft" };
      }
    }
    const fileErrors: Record<string, string> = {};
    for (const upload of input.files) {
      const field = form.schema.fields.find((f) => f.name === upload.field && f.type === "file");
      if (!field) continue; // a file for a field the form does not have: ignored
      const { problem, mime } = await fileProblem(field, upload.bytes);
      if (problem) fileErrors[field.name] = problem;
      else values[field.name] = await this.storeFile(app.id, field.name, upload.fileName, mime, upload.bytes);
    }
    const onceOnly = filing ? onceOnlyMaterials(item.guide) : [];
    const licensable = filing ? licenceMaterials(item.guide, form.schema) : [];
    if (filing) await this.storeFilingFiles(app.id, filing, onceOnly, input.files, fileErrors);
    const errors = input.submit ? { ...validateValues(form.schema, values), ...fileErrors } : fileErrors;
    if (filing && input.submit) {
      // A form upload the applicant replaces by an e-licence is not missing: the licence is verified below.
      for (const l of licensable)
        if (
          !l.onceOnly &&
          !fileErrors[l.key] &&
          filing.mode === "self" &&
          (filing.licenceChoices?.some((c) => c.index === l.index) ||
            filing.materials.some((m) => m.index === l.index && m.status === "licence"))
        )
          delete errors[l.key];
      Object.assign(errors, principalProblems(filing, account.idNumber));
      Object.assign(errors, onceOnlyProblems(filing, onceOnly, account));
      // Fetched only when everything else is in order: no read of anyone's record for a form
      // that goes back to the applicant anyway.
      if (Object.keys(errors).length === 0)
        Object.assign(errors, await this.useLicences(app, filing, licensable, account));
      if (Object.keys(errors).length === 0)
        Object.assign(errors, await this.fetchOnceOnly(app, item, filing, onceOnly, account));
    }
    const stored =
      input.submit && Object.keys(errors).length === 0 ? activeValues(form.schema, values) : values;
    if (!input.submit || Object.keys(errors).length > 0) {
      await this.db
        .updateTable("applications")
        .set({ ...this.sealedData(stored, filing), applicantName, updatedAt: nowIso() })
        .where("id", "=", app.id)
        .execute();
      return { application: (await this.byId(app.id))!, errors, duplicate: false };
    }
    const fetched = filing?.materials.filter((m) => m.status === "fetched") ?? [];
    const licensed = filing?.materials.filter((m) => m.status === "licence" && m.licence) ?? [];
    const prereview: PreReview = {
      checkedAt: nowIso(),
      checks: [
        { name: "材料完整性", ok: true, detail: "必填项和必交材料齐全" },
        { name: "格式校验", ok: true, detail: "身份证号码、电话、日期等格式正确" },
        { name: "文件检查", ok: true, detail: "上传文件类型和大小符合要求" },
        ...(filing?.mode === "proxy"
          ? [{ name: "代办", ok: true, detail: `由${account.name}代办，已上传被代办人授权委托书` }]
          : []),
        ...fetched.map((m) => ({
          name: "免提交材料",
          ok: true,
          detail: `经申请人同意，${m.name}由${m.provider}“${m.resourceName}”通过数据共享交换平台提供（调用记录第${m.auditSeq}号）`,
        })),
        ...licensed.map((m) => ({
          name: "电子证照",
          ok: true,
          detail: `${m.name}以申请人本人的电子证照“${m.licence!.kindName}”（${m.licence!.department}签发）替代，核验通过，可信等级A`,
        })),
      ],
      // Only what was really fetched or verified (bundles and the JSON API do not fetch yet: nothing is claimed).
      spared: [...fetched, ...licensed].map((m) => m.name),
    };
    const from = app.status;
    // The application keeps the workflow version it was first submitted under.
    const wf =
      app.workflowVersion === null
        ? await this.workflows.current(item.code, item.siteId)
        : await this.workflows.of(app);
    const submitted = app;
    const raced = await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("applications")
        .set({
          status: "prereview",
          ...this.sealedData(stored, filing),
          applicantName,
          prereview: JSON.stringify(prereview),
          submittedAt: submitted.submittedAt ?? nowIso(),
          updatedAt: nowIso(),
          version: submitted.version + 1,
          workflowVersion: wf.version,
        })
        .where("id", "=", submitted.id)
        .where("version", "=", submitted.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return true; // another request submitted it at the same moment
      if (!(await hasOpenTask(trx, submitted.id, "accept")))
        await createTask(trx, submitted, acceptTask(wf.definition));
      await this.event(
        trx,
        submitted.id,
        actor,
        from === "correction" ? "resubmit" : "submit",
        from,
        "prereview",
        "网上预审自动检查通过",
      );
      return false;
    });
    if (raced) return { application: (await this.byId(app.id))!, errors: {}, duplicate: true };
    return { application: (await this.byId(app.id))!, errors: {}, duplicate: false };
  }

  /** Stores the 代办 authorisation and once-only fallback uploads into the filing. */
  private async storeFilingFiles(
    appId: number,
    filing: Filing,
    onceOnly: OnceOnlyMaterial[],
    files: UploadedFile[],
    errors: Record<string, string>,
  ): Promise<void> {
    for (const upload of files) {
      if (upload.field === "principalAuth" && filing.principal) {
        const field = { name: "principalAuth", label: "授权委托书", type: "file" };
        const { problem, mime } = await fileProblem(field, upload.bytes);
        if (problem) errors.principalAuth = problem;
        else
          filing.principal.authorisation = await this.storeFile(
            appId,
            "principalAuth",
            upload.fileName,
            mime,
            upload.bytes,
          );
        continue;
      }
      const o = onceOnly.find((x) => sparedKey(x.index) === upload.field);
      if (!o) continue;
      const key = sparedKey(o.index);
      const { problem, mime } = await fileProblem(
        { name: key, label: o.material.name, type: "file" },
        upload.bytes,
      );
      if (problem) {
        errors[key] = problem;
        continue;
      }
      const file = await this.storeFile(appId, key, upload.fileName, mime, upload.bytes);
      filing.materials = [
        ...filing.materials.filter((m) => m.index !== o.index),
        {
          index: o.index,
          name: o.material.name,
          status: "uploaded",
          resource: o.source.resource,
          resourceName: o.source.resourceName,
          provider: o.source.provider,
          auditSeq: null,
          fields: [],
          file,
          at: nowIso(),
        },
      ];
    }
  }

  /**
   * The e-licences the applicant chose instead of materials: the wallet presents each one bound to this
   * application (aud = the hall, nonce = the application number) and the hall verifies it. Accepted only
   * when valid, of the material's kind, and the applicant's own (ID number or credit code of the account,
   * real-name verified, applying for themselves); otherwise a message on that material: upload it instead.
   */
  private async useLicences(
    app: Application,
    filing: Filing,
    licensable: LicenceMaterial[],
    account: Account,
  ): Promise<Record<string, string>> {
    const errors: Record<string, string> = {};
    for (const choice of filing.licenceChoices ?? []) {
      const o = licensable.find((x) => x.index === choice.index);
      if (!o) continue;
      if (filing.materials.some((m) => m.index === o.index && m.status !== "uploaded")) continue;
      const failed = (why: string) =>
        (errors[o.key] =
          `您的电子证照“${o.licence}”未能替代${o.material.name}（${why}），请上传该材料后重新提交，已填写的内容不会丢失`);
      if (filing.mode !== "self" || !account.verified) {
        failed("仅限实名认证的本人申请使用");
        continue;
      }
      if (!this.wallet) {
        failed("电子证照服务暂不可用");
        continue;
      }
      let v;
      try {
        const presentation = await this.wallet.present(choice.licenceId, account.id, app.trackingNo);
        v = await this.wallet.verify(presentation, { aud: this.wallet.audience, nonce: app.trackingNo });
      } catch {
        failed("未能出示该证照");
        continue;
      }
      if (v.result !== "valid") {
        failed(LICENCE_RESULT[v.result] ?? "核验未通过");
        continue;
      }
      if (v.kindName !== o.licence) {
        failed("证照种类与该材料不符");
        continue;
      }
      // The wallet presents only the account's own licences (holder binding); a licence that names its
      // holder by ID number or credit code must also name this applicant (出生医学证明 names none).
      const subject = account.kind === "person" ? "idNumber" : "creditCode";
      const expected = (account.kind === "person" ? account.idNumber : account.creditCode) ?? "";
      const own =
        Boolean(expected) &&
        (!(subject in v.claims) || String(v.claims[subject] ?? "").toUpperCase() === expected.toUpperCase());
      if (!own) {
        failed("证照的持证人与申请人身份不一致");
        continue;
      }
      const held = (await this.wallet.held(account.id)).find((l) => l.id === choice.licenceId);
      const at = nowIso();
      filing.materials = [
        ...filing.materials.filter((m) => m.index !== o.index),
        {
          index: o.index,
          name: o.material.name,
          status: "licence",
          resource: "",
          resourceName: "电子证照",
          provider: held?.department ?? "",
          auditSeq: null,
          fields: Object.entries(v.claims).map(([label, value]) => ({
            label: v.labels[label] ?? label,
            value: typeof value === "boolean" ? (value ? "是" : "否") : String(value ?? "—"),
          })),
          file: null,
          at,
          licence: {
            id: choice.licenceId,
            kindName: v.kindName,
            department: held?.department ?? "",
            result: v.result,
            trustLevel: "A",
            verifiedAt: at,
          },
        },
      ];
    }
    return errors;
  }

  /**
   * Fetches the applicant's own records for the once-only materials still missing, through the data
   * exchange (purpose: this application's number; basis: the service item). A failed fetch or a
   * record that does not match the applicant is a message on that material: upload it instead.
   */
  private async fetchOnceOnly(
    app: Application,
    item: ServiceItem,
    filing: Filing,
    onceOnly: OnceOnlyMaterial[],
    account: Account,
  ): Promise<Record<string, string>> {
    const errors: Record<string, string> = {};
    // Only a real-name verified account proves whose records may be fetched.
    if (!account.verified) return errors;
    const basis = `${item.name}：${item.guide.legalBasis.join("；")}`.slice(0, 300);
    for (const o of onceOnly) {
      if (filing.materials.some((m) => m.index === o.index)) continue;
      if (!filing.consent) continue;
      const query = ownRecordQuery(o.source, account);
      if (!query) continue;
      const key = sparedKey(o.index);
      const failed = (why: string) =>
        (errors[key] =
          `未能从${o.source.provider}获取您的${o.material.name}（${why}），请上传该材料后重新提交，已填写的内容不会丢失`);
      if (!this.records) {
        failed("数据共享交换平台暂不可用");
        continue;
      }
      let answer;
      try {
        answer = await this.records.fetch(
          o.source.resource,
          { filter: query.filter, fields: query.fields },
          { caseNo: app.trackingNo, basis },
        );
      } catch {
        // The exchange failing is never the applicant's problem: they upload the material instead.
        failed("数据共享交换平台暂不可用");
        continue;
      }
      if (!answer.ok) {
        failed(answer.message);
        continue;
      }
      const record =
        answer.records.find((r) => r.status === undefined || r.status === "有效" || r.status === "存续") ??
        null;
      if (!record || String(record[query.nameField] ?? "") !== account.name) {
        failed(record ? "登记的姓名或名称与账户不一致" : "未查到有效记录");
        continue;
      }
      filing.materials.push({
        index: o.index,
        name: o.material.name,
        status: "fetched",
        resource: o.source.resource,
        resourceName: o.source.resourceName,
        provider: o.source.provider,
        auditSeq: answer.auditSeq,
        fields: o.source.fields.map((f) => ({
          label: f.label,
          value: record[f.name] === null || record[f.name] === undefined ? "—" : String(record[f.name]),
        })),
        file: null,
        at: nowIso(),
      });
    }
    return errors;
  }

  async findByKey(accountId: number, key: string): Promise<Application | undefined> {
    const row = await this.db
      .selectFrom("applications")
      .selectAll()
      .where("accountId", "=", accountId)
      .where("idempotencyKey", "=", key)
      .executeTakeFirst();
    return row ? toApplication(row) : undefined;
  }

  /** Applicant withdraws an application that is not yet decided. */
  async withdraw(account: Account, id: number, reason: string): Promise<Application> {
    const app = await this.own(account.id, id);
    if (!["prereview", "correction", "review", "suspended"].includes(app.status))
      throw new ConflictError("该办件当前状态不能撤回");
    return this.transition(
      app,
      { kind: "applicant", id: account.id, name: "申请人" },
      "withdraw",
      "withdrawn",
      { closedAt: nowIso() },
      reason || "申请人主动撤回",
      (trx) => cancelOpenTasks(trx, app.id),
    );
  }

  private async transition(
    app: Application,
    actor: Actor,
    action: string,
    to: ApplicationStatus,
    set: ApplicationChanges,
    note = "",
    after?: TrxStep,
  ): Promise<Application> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable("applications")
        .set({ ...set, status: to, updatedAt: nowIso(), version: app.version + 1 })
        .where("id", "=", app.id)
        .where("version", "=", app.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1)
        throw new ConflictError("该办件刚刚被他人处理过，请刷新页面后重试");
      if (after) await after(trx);
      await this.event(trx, app.id, actor, action, app.status, to, note);
      if (actor.kind === "staff")
        await this.audit.record(
          {
            actor: `staff:${actor.id}`,
            action: `application.${action}`,
            targetType: "application",
            targetId: app.trackingNo,
            detail: { from: app.status, to, note: note.slice(0, 200) },
          },
          trx,
        );
    });
    return (await this.byId(app.id))!;
  }

  // ------------------------------------------------------------------ tasks

  async tasks(applicationId: number): Promise<Task[]> {
    const rows = await this.db
      .selectFrom("applicationTasks")
      .leftJoin("serviceGroups", "serviceGroups.id", "applicationTasks.groupId")
      .selectAll("applicationTasks")
      .select("serviceGroups.name as groupName")
      .where("applicationId", "=", applicationId)
      .orderBy("applicationTasks.id")
      .execute();
    return rows.map((r) => ({ ...r, groupName: r.groupName ?? "" }));
  }

  /**
   * Tasks of applications that have none yet (submitted before workflows existed): the tasks their
   * status implies, so every application can be handled.
   */
  async ensureTasks(app: Application): Promise<void> {
    if (!ACTIVE_STATUSES.includes(app.status)) return;
    const open = (await this.tasks(app.id)).filter((t) => t.status === "open");
    if (open.length) return;
    const wf = await this.workflows.of(app);
    const def = wf.definition;
    const status = app.status === "suspended" ? (app.suspendedFrom ?? "review") : app.status;
    await this.db.transaction().execute(async (trx) => {
      if (status === "prereview" || status === "correction") await createTask(trx, app, acceptTask(def));
      else if (status === "review") await openStage(trx, app, def, 0);
      else await createTask(trx, app, deliverTask(def));
    });
  }

  /** Whether the staff member may take tasks of a group (a member; anyone of the department if it has none). */
  async mayTake(staff: StaffPrincipal, groupId: number, siteId: number): Promise<boolean> {
    const members = await this.workflows.members(groupId);
    if (members.length === 0) return hasRole(staff, "handler", siteId) && !staff.isOperator;
    return members.some((m) => m.id === staff.id);
  }

  /**
   * The open task of one of `kinds` this staff member may work on. An unclaimed task of their group
   * is claimed on the way; someone else's task or another group's task is refused.
   */
  private async taskFor(
    app: Application,
    staff: StaffPrincipal,
    kinds: string[],
    taskId: number | undefined,
    actionLabel: string,
  ): Promise<Task> {
    const open = (await this.tasks(app.id)).filter(
      (t) => t.status === "open" && kinds.includes(t.kind) && (taskId === undefined || t.id === taskId),
    );
    if (open.length === 0)
      throw new ConflictError(
        taskId === undefined
          ? `该办件当前没有可${actionLabel}的环节`
          : "该任务不存在或已办理完毕，请刷新页面",
      );
    const mine = open.find((t) => t.assigneeId === staff.id);
    if (mine) return mine;
    let refusal: DomainError | null = null;
    for (const t of open) {
      if (t.assigneeId) {
        refusal ??= new ConflictError(`“${t.name}”已由${t.assigneeName}认领，如需接手请由其转办`);
        continue;
      }
      if (await this.mayTake(staff, t.groupId, app.siteId)) return t;
      refusal = new ForbiddenError(`“${t.name}”由“${t.groupName}”办理，您不在该办理组，不能认领或办理`);
    }
    throw refusal!;
  }

  /**
   * A handler's action on an application of their department (see ./actions/). Each action checks
   * the status it starts from and the task (workflow step) it belongs to, so a stale page, a tampered
   * form or a handler of another group cannot skip or take a step.
   */
  async act(staff: StaffPrincipal, id: number, action: string, request: ActRequest): Promise<Application> {
    const { item, version, ...input } = request;
    const app = await this.forStaff(staff, id);
    if (version !== undefined && version !== app.version)
      throw new ConflictError("该办件刚刚被他人处理过，请刷新页面后重试");
    await this.ensureTasks(app);
    const handler = actionNamed(action);
    if (!handler) throw new InvalidError("未知的办理操作");
    return handler.run(await this.actionSetup(staff, id, action, item), input);
  }

  private async actionSetup(
    staff: StaffPrincipal,
    id: number,
    action: string,
    item: ServiceItem | undefined,
  ): Promise<ActionSetup> {
    const app = (await this.byId(id))!;
    return {
      action,
      app,
      staff,
      item,
      workflow: (await this.workflows.of(app)).definition,
      calendar: await this.calendar.calendar(),
      today: chinaDate(),
      services: this.actionServices(),
    };
  }

  private actionServices(): ActionServices {
    return {
      transition: (...args) => this.transition(...args),
      taskFor: (...args) => this.taskFor(...args),
      extensions: (applicationId) => this.extensions(applicationId),
      isLeader: (staff, siteId) => this.isLeader(staff, siteId),
      handlersOf: (siteId) => this.handlersOf(siteId),
      workflows: this.workflows,
    };
  }

  /**
   * The applicant's view of the workflow: every step of the pinned workflow in order, with its
   * group and whether it is done, in progress or still to come (no staff names).
   */
  async progress(app: Application): Promise<ProgressStep[]> {
    if (app.status === "draft") return [];
    const wf = await this.workflows.of(app);
    const def = wf.definition;
    const tasks = await this.tasks(app.id);
    const groups = new Map((await this.workflows.groupsOf(app.siteId)).map((g) => [g.id, g.name]));
    const latest = (kind: string, stageNo = 0, stepNo = 0) =>
      tasks
        .filter(
          (t) => t.kind === kind && t.stageNo === stageNo && t.stepNo === stepNo && t.status !== "cancelled",
        )
        .pop();
    const stateOf = (t: Task | undefined): Pick<ProgressStep, "state" | "at"> =>
      !t
        ? { state: "pending", at: null }
        : t.status === "done"
          ? { state: "done", at: t.doneAt }
          : { state: "current", at: null };
    const steps: ProgressStep[] = [
      { name: "预审受理", group: groups.get(def.acceptGroupId) ?? "", ...stateOf(latest("accept")) },
    ];
    def.stages.forEach((stage, i) =>
      stage.steps.forEach((step, j) =>
        steps.push({
          name: `${stage.name}·${step.name}${stage.mode === "parallel" ? "（并行）" : ""}`,
          group: groups.get(step.groupId) ?? "",
          ...stateOf(latest("review", i, j)),
        }),
      ),
    );
    steps.push({
      name: "决定",
      group: groups.get(def.decideGroupId) ?? "",
      ...stateOf(latest("decide", def.stages.length)),
    });
    const deliver = latest("deliver");
    steps.push({
      name: "制证送达",
      group: groups.get(def.deliverGroupId) ?? "",
      ...(app.status === "delivered" || app.status === "closed"
        ? { state: "done" as const, at: null }
        : stateOf(
            deliver && deliver.status === "done"
              ? deliver
              : deliver
                ? { ...deliver, status: "open" }
                : undefined,
          )),
    });
    steps.push({
      name: "办结",
      group: "",
      state: app.status === "closed" ? "done" : "pending",
      at: app.status === "closed" ? app.closedAt : null,
    });
    if (app.status === "refused" || app.status === "withdrawn")
      for (const st of steps) if (st.state !== "done") st.state = "stopped";
    return steps;
  }

  /** Whether the staff member belongs to a leader group (分管领导) of the department. */
  async isLeader(staff: StaffPrincipal, siteId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("serviceGroupMembers")
      .innerJoin("serviceGroups", "serviceGroups.id", "serviceGroupMembers.groupId")
      .select("serviceGroups.id")
      .where("serviceGroupMembers.userId", "=", staff.id)
      .where("serviceGroups.siteId", "=", siteId)
      .where("serviceGroups.kind", "=", "leader")
      .executeTakeFirst();
    return !!row;
  }

  async extensions(applicationId: number) {
    return this.db
      .selectFrom("applicationExtensions")
      .selectAll()
      .where("applicationId", "=", applicationId)
      .orderBy("id")
      .execute();
  }

  /** Handlers of a department (for transfer). */
  handlersOf(siteId: number): Promise<{ id: number; displayName: string }[]> {
    return this.workflows.handlersOf(siteId);
  }

  /** The time-limit state of a due date on the working-day calendar. */
  limitState(
    cal: WorkingCalendar,
    due: string | null,
    suspended = false,
    today = chinaDate(),
  ): LimitState | null {
    if (!due) return null;
    const remaining = cal.workingDaysBetween(today, due);
    return {
      due,
      remaining,
      state: suspended ? "ok" : remaining < 0 ? "overdue" : remaining <= WARNING_DAYS ? "warning" : "ok",
    };
  }

  /**
   * A handler's work queue: their departments' open applications, earliest due first, each with its
   * open tasks (the current workflow steps and the groups that hold them).
   */
  async queue(
    staff: StaffPrincipal,
    filter: {
      status?: string;
      mine?: boolean;
      groups?: boolean;
      /** Open tasks assigned to this staff member or held by one of their groups. */
      forMe?: boolean;
      siteId?: number | null;
      limit?: "overdue" | "warning" | "escalated" | null;
      page: number;
      pageSize?: number;
    },
  ) {
    const sites = sitesWithRight(staff, RIGHTS.applications);
    const pageSize = filter.pageSize ?? 20;
    if (sites !== null && sites.length === 0) return { rows: [], total: 0 };
    let q = this.db
      .selectFrom("applications")
      .where(
        "status",
        "in",
        ACTIVE_STATUSES.find((s) => s === filter.status)
          ? [filter.status as ApplicationStatus]
          : ACTIVE_STATUSES,
      );
    if (sites !== null) q = q.where("siteId", "in", sites);
    if (filter.siteId) q = q.where("siteId", "=", filter.siteId);
    if (filter.mine)
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("applicationTasks")
            .select("applicationTasks.id")
            .whereRef("applicationTasks.applicationId", "=", "applications.id")
            .where("applicationTasks.status", "=", "open")
            .where("applicationTasks.assigneeId", "=", staff.id),
        ),
      );
    if (filter.groups) {
      const groups = await this.workflows.groupIdsOf(staff.id);
      q = q.where((eb) =>
        groups.length === 0
          ? eb.lit(false)
          : eb.exists(
              eb
                .selectFrom("applicationTasks")
                .select("applicationTasks.id")
                .whereRef("applicationTasks.applicationId", "=", "applications.id")
                .where("applicationTasks.status", "=", "open")
                .where("applicationTasks.groupId", "in", groups),
            ),
      );
    }
    if (filter.forMe) {
      const groups = await this.workflows.groupIdsOf(staff.id);
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("applicationTasks")
            .select("applicationTasks.id")
            .whereRef("applicationTasks.applicationId", "=", "applications.id")
            .where("applicationTasks.status", "=", "open")
            .where((t) =>
              groups.length === 0
                ? t("applicationTasks.assigneeId", "=", staff.id)
                : t.or([
                    t("applicationTasks.assigneeId", "=", staff.id),
                    t("applicationTasks.groupId", "in", groups),
                  ]),
            ),
        ),
      );
    }
    if (filter.limit === "escalated")
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("applicationAlerts")
            .select("applicationAlerts.id")
            .whereRef("applicationAlerts.applicationId", "=", "applications.id")
            .where("applicationAlerts.kind", "=", "escalation"),
        ),
      );
    else if (filter.limit) {
      const cal = await this.calendar.calendar();
      const today = chinaDate();
      if (filter.limit === "overdue")
        q = q.where("dueCommitted", "<", today).where("status", "!=", "suspended");
      else
        q = q
          .where("dueCommitted", ">=", today)
          .where("dueCommitted", "<=", cal.addWorkingDays(today, WARNING_DAYS));
    }
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = (
      await q
        .selectAll()
        .orderBy((eb) => eb.fn.coalesce("dueCommitted", eb.val("9999-12-31")))
        .orderBy("submittedAt")
        .limit(pageSize)
        .offset((filter.page - 1) * pageSize)
        .execute()
    ).map(toApplication);
    const ids = rows.map((r) => r.id);
    const tasks = ids.length
      ? await this.db
          .selectFrom("applicationTasks")
          .leftJoin("serviceGroups", "serviceGroups.id", "applicationTasks.groupId")
          .selectAll("applicationTasks")
          .select("serviceGroups.name as groupName")
          .where("applicationId", "in", ids)
          .where("applicationTasks.status", "=", "open")
          .orderBy("applicationTasks.id")
          .execute()
      : [];
    const escalated = ids.length
      ? await this.db
          .selectFrom("applicationAlerts")
          .select("applicationId")
          .where("applicationId", "in", ids)
          .where("kind", "=", "escalation")
          .execute()
      : [];
    const esc = new Set(escalated.map((e) => e.applicationId));
    return {
      rows: rows.map((app) => ({
        app,
        tasks: tasks
          .filter((t) => t.applicationId === app.id)
          .map((t) => ({ ...t, groupName: t.groupName ?? "" })),
        escalated: esc.has(app.id),
      })),
      total,
    };
  }

  /**
   * The 工作台 share of a handler: their departments' applications past or near the committed time
   * limit, and those with an open step assigned to them or their groups.
   */
  async workload(staff: StaffPrincipal): Promise<WorkloadSection | null> {
    const sites = sitesWithRight(staff, RIGHTS.applications);
    if (sites !== null && sites.length === 0) return null;
    const pageSize = 5;
    const [overdue, soon, waiting] = await Promise.all([
      this.queue(staff, { limit: "overdue", page: 1, pageSize }),
      this.queue(staff, { limit: "warning", page: 1, pageSize }),
      this.queue(staff, { forMe: true, page: 1, pageSize }),
    ]);
    const items: WorkItem[] = [];
    const seen = new Set<number>();
    const add = (state: WorkState, rows: { app: Application }[]) => {
      for (const { app } of rows) {
        if (seen.has(app.id)) continue;
        seen.add(app.id);
        items.push({
          state,
          ref: app.trackingNo,
          title: `${app.itemName}（${maskName(app.applicantName)}）`,
          href: `/admin/services/applications/${app.id}`,
          due: app.dueCommitted,
        });
      }
    };
    add("overdue", overdue.rows);
    add("soon", soon.rows);
    add("waiting", waiting.rows);
    return {
      title: "办件",
      figures: [
        { state: "waiting", label: "待我办理的办件", value: waiting.total, href: "/admin/services" },
        { state: "soon", label: "即将到期的办件", value: soon.total, href: "/admin/services?limit=warning" },
        {
          state: "overdue",
          label: "已超期的办件",
          value: overdue.total,
          href: "/admin/services?limit=overdue",
        },
      ],
      items,
    };
  }
}
