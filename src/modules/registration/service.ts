import { createHash, randomBytes } from "node:crypto";
import { sql, type Selectable } from "kysely";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import { pooledRandomBytes } from "../../platform/crypto/random-pool.ts";
import { tablesOf, type Db } from "../../platform/db/database.ts";
import { OutboxSmsSender, PHONE_PATTERN } from "../../platform/phone/phone-verify.ts";
import type { PhoneTables } from "../../platform/phone/tables.ts";
import { chinaDate, nowIso, shiftDays } from "../../platform/time/china-time.ts";
import { formSchemaProblems, type FormSchema } from "../onestop/index.ts";
import {
  CampaignClosed,
  CampaignNotFound,
  QuotaExceeded,
  ApiKeyRefused,
  SubmissionInvalid,
} from "./errors.ts";
import type { ApiKeyRow, Audience, CampaignRow, Channel, DedupRule, RegistrationTables } from "./tables.ts";
import {
  answersToRaw,
  checkSubmission,
  districtLabel,
  QUESTION_TYPES,
  unknownAnswerKeys,
  type Answers,
} from "./validation.ts";
import { BatchImporter } from "./batch.ts";
import {
  newRecordId,
  RecordWriter,
  type PendingRecord,
  type WriteResult,
  type WriterOptions,
} from "./writer.ts";

/** When an area counts as elevated risk: `count` records today in one district (answering `field` = `value`). */
export interface Threshold {
  /** A select or multi-select question; "" counts every record. */
  field: string;
  value: string;
  count: number;
}

export interface Campaign {
  id: number;
  code: string;
  title: string;
  summary: string;
  form: FormSchema;
  audience: Audience;
  dedup: DedupRule;
  retentionDays: number;
  opensAt: string;
  closesAt: string | null;
  thresholds: Threshold[];
  office: string;
  /** The office's site (its staff get the console notice); null or absent: platform operators. */
  officeSiteId?: number | null;
  /** The office's duty phone (an SMS through the outbox when an area is flagged). */
  officePhone?: string | null;
  createdAt: string;
  updatedAt: string;
}

export type CampaignInput = Omit<Campaign, "id" | "createdAt" | "updatedAt">;

export interface RegistrationRecord {
  id: string;
  day: string;
  name: string;
  idNumber: string;
  phone: string;
  district: string;
  answers: Answers;
  receipt: string;
  channel: Channel;
  submittedAt: string;
  revisions: number;
}

export interface Figures {
  total: number;
  today: number;
  byDistrict: { district: string; total: number; today: number }[];
  byAnswer: { field: string; label: string; counts: { value: string; count: number }[] }[];
  /**
   * Districts over a threshold now (today's records as they stand: a replaced record that no longer
   * answers 发热 no longer counts), unlike `alerts`, the history of notifications sent.
   */
  elevated: string[];
  alerts: {
    district: string;
    day: string;
    reason: string;
    count: number;
    office: string;
    createdAt: string;
  }[];
}

export const AUDIENCES: Record<Audience, string> = {
  anyone: "任何人",
  verified: "实名认证的本人",
  partners: "仅接入系统（API 密钥）",
};
export const DEDUP_RULES: Record<DedupRule, string> = {
  per_id_per_day: "同一身份证号每天一条，后提交的替换先提交的",
  none: "每次提交都保留",
};

const CODE = /^[a-z0-9][a-z0-9-]{1,39}$/;

function campaignOf(row: Selectable<CampaignRow>): Campaign {
  return {
    ...row,
    form: JSON.parse(row.form) as FormSchema,
    thresholds: JSON.parse(row.thresholds) as Threshold[],
  };
}

export const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

/** Emergency mass registration: campaigns, durable acceptance, partner keys, figures, privacy. */
export class RegistrationService {
  readonly writer: RecordWriter;
  /** CSV/XLSX uploads of community workers, through the same checks and writer. */
  readonly batches: BatchImporter<Campaign>;
  private readonly db;
  private readonly checks = new Map<number, number>();
  /** Campaigns whose threshold check is scheduled and has not started yet. */
  private readonly pendingChecks = new Set<number>();
  private readonly figureCache = new Map<number, { at: number; figures: Figures }>();
  private readonly campaignCache = new Map<string, { at: number; campaign: Campaign | null }>();

  constructor(
    private readonly store: Db<RegistrationTables>,
    private readonly audit: AuditLog,
    writerOptions: WriterOptions = {},
  ) {
    this.db = store.db;
    this.writer = new RecordWriter(store, writerOptions);
    this.batches = new BatchImporter(store, audit, this);
  }

  // ------------------------------------------------------------------ campaigns

  async campaigns(): Promise<Campaign[]> {
    const rows = await this.db
      .selectFrom("registrationCampaigns")
      .selectAll()
      .orderBy("id", "desc")
      .execute();
    return rows.map(campaignOf);
  }

  /**
   * A campaign by code. Kept in memory for two seconds: every submission looks its campaign up, and
   * on SQLite a query would wait behind the batch being written. Edits reach other instances within
   * that time.
   */
  async campaign(code: string): Promise<Campaign | null> {
    if (!CODE.test(code)) return null;
    const hit = this.campaignCache.get(code);
    if (hit && Date.now() - hit.at < 2000) return hit.campaign;
    const campaign = await this.loadCampaign(code);
    if (this.campaignCache.size > 1000) this.campaignCache.clear();
    this.campaignCache.set(code, { at: Date.now(), campaign });
    return campaign;
  }

  private async loadCampaign(code: string): Promise<Campaign | null> {
    const row = await this.db
      .selectFrom("registrationCampaigns")
      .selectAll()
      .where("code", "=", code)
      .executeTakeFirst();
    return row ? campaignOf(row) : null;
  }

  async requireCampaign(code: string): Promise<Campaign> {
    const c = await this.campaign(code);
    if (!c) throw new CampaignNotFound();
    return c;
  }

  /** Every problem of a campaign definition, keyed by the console form's field names. */
  campaignProblems(input: CampaignInput, isNew: boolean): Record<string, string> {
    const errors: Record<string, string> = {};
    if (isNew && !CODE.test(input.code)) errors.code = "活动代码应为2～40位小写字母、数字或连字符";
    if (!input.title.trim()) errors.title = "请填写活动名称";
    else if (input.title.length > 60) errors.title = "活动名称不能超过60字";
    if (input.summary.length > 500) errors.summary = "说明不能超过500字";
    const formProblems = formSchemaProblems(input.form);
    const wrongType = input.form.fields?.find((f) => !QUESTION_TYPES.includes(f.type));
    if (formProblems.length > 0) errors.form = formProblems.slice(0, 5).join("；");
    else if (wrongType)
      errors.form = `“${wrongType.label}”的类型不可用于登记（姓名、身份证号、手机号、所在地区已固定收集）`;
    if (!Object.hasOwn(AUDIENCES, input.audience)) errors.audience = "请选择谁可以登记";
    if (!Object.hasOwn(DEDUP_RULES, input.dedup)) errors.dedup = "请选择去重规则";
    if (!Number.isInteger(input.retentionDays) || input.retentionDays < 1 || input.retentionDays > 3650)
      errors.retentionDays = "保存期限应为1～3650天";
    if (!input.opensAt || Number.isNaN(Date.parse(input.opensAt))) errors.opensAt = "请填写开始时间";
    if (input.closesAt && Number.isNaN(Date.parse(input.closesAt))) errors.closesAt = "结束时间无效";
    else if (input.closesAt && input.opensAt && input.closesAt <= input.opensAt)
      errors.closesAt = "结束时间应晚于开始时间";
    for (const t of input.thresholds) {
      const f = input.form.fields?.find((x) => x.name === t.field);
      if (t.field && (!f || (f.type !== "select" && f.type !== "multiselect")))
        errors.thresholds = `阈值中的问题“${t.field}”不是本表单的单选或多选题`;
      else if (t.field && !(f?.options ?? []).includes(t.value))
        errors.thresholds = `阈值中的选项“${t.value}”不是问题“${f?.label}”的选项`;
      else if (!Number.isInteger(t.count) || t.count < 1) errors.thresholds = "阈值人数应为正整数";
    }
    if (!input.office.trim()) errors.office = "请填写风险提示的接收单位";
    if (input.officePhone && !PHONE_PATTERN.test(input.officePhone.trim()))
      errors.officePhone = "值班手机号应为11位手机号码";
    return errors;
  }

  async saveCampaign(input: CampaignInput, actor: string, existing?: Campaign): Promise<Campaign> {
    const errors = this.campaignProblems(input, !existing);
    if (Object.keys(errors).length > 0) throw new SubmissionInvalid(errors);
    const now = nowIso();
    const values = {
      title: input.title.trim(),
      summary: input.summary.trim(),
      form: JSON.stringify(input.form),
      audience: input.audience,
      dedup: input.dedup,
      retentionDays: input.retentionDays,
      opensAt: input.opensAt,
      closesAt: input.closesAt || null,
      thresholds: JSON.stringify(input.thresholds),
      office: input.office.trim(),
      officeSiteId: input.officeSiteId ?? null,
      officePhone: input.officePhone?.trim() || null,
      updatedAt: now,
    };
    await this.db.transaction().execute(async (trx) => {
      if (existing)
        await trx.updateTable("registrationCampaigns").set(values).where("id", "=", existing.id).execute();
      else {
        if (
          await trx
            .selectFrom("registrationCampaigns")
            .select("id")
            .where("code", "=", input.code)
            .executeTakeFirst()
        )
          throw new SubmissionInvalid({ code: "活动代码已被使用" });
        await trx
          .insertInto("registrationCampaigns")
          .values({ ...values, code: input.code, createdAt: now })
          .execute();
      }
      await this.audit.record(
        {
          actor,
          action: existing ? "registration.campaign.update" : "registration.campaign.create",
          targetType: "registration_campaign",
          targetId: existing?.code ?? input.code,
          detail: { audience: input.audience, dedup: input.dedup, retentionDays: input.retentionDays },
        },
        trx,
      );
    });
    this.figureCache.clear();
    this.campaignCache.clear();
    return (await this.campaign(existing?.code ?? input.code))!;
  }

  /** Whether the campaign takes submissions now; throws CampaignClosed with the reason otherwise. */
  assertOpen(c: Campaign, now = new Date()): void {
    if (Date.parse(c.opensAt) > now.getTime()) throw new CampaignClosed("该登记尚未开始");
    if (c.closesAt && Date.parse(c.closesAt) <= now.getTime()) throw new CampaignClosed("该登记已结束");
  }

  // ------------------------------------------------------------------ submissions

  /**
   * Checks and durably accepts one submission: resolves once it is committed (id, receipt, whether
   * it was new). Throws SubmissionInvalid with every problem, or QueueFull when the burst queue is full.
   */
  async submit(
    c: Campaign,
    body: { name?: unknown; idNumber?: unknown; phone?: unknown; district?: unknown; answers?: unknown },
    channel: Channel,
  ): Promise<WriteResult> {
    this.assertOpen(c);
    const { value, errors } = checkSubmission(c.form, body, answersToRaw(c.form, body.answers));
    for (const key of unknownAnswerKeys(c.form, body.answers))
      errors[`answers.${key}`] = `登记表没有“${key}”这一项，请按登记表的问题填写`;
    if (Object.keys(errors).length > 0) throw new SubmissionInvalid(errors);
    return this.accept(c, value, channel);
  }

  /**
   * Accepts an already checked submission (the web form reads its own raw input; batch uploads
   * their rows). `idSeed` makes the record id repeatable (a batch row written again replaces itself).
   */
  async accept(
    c: Campaign,
    value: { name: string; idNumber: string; phone: string; district: string; answers: Answers },
    channel: Channel,
    idSeed?: string,
  ): Promise<WriteResult> {
    const day = chinaDate();
    const record: PendingRecord = {
      id: newRecordId(day, idSeed),
      campaignId: c.id,
      day,
      perIdPerDay: c.dedup === "per_id_per_day",
      name: value.name,
      idNumber: value.idNumber,
      phone: value.phone,
      district: value.district,
      answers: JSON.stringify(value.answers),
      receipt: pooledRandomBytes(4).toString("hex").toUpperCase(),
      channel,
      submittedAt: nowIso(),
    };
    const result = await this.writer.write(record);
    this.scheduleThresholdCheck(c);
    return result;
  }

  /** The answer a receipt lookup gives: the record's district and time, nothing personal. */
  async byReceipt(
    c: Campaign,
    id: string,
    receipt: string,
  ): Promise<{ id: string; day: string; submittedAt: string; district: string } | null> {
    const m = /^R(\d{4})(\d{2})(\d{2})[0-9A-F]{12}$/.exec(id);
    if (!m || !/^[0-9A-F]{8}$/.test(receipt)) return null;
    const row = await this.db
      .selectFrom("registrationRecords")
      .select(["id", "day", "submittedAt", "district", "receipt"])
      .where("campaignId", "=", c.id)
      .where("day", "=", `${m[1]}-${m[2]}-${m[3]}`)
      .where("id", "=", id)
      .executeTakeFirst();
    return row && row.receipt === receipt ? row : null;
  }

  // ------------------------------------------------------------------ partner keys

  async createKey(c: Campaign, name: string, dailyQuota: number, actor: string): Promise<string> {
    const key = `reg_${randomBytes(24).toString("base64url")}`;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("registrationApiKeys")
        .values({
          campaignId: c.id,
          name,
          keyHash: hashKey(key),
          dailyQuota,
          createdAt: nowIso(),
          revokedAt: null,
        })
        .execute();
      await this.audit.record(
        {
          actor,
          action: "registration.key.create",
          targetType: "registration_campaign",
          targetId: c.code,
          detail: { name, dailyQuota },
        },
        trx,
      );
    });
    return key;
  }

  async keys(c: Campaign): Promise<(Selectable<ApiKeyRow> & { today: number })[]> {
    const rows = await this.db
      .selectFrom("registrationApiKeys")
      .leftJoin("registrationKeyUsage", (j) =>
        j
          .onRef("registrationKeyUsage.keyId", "=", "registrationApiKeys.id")
          .on("registrationKeyUsage.day", "=", chinaDate()),
      )
      .selectAll("registrationApiKeys")
      .select("registrationKeyUsage.calls")
      .where("campaignId", "=", c.id)
      .orderBy("registrationApiKeys.id")
      .execute();
    return rows.map(({ calls, ...r }) => ({ ...r, today: calls ?? 0 }));
  }

  async revokeKey(c: Campaign, id: number, actor: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("registrationApiKeys")
        .set({ revokedAt: nowIso() })
        .where("id", "=", id)
        .where("campaignId", "=", c.id)
        .where("revokedAt", "is", null)
        .execute();
      await this.audit.record(
        {
          actor,
          action: "registration.key.revoke",
          targetType: "registration_campaign",
          targetId: c.code,
          detail: { keyId: id },
        },
        trx,
      );
    });
  }

  /**
   * Checks a partner key for the campaign and takes one submission from its daily quota, atomically:
   * the counter only moves while under the quota, so parallel calls cannot slip past it.
   */
  async useKey(c: Campaign, key: string): Promise<Selectable<ApiKeyRow>> {
    const row = await this.db
      .selectFrom("registrationApiKeys")
      .selectAll()
      .where("keyHash", "=", hashKey(key))
      .executeTakeFirst();
    if (!row || row.campaignId !== c.id) throw new ApiKeyRefused("接入密钥无效或不属于该登记活动");
    if (row.revokedAt) throw new ApiKeyRefused("接入密钥已注销");
    const taken = await this.db
      .insertInto("registrationKeyUsage")
      .values({ keyId: row.id, day: chinaDate(), calls: 1 })
      .onConflict((oc) =>
        oc
          .columns(["keyId", "day"])
          .doUpdateSet({ calls: sql<number>`registration_key_usage.calls + 1` })
          .where("registrationKeyUsage.calls", "<", row.dailyQuota),
      )
      .returning("calls")
      .executeTakeFirst();
    if (!taken || taken.calls > row.dailyQuota) throw new QuotaExceeded(row.dailyQuota);
    return row;
  }

  /** Gives back the submission a partner key took when it was not accepted (full queue, bad input). */
  async refundKey(key: string): Promise<void> {
    const row = await this.db
      .selectFrom("registrationApiKeys")
      .select("id")
      .where("keyHash", "=", hashKey(key))
      .executeTakeFirst();
    if (!row) return;
    await this.db
      .updateTable("registrationKeyUsage")
      .set({ calls: sql<number>`calls - 1` })
      .where("keyId", "=", row.id)
      .where("day", "=", chinaDate())
      .where("calls", ">", 0)
      .execute();
  }

  // ------------------------------------------------------------------ records (console, export)

  private recordOf(r: {
    id: string;
    day: string;
    personName: string;
    idNumber: string;
    phone: string;
    district: string;
    answers: string;
    receipt: string;
    channel: Channel;
    submittedAt: string;
    revisions: number;
  }): RegistrationRecord {
    return { ...r, name: r.personName, answers: JSON.parse(r.answers) as Answers };
  }

  async recordCount(c: Campaign, district?: string): Promise<number> {
    let q = this.db
      .selectFrom("registrationRecords")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("campaignId", "=", c.id);
    if (district) q = q.where("district", "=", district);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /** One page of records, newest first (the caller masks what the viewer may not see). */
  async records(
    c: Campaign,
    opts: { page: number; perPage: number; district?: string; idNumber?: string },
  ): Promise<RegistrationRecord[]> {
    let q = this.db
      .selectFrom("registrationRecords")
      .selectAll()
      .where("campaignId", "=", c.id)
      .orderBy("submittedAt", "desc")
      .orderBy("id", "desc")
      .limit(opts.perPage)
      .offset((opts.page - 1) * opts.perPage);
    if (opts.district) q = q.where("district", "=", opts.district);
    if (opts.idNumber) {
      const index = this.store.cipher.blindIndex("id-number", opts.idNumber);
      q = q.where((eb) => eb.or([eb("idIndex", "=", index), eb("idIndex", "like", `${index}:%`)]));
    }
    return (await q.execute()).map((r) => this.recordOf(r));
  }

  /** One record in full, for a permitted role, audited with the reason given. */
  async revealRecord(
    c: Campaign,
    id: string,
    actor: string,
    reason: string,
  ): Promise<RegistrationRecord | null> {
    const m = /^R(\d{4})(\d{2})(\d{2})[0-9A-F]{12}$/.exec(id);
    if (!m) return null;
    const row = await this.db
      .selectFrom("registrationRecords")
      .selectAll()
      .where("campaignId", "=", c.id)
      .where("day", "=", `${m[1]}-${m[2]}-${m[3]}`)
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) return null;
    await this.audit.record({
      actor,
      action: "registration.record.view_full",
      targetType: "registration_record",
      targetId: id,
      detail: { campaign: c.code, reason },
    });
    return this.recordOf(row);
  }

  /** Every record of a campaign in batches (export), oldest first; the caller audits. */
  async *allRecords(c: Campaign, batch = 2000): AsyncGenerator<RegistrationRecord[]> {
    let after: { day: string; id: string } | null = null;
    for (;;) {
      let q = this.db
        .selectFrom("registrationRecords")
        .selectAll()
        .where("campaignId", "=", c.id)
        .orderBy("day")
        .orderBy("id")
        .limit(batch);
      if (after) {
        const a = after;
        q = q.where((eb) =>
          eb.or([eb("day", ">", a.day), eb.and([eb("day", "=", a.day), eb("id", ">", a.id)])]),
        );
      }
      const rows = await q.execute();
      if (rows.length === 0) return;
      after = { day: rows[rows.length - 1].day, id: rows[rows.length - 1].id };
      yield rows.map((r) => this.recordOf(r));
    }
  }

  async recordExport(
    c: Campaign,
    actor: string,
    full: boolean,
    reason: string,
    count: number,
    file: string,
  ): Promise<void> {
    await this.audit.record({
      actor,
      action: full ? "registration.export.full" : "registration.export.masked",
      targetType: "registration_campaign",
      targetId: c.code,
      detail: { reason, count, file },
    });
  }

  /** Deletes records past the campaign's retention period, with an audit entry; returns how many. */
  async purgeExpired(actor = "system"): Promise<number> {
    let total = 0;
    for (const c of await this.campaigns()) {
      const cutoff = shiftDays(chinaDate(), -c.retentionDays);
      const result = await this.db
        .deleteFrom("registrationRecords")
        .where("campaignId", "=", c.id)
        .where("day", "<", cutoff)
        .executeTakeFirst();
      const n = Number(result.numDeletedRows);
      if (n > 0)
        await this.audit.record({
          actor,
          action: "registration.purge",
          targetType: "registration_campaign",
          targetId: c.code,
          detail: { before: cutoff, records: n, retentionDays: c.retentionDays },
        });
      total += n;
    }
    return total;
  }

  // ------------------------------------------------------------------ figures and thresholds

  /** Live figures, recomputed at most every few seconds per campaign (every page view shares them). */
  async figures(c: Campaign, maxAgeMs = 5000): Promise<Figures> {
    const hit = this.figureCache.get(c.id);
    if (hit && Date.now() - hit.at < maxAgeMs) return hit.figures;
    const today = chinaDate();
    const rows = await this.db
      .selectFrom("registrationRecords")
      .select((eb) => [
        "district",
        eb.fn.countAll<number>().as("total"),
        eb.fn.sum<number>(eb.case().when("day", "=", today).then(1).else(0).end()).as("today"),
      ])
      .where("campaignId", "=", c.id)
      .groupBy("district")
      .execute();
    const byDistrict = rows
      .map((r) => ({ district: r.district, total: Number(r.total), today: Number(r.today ?? 0) }))
      .sort((a, b) => b.total - a.total || a.district.localeCompare(b.district));
    const byAnswer: Figures["byAnswer"] = [];
    for (const f of c.form.fields.filter((x) => x.type === "select" || x.type === "multiselect")) {
      const counted = await this.answerCounts(c.id, f.name);
      byAnswer.push({
        field: f.name,
        label: f.label,
        counts: (f.options ?? []).map((value) => ({ value, count: counted.get(value) ?? 0 })),
      });
    }
    const alerts = await this.db
      .selectFrom("registrationAlerts")
      .select(["district", "day", "reason", "count", "office", "createdAt"])
      .where("campaignId", "=", c.id)
      .orderBy("id", "desc")
      .limit(200)
      .execute();
    const elevated = new Set<string>();
    for (const t of c.thresholds)
      for (const hit of await this.thresholdCounts(c, t)) elevated.add(hit.district);
    const figures: Figures = {
      total: byDistrict.reduce((s, d) => s + d.total, 0),
      today: byDistrict.reduce((s, d) => s + d.today, 0),
      byDistrict,
      byAnswer,
      elevated: [...elevated].sort(),
      alerts,
    };
    this.figureCache.set(c.id, { at: Date.now(), figures });
    return figures;
  }

  private async answerCounts(campaignId: number, field: string): Promise<Map<string, number>> {
    const rows =
      this.store.dialect === "postgres"
        ? await sql<{ v: string; n: number }>`SELECT v, count(*) AS n FROM registration_records r,
            jsonb_array_elements_text(CASE jsonb_typeof(r.answers::jsonb -> ${field})
              WHEN 'array' THEN r.answers::jsonb -> ${field}
              ELSE jsonb_build_array(r.answers::jsonb -> ${field}) END) AS v
            WHERE r.campaign_id = ${campaignId} AND v IS NOT NULL GROUP BY v`.execute(this.db)
        : await sql<{ v: string; n: number }>`SELECT j.value AS v, count(*) AS n
            FROM registration_records r, json_each(r.answers, ${`$.${field}`}) j
            WHERE r.campaign_id = ${campaignId} GROUP BY j.value`.execute(this.db);
    return new Map(rows.rows.map((r) => [String(r.v), Number(r.n)]));
  }

  /** Today's count per district of records matching a threshold. */
  private async thresholdCounts(c: Campaign, t: Threshold): Promise<{ district: string; n: number }[]> {
    const day = chinaDate();
    const match = !t.field
      ? sql`1 = 1`
      : this.store.dialect === "postgres"
        ? sql`(answers::jsonb -> ${t.field}) @> to_jsonb(${t.value}::text)`
        : sql`EXISTS (SELECT 1 FROM json_each(answers, ${`$.${t.field}`}) WHERE value = ${t.value})`;
    const { rows } = await sql<{ district: string; n: number }>`SELECT district, count(*) AS n
      FROM registration_records WHERE campaign_id = ${c.id} AND day = ${day} AND ${match}
      GROUP BY district HAVING count(*) >= ${t.count}`.execute(this.db);
    return rows.map((r) => ({ district: r.district, n: Number(r.n) }));
  }

  /**
   * Flags districts over a threshold today and tells the responsible office, once per district,
   * threshold and day: the alert row (unique on campaign, district, day and rule), the console notice
   * for the office's staff, the SMS to its duty phone (the outbox) and the audit entry are written in
   * one transaction, so a second check — on this instance or another — finds the alert and sends
   * nothing. Returns how many areas were newly flagged.
   */
  async checkThresholds(c: Campaign): Promise<number> {
    let flagged = 0;
    const day = chinaDate();
    for (const t of c.thresholds) {
      const reason = t.field ? `${t.field}=${t.value} ≥ ${t.count}` : `登记人数 ≥ ${t.count}`;
      const what = t.field
        ? `“${c.form.fields.find((f) => f.name === t.field)?.label ?? t.field}”答“${t.value}”的`
        : "登记的";
      for (const hit of await this.thresholdCounts(c, t)) {
        const isNew = await this.db.transaction().execute(async (trx) => {
          const inserted = await trx
            .insertInto("registrationAlerts")
            .values({
              campaignId: c.id,
              district: hit.district,
              day,
              reason,
              count: hit.n,
              office: c.office,
              createdAt: nowIso(),
            })
            .onConflict((oc) => oc.columns(["campaignId", "district", "day", "reason"]).doNothing())
            .returning("id")
            .executeTakeFirst();
          if (!inserted) return false;
          const text = `${c.title}：${districtLabel(hit.district)}今日${what}已达 ${hit.n} 人（阈值 ${t.count}），请${c.office}及时研判处置`;
          await trx
            .insertInto("registrationNotices")
            .values({
              campaignId: c.id,
              alertId: inserted.id,
              siteId: c.officeSiteId ?? null,
              text,
              createdAt: nowIso(),
            })
            .execute();
          if (c.officePhone)
            await new OutboxSmsSender(tablesOf<PhoneTables>(trx), this.store.cipher).send(
              c.officePhone,
              `【应急登记风险提示】${text}`,
            );
          await this.audit.record(
            {
              actor: "system",
              action: "registration.alert",
              targetType: "registration_campaign",
              targetId: c.code,
              detail: {
                district: hit.district,
                reason,
                count: hit.n,
                notified: c.office,
                officeSiteId: c.officeSiteId ?? null,
                sms: Boolean(c.officePhone),
              },
            },
            trx,
          );
          return true;
        });
        if (isNew) flagged++;
      }
    }
    if (flagged > 0) this.figureCache.delete(c.id);
    return flagged;
  }

  /** The newest risk notices for the staff of these sites (null: every notice, for operators). */
  async notices(
    siteIds: number[] | null,
    page: number,
    perPage: number,
  ): Promise<{ rows: { id: number; campaignId: number; text: string; createdAt: string }[]; total: number }> {
    let q = this.db.selectFrom("registrationNotices");
    if (siteIds !== null)
      q = siteIds.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where("siteId", "in", siteIds);
    const rows = await q
      .select(["id", "campaignId", "text", "createdAt"])
      .orderBy("id", "desc")
      .limit(perPage)
      .offset((page - 1) * perPage)
      .execute();
    const { n } = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    return { rows, total: Number(n) };
  }

  /**
   * Runs the threshold check after writes, in the background, at most every 10 seconds per campaign
   * and always after the last write: a write while a check waits joins it, and a write after a check
   * started gets the next one (a district crossing its threshold with the last submission of the day
   * is flagged all the same).
   */
  private scheduleThresholdCheck(c: Campaign): void {
    if (c.thresholds.length === 0 || this.pendingChecks.has(c.id)) return;
    const at = Math.max(Date.now() + 1000, (this.checks.get(c.id) ?? 0) + 10_000);
    this.pendingChecks.add(c.id);
    setTimeout(() => {
      this.pendingChecks.delete(c.id);
      this.checks.set(c.id, Date.now());
      void this.checkThresholds(c).catch(() => {});
    }, at - Date.now()).unref();
  }

  async close(): Promise<void> {
    await this.batches.close();
    await this.writer.close();
  }
}
