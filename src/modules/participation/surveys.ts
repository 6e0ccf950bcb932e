import type { Selectable } from "kysely";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import { hasRole, sitesWithRole, type StaffPrincipal } from "../staff/index.ts";

import type { Db } from "../../platform/db/database.ts";
import { paginate, type Page } from "../../platform/db/paginate.ts";

import { nowIso, chinaDate } from "../../platform/time/china-time.ts";

import { forbidden, notFound, Conflict, Invalid, TooMany } from "../../platform/http/errors.ts";

import { maskInText } from "../../platform/mask/mask.ts";

import { MANAGE_ROLES, parsePeriod, phaseOf, type Phase } from "./consultations.ts";

import type { ParticipationTables, QuestionKind, SurveyQuestionRow, SurveyRow } from "./tables.ts";

import { normalisePhone, PHONE_PATTERN, type PhoneVerifier } from "../../platform/phone/phone-verify.ts";

export type Survey = Selectable<SurveyRow>;

export const QUESTION_KINDS: Record<string, string> = {
  single: "单选题",
  multi: "多选题",
  scale: "评分题（1至5分）",
  text: "填空题（文字回答）",
};

export const SCALE = [1, 2, 3, 4, 5];
export const SCALE_LABELS: Record<number, string> = {
  1: "1分（很不满意）",
  2: "2分",
  3: "3分",
  4: "4分",
  5: "5分（很满意）",
};

export const MAX_QUESTIONS = 50;
export const MAX_OPTIONS = 20;
/** Answers per client address per hour (phone codes are limited too: 20 per address per hour). */
export const ANSWERS_PER_IP_PER_HOUR = 30;

export interface SurveyQuestion {
  id: number;
  sort: number;
  kind: string;
  text: string;
  options: string[];
  required: boolean;
}

export interface SurveyInput {
  siteId: number;
  title: string;
  description: string;
  startDate: string;
  endDate: string;
}

export interface QuestionInput {
  kind: string;
  text: string;
  /** Choice options, one per line. */
  options: string;
  required: boolean;
}

/** What a citizen chose: per question id, the raw values (option indexes, a score, or text). */
export type AnswerValues = Record<number, string[]>;

export interface QuestionResult {
  question: SurveyQuestion;
  /** Respondents who answered this question. */
  answered: number;
  /** Per option (choice) or per score 1..5 (scale): label and count. Empty for text questions. */
  rows: { label: string; count: number }[];
  /** Scale questions: the mean score, one decimal. */
  average: number | null;
}

const len = (s: string) => [...s].length;

function toQuestion(r: Selectable<SurveyQuestionRow>): SurveyQuestion {
  let options: string[] = [];
  try {
    const parsed: unknown = JSON.parse(r.options);
    if (Array.isArray(parsed)) options = parsed.map(String);
  } catch {
    options = [];
  }
  return { id: r.id, sort: r.sort, kind: r.kind, text: r.text, options, required: r.required === 1 };
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === "23505" || /UNIQUE constraint failed/i.test(e?.message ?? "");
}

/** 网上调查: questions of several types, one answer per verified person, results as charts. */
export class SurveyService {
  constructor(
    private readonly store: Db<ParticipationTables>,
    private readonly audit: AuditLog,
    private readonly phone: PhoneVerifier,
  ) {}

  private get db() {
    return this.store.db;
  }

  // ---------------------------------------------------------------- public

  async listForSite(siteId: number | null, page: number, pageSize = 20) {
    const now = nowIso();
    let q = this.db.selectFrom("surveys").where("status", "=", "published").where("opensAt", "<=", now);
    if (siteId != null) q = q.where("siteId", "=", siteId);
    const found = await paginate(
      q
        .select(["id", "title", "opensAt", "closesAt", "siteId", "status"])
        .orderBy("closesAt", "desc")
        .orderBy("id", "desc"),
      page,
      pageSize,
    );
    return {
      ...found,
      rows: found.rows.map((r) => {
        const phase = phaseOf(r, now);
        return { ...r, phase, open: phase === "open" };
      }),
    };
  }

  async get(id: number): Promise<Survey> {
    const row = await this.db.selectFrom("surveys").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("该调查不存在");
    return row;
  }

  async getPublished(id: number, siteId: number | null): Promise<Survey> {
    const row = await this.db
      .selectFrom("surveys")
      .selectAll()
      .where("id", "=", id)
      .where("status", "=", "published")
      .executeTakeFirst();
    if (!row || (siteId != null && row.siteId !== siteId) || row.opensAt > nowIso())
      throw notFound("该调查不存在或尚未发布");
    return row;
  }

  async questions(surveyId: number): Promise<SurveyQuestion[]> {
    const rows = await this.db
      .selectFrom("surveyQuestions")
      .selectAll()
      .where("surveyId", "=", surveyId)
      .orderBy("sort")
      .orderBy("id")
      .execute();
    return rows.map(toQuestion);
  }

  async responseCount(surveyId: number): Promise<number> {
    const r = await this.db
      .selectFrom("surveyResponses")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("surveyId", "=", surveyId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  expectOpen(s: Survey, now = new Date()): void {
    const phase: Phase = phaseOf(s, now.toISOString());
    if (phase === "closed")
      throw new Conflict(`本次调查已于${chinaDate(s.closesAt)}结束，不再接收答卷`, {}, "closed");
    if (phase === "upcoming") throw new Conflict(`本次调查将于${chinaDate(s.opensAt)}开始`, {}, "not_open");
    if (phase === "draft") throw notFound("该调查不存在或尚未发布");
  }

  /** Checks the answers against the questions; returns per-field messages keyed `q<id>`. */
  validateAnswers(questions: SurveyQuestion[], values: AnswerValues): Record<string, string> {
    const e: Record<string, string> = {};
    for (const q of questions) {
      const raw = (values[q.id] ?? []).map((v) => v.trim()).filter((v) => v !== "");
      const key = `q${q.id}`;
      if (raw.length === 0) {
        if (q.required) e[key] = q.kind === "text" ? "请填写此题" : "请选择此题的答案";
        continue;
      }
      if (q.kind === "single" || q.kind === "multi") {
        const ok = raw.every((v) => /^\d{1,2}$/.test(v) && Number(v) < q.options.length);
        if (!ok) e[key] = "所选答案不在选项范围内";
        else if (q.kind === "single" && raw.length > 1) e[key] = "此题只能选择一项";
      } else if (q.kind === "scale") {
        if (raw.length > 1 || !/^[1-5]$/.test(raw[0])) e[key] = "请选择1至5分";
      } else if (q.kind === "text") {
        if (len(raw[0]) > 1000) e[key] = "回答不能超过1000字";
      }
    }
    return e;
  }

  /**
   * One answer per verified person: the phone code is checked, then only a keyed hash of the phone
   * is stored (survey_responses.person_hash, unique per survey).
   */
  async answer(
    input: { surveyId: number; values: AnswerValues; phone: string; code: string; ip: string },
    now = new Date(),
  ): Promise<void> {
    const s = await this.get(input.surveyId);
    this.expectOpen(s, now);
    const questions = await this.questions(s.id);
    const e = this.validateAnswers(questions, input.values);
    const phone = normalisePhone(input.phone);
    if (!PHONE_PATTERN.test(phone)) e.phone = "请填写正确的11位手机号码";
    if (!/^\d{6}$/.test(input.code.trim())) e.code = "请填写6位短信验证码";
    if (Object.keys(e).length) throw new Invalid("答卷有误，请修改后重新提交", e);
    const ipHash = this.phone.ipHash(input.ip);
    const byIp = await this.db
      .selectFrom("surveyResponses")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("ipHash", "=", ipHash)
      .where("createdAt", ">", new Date(now.getTime() - 3_600_000).toISOString())
      .executeTakeFirstOrThrow();
    if (Number(byIp.n) >= ANSWERS_PER_IP_PER_HOUR) throw new TooMany("当前网络提交答卷过于频繁，请稍后再试");

    await this.phone.verify(phone, "survey", input.code, now);
    const personHash = this.phone.personHash(phone);
    const already = () =>
      new Conflict("您已参加过本次调查，每人只能提交一次答卷。感谢参与！", { phone: "已提交过答卷" });
    try {
      await this.db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom("surveyResponses")
          .select("id")
          .where("surveyId", "=", s.id)
          .where("personHash", "=", personHash)
          .executeTakeFirst();
        if (existing) throw already();
        const response = await trx
          .insertInto("surveyResponses")
          .values({ surveyId: s.id, personHash, createdAt: now.toISOString(), ipHash })
          .returning("id")
          .executeTakeFirstOrThrow();
        const rows: { responseId: number; questionId: number; value: string }[] = [];
        for (const q of questions) {
          const raw = (input.values[q.id] ?? []).map((v) => v.trim()).filter((v) => v !== "");
          const unique = q.kind === "multi" ? [...new Set(raw)] : raw.slice(0, 1);
          for (const value of unique) rows.push({ responseId: response.id, questionId: q.id, value });
        }
        if (rows.length) await trx.insertInto("surveyAnswers").values(rows).execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw already();
      throw error;
    }
  }

  /** Counts per option / score, from the stored answers. Text questions only report how many answered. */
  async results(surveyId: number): Promise<QuestionResult[]> {
    const questions = await this.questions(surveyId);
    if (questions.length === 0) return [];
    const ids = questions.map((q) => q.id);
    const choiceIds = questions.filter((q) => q.kind !== "text").map((q) => q.id);
    const [grouped, answered] = await Promise.all([
      choiceIds.length
        ? this.db
            .selectFrom("surveyAnswers")
            .select(["questionId", "value", (eb) => eb.fn.countAll<number>().as("n")])
            .where("questionId", "in", choiceIds)
            .groupBy(["questionId", "value"])
            .execute()
        : Promise.resolve([]),
      this.db
        .selectFrom("surveyAnswers")
        .select(["questionId", (eb) => eb.fn.count<number>("responseId").distinct().as("n")])
        .where("questionId", "in", ids)
        .groupBy("questionId")
        .execute(),
    ]);
    const answeredBy = new Map(answered.map((a) => [a.questionId, Number(a.n)]));
    return questions.map((q) => {
      const counts = new Map<string, number>();
      for (const g of grouped) if (g.questionId === q.id) counts.set(g.value, Number(g.n));
      let rows: { label: string; count: number }[] = [];
      let average: number | null = null;
      if (q.kind === "single" || q.kind === "multi")
        rows = q.options.map((label, i) => ({ label, count: counts.get(String(i)) ?? 0 }));
      if (q.kind === "scale") {
        rows = SCALE.map((n) => ({ label: SCALE_LABELS[n], count: counts.get(String(n)) ?? 0 }));
        const total = rows.reduce((s, r) => s + r.count, 0);
        average = total
          ? Math.round((SCALE.reduce((s, n, i) => s + n * rows[i].count, 0) / total) * 10) / 10
          : null;
      }
      return { question: q, answered: answeredBy.get(q.id) ?? 0, rows, average };
    });
  }

  /** Free-text answers to one question, for staff, with ID and phone numbers masked. */
  async textAnswers(
    surveyId: number,
    questionId: number,
    page: number,
    pageSize = 20,
  ): Promise<Page<{ at: string; text: string }>> {
    const q = this.db
      .selectFrom("surveyAnswers")
      .innerJoin("surveyResponses", "surveyResponses.id", "surveyAnswers.responseId")
      .where("surveyResponses.surveyId", "=", surveyId)
      .where("surveyAnswers.questionId", "=", questionId);
    const found = await paginate(
      q
        .select(["surveyResponses.createdAt as at", "surveyAnswers.value as text"])
        .orderBy("surveyResponses.id", "desc"),
      page,
      pageSize,
    );
    return { ...found, rows: found.rows.map((r) => ({ at: r.at, text: maskInText(r.text) })) };
  }

  // ---------------------------------------------------------------- staff

  canManage(staff: StaffPrincipal, siteId: number): boolean {
    return hasRole(staff, MANAGE_ROLES, siteId);
  }

  async getForStaff(id: number, staff: StaffPrincipal): Promise<Survey> {
    const s = await this.get(id);
    if (!this.canManage(staff, s.siteId)) throw forbidden("只有该网站的管理员或编辑可以管理此调查");
    return s;
  }

  async listForStaff(staff: StaffPrincipal, page: number, pageSize = 20) {
    const siteIds = sitesWithRole(staff, MANAGE_ROLES);
    if (siteIds && siteIds.length === 0) return { rows: [], total: 0, page: 1 };
    let q = this.db.selectFrom("surveys");
    if (siteIds) q = q.where("siteId", "in", siteIds);
    return paginate(q.selectAll().orderBy("id", "desc"), page, pageSize);
  }

  private validate(input: SurveyInput, staff: StaffPrincipal) {
    const e: Record<string, string> = {};
    const title = input.title.trim();
    const description = input.description.trim();
    if (!title) e.title = "请填写调查标题";
    else if (len(title) > 100) e.title = "标题不能超过100字";
    if (len(description) > 2000) e.description = "说明不能超过2000字";
    if (!this.canManage(staff, input.siteId)) e.siteId = "请选择您有权管理的网站";
    const period = parsePeriod(input.startDate, input.endDate, e);
    if (Object.keys(e).length || !period) throw new Invalid("填写的内容有误，请修改后重新保存", e);
    return { title, description, ...period };
  }

  private async record(staff: StaffPrincipal, action: string, id: number, detail: Record<string, unknown>) {
    await this.audit.record({
      actor: staff.username,
      action: `survey.${action}`,
      targetType: "survey",
      targetId: id,
      detail,
    });
  }

  async create(input: SurveyInput, staff: StaffPrincipal): Promise<number> {
    const v = this.validate(input, staff);
    const now = nowIso();
    const row = await this.db
      .insertInto("surveys")
      .values({
        siteId: input.siteId,
        title: v.title,
        description: v.description,
        opensAt: v.opensAt,
        closesAt: v.closesAt,
        createdAt: now,
        status: "draft",
        publishedAt: null,
        createdBy: staff.id,
        updatedAt: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await this.record(staff, "create", row.id, { siteId: input.siteId, title: v.title });
    return row.id;
  }

  async update(id: number, input: Omit<SurveyInput, "siteId">, staff: StaffPrincipal): Promise<void> {
    const s = await this.getForStaff(id, staff);
    if (phaseOf(s) === "closed") throw new Conflict("调查已结束，不能再修改");
    const v = this.validate({ ...input, siteId: s.siteId }, staff);
    await this.db
      .updateTable("surveys")
      .set({ ...v, updatedAt: nowIso() })
      .where("id", "=", id)
      .execute();
    await this.record(staff, "update", id, v);
  }

  private async editableDraft(id: number, staff: StaffPrincipal): Promise<Survey> {
    const s = await this.getForStaff(id, staff);
    if (s.status !== "draft") throw new Conflict("调查已发布，不能再修改题目（否则已收到的答卷无法统计）");
    return s;
  }

  async addQuestion(id: number, input: QuestionInput, staff: StaffPrincipal): Promise<void> {
    await this.editableDraft(id, staff);
    const e: Record<string, string> = {};
    const text = input.text.trim();
    if (!Object.hasOwn(QUESTION_KINDS, input.kind)) e.kind = "请选择题型";
    if (!text) e.text = "请填写题目";
    else if (len(text) > 300) e.text = "题目不能超过300字";
    const options = input.options
      .split(/\r?\n/)
      .map((o) => o.trim())
      .filter(Boolean);
    if (input.kind === "single" || input.kind === "multi") {
      if (options.length < 2) e.options = "选择题至少需要2个选项，每行一个";
      else if (options.length > MAX_OPTIONS) e.options = `选项不能超过${MAX_OPTIONS}个`;
      else if (options.some((o) => len(o) > 100)) e.options = "每个选项不能超过100字";
      else if (new Set(options).size !== options.length) e.options = "选项不能重复";
    }
    const existing = await this.questions(id);
    if (existing.length >= MAX_QUESTIONS) e.text = `每个调查最多${MAX_QUESTIONS}道题`;
    if (Object.keys(e).length) throw new Invalid("题目填写有误", e);
    const stored = input.kind === "single" || input.kind === "multi" ? options : [];
    const sort = existing.reduce((m, q) => Math.max(m, q.sort), 0) + 1;
    const row = await this.db
      .insertInto("surveyQuestions")
      .values({
        surveyId: id,
        sort,
        kind: input.kind as QuestionKind, // checked above
        text,
        options: JSON.stringify(stored),
        required: input.required ? 1 : 0,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await this.record(staff, "question_add", id, { questionId: row.id, kind: input.kind, text });
  }

  async removeQuestion(id: number, questionId: number, staff: StaffPrincipal): Promise<void> {
    await this.editableDraft(id, staff);
    const res = await this.db
      .deleteFrom("surveyQuestions")
      .where("id", "=", questionId)
      .where("surveyId", "=", id)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) !== 1) throw notFound("该题目不存在");
    await this.record(staff, "question_remove", id, { questionId });
  }

  async publish(id: number, staff: StaffPrincipal): Promise<void> {
    const s = await this.editableDraft(id, staff);
    if ((await this.questions(id)).length === 0) throw new Conflict("请至少添加一道题目再发布");
    if (s.closesAt < nowIso())
      throw new Conflict("结束日期已过，请先修改调查期限再发布", { endDate: "结束日期已过" });
    const res = await this.db
      .updateTable("surveys")
      .set({ status: "published", publishedAt: nowIso(), updatedAt: nowIso() })
      .where("id", "=", id)
      .where("status", "=", "draft")
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new Conflict("调查已发布");
    await this.record(staff, "publish", id, {});
  }
}
