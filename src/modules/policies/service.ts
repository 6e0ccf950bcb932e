import type { Selectable } from "kysely";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { WorkingDaySource } from "../../platform/calendar/platform-working-days.ts";
import type { Db } from "../../platform/db/database.ts";
import type { SmsSender } from "../../platform/phone/phone-verify.ts";
import { chinaDate, chinaTime, isDateString, nowIso } from "../../platform/time/china-time.ts";
import {
  compile,
  ruleProblems,
  type CompiledRule,
  type ConditionTrace,
  type Evaluation,
  type RuleCondition,
  type Status,
} from "./engine.ts";
import {
  BadPolicyInput,
  BadProfile,
  BadRules,
  NotYourGrant,
  ObjectionClosed,
  PublishBlocked,
  AlreadyPublished,
  UnknownBenefit,
  UnknownVersion,
} from "./errors.ts";
import {
  EDITABLE_FIELDS,
  FIELD_BY_NAME,
  profileProblems,
  withDerived,
  type FieldSource,
  type Profile,
  type ProfileValue,
} from "./fields.ts";
import type {
  BenefitRow,
  GrantStatus,
  LifecycleStage,
  PoliciesTables,
  PolicyGrantRow,
  RuleVersionRow,
} from "./tables.ts";

export interface Benefit {
  id: number;
  code: string;
  title: string;
  summary: string;
  department: string;
  stage: LifecycleStage;
  policyArticleId: number | null;
  interpretationArticleId: number | null;
  serviceItemCode: string | null;
  amount: string;
  createdAt: string;
}

export interface TestCase {
  name: string;
  profile: Record<string, unknown>;
  expected: Status;
}

export interface RuleVersion {
  id: number;
  benefitId: number;
  version: number;
  effectiveFrom: string;
  conditions: RuleCondition[];
  testCases: TestCase[];
  status: RuleVersionRow["status"];
  createdBy: string;
  publishedAt: string | null;
}

export interface MatchResult {
  benefitId: number;
  versionId: number;
  title: string;
  department: string;
  amount: string;
  status: Status;
  conditions: ConditionTrace[];
  missing: string[];
  whatWouldChange: string[];
  /** 免申即享: every condition is decidable from the registry (shared data). */
  automatic: boolean;
}

export interface ProfileFieldView {
  name: string;
  label: string;
  value: ProfileValue | null;
  source: FieldSource;
  at: string | null;
}

export interface EnterpriseProfile {
  accountId: number;
  creditCode: string;
  name: string;
  fields: Record<string, { value: ProfileValue; source: Exclude<FieldSource, "unknown">; at: string }>;
  contactEmail: string | null;
  registryFetchedAt: string | null;
}

/** One registry read through the exchange hub (the hall's signed, purpose-bound, audited call). */
export interface EntityRegistry {
  entity(
    creditCode: string,
    caseNo: string,
  ): Promise<{ ok: true; record: Record<string, unknown> } | { ok: false; message: string }>;
}

/** Who an enterprise account is and how to reach it. */
export interface EnterpriseDirectory {
  contact(accountId: number): Promise<{ name: string; creditCode: string | null; phone: string } | undefined>;
}

/** Sends a push by one channel (SMS, e-mail); the demo writes to outbox tables. */
export interface PushChannel {
  send(to: { phone: string; email: string | null }, subject: string, body: string): Promise<void>;
}

export class SmsPushChannel implements PushChannel {
  constructor(private readonly sms: SmsSender) {}
  async send(to: { phone: string }, _subject: string, body: string) {
    await this.sms.send(to.phone, body);
  }
}

export class EmailOutboxChannel implements PushChannel {
  constructor(private readonly store: Db<PoliciesTables>) {}
  async send(to: { email: string | null }, subject: string, body: string) {
    if (!to.email) return;
    await this.store.db
      .insertInto("policyEmailOutbox")
      .values({ address: to.email, subject, body, createdAt: nowIso(), sentAt: null })
      .execute();
  }
}

export interface Funnel {
  matched: number;
  pushed: number;
  opened: number;
  applied: number;
  granted: number;
  paid: number;
}

export interface Grant extends Selectable<PolicyGrantRow> {
  title: string;
  enterprise?: string;
}

const OBJECTION_DAYS = 5;
const PAYMENT_DAYS = 60;
const GUIDE_DAYS = 7;
const BATCH = 500;

function toBenefit(r: Selectable<BenefitRow>): Benefit {
  return {
    id: r.id,
    code: r.code,
    title: r.title,
    summary: r.summary,
    department: r.department,
    stage: r.stage,
    policyArticleId: r.policyArticleId,
    interpretationArticleId: r.interpretationArticleId,
    serviceItemCode: r.serviceItemCode,
    amount: r.amount,
    createdAt: r.createdAt,
  };
}

function toVersion(r: Selectable<RuleVersionRow>): RuleVersion {
  return {
    id: r.id,
    benefitId: r.benefitId,
    version: r.version,
    effectiveFrom: r.effectiveFrom,
    conditions: JSON.parse(r.conditions) as RuleCondition[],
    testCases: JSON.parse(r.testCases) as TestCase[],
    status: r.status,
    createdBy: r.createdBy,
    publishedAt: r.publishedAt,
  };
}

/** Whether a field comes from the shared registry (directly or computed from a registry field). */
function registryField(fact: string): boolean {
  const f = FIELD_BY_NAME.get(fact);
  if (!f) return false;
  return Boolean(f.registry) || (f.derivedFrom ? registryField(f.derivedFrom) : false);
}

interface Current {
  benefit: Benefit;
  version: RuleVersion;
  rule: CompiledRule;
  automatic: boolean;
}

/**
 * 惠企政策: benefits with versioned eligibility rules, enterprise profiles from the legal-entity registry
 * (through the exchange hub) confirmed by the enterprise, incremental matching, pushes once per
 * enterprise and benefit version, 免申即享 grants with an objection window and the payment clock.
 */
export class PoliciesService {
  private compiled = new Map<number, CompiledRule>();
  private channels: PushChannel[];

  constructor(
    private readonly store: Db<PoliciesTables>,
    private readonly audit: AuditLog,
    private readonly deps: {
      calendar: WorkingDaySource;
      registry: EntityRegistry;
      directory: EnterpriseDirectory;
      sms: SmsSender;
      /** Whether the service hall has a service item with this code (its guide). */
      serviceItemExists?: (code: string) => Promise<boolean>;
    },
  ) {
    this.channels = [new SmsPushChannel(deps.sms), new EmailOutboxChannel(store)];
  }

  private get db() {
    return this.store.db;
  }

  // —— benefits and versions ——

  async benefits(): Promise<Benefit[]> {
    return (await this.db.selectFrom("policyBenefits").selectAll().orderBy("id").execute()).map(toBenefit);
  }

  async benefit(id: number): Promise<Benefit> {
    const row = await this.db
      .selectFrom("policyBenefits")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw new UnknownBenefit();
    return toBenefit(row);
  }

  async createBenefit(
    input: Omit<Benefit, "id" | "createdAt"> & { createdAt?: string },
    actor: string,
  ): Promise<Benefit> {
    const errors: Record<string, string> = {};
    if (!/^[A-Za-z0-9-]{2,40}$/.test(input.code)) errors.code = "编号为2-40位字母、数字或连字符";
    if (!input.title.trim()) errors.title = "请填写政策事项名称";
    if (input.title.length > 200) errors.title = "名称不能超过200字";
    if (!input.department.trim()) errors.department = "请选择部门";
    if (!["start", "operate", "expand", "exit"].includes(input.stage))
      errors.stage = "请选择企业生命周期阶段";
    if (input.serviceItemCode && !(await this.serviceItemKnown(input.serviceItemCode)))
      errors.serviceItemCode = "服务大厅没有这个事项编码";
    if (Object.keys(errors).length) throw new BadPolicyInput("政策事项填写有误", errors);
    const exists = await this.db
      .selectFrom("policyBenefits")
      .select("id")
      .where("code", "=", input.code)
      .executeTakeFirst();
    if (exists) throw new BadPolicyInput("编号已被使用", { code: "编号已被使用" });
    const now = input.createdAt ?? nowIso();
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("policyBenefits")
        .values({
          code: input.code,
          title: input.title.trim(),
          summary: input.summary.trim(),
          department: input.department,
          stage: input.stage,
          policyArticleId: input.policyArticleId,
          interpretationArticleId: input.interpretationArticleId,
          serviceItemCode: input.serviceItemCode,
          amount: input.amount.trim(),
          matchedVersionId: null,
          createdAt: now,
          updatedAt: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(
        {
          actor,
          action: "policy.benefit.create",
          targetType: "policy_benefit",
          targetId: row.id,
          detail: { code: row.code },
        },
        trx,
      );
      return toBenefit(row);
    });
  }

  /** Whether the hall has this service item (unknown without a catalogue: then assumed). */
  async serviceItemKnown(code: string): Promise<boolean> {
    return this.deps.serviceItemExists ? this.deps.serviceItemExists(code) : true;
  }

  /** Links the policy document, its interpretation and the service guide (the 7-working-day rule). */
  async linkBenefit(
    id: number,
    links: {
      policyArticleId?: number | null;
      interpretationArticleId?: number | null;
      serviceItemCode?: string | null;
    },
    actor: string,
  ): Promise<void> {
    await this.benefit(id);
    if (links.serviceItemCode && !(await this.serviceItemKnown(links.serviceItemCode)))
      throw new BadPolicyInput("服务大厅没有这个事项编码", { serviceItemCode: "服务大厅没有这个事项编码" });
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("policyBenefits")
        .set({ ...links, updatedAt: nowIso() })
        .where("id", "=", id)
        .execute();
      await this.audit.record(
        { actor, action: "policy.benefit.link", targetType: "policy_benefit", targetId: id, detail: links },
        trx,
      );
    });
  }

  async versions(benefitId: number): Promise<RuleVersion[]> {
    const rows = await this.db
      .selectFrom("policyRuleVersions")
      .selectAll()
      .where("benefitId", "=", benefitId)
      .orderBy("version", "desc")
      .execute();
    return rows.map(toVersion);
  }

  async version(id: number): Promise<RuleVersion> {
    const row = await this.db
      .selectFrom("policyRuleVersions")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw new UnknownVersion();
    return toVersion(row);
  }

  /**
   * The console's list: benefits (optionally of some departments), paged, each with its newest version
   * and the version published and in force (or the newest published one when none is effective yet).
   */
  async benefitPage(
    page: number,
    pageSize: number,
    departments?: string[],
  ): Promise<{
    total: number;
    items: (Benefit & { latest: RuleVersion | null; published: RuleVersion | null })[];
  }> {
    if (departments && departments.length === 0) return { total: 0, items: [] };
    let count = this.db.selectFrom("policyBenefits").select((eb) => eb.fn.countAll().as("n"));
    let list = this.db.selectFrom("policyBenefits").selectAll();
    if (departments) {
      count = count.where("department", "in", departments);
      list = list.where("department", "in", departments);
    }
    const total = Number((await count.executeTakeFirst())?.n ?? 0);
    const rows = await list
      .orderBy("id")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    const ids = rows.map((r) => r.id);
    const versions = ids.length
      ? (
          await this.db
            .selectFrom("policyRuleVersions")
            .selectAll()
            .where("benefitId", "in", ids)
            .orderBy("version", "desc")
            .execute()
        ).map(toVersion)
      : [];
    const today = chinaDate();
    return {
      total,
      items: rows.map((r) => {
        const own = versions.filter((v) => v.benefitId === r.id);
        const published = own.filter((v) => v.status === "published");
        return {
          ...toBenefit(r),
          latest: own[0] ?? null,
          published: published.find((v) => v.effectiveFrom <= today) ?? published[0] ?? null,
        };
      }),
    };
  }

  /** 试算: one version's answer for a profile someone types in (nothing stored), condition by condition. */
  async trial(versionId: number, input: Record<string, unknown>): Promise<Evaluation> {
    const version = await this.version(versionId);
    const today = chinaDate();
    const { profile, problems } = profileProblems(input, today);
    if (Object.keys(problems).length) throw new BadProfile(problems);
    return compile(version.conditions).explain(withDerived(profile, today));
  }

  /** Checks test cases: each names a known outcome and a valid profile. */
  private testCaseProblems(cases: TestCase[]): Record<string, string> {
    const problems: Record<string, string> = {};
    cases.forEach((c, i) => {
      if (!["eligible", "possible", "ineligible"].includes(c.expected))
        problems[`testCases.${i}`] = `第${i + 1}个测试用例：请选择预期结果`;
      const { problems: p } = profileProblems(c.profile, "9999-12-31");
      if (Object.keys(p).length)
        problems[`testCases.${i}`] = `第${i + 1}个测试用例（${c.name}）：${Object.values(p).join("；")}`;
    });
    return problems;
  }

  /**
   * Saves a draft version: rules on unknown fields, values of the wrong type, missing clauses and
   * contradictions are refused here with a message per condition.
   */
  async saveVersion(
    benefitId: number,
    input: { effectiveFrom: string; conditions: RuleCondition[]; testCases: TestCase[] },
    actor: string,
  ): Promise<RuleVersion> {
    await this.benefit(benefitId);
    const problems = { ...ruleProblems(input.conditions), ...this.testCaseProblems(input.testCases) };
    if (!isDateString(input.effectiveFrom)) problems.effectiveFrom = "请填写生效日期（如 2026-01-01）";
    if (Object.keys(problems).length) throw new BadRules(problems);
    return this.db.transaction().execute(async (trx) => {
      const last = await trx
        .selectFrom("policyRuleVersions")
        .select((eb) => eb.fn.max("version").as("v"))
        .where("benefitId", "=", benefitId)
        .executeTakeFirst();
      const row = await trx
        .insertInto("policyRuleVersions")
        .values({
          benefitId,
          version: Number(last?.v ?? 0) + 1,
          effectiveFrom: input.effectiveFrom,
          conditions: JSON.stringify(input.conditions),
          testCases: JSON.stringify(input.testCases),
          status: "draft",
          createdBy: actor,
          createdAt: nowIso(),
          publishedAt: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(
        {
          actor,
          action: "policy.version.save",
          targetType: "policy_rule_version",
          targetId: row.id,
          detail: { benefitId, version: row.version },
        },
        trx,
      );
      return toVersion(row);
    });
  }

  /** Runs a version's test cases; answers the failures (case name → what happened). */
  runTestCases(
    version: Pick<RuleVersion, "conditions" | "testCases">,
    today = chinaDate(),
  ): Record<string, string> {
    const rule = compile(version.conditions);
    const failures: Record<string, string> = {};
    version.testCases.forEach((c, i) => {
      const got = rule.status(withDerived(profileProblems(c.profile, "9999-12-31").profile, today));
      if (got !== c.expected)
        failures[`testCases.${i}`] = `“${c.name}”预期${STATUS_WORD[c.expected]}，实际${STATUS_WORD[got]}`;
    });
    return failures;
  }

  /** Publishes a draft: refused unless it has test cases and every one passes. Re-matching follows. */
  async publish(versionId: number, actor: string): Promise<void> {
    const version = await this.version(versionId);
    if (version.status === "published") throw new AlreadyPublished();
    if (version.testCases.length === 0)
      throw new PublishBlocked({ testCases: "至少需要一个测试用例（企业画像与预期结果）" });
    const failures = this.runTestCases(version);
    if (Object.keys(failures).length) throw new PublishBlocked(failures);
    await this.db.transaction().execute(async (trx) => {
      const done = await trx
        .updateTable("policyRuleVersions")
        .set({ status: "published", publishedAt: nowIso() })
        .where("id", "=", versionId)
        .where("status", "=", "draft")
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) throw new AlreadyPublished();
      await this.audit.record(
        {
          actor,
          action: "policy.version.publish",
          targetType: "policy_rule_version",
          targetId: versionId,
          detail: { benefitId: version.benefitId, version: version.version },
        },
        trx,
      );
    });
    await this.enqueue("benefit", version.benefitId);
  }

  /** Each benefit's version in force today: the newest published one already effective. */
  private async current(today = chinaDate()): Promise<Current[]> {
    const rows = await this.db
      .selectFrom("policyRuleVersions")
      .selectAll()
      .where("status", "=", "published")
      .where("effectiveFrom", "<=", today)
      .orderBy("benefitId")
      .orderBy("effectiveFrom", "desc")
      .orderBy("version", "desc")
      .execute();
    const latest = new Map<number, Selectable<RuleVersionRow>>();
    for (const r of rows) if (!latest.has(r.benefitId)) latest.set(r.benefitId, r);
    const benefits = new Map((await this.benefits()).map((b) => [b.id, b]));
    const out: Current[] = [];
    for (const [benefitId, row] of latest) {
      const benefit = benefits.get(benefitId);
      if (!benefit) continue;
      const version = toVersion(row);
      let rule = this.compiled.get(version.id);
      if (!rule) {
        rule = compile(version.conditions);
        this.compiled.set(version.id, rule);
      }
      out.push({ benefit, version, rule, automatic: version.conditions.every((c) => registryField(c.fact)) });
    }
    return out;
  }

  private result(c: Current, profile: Profile): MatchResult {
    const e = c.rule.explain(profile);
    return {
      benefitId: c.benefit.id,
      versionId: c.version.id,
      title: c.benefit.title,
      department: c.benefit.department,
      amount: c.benefit.amount,
      status: e.status,
      conditions: e.conditions,
      missing: e.missing.map((f) => FIELD_BY_NAME.get(f)?.label ?? f),
      whatWouldChange: e.conditions.flatMap((t) => (t.whatWouldChange ? [t.whatWouldChange] : [])),
      automatic: c.automatic,
    };
  }

  /**
   * The anonymous "am I eligible" check: nothing stored; absurd values refused with the field named.
   * `api`: the JSON API's caller also gets an ambiguous percentage refused (see `ambiguousPercent`).
   */
  async check(input: Record<string, unknown>, options: { api?: boolean } = {}): Promise<MatchResult[]> {
    const today = chinaDate();
    const { profile, problems } = profileProblems(input, today, options);
    if (Object.keys(problems).length) throw new BadProfile(problems);
    const profiled = withDerived(profile, today);
    return (await this.current(today)).map((c) => this.result(c, profiled)).sort(byStatus);
  }

  /** The signed-in enterprise's matches, explained (computed from its stored profile). */
  async matchesFor(accountId: number): Promise<MatchResult[]> {
    const p = await this.profile(accountId);
    const today = chinaDate();
    const profile = withDerived(p ? valuesOf(p) : {}, today);
    return (await this.current(today)).map((c) => this.result(c, profile)).sort(byStatus);
  }

  // —— profiles ——

  async profile(accountId: number): Promise<EnterpriseProfile | undefined> {
    const row = await this.db
      .selectFrom("enterpriseProfiles")
      .selectAll()
      .where("accountId", "=", accountId)
      .executeTakeFirst();
    if (!row) return undefined;
    const stored = JSON.parse(row.fields) as EnterpriseProfile["fields"] & { _email?: { value: string } };
    const { _email, ...fields } = stored;
    return {
      accountId: row.accountId,
      creditCode: row.creditCode,
      name: row.name,
      fields,
      contactEmail: _email?.value ?? null,
      registryFetchedAt: row.registryFetchedAt,
    };
  }

  /** Every field with its value and source (registry / enterprise / unknown). */
  profileView(p: EnterpriseProfile | undefined): ProfileFieldView[] {
    const today = chinaDate();
    const derived = withDerived(p ? valuesOf(p) : {}, today);
    return [...FIELD_BY_NAME.values()].map((f) => {
      const own = p?.fields[f.derivedFrom ?? f.name];
      const value = f.derivedFrom ? (derived[f.name] ?? null) : (own?.value ?? null);
      return {
        name: f.name,
        label: f.label,
        value: value as ProfileValue | null,
        source: value === null || !own ? "unknown" : own.source,
        at: own?.at ?? null,
      };
    });
  }

  private async writeProfile(p: EnterpriseProfile, fetchedAt: string | null): Promise<void> {
    const fields: Record<string, unknown> = { ...p.fields };
    if (p.contactEmail) fields._email = { value: p.contactEmail, source: "enterprise", at: nowIso() };
    const values = {
      accountId: p.accountId,
      creditCode: p.creditCode,
      name: p.name,
      fields: JSON.stringify(fields),
      registryFetchedAt: fetchedAt,
      updatedAt: nowIso(),
    };
    await this.db
      .insertInto("enterpriseProfiles")
      .values(values)
      .onConflict((oc) => oc.column("accountId").doUpdateSet(values))
      .execute();
    await this.enqueue("profile", p.accountId);
  }

  /**
   * Reads the enterprise's record from the legal-entity registry through the exchange hub and keeps its
   * fields as `registry` values (the enterprise's own statements of other fields stay).
   */
  async refreshFromRegistry(accountId: number): Promise<{ ok: boolean; message: string }> {
    const contact = await this.deps.directory.contact(accountId);
    if (!contact?.creditCode) return { ok: false, message: "账号没有统一社会信用代码" };
    const answer = await this.deps.registry.entity(contact.creditCode, `HQZC-${accountId}-${chinaDate()}`);
    const existing = (await this.profile(accountId)) ?? {
      accountId,
      creditCode: contact.creditCode,
      name: contact.name,
      fields: {},
      contactEmail: null,
      registryFetchedAt: null,
    };
    if (!answer.ok) return { ok: false, message: answer.message };
    const at = nowIso();
    for (const f of EDITABLE_FIELDS) {
      if (!f.registry) continue;
      const v = answer.record[f.registry];
      if (v === null || v === undefined || v === "") continue;
      const value =
        typeof v === "string" ? v.trim() : typeof v === "number" || typeof v === "boolean" ? v : String(v);
      existing.fields[f.name] = { value, source: "registry", at };
    }
    if (typeof answer.record.name === "string") existing.name = answer.record.name;
    await this.writeProfile(existing, at);
    return { ok: true, message: "已从法人单位基础信息库更新" };
  }

  /**
   * The enterprise states or corrects fields (empty clears its own statement). A value that differs
   * from the registry's becomes the enterprise's (shown so); absurd values are refused per field.
   */
  async confirmProfile(
    accountId: number,
    input: Record<string, unknown>,
    contactEmail: string | null,
  ): Promise<void> {
    const { profile, problems } = profileProblems(input);
    if (contactEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(contactEmail))
      problems.contactEmail = "电子邮箱格式不正确";
    if (Object.keys(problems).length) throw new BadProfile(problems);
    const contact = await this.deps.directory.contact(accountId);
    const existing = (await this.profile(accountId)) ?? {
      accountId,
      creditCode: contact?.creditCode ?? "",
      name: contact?.name ?? "",
      fields: {},
      contactEmail: null,
      registryFetchedAt: null,
    };
    const at = nowIso();
    for (const name of Object.keys(input)) {
      const value = profile[name];
      const had = existing.fields[name];
      if (value === undefined || value === null) {
        if (had?.source === "enterprise") delete existing.fields[name];
      } else if (!had || had.value !== value) existing.fields[name] = { value, source: "enterprise", at };
    }
    existing.contactEmail = contactEmail || null;
    await this.writeProfile(existing, existing.registryFetchedAt);
  }

  /** Stores profiles as given (bulk loads: the bench and the demo). */
  async loadProfiles(profiles: EnterpriseProfile[]): Promise<void> {
    for (let i = 0; i < profiles.length; i += BATCH) {
      const now = nowIso();
      await this.db
        .insertInto("enterpriseProfiles")
        .values(
          profiles.slice(i, i + BATCH).map((p) => ({
            accountId: p.accountId,
            creditCode: p.creditCode,
            name: p.name,
            fields: JSON.stringify(p.fields),
            registryFetchedAt: p.registryFetchedAt,
            updatedAt: now,
          })),
        )
        .onConflict((oc) => oc.column("accountId").doNothing())
        .execute();
    }
  }

  // —— matching ——

  /** Marks a changed profile or benefit for re-matching (coalesced: one row per thing). */
  async enqueue(kind: "profile" | "benefit", refId: number): Promise<void> {
    await this.db
      .insertInto("policyRematchQueue")
      .values({ kind, refId, enqueuedAt: nowIso() })
      .onConflict((oc) => oc.columns(["kind", "refId"]).doNothing())
      .execute();
  }

  /**
   * Works through the re-match queue: a changed profile is matched against every benefit in force, a
   * changed benefit against every profile. Also picks up versions that came into force by date and
   * closes objection windows. Answers how many items it processed.
   */
  async sweep(): Promise<number> {
    const today = chinaDate();
    const current = await this.current(today);
    const matched = new Map(
      (await this.db.selectFrom("policyBenefits").select(["id", "matchedVersionId"]).execute()).map((b) => [
        b.id,
        b.matchedVersionId,
      ]),
    );
    for (const c of current)
      if (matched.get(c.benefit.id) !== c.version.id) await this.enqueue("benefit", c.benefit.id);
    let processed = 0;
    for (;;) {
      const items = await this.db
        .selectFrom("policyRematchQueue")
        .selectAll()
        .orderBy("enqueuedAt")
        .limit(100)
        .execute();
      if (items.length === 0) break;
      for (const item of items) {
        // Claim the item: whoever deletes it does the work (parallel sweeps never double it).
        const claimed = await this.db
          .deleteFrom("policyRematchQueue")
          .where("kind", "=", item.kind)
          .where("refId", "=", item.refId)
          .where("enqueuedAt", "=", item.enqueuedAt)
          .executeTakeFirst();
        if (Number(claimed.numDeletedRows) === 0) continue;
        if (item.kind === "profile") await this.rematchProfile(item.refId, current, today);
        else await this.rematchBenefit(item.refId, current, today);
        processed++;
      }
    }
    await this.closeObjectionWindows();
    return processed;
  }

  private async rematchProfile(accountId: number, current: Current[], today: string): Promise<void> {
    const p = await this.profile(accountId);
    if (!p) return;
    const profile = withDerived(valuesOf(p), today);
    const found = current.map((c) => ({ c, status: c.rule.status(profile) }));
    await this.storeMatches(
      { accountId },
      found.filter((f) => f.status !== "ineligible").map((f) => row(accountId, f.c, f.status, profile)),
    );
    await this.deliver(
      found
        .filter((f) => f.status === "eligible")
        .map((f) => ({ accountId, c: f.c, profile: { fields: withEmail(p) } })),
    );
  }

  private async rematchBenefit(benefitId: number, current: Current[], today: string): Promise<void> {
    const c = current.find((x) => x.benefit.id === benefitId);
    if (!c) {
      await this.db.deleteFrom("policyMatches").where("benefitId", "=", benefitId).execute();
      return;
    }
    await this.matchAll([c], today);
  }

  /**
   * Matches every stored profile against the given benefits: profiles read in pages, each rule
   * compiled once, statuses computed in memory, results and pushes written in batches.
   */
  async matchAll(
    only?: Current[],
    today = chinaDate(),
    options: { pageSize?: number; onProgress?: (done: number) => void } = {},
  ): Promise<{ profiles: number; matches: number }> {
    const current = only ?? (await this.current(today));
    const benefitIds = current.map((c) => c.benefit.id);
    if (benefitIds.length === 0) return { profiles: 0, matches: 0 };
    const pageSize = options.pageSize ?? 5000;
    let last = -1;
    let profiles = 0;
    let matches = 0;
    for (;;) {
      const page = await this.db
        .selectFrom("enterpriseProfiles")
        .select(["accountId", "fields"])
        .where("accountId", ">", last)
        .orderBy("accountId")
        .limit(pageSize)
        .execute();
      if (page.length === 0) break;
      last = page[page.length - 1]!.accountId;
      const rows: MatchRowValues[] = [];
      const eligible: { accountId: number; c: Current; fields: string }[] = [];
      for (const p of page) {
        const fields = JSON.parse(p.fields) as EnterpriseProfile["fields"];
        const profile = withDerived(valuesOf({ fields }), today);
        for (const c of current) {
          const status = c.rule.status(profile);
          if (status === "ineligible") continue;
          rows.push(row(p.accountId, c, status, profile));
          if (status === "eligible") eligible.push({ accountId: p.accountId, c, fields: p.fields });
        }
      }
      await this.storeMatches({ benefitIds, from: page[0]!.accountId, to: last }, rows);
      await this.deliver(
        eligible.map((e) => ({ accountId: e.accountId, c: e.c, profile: { fields: JSON.parse(e.fields) } })),
      );
      profiles += page.length;
      matches += rows.length;
      options.onProgress?.(profiles);
    }
    for (const c of current)
      await this.db
        .updateTable("policyBenefits")
        .set({ matchedVersionId: c.version.id })
        .where("id", "=", c.benefit.id)
        .execute();
    return { profiles, matches };
  }

  /** Replaces the stored matches of one enterprise, or of some benefits over a range of enterprises. */
  private async storeMatches(
    scope: { accountId: number } | { benefitIds: number[]; from: number; to: number },
    rows: MatchRowValues[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      let del = trx.deleteFrom("policyMatches");
      if ("accountId" in scope) del = del.where("accountId", "=", scope.accountId);
      else
        del = del
          .where("benefitId", "in", scope.benefitIds)
          .where("accountId", ">=", scope.from)
          .where("accountId", "<=", scope.to);
      await del.execute();
      for (let i = 0; i < rows.length; i += BATCH)
        await trx
          .insertInto("policyMatches")
          .values(rows.slice(i, i + BATCH))
          .onConflict((oc) =>
            oc.columns(["accountId", "benefitId"]).doUpdateSet((eb) => ({
              versionId: eb.ref("excluded.versionId"),
              status: eb.ref("excluded.status"),
              trace: eb.ref("excluded.trace"),
              matchedAt: eb.ref("excluded.matchedAt"),
            })),
          )
          .execute();
    });
  }

  /**
   * New eligible matches reach the enterprise once per benefit version: the push row's unique key
   * (enterprise, version) decides who sends, so parallel runs never push twice. Benefits decidable
   * from shared data are granted (免申即享) with an objection window and a notice.
   */
  private async deliver(
    found: { accountId: number; c: Current; profile: Pick<EnterpriseProfile, "fields"> }[],
  ) {
    if (found.length === 0) return;
    const cal = found.some((f) => f.c.automatic) ? await this.deps.calendar.current() : null;
    for (let i = 0; i < found.length; i += BATCH) {
      const chunk = found.slice(i, i + BATCH);
      const now = nowIso();
      const messages = new Map<string, string>();
      const grants: Omit<PolicyGrantRow, "id">[] = [];
      for (const f of chunk) {
        const fromShared =
          f.c.automatic &&
          f.c.version.conditions.every((cond) => sourceOf(f.profile, cond.fact) === "registry");
        let message = `【楚云政务】贵单位符合“${f.c.benefit.title}”的申请条件，请登录企业服务专区查看并申请。`;
        if (fromShared && cal) {
          const until = cal.addWorkingDays(new Date(now), OBJECTION_DAYS).toISOString();
          grants.push({
            accountId: f.accountId,
            benefitId: f.c.benefit.id,
            versionId: f.c.version.id,
            status: "noticed",
            noticedAt: now,
            objectionUntil: until,
            grantedAt: null,
            payDue: null,
            paidAt: null,
            objection: null,
          });
          message = `【楚云政务】免申即享：贵单位符合“${f.c.benefit.title}”条件，无需申请，公示至${chinaTime(until).slice(0, 10)}，如有异议请在企业服务专区提出。`;
        }
        messages.set(`${f.accountId}:${f.c.version.id}`, message);
      }
      const inserted = await this.db
        .insertInto("policyPushes")
        .values(
          chunk.map((f) => ({
            accountId: f.accountId,
            benefitId: f.c.benefit.id,
            versionId: f.c.version.id,
            status: "eligible" as const,
            message: messages.get(`${f.accountId}:${f.c.version.id}`)!,
            createdAt: now,
            openedAt: null,
            appliedAt: null,
          })),
        )
        .onConflict((oc) => oc.columns(["accountId", "versionId"]).doNothing())
        .returning(["accountId", "versionId", "message"])
        .execute();
      if (grants.length)
        await this.db
          .insertInto("policyGrants")
          .values(grants)
          .onConflict((oc) => oc.columns(["accountId", "versionId"]).doNothing())
          .execute();
      // One message per enterprise per run (a digest when several benefits are new).
      const byAccount = new Map<number, string[]>();
      for (const p of inserted)
        byAccount.set(p.accountId, [...(byAccount.get(p.accountId) ?? []), p.message]);
      for (const [accountId, list] of byAccount) {
        const contact = await this.deps.directory.contact(accountId);
        if (!contact) continue;
        const stored = chunk.find((f) => f.accountId === accountId)?.profile.fields as
          Record<string, { value: unknown }> | undefined;
        const email = typeof stored?._email?.value === "string" ? stored._email.value : null;
        const body =
          list.length === 1
            ? list[0]!
            : `【楚云政务】贵单位有${list.length}项惠企政策可享受或已免申兑现，请登录企业服务专区查看。`;
        for (const channel of this.channels)
          await channel.send({ phone: contact.phone, email }, "惠企政策提醒", body);
      }
    }
  }

  // —— the enterprise's inbox and grants ——

  async inbox(accountId: number) {
    return this.db
      .selectFrom("policyPushes")
      .innerJoin("policyBenefits", "policyBenefits.id", "policyPushes.benefitId")
      .select([
        "policyPushes.id",
        "policyPushes.benefitId",
        "policyPushes.message",
        "policyPushes.createdAt",
        "policyPushes.openedAt",
        "policyPushes.appliedAt",
        "policyBenefits.title",
      ])
      .where("policyPushes.accountId", "=", accountId)
      .orderBy("policyPushes.id", "desc")
      .limit(50)
      .execute();
  }

  /** The enterprise opened its zone: its pushes count as opened (the funnel). */
  async markOpened(accountId: number): Promise<void> {
    await this.db
      .updateTable("policyPushes")
      .set({ openedAt: nowIso() })
      .where("accountId", "=", accountId)
      .where("openedAt", "is", null)
      .execute();
  }

  /** The enterprise went to the fast application: counted as applied (once). */
  async markApplied(accountId: number, benefitId: number): Promise<void> {
    await this.db
      .updateTable("policyPushes")
      .set({ appliedAt: nowIso() })
      .where("accountId", "=", accountId)
      .where("benefitId", "=", benefitId)
      .where("appliedAt", "is", null)
      .execute();
  }

  async grantsOf(accountId: number): Promise<Grant[]> {
    return this.db
      .selectFrom("policyGrants")
      .innerJoin("policyBenefits", "policyBenefits.id", "policyGrants.benefitId")
      .selectAll("policyGrants")
      .select("policyBenefits.title")
      .where("policyGrants.accountId", "=", accountId)
      .orderBy("policyGrants.id", "desc")
      .execute();
  }

  async grants(
    page: number,
    pageSize: number,
    filter: { departments?: string[]; status?: GrantStatus } = {},
  ): Promise<{ total: number; items: Grant[] }> {
    if (filter.departments && filter.departments.length === 0) return { total: 0, items: [] };
    let count = this.db
      .selectFrom("policyGrants")
      .innerJoin("policyBenefits", "policyBenefits.id", "policyGrants.benefitId")
      .select((eb) => eb.fn.countAll().as("n"));
    let list = this.db
      .selectFrom("policyGrants")
      .innerJoin("policyBenefits", "policyBenefits.id", "policyGrants.benefitId")
      .leftJoin("enterpriseProfiles", "enterpriseProfiles.accountId", "policyGrants.accountId")
      .selectAll("policyGrants")
      .select(["policyBenefits.title", "enterpriseProfiles.name as enterprise"]);
    if (filter.departments) {
      count = count.where("policyBenefits.department", "in", filter.departments);
      list = list.where("policyBenefits.department", "in", filter.departments);
    }
    if (filter.status) {
      count = count.where("policyGrants.status", "=", filter.status);
      list = list.where("policyGrants.status", "=", filter.status);
    }
    const total = await count.executeTakeFirst();
    const items = await list
      .orderBy("policyGrants.id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return {
      total: Number(total?.n ?? 0),
      items: items.map((g) => ({ ...g, enterprise: g.enterprise ?? "" })),
    };
  }

  /** One grant with its benefit's title (for the console). */
  async grant(id: number): Promise<Grant & { department: string }> {
    const g = await this.db
      .selectFrom("policyGrants")
      .innerJoin("policyBenefits", "policyBenefits.id", "policyGrants.benefitId")
      .selectAll("policyGrants")
      .select(["policyBenefits.title", "policyBenefits.department"])
      .where("policyGrants.id", "=", id)
      .executeTakeFirst();
    if (!g) throw new NotYourGrant();
    return g;
  }

  /** The enterprise objects within the window: the grant stops until staff look at it. */
  async object(accountId: number, grantId: number, reason: string): Promise<void> {
    const text = reason.trim();
    if (!text) throw new BadPolicyInput("请填写异议内容", { reason: "请填写异议内容" });
    if (text.length > 500)
      throw new BadPolicyInput("异议内容不能超过500字", { reason: "异议内容不能超过500字" });
    const g = await this.db
      .selectFrom("policyGrants")
      .selectAll()
      .where("id", "=", grantId)
      .where("accountId", "=", accountId)
      .executeTakeFirst();
    if (!g) throw new NotYourGrant();
    const done = await this.db
      .updateTable("policyGrants")
      .set({ status: "objected", objection: text })
      .where("id", "=", grantId)
      .where("status", "=", "noticed")
      .where("objectionUntil", ">", nowIso())
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) === 0) throw new ObjectionClosed();
  }

  /** Grants whose objection window passed without objection: granted, the 60-working-day clock starts. */
  async closeObjectionWindows(now = new Date()): Promise<number> {
    const due = await this.db
      .selectFrom("policyGrants")
      .select("id")
      .where("status", "=", "noticed")
      .where("objectionUntil", "<=", now.toISOString())
      .execute();
    if (due.length === 0) return 0;
    const cal = await this.deps.calendar.current();
    const payDue = cal.addWorkingDays(now, PAYMENT_DAYS).toISOString();
    let n = 0;
    for (const g of due) {
      const done = await this.db
        .updateTable("policyGrants")
        .set({ status: "granted", grantedAt: now.toISOString(), payDue })
        .where("id", "=", g.id)
        .where("status", "=", "noticed")
        .executeTakeFirst();
      n += Number(done.numUpdatedRows);
    }
    return n;
  }

  /**
   * Staff decide an objection (audited): `uphold` keeps the grant (granted now, the 60-working-day
   * payment clock starts), `withdraw` withdraws it.
   */
  async decideObjection(grantId: number, decision: "uphold" | "withdraw", actor: string): Promise<void> {
    const now = new Date();
    const payDue =
      decision === "uphold"
        ? (await this.deps.calendar.current()).addWorkingDays(now, PAYMENT_DAYS).toISOString()
        : null;
    await this.db.transaction().execute(async (trx) => {
      const done = await trx
        .updateTable("policyGrants")
        .set(
          decision === "uphold"
            ? { status: "granted", grantedAt: now.toISOString(), payDue }
            : { status: "withdrawn" },
        )
        .where("id", "=", grantId)
        .where("status", "=", "objected")
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0)
        throw new BadPolicyInput("只有企业提出异议的记录可以作出处理决定");
      await this.audit.record(
        {
          actor,
          action: `policy.grant.${decision}`,
          targetType: "policy_grant",
          targetId: grantId,
          detail: { payDue },
        },
        trx,
      );
    });
  }

  /** Staff record the payment (audited). */
  async markPaid(grantId: number, actor: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const done = await trx
        .updateTable("policyGrants")
        .set({ status: "paid" as GrantStatus, paidAt: nowIso() })
        .where("id", "=", grantId)
        .where("status", "=", "granted")
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) throw new BadPolicyInput("只有已兑现待拨付的记录可以登记拨付");
      await this.audit.record(
        { actor, action: "policy.grant.paid", targetType: "policy_grant", targetId: grantId },
        trx,
      );
    });
  }

  // —— figures and warnings ——

  /** Public funnel: matched → pushed → opened → applied/granted → paid. */
  async funnel(): Promise<Funnel> {
    const count = async (q: Promise<{ n: string | number | bigint } | undefined>) =>
      Number((await q)?.n ?? 0);
    const db = this.store.read;
    return {
      matched: await count(
        db
          .selectFrom("policyMatches")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("status", "=", "eligible")
          .executeTakeFirst(),
      ),
      pushed: await count(
        db
          .selectFrom("policyPushes")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirst(),
      ),
      opened: await count(
        db
          .selectFrom("policyPushes")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("openedAt", "is not", null)
          .executeTakeFirst(),
      ),
      applied: await count(
        db
          .selectFrom("policyPushes")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("appliedAt", "is not", null)
          .executeTakeFirst(),
      ),
      granted: await count(
        db
          .selectFrom("policyGrants")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("status", "in", ["granted", "paid"])
          .executeTakeFirst(),
      ),
      paid: await count(
        db
          .selectFrom("policyGrants")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("status", "=", "paid")
          .executeTakeFirst(),
      ),
    };
  }

  /** Benefits still lacking their interpretation or service guide, with the 7-working-day limit. */
  async guideWarnings(
    now = new Date(),
  ): Promise<{ benefit: Benefit; missing: string[]; due: string; overdue: boolean }[]> {
    const cal = await this.deps.calendar.current();
    return (await this.benefits()).flatMap((b) => {
      const missing = [
        ...(b.interpretationArticleId ? [] : ["政策解读"]),
        ...(b.serviceItemCode ? [] : ["办事指南"]),
      ];
      if (missing.length === 0) return [];
      const due = cal.addWorkingDays(new Date(b.createdAt), GUIDE_DAYS);
      return [{ benefit: b, missing, due: due.toISOString(), overdue: due <= now }];
    });
  }

  /** Stored matches of one enterprise (what the pushes came from). */
  async storedMatches(accountId: number) {
    return this.db.selectFrom("policyMatches").selectAll().where("accountId", "=", accountId).execute();
  }
}

export const STATUS_WORD: Record<Status, string> = {
  eligible: "符合",
  possible: "可能符合（缺少数据）",
  ineligible: "不符合",
};

const ORDER: Record<Status, number> = { eligible: 0, possible: 1, ineligible: 2 };
function byStatus(a: MatchResult, b: MatchResult) {
  return ORDER[a.status] - ORDER[b.status] || a.benefitId - b.benefitId;
}

function valuesOf(p: Pick<EnterpriseProfile, "fields">): Profile {
  const out: Profile = {};
  for (const [k, v] of Object.entries(p.fields)) if (!k.startsWith("_")) out[k] = v.value;
  return out;
}

function withEmail(p: EnterpriseProfile): EnterpriseProfile["fields"] {
  return p.contactEmail
    ? { ...p.fields, _email: { value: p.contactEmail, source: "enterprise", at: "" } }
    : p.fields;
}

function sourceOf(p: Pick<EnterpriseProfile, "fields">, fact: string): FieldSource {
  const f = FIELD_BY_NAME.get(fact);
  const own = p.fields[f?.derivedFrom ?? fact];
  return own ? own.source : "unknown";
}

interface MatchRowValues {
  accountId: number;
  benefitId: number;
  versionId: number;
  status: Status;
  trace: string;
  matchedAt: string;
}

function row(accountId: number, c: Current, status: Status, profile: Profile): MatchRowValues {
  // The stored trace keeps what the answer rests on (the missing fields); the full explanation is
  // recomputed from the profile and the version when someone reads it.
  const missing =
    status === "possible"
      ? c.version.conditions.filter((x) => profile[x.fact] == null).map((x) => x.fact)
      : [];
  return {
    accountId,
    benefitId: c.benefit.id,
    versionId: c.version.id,
    status,
    trace: JSON.stringify({ missing }),
    matchedAt: nowIso(),
  };
}
