import { randomBytes } from "node:crypto";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { Db } from "../../platform/db/database.ts";

import { nowIso } from "../../platform/time/china-time.ts";

import { forbidden, notFound, Conflict, Invalid } from "../../platform/http/errors.ts";

import { maskInText } from "../../platform/mask/mask.ts";

import type { SitesService } from "../sites/index.ts";

import { AssistantEngine, MESSAGES, type AssistantAnswer, type AssistantContext } from "./engine.ts";

import type { FaqEntry } from "./faq-file.ts";

import { cleanText, type GuardKind } from "./guard.ts";

import type { HandOff, HandOffReceipt } from "./handoff.ts";

import {
  AssistantRepo,
  snapshotOf,
  toRecord,
  type FaqLink,
  type FaqRecord,
  type PublishedFaq,
} from "./repo.ts";

import type { AssistantTables } from "./tables.ts";

import { matchServiceItems, type ServiceGuides } from "./service-links.ts";

import { KvStore, type KvScope } from "../../platform/kv/kv-store.ts";

import type { LetterService } from "../mailbox/index.ts";

export type { FaqLink, FaqRecord, PublishedFaq } from "./repo.ts";
export type { ServiceGuideItem, ServiceGuides } from "./service-links.ts";

export interface Actor {
  id: number | null;
  name: string;
}

/** Which site (by code) owns the entries of an FAQ department; unknown departments go to the portal. */
export const DEPARTMENT_SITES: Record<string, string> = {
  税务: "swj",
  人社: "rst",
  住房公积金: "zjt",
  不动产登记: "zjt",
  公安: "gat",
  医保: "ybj",
  市场监管: "scjg",
  教育: "jyt",
  民政: "mzt",
  交通: "www",
  政务服务平台: "www",
};

export interface AskResult extends AssistantAnswer {
  conversationId: string;
  turnId: number;
  /** Links of the answered entry to the service guide / policy. */
  links: FaqLink[];
  /** The answered entry's own question (the source the answer cites). */
  sourceQuestion: string | null;
  department: string | null;
}

export interface FaqInput {
  siteId: number;
  department: string;
  category: string;
  question: string;
  alternatives: string[];
  answer: string;
  keywords: string[];
  links: FaqLink[];
}

export interface HandOffInput {
  name: string;
  phone: string;
  code: string;
  email: string;
  message: string;
  publishConsent: boolean;
}

export interface QueueGroup {
  question: string;
  count: number;
  lowRated: number;
  examples: string[];
  turnIds: number[];
  lastAt: string;
}

/** A published mailbox letter offered as an FAQ candidate (public, masked texts only). */
export interface LetterCandidate {
  id: number;
  siteId: number;
  ownerSiteId: number | null;
  publicSubject: string | null;
  publicContent: string | null;
  publicAnswer: string | null;
  publishedAt: string | null;
}

/** The first sentence of a text, at most `max` characters. */
function summary(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const first = /^.+?[。！？!?；;]/.exec(flat)?.[0] ?? flat;
  const chars = [...first];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : first;
}
const CONVERSATION_ID = /^[A-Za-z0-9_-]{22}$/;
/** Turns that are not a matter to title a hand-off letter with (asking for a person, greetings, empty input…). */
const NOT_A_MATTER = new Set<string>([
  "handoff",
  "chitchat",
  "empty",
  "no_content",
  "too_long",
  "unsafe_markup",
  "injection",
] satisfies GuardKind[]);
/** How often the links to the service hall's items are matched again (items change without the FAQ). */
const LINKS_REFRESH_MS = 60_000;
/** Stored questions are capped: the guard refuses longer ones anyway. */
const STORED_QUESTION_CHARS = 300;

function newConversationId(): string {
  return randomBytes(16).toString("base64url");
}

function toEngineEntry(faq: PublishedFaq): FaqEntry {
  return {
    id: faq.id,
    department: faq.department,
    category: faq.category,
    question: faq.question,
    alternatives: faq.alternatives,
    answer: faq.answer,
    keywords: faq.keywords,
  };
}

/** Character bigrams of a question without punctuation (for grouping similar questions). */
function bigrams(text: string): Set<string> {
  const chars = [...text.replace(/[\p{P}\p{S}\s]/gu, "").toLowerCase()];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  if (chars.length === 1) out.add(chars[0]);
  return out;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return both / (a.size + b.size - both);
}

/** Groups questions by character-bigram similarity (greedy, newest first); biggest groups first. */
export function groupQuestions(
  turns: { id: number; question: string; rating: number | null; createdAt: string }[],
  similarity = 0.4,
): QueueGroup[] {
  const groups: (QueueGroup & { grams: Set<string> })[] = [];
  for (const turn of turns) {
    const grams = bigrams(turn.question);
    let best: (typeof groups)[number] | undefined;
    let bestScore = similarity;
    for (const g of groups) {
      const s = jaccard(grams, g.grams);
      if (s >= bestScore) [best, bestScore] = [g, s];
    }
    if (!best) {
      best = {
        question: turn.question,
        count: 0,
        lowRated: 0,
        examples: [],
        turnIds: [],
        lastAt: turn.createdAt,
        grams,
      };
      groups.push(best);
    }
    best.count++;
    if (turn.rating === -1) best.lowRated++;
    best.turnIds.push(turn.id);
    if (best.examples.length < 3 && !best.examples.includes(turn.question)) best.examples.push(turn.question);
  }
  return groups
    .sort((a, b) => b.count - a.count || b.lastAt.localeCompare(a.lastAt))
    .map(({ grams: _g, ...g }) => g);
}

function cleanList(values: string[], maxItems: number, maxChars: number): string[] {
  return [...new Set(values.map((v) => cleanText(v)).filter(Boolean))]
    .slice(0, maxItems)
    .map((v) => v.slice(0, maxChars));
}

export function validateFaqInput(input: FaqInput): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!input.question.trim()) errors.question = "请填写标准问题";
  else if (input.question.length > 200) errors.question = "标准问题不能超过200字";
  if (!input.answer.trim()) errors.answer = "请填写答案";
  else if (input.answer.length > 4000) errors.answer = "答案不能超过4000字";
  if (!input.category.trim() || input.category.length > 40) errors.category = "请填写分类（40字以内）";
  if (!input.department.trim() || input.department.length > 40)
    errors.department = "请填写所属部门（40字以内）";
  if (input.alternatives.length > 30) errors.alternatives = "相似问法最多30条";
  if (input.alternatives.some((a) => a.length > 200)) errors.alternatives = "每条相似问法不能超过200字";
  if (input.keywords.length > 20) errors.keywords = "关键词最多20个";
  if (input.keywords.some((k) => k.length > 30)) errors.keywords = "每个关键词不能超过30字";
  if (input.links.length > 10) errors.links = "相关链接最多10条";
  for (const link of input.links) {
    if (!link.title || link.title.length > 100 || !/^(\/[^\s]*|https:\/\/[^\s]+)$/.test(link.href))
      errors.links = "相关链接每行写“标题 | 地址”，地址以 / 或 https:// 开头";
  }
  return errors;
}

/** What the assistant keeps in the kv table (platform/kv), by key. */
interface AssistantKv {
  /** Changes whenever the published knowledge base does: every instance rebuilds its engine. */
  "kb-version": string;
  /** A published letter turned into an FAQ entry: the entry's id ("" while being created). */
  [letterUsed: `letter-faq:${number}`]: string;
}

const LETTER_USED = "letter-faq:";

export class AssistantService {
  readonly repo: AssistantRepo;
  private readonly kv: KvScope<AssistantKv>;
  private engine: AssistantEngine | null = null;
  private engineVersion: string | null = null;
  private entries = new Map<string, PublishedFaq>();
  private building: Promise<AssistantEngine> | null = null;
  private checkedAt = 0;
  /** Milliseconds the last engine build took (shown in the console). */
  lastBuildMs = 0;
  private readonly threshold: number | undefined;
  private readonly guides: ServiceGuides | null;
  /** Service hall links per entry id, matched when the engine is built and refreshed every minute. */
  private serviceLinks = new Map<string, FaqLink[]>();
  private readonly changeListeners: (() => void)[] = [];
  private linksAt = 0;

  constructor(
    private readonly store: Db<AssistantTables>,
    private readonly sites: SitesService,
    private readonly audit: AuditLog,
    readonly handOff: HandOff,
    /** The mailbox's published letters (FAQ candidates) and hand-off counts. */
    private readonly letters: LetterService,
    options: {
      threshold?: number;
      /** The service hall's published items, linked under matching answers (办事指南, 在线办理). */
      guides?: ServiceGuides;
    } = {},
  ) {
    this.threshold = options.threshold;
    this.guides = options.guides ?? null;
    this.repo = new AssistantRepo(store.db);
    this.kv = new KvStore(store.db).scope<AssistantKv>("assistant");
  }

  // ---- engine ----

  private async kbVersion(): Promise<string> {
    return (await this.kv.get("kb-version")) ?? "0";
  }

  /** Marks the published knowledge base changed: every instance rebuilds its engine. */
  private async bumpVersion(): Promise<void> {
    const value = `${Date.now()}-${randomBytes(4).toString("hex")}`;
    await this.kv.set("kb-version", value);
    this.checkedAt = 0;
    await this.currentEngine();
    for (const listener of this.changeListeners) listener();
  }

  /**
   * Calls `listener` after this instance changed the published knowledge base (the container
   * announces it on the invalidation bus, so the other instances call `invalidate`).
   */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** Another instance changed the knowledge base: the next question checks the version at once. */
  invalidate(): void {
    this.checkedAt = 0;
  }

  /**
   * The engine over the published entries, shared by all requests. Rebuilt when the knowledge base
   * version changes (checked at most every 5 s, so other instances' changes arrive too).
   */
  /** How many entries the assistant answers from now (the 网站工作年度报表's 智能问答 row). */
  async publishedCount(): Promise<number> {
    await this.currentEngine();
    return this.entries.size;
  }

  async currentEngine(): Promise<AssistantEngine> {
    const now = Date.now();
    if (this.engine && now - this.checkedAt < 5000) return this.engine;
    if (this.building) return this.building;
    this.building = (async () => {
      try {
        const version = await this.kbVersion();
        this.checkedAt = Date.now();
        if (this.engine && version === this.engineVersion) {
          if (this.checkedAt - this.linksAt > LINKS_REFRESH_MS) await this.refreshServiceLinks();
          return this.engine;
        }
        const published = await this.repo.publishedFaqs();
        const started = performance.now();
        const engine = new AssistantEngine(
          published.map(toEngineEntry),
          this.threshold === undefined ? {} : { threshold: this.threshold },
        );
        this.lastBuildMs = performance.now() - started;
        this.entries = new Map(published.map((p) => [p.id, p]));
        this.engine = engine;
        this.engineVersion = version;
        await this.refreshServiceLinks();
        return engine;
      } finally {
        this.building = null;
      }
    })();
    return this.building;
  }

  /** Matches the published entries to the service hall's published items (a failure keeps the old links). */
  private async refreshServiceLinks(): Promise<void> {
    this.linksAt = Date.now();
    if (!this.guides) return;
    try {
      const items = await this.guides.publishedItems();
      const matches = matchServiceItems([...this.entries.values()].map(toEngineEntry), items);
      const links = new Map<string, FaqLink[]>();
      for (const [id, found] of matches)
        links.set(
          id,
          found.flatMap((item): FaqLink[] => [
            { kind: "service", title: item.name, href: item.guideHref },
            { kind: "apply", title: item.name, href: item.applyHref },
          ]),
        );
      this.serviceLinks = links;
    } catch {
      // The service hall is unavailable: answers keep the links they had.
    }
  }

  /** An entry's own links, then the matching service item's guide and online application. */
  linksOf(entry: PublishedFaq | undefined): FaqLink[] {
    if (!entry) return [];
    const own = entry.links;
    const extra = (this.serviceLinks.get(entry.id) ?? []).filter((l) => !own.some((o) => o.href === l.href));
    return [...own, ...extra];
  }

  /**
   * Builds the engine and loads its dictionaries (jieba, pinyin load lazily) so the first citizen's
   * question after a start is answered as fast as the rest.
   */
  async warmUp(): Promise<void> {
    const engine = await this.currentEngine();
    engine.ask("公积金怎么提取");
  }

  publishedEntry(id: string): PublishedFaq | undefined {
    return this.entries.get(id);
  }

  // ---- asking ----

  async ask(question: unknown, conversationId: unknown, siteId: number | null): Promise<AskResult> {
    const engine = await this.currentEngine();
    const db = this.store.db;
    let conversation =
      typeof conversationId === "string" && CONVERSATION_ID.test(conversationId)
        ? await this.repo.conversation(conversationId)
        : undefined;
    let context: AssistantContext | null = null;
    if (conversation?.context) {
      try {
        context = JSON.parse(conversation.context) as AssistantContext;
      } catch {
        context = null;
      }
    }
    const answer = engine.ask(question, context);
    const now = nowIso();
    if (!conversation) {
      conversation = {
        id: newConversationId(),
        siteId,
        context: null,
        turnCount: 0,
        createdAt: now,
        updatedAt: now,
      };
      await db.insertInto("assistantConversations").values(conversation).execute();
    }
    const stored = typeof question === "string" ? maskInText(cleanText(question)) : "";
    const turnId = await this.repo.insertTurn({
      conversationId: conversation.id,
      question: stored.slice(0, STORED_QUESTION_CHARS) || "（空白）",
      faqId: answer.faqId,
      answered: answer.answered,
      reason: answer.reason,
      confidence: answer.confidence,
      usedContext: answer.usedContext,
      createdAt: now,
    });
    await db
      .updateTable("assistantConversations")
      .set({
        context: answer.context ? JSON.stringify(answer.context) : conversation.context,
        turnCount: conversation.turnCount + 1,
        updatedAt: now,
      })
      .where("id", "=", conversation.id)
      .execute();
    const entry = answer.faqId ? this.entries.get(answer.faqId) : undefined;
    return {
      ...answer,
      conversationId: conversation.id,
      turnId,
      links: this.linksOf(entry),
      sourceQuestion: entry?.question ?? null,
      department: entry?.department ?? null,
    };
  }

  /** The conversation's turns with what was answered (for the page and the hand-off transcript). */
  async transcript(conversationId: string) {
    if (!CONVERSATION_ID.test(conversationId)) return [];
    const turns = await this.repo.turnsOf(conversationId);
    await this.currentEngine();
    return turns.map((t) => {
      const entry = t.faqId ? this.entries.get(t.faqId) : undefined;
      return {
        id: t.id,
        question: t.question,
        answered: t.answered === 1,
        faqId: t.faqId,
        sourceQuestion: entry?.question ?? null,
        answer: t.answered
          ? (entry?.answer ?? "该回答已更新，请重新提问。")
          : (MESSAGES[t.reason as keyof typeof MESSAGES] ?? MESSAGES.low_confidence),
        links: this.linksOf(entry),
        rating: t.rating,
        reason: t.reason,
      };
    });
  }

  async rate(conversationId: string, turnId: number, helpful: boolean): Promise<void> {
    const result = await this.store.db
      .updateTable("assistantTurns")
      .set({ rating: helpful ? 1 : -1 })
      .where("id", "=", turnId)
      .where("conversationId", "=", conversationId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound("没有找到这条回答");
  }

  /** The site owning the FAQ entry the conversation was last answered from, if any. */
  private faqSiteOf(turns: { faqId: string | null }[]): number | null {
    for (const t of [...turns].reverse()) {
      const entry = t.faqId ? this.entries.get(t.faqId) : undefined;
      if (entry) return entry.siteId;
    }
    return null;
  }

  /**
   * Hands the conversation to people (a 咨询 letter in the mailbox). The letter's own checks apply
   * (name, phone, phone code, limits); their messages come back on the hand-off form's fields.
   */
  async requestHandOff(
    conversationId: string,
    input: HandOffInput,
    siteId: number,
    ip: string,
  ): Promise<HandOffReceipt> {
    const message = input.message.normalize("NFC").trim();
    if ([...message].length > 2000)
      throw new Invalid("转人工信息填写有误", { message: "补充说明不能超过2000字" });
    const turns = await this.transcript(conversationId);
    if (turns.length === 0 && !message) {
      throw new Invalid("请先描述您的问题", { message: "请填写您要咨询的问题" });
    }
    const transcript = turns
      .map(
        (t) =>
          `问：${t.question}\n答：${t.answered ? `${t.answer}（知识库条目 ${t.faqId}“${t.sourceQuestion}”）` : t.answer}`,
      )
      .join("\n");
    // The letter is titled with what the citizen asked, not with 帮我转人工 or 你好.
    const asked = turns.filter((t) => !NOT_A_MATTER.has(t.reason));
    const open = [...asked].reverse().find((t) => !t.answered) ?? asked[asked.length - 1];
    const subject = open ? open.question : message.split(/\r?\n/)[0] || turns[0].question;
    return this.handOff.create({
      conversationId: CONVERSATION_ID.test(conversationId) ? conversationId : "",
      siteId,
      faqSiteId: this.faqSiteOf(turns),
      subject,
      name: input.name.normalize("NFC").trim(),
      phone: input.phone.trim(),
      code: input.code.trim(),
      email: input.email.trim(),
      message,
      publishConsent: input.publishConsent,
      transcript,
      ip,
    });
  }

  // ---- knowledge base ----

  private async auditFaq(actor: Actor, action: string, id: string, detail: Record<string, unknown> = {}) {
    await this.audit.record({
      actor: actor.name,
      action: `assistant.faq.${action}`,
      targetType: "faq",
      targetId: id,
      detail,
    });
  }

  normaliseInput(input: FaqInput): FaqInput {
    return {
      siteId: input.siteId,
      department: input.department.trim(),
      category: input.category.trim(),
      question: cleanText(input.question),
      alternatives: cleanList(input.alternatives, 31, 201),
      answer: input.answer.normalize("NFC").trim(),
      keywords: cleanList(input.keywords, 21, 31),
      links: input.links,
    };
  }

  async createEntry(raw: FaqInput, actor: Actor, id?: string): Promise<FaqRecord> {
    const input = this.normaliseInput(raw);
    const errors = validateFaqInput(input);
    if (!this.sites.byId(input.siteId)) errors.siteId = "请选择所属网站";
    if (Object.keys(errors).length > 0) throw new Invalid("问答条目填写有误", errors);
    const now = nowIso();
    const faqId = id ?? (await this.repo.nextFaqId());
    await this.store.db
      .insertInto("assistantFaqs")
      .values({
        id: faqId,
        siteId: input.siteId,
        department: input.department,
        category: input.category,
        question: input.question,
        alternatives: JSON.stringify(input.alternatives),
        answer: input.answer,
        keywords: JSON.stringify(input.keywords),
        links: JSON.stringify(input.links),
        status: "draft",
        publishedJson: null,
        publishedAt: null,
        version: 1,
        createdBy: actor.id,
        reviewedBy: null,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    await this.auditFaq(actor, "create", faqId, { question: input.question });
    return toRecord((await this.repo.faqById(faqId))!);
  }

  async entry(id: string): Promise<FaqRecord> {
    const row = await this.repo.faqById(id);
    if (!row) throw notFound("问答条目不存在");
    return toRecord(row);
  }

  /** Saves the working copy; a live version stays live until the new one is reviewed. */
  async updateEntry(id: string, raw: FaqInput, actor: Actor): Promise<FaqRecord> {
    const current = await this.entry(id);
    const input = this.normaliseInput(raw);
    const errors = validateFaqInput(input);
    if (!this.sites.byId(input.siteId)) errors.siteId = "请选择所属网站";
    if (Object.keys(errors).length > 0) throw new Invalid("问答条目填写有误", errors);
    await this.store.db
      .updateTable("assistantFaqs")
      .set({
        siteId: input.siteId,
        department: input.department,
        category: input.category,
        question: input.question,
        alternatives: JSON.stringify(input.alternatives),
        answer: input.answer,
        keywords: JSON.stringify(input.keywords),
        links: JSON.stringify(input.links),
        status: "draft",
        version: current.version + 1,
        updatedAt: nowIso(),
      })
      .where("id", "=", id)
      .execute();
    await this.auditFaq(actor, "update", id, { version: current.version + 1 });
    return this.entry(id);
  }

  async submit(id: string, actor: Actor): Promise<void> {
    const entry = await this.entry(id);
    if (entry.status !== "draft") throw new Conflict("只有草稿可以送审");
    await this.setStatus(id, "submitted");
    await this.auditFaq(actor, "submit", id);
  }

  /** Review: publish the working copy (it becomes what the assistant answers). */
  async publish(id: string, actor: Actor): Promise<void> {
    const entry = await this.entry(id);
    if (entry.status !== "submitted") throw new Conflict("只有待审核的条目可以发布");
    const now = nowIso();
    await this.store.db
      .updateTable("assistantFaqs")
      .set({
        status: "published",
        publishedJson: snapshotOf(entry),
        publishedAt: now,
        reviewedBy: actor.id,
        updatedAt: now,
      })
      .where("id", "=", id)
      .execute();
    await this.auditFaq(actor, "publish", id, { version: entry.version });
    await this.bumpVersion();
  }

  /** Review: send back to the editor. */
  async reject(id: string, actor: Actor, note: string): Promise<void> {
    const entry = await this.entry(id);
    if (entry.status !== "submitted") throw new Conflict("只有待审核的条目可以退回");
    await this.setStatus(id, "draft");
    await this.auditFaq(actor, "reject", id, { note: note.slice(0, 500) });
  }

  /** Takes the entry off the assistant (the working copy stays as a draft). */
  async unpublish(id: string, actor: Actor): Promise<void> {
    const entry = await this.entry(id);
    if (!entry.live) throw new Conflict("该条目未上线");
    await this.store.db
      .updateTable("assistantFaqs")
      .set({ status: "draft", publishedJson: null, publishedAt: null, updatedAt: nowIso() })
      .where("id", "=", id)
      .execute();
    await this.auditFaq(actor, "unpublish", id);
    await this.bumpVersion();
  }

  private async setStatus(id: string, status: FaqRecord["status"]): Promise<void> {
    await this.store.db
      .updateTable("assistantFaqs")
      .set({ status, updatedAt: nowIso() })
      .where("id", "=", id)
      .execute();
  }

  /**
   * Imports the public FAQ file with its ids, published (the file is the reviewed public knowledge
   * base). Idempotent: unchanged entries are left alone; entries edited in the console (version > 1)
   * are kept as the editors left them.
   */
  async importEntries(
    entries: FaqEntry[],
    alternatives: Map<string, string[]>,
    actor: Actor,
    options: { replace?: boolean } = {},
  ): Promise<{ created: number; updated: number; unchanged: number; kept: number; retired: number }> {
    await this.sites.refresh();
    const portal = this.sites.portalSite() ?? this.sites.list()[0];
    if (!portal)
      throw new Error("no sites: create the portal site (or seed the demo) before importing the FAQ");
    const counts = { created: 0, updated: 0, unchanged: 0, kept: 0, retired: 0 };
    const now = nowIso();
    for (const e of entries) {
      const site = this.sites.byCodeCached(DEPARTMENT_SITES[e.department] ?? "") ?? portal;
      const alts = [...new Set([...(e.alternatives ?? []), ...(alternatives.get(e.id) ?? [])])];
      const existing = await this.repo.faqById(e.id);
      const links: FaqLink[] = existing ? toRecord(existing).links : [];
      const published: PublishedFaq = {
        id: e.id,
        siteId: site.id,
        department: e.department,
        category: e.category,
        question: e.question,
        alternatives: alts,
        answer: e.answer,
        keywords: e.keywords,
        links,
      };
      const values = {
        siteId: site.id,
        department: e.department,
        category: e.category,
        question: e.question,
        alternatives: JSON.stringify(alts),
        answer: e.answer,
        keywords: JSON.stringify(e.keywords),
        links: JSON.stringify(links),
        status: "published" as const,
        publishedJson: snapshotOf(published),
        updatedAt: now,
      };
      if (!existing) {
        await this.store.db
          .insertInto("assistantFaqs")
          .values({
            id: e.id,
            ...values,
            publishedAt: now,
            version: 1,
            createdBy: null,
            reviewedBy: null,
            createdAt: now,
          })
          .execute();
        counts.created++;
      } else if (existing.version > 1) {
        counts.kept++;
      } else if (existing.publishedJson === values.publishedJson && existing.status === "published") {
        counts.unchanged++;
      } else {
        await this.store.db
          .updateTable("assistantFaqs")
          .set({ ...values, publishedAt: now })
          .where("id", "=", e.id)
          .execute();
        counts.updated++;
      }
    }
    if (options.replace) {
      // The knowledge base becomes equal to the file: live entries it does not list are retired
      // (taken offline and back to draft, so nothing is lost), each with its own audit record.
      const listed = new Set(entries.map((e) => e.id));
      const live = await this.store.db
        .selectFrom("assistantFaqs")
        .select(["id", "question"])
        .where("publishedJson", "is not", null)
        .execute();
      for (const row of live) {
        if (listed.has(row.id)) continue;
        await this.store.db
          .updateTable("assistantFaqs")
          .set({ status: "draft", publishedJson: null, publishedAt: null, updatedAt: now })
          .where("id", "=", row.id)
          .execute();
        await this.audit.record({
          actor: actor.name,
          action: "assistant.faq.retire",
          targetType: "faq",
          targetId: row.id,
          detail: { question: row.question, reason: "导入文件中没有该条目（--replace，与来源知识库同步）" },
        });
        counts.retired++;
      }
    }
    await this.audit.record({
      actor: actor.name,
      action: "assistant.faq.import",
      targetType: "faq",
      targetId: "*",
      detail: { ...counts, entries: entries.length },
    });
    if (counts.created + counts.updated + counts.retired > 0) await this.bumpVersion();
    return counts;
  }

  // ---- mailbox letters as FAQ candidates ----

  /** Letters already turned into FAQ entries (they are no longer candidates). */
  private async usedLetterIds(): Promise<number[]> {
    return (await this.kv.keys(LETTER_USED)).map((k) => Number(k.slice(LETTER_USED.length)));
  }

  /** Published letters of these sites (null: all) not yet turned into FAQ entries, newest first. */
  async letterCandidates(
    siteIds: number[] | null,
    page: number,
    pageSize = 20,
  ): Promise<{ rows: LetterCandidate[]; total: number }> {
    return this.letters.publishedLetters({ siteIds, excludeIds: await this.usedLetterIds() }, page, pageSize);
  }

  /**
   * Turns a published letter into a draft FAQ entry (question = the public subject, the content's
   * first sentence as an alternative phrasing, answer = the published reply) in the normal review
   * flow. Only the masked public texts are used. A letter is used once.
   */
  async entryFromLetter(letterId: number, siteIds: number[] | null, actor: Actor): Promise<FaqRecord> {
    const key = `${LETTER_USED}${letterId}` as const;
    const used = await this.kv.get(key);
    if (used !== undefined) throw new Conflict(`该信件已转为问答条目 ${used}`);
    const [letter] = (await this.letters.publishedLetters({ siteIds: null, id: letterId }, 1, 1)).rows;
    if (!letter) throw notFound("该信件不存在或未公开");
    const allowed = [letter.ownerSiteId, letter.siteId].filter(
      (id): id is number => id != null && (siteIds === null || siteIds.includes(id)),
    );
    if (allowed.length === 0) throw forbidden("您没有管理该信件所属网站知识库的权限");
    const siteId = allowed[0];
    const site = this.sites.byId(siteId);
    const department =
      Object.entries(DEPARTMENT_SITES).find(([, code]) => code === site?.code)?.[0] ??
      [...(site?.name ?? "领导信箱")].slice(0, 40).join("");
    const subject = cleanText(letter.publicSubject ?? "");
    const detail = summary(letter.publicContent ?? "", 120);
    const letterSite = this.sites.byId(letter.siteId);
    // Claim the letter first, so a double click does not make two entries.
    if (!(await this.kv.setIfAbsent(key, ""))) throw new Conflict("该信件已转为问答条目");
    try {
      const entry = await this.createEntry(
        {
          siteId,
          department,
          category: "领导信箱",
          question: [...subject].slice(0, 200).join(""),
          alternatives: detail && detail !== subject ? [detail] : [],
          answer: (letter.publicAnswer ?? "").trim(),
          keywords: [],
          links: [
            {
              kind: "page",
              title: [...`领导信箱：${subject}`].slice(0, 100).join(""),
              href: `/sites/${letterSite?.code ?? "www"}/interaction/letters/${letterId}`,
            },
          ],
        },
        actor,
      );
      await this.kv.set(key, entry.id);
      await this.audit.record({
        actor: actor.name,
        action: "assistant.faq.from_letter",
        targetType: "faq",
        targetId: entry.id,
        detail: { letterId },
      });
      return entry;
    } catch (error) {
      await this.kv.delete(key);
      throw error;
    }
  }

  // ---- editor queue and figures ----

  async queue(limit = 2000): Promise<QueueGroup[]> {
    return groupQuestions(await this.repo.queueTurns(limit));
  }

  /**
   * The queue's one-step fix for a miss that a live entry answers: the question becomes another
   * phrasing of that entry, live at once in its published version and in its working copy (a phrasing
   * leads questions to an answer already reviewed; it changes no answer). Audited; the group leaves
   * the queue; every instance uses it within seconds.
   */
  async addAlternative(faqId: string, question: string, turnIds: number[], actor: Actor): Promise<FaqRecord> {
    const row = await this.repo.faqById(faqId);
    if (!row) throw new Invalid("没有找到该问答条目", { faqId: "请选择或填写一个已上线的条目编号" });
    if (row.publishedJson === null)
      throw new Invalid("该条目未上线", { faqId: "只能加到已上线的条目，请选择其他条目" });
    const phrasing = cleanText(question);
    if (!phrasing) throw new Invalid("请填写问法", { question: "请填写要加入的问法" });
    if ([...phrasing].length > 200) throw new Invalid("问法过长", { question: "每条相似问法不能超过200字" });
    const live = JSON.parse(row.publishedJson) as PublishedFaq;
    const working = toRecord(row);
    const withPhrasing = (list: string[]) => (list.includes(phrasing) ? list : [...list, phrasing]);
    if (withPhrasing(live.alternatives).length > 30 || withPhrasing(working.alternatives).length > 30)
      throw new Invalid("相似问法已满", { faqId: "该条目的相似问法已有30条，请先在条目中整理" });
    await this.store.db
      .updateTable("assistantFaqs")
      .set({
        alternatives: JSON.stringify(withPhrasing(working.alternatives)),
        publishedJson: snapshotOf({ ...live, alternatives: withPhrasing(live.alternatives) }),
        updatedAt: nowIso(),
      })
      .where("id", "=", faqId)
      .execute();
    await this.auditFaq(actor, "add_alternative", faqId, { question: phrasing, turns: turnIds.length });
    if (turnIds.length > 0) await this.resolve(turnIds, actor);
    await this.bumpVersion();
    return this.entry(faqId);
  }

  /**
   * The queue's one-step fix for a miss no entry answers: a new entry, put live at once when the
   * editor may also review that site (created, submitted and published, each audited), else sent
   * for review. The group leaves the queue.
   */
  async entryFromQueue(
    raw: FaqInput,
    turnIds: number[],
    actor: Actor,
    mayPublish: boolean,
  ): Promise<FaqRecord> {
    const entry = await this.createEntry(raw, actor);
    await this.submit(entry.id, actor);
    if (mayPublish) await this.publish(entry.id, actor);
    if (turnIds.length > 0) await this.resolve(turnIds, actor);
    return this.entry(entry.id);
  }

  async resolve(turnIds: number[], actor: Actor): Promise<void> {
    await this.repo.resolveTurns(turnIds);
    await this.audit.record({
      actor: actor.name,
      action: "assistant.queue.resolve",
      targetType: "assistant_turns",
      targetId: turnIds.slice(0, 20).join(","),
      detail: { count: turnIds.length },
    });
  }

  async figures(days = 30) {
    const since = new Date(Date.now() - days * 86400000).toISOString();
    // Hand-offs are mailbox letters filed from the assistant.
    const s = {
      ...(await this.repo.stats(since)),
      handoffs: await this.letters.countFiledSince("assistant", since),
    };
    return {
      ...s,
      days,
      answerRate: s.questions > 0 ? s.answered / s.questions : null,
      handoffRate: s.conversations > 0 ? s.handoffs / s.conversations : null,
    };
  }
}
