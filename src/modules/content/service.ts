import { diffWords } from "diff";

import { sameOriginPath } from "../../platform/http/safe-redirect.ts";
import type { Transaction, UpdateQueryBuilder, UpdateResult } from "kysely";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { Db } from "../../platform/db/database.ts";

import { chinaYear, isDateString, nowIso, parseInstant } from "../../platform/time/china-time.ts";

import { tablesOf, type AnyView } from "../../platform/db/database.ts";

import { htmlToText, looksLikeHtml, sanitizeRichText, textToHtml } from "../../platform/html/sanitize.ts";

import { notFound, Invalid } from "../../platform/http/errors.ts";

import type { SearchIndex } from "../../platform/search/search-index.ts";

import type {
  ArticleKind,
  ArticleStatus,
  ContentTables,
  ReviewAction,
  UnpublishReason,
  Validity,
} from "./tables.ts";

import { checkText, type ContentFinding, type KnownLeader } from "./content-check.ts";
import { NATIONAL_LEADERS } from "./check-lists.ts";

import type { Channel, Site, SitesService } from "../sites/index.ts";

import { articlePath, canonicalSiteId, readingSiteId, type ArticleHref } from "./article-address.ts";

import { checkAttachment } from "../../platform/files/attachments.ts";

import { DEFAULT_INDEX_FORMAT, formatIndexNo, normaliseDocNumberInput } from "./policy-numbers.ts";

import { ContentRepo, type Article } from "./repo.ts";

import { putBlob } from "../../platform/files/blob-store.ts";

export type { Article };

export const ARTICLE_KINDS: Record<string, string> = {
  news: "工作动态",
  notice: "通知公告",
  policy: "政策文件",
  interpretation: "政策解读",
  report: "政府工作报告",
  budget: "财政预决算",
  disclosure_report: "政府信息公开年度报告",
  website_report: "网站工作年度报表",
};

export const VALIDITY = ["有效", "修改", "废止", "失效"] as const;

export const STATUS_LABELS: Record<string, string> = {
  draft: "草稿",
  submitted: "待审核",
  scheduled: "定时发布",
  published: "已发布",
  withdrawn: "已撤回",
  unpublished: "已撤稿",
};

/** The name of review stage `stage` of a submission with `stages` stages (一审: 审核; 三审: 初审, 复审, 终审). */
export function stageName(stage: number, stages: number): string {
  if (stages <= 1) return "审核";
  if (stage >= stages) return "终审";
  return stage <= 1 ? "初审" : "复审";
}

const CHANGED_BEFORE_PUBLISHING =
  "本信息在您操作期间已被修改或处理（如审核中修改后重新送审），未发布，请查看最新状态";

/** Submitted for review, or passed by every stage and waiting for its publishing time. */
const underReview = (article: Pick<Article, "status">) => ["submitted", "scheduled"].includes(article.status);

/** The state a publisher acted on: the status, and after a last stage's pass, that round. */
export interface PublishedFrom {
  status: ArticleStatus;
  round?: number;
}

function asSeen(
  article: Pick<Article, "status" | "reviewRound" | "reviewStage">,
  from: PublishedFrom,
): boolean {
  if (article.status !== from.status) return false;
  return from.round === undefined || (article.reviewRound === from.round && article.reviewStage === 0);
}

/** The same condition on an update of the article's row (PostgreSQL re-checks it after a lock wait). */
function whereAsSeen<Q extends UpdateQueryBuilder<ContentTables, "articles", "articles", UpdateResult>>(
  query: Q,
  from: PublishedFrom,
): Q {
  let q = query.where("status", "=", from.status);
  if (from.round !== undefined) q = q.where("reviewRound", "=", from.round).where("reviewStage", "=", 0);
  return q as Q;
}

/** The columns whose change a review must see again (what the public reads, and how it is filed). */
const REVIEWED_COLUMNS = [
  "kind",
  "title",
  "summary",
  "bodyHtml",
  "source",
  "keywords",
  "author",
  "docNumber",
  "issuer",
  "writtenAt",
  "theme",
  "validity",
  "policyId",
  "tableJson",
  "publishedAt",
] as const;

function contentChanged(before: Article, after: Article): boolean {
  return REVIEWED_COLUMNS.some((column) => before[column] !== after[column]);
}

function checkBlocked(serious: ContentFinding[]): Invalid {
  const found = [...new Set(serious.map((f) => f.message))].slice(0, 5).join("；");
  return new Invalid(
    `内容检查发现 ${serious.length} 处严重表述错误（${found}），请修改后再提交`,
    {
      override: "请修改正文；确需保留时，由审核员填写放行理由",
    },
    "content_check",
  );
}

/** Why an article is taken down; decides what its address shows afterwards. */
export const UNPUBLISH_REASONS: Record<string, string> = {
  error: "误发（页面下线）",
  consolidated: "已整合（跳转到新地址）",
  withdrawn: "撤回（页面保留并说明）",
};

export interface ArticleInput {
  kind: string;
  title: string;
  /** Rich text; sanitised on the way in. */
  bodyHtml?: string;
  /** Plain text whose line breaks become paragraphs (used when bodyHtml is absent). */
  bodyText?: string;
  summary?: string;
  source?: string;
  keywords?: string;
  author?: string;
  ownerSiteId: number;
  channelIds?: number[];
  docNumber?: string | null;
  issuer?: string | null;
  issuerId?: number | null;
  writtenAt?: string | null;
  theme?: string | null;
  validity?: string | null;
  policyId?: number | null;
  table?: { columns: string[]; rows: string[][] } | null;
  externalId?: string | null;
  /** Original publication time, for imported articles. */
  publishedAt?: string | null;
}

export interface Actor {
  id: number | null;
  name: string;
}

function validate(input: ArticleInput): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!Object.hasOwn(ARTICLE_KINDS, input.kind)) errors.kind = "请选择信息类型";
  const title = input.title?.trim() ?? "";
  if (!title) errors.title = "请填写标题";
  else if (title.length > 200) errors.title = "标题不能超过200字";
  const body = input.bodyHtml ?? input.bodyText ?? "";
  if (body.length > 2_000_000) errors.body = "正文过长";
  else if (input.kind !== "budget" && bodyIsEmpty(input)) errors.body = "请填写正文";
  // A 发文字号's style is never a reason to refuse a document: it is normalised when recognised
  // (normaliseDocNumberInput) and kept as typed otherwise.
  if (input.docNumber && input.docNumber.length > 100) errors.docNumber = "发文字号不能超过100字";
  if (input.validity && !VALIDITY.includes(input.validity as (typeof VALIDITY)[number]))
    errors.validity = "有效性须为有效、修改、废止或失效";
  if (input.writtenAt && !isDateString(input.writtenAt.slice(0, 10)))
    errors.writtenAt = "成文日期格式应为 YYYY-MM-DD";
  if (input.publishedAt && !parseInstant(input.publishedAt))
    errors.publishedAt = "发布日期格式有误或日期不存在";
  if (input.table) {
    const { columns, rows } = input.table;
    if (
      !Array.isArray(columns) ||
      !Array.isArray(rows) ||
      rows.some((r) => !Array.isArray(r) || r.length !== columns.length)
    ) {
      errors.table = "表格数据每行的列数须与表头一致";
    }
  }
  return errors;
}

/** Whether a body shows nothing: no text, image or table once sanitised (an editor's empty <p></p>). */
function bodyIsEmpty(input: ArticleInput): boolean {
  const { html, text } = bodyOf(input);
  return !text.trim() && !/<(img|table)\b/i.test(html);
}

function bodyOf(input: ArticleInput): { html: string; text: string } {
  const raw = input.bodyHtml ?? input.bodyText ?? "";
  const html = input.bodyHtml !== undefined || looksLikeHtml(raw) ? sanitizeRichText(raw) : textToHtml(raw);
  return { html, text: htmlToText(html) };
}

/**
 * The one information-resource library (统一信息资源库): articles stored once, published to many
 * channels of many sites, with review workflow, versions, and the search index kept in step.
 */
export class ContentService {
  readonly repo: ContentRepo;

  constructor(
    private readonly store: Db<ContentTables>,
    private readonly sites: SitesService,
    private readonly search: SearchIndex,
    private readonly audit: AuditLog,
    /** Called after anything public changes (page caches listen). */
    private readonly onPublicChange: (articleId: number) => void = () => {},
  ) {
    this.repo = new ContentRepo(store.db, sites);
    sites.onChannelMerge((trx, sourceId, target) => this.moveChannelArticles(trx, sourceId, target));
    search.kinds.register(ARTICLE_KINDS);
  }

  /**
   * The content check of an article's words, leaders included: the national ones, the province's
   * and the article's own site's, as their editors keep them in 领导之窗.
   */
  async checkWords(article: Pick<Article, "title" | "bodyHtml" | "ownerSiteId">): Promise<ContentFinding[]> {
    const portal = this.sites.portalSite();
    const own = this.sites.byId(article.ownerSiteId);
    const leaders = new Map<string, KnownLeader>(
      NATIONAL_LEADERS.map((l) => [l.name, { ...l, national: true }]),
    );
    for (const site of new Set([portal, own])) {
      if (!site) continue;
      for (const l of (await this.sites.portalContent.extras(site.code)).leaders) {
        const known = leaders.get(l.name) ?? { name: l.name, titles: [] };
        leaders.set(l.name, { name: l.name, titles: [...new Set([...known.titles, l.title])] });
      }
    }
    return checkText(article.title, article.bodyHtml, [...leaders.values()]);
  }

  /** The content check's 严重表述错误 (veto items of the national inspection) in an article. */
  private async seriousFindings(article: Article): Promise<ContentFinding[]> {
    return (await this.checkWords(article)).filter((f) => f.severity === "serious");
  }

  private get db() {
    return this.store.db;
  }

  async get(id: number): Promise<Article> {
    const article = await this.repo.byId(id);
    if (!article) throw notFound("信息不存在");
    return article;
  }

  async create(input: ArticleInput, actor: Actor): Promise<Article> {
    const errors = validate(input);
    if (Object.keys(errors).length > 0) throw new Invalid("信息填写有误", errors);
    if (!this.sites.byId(input.ownerSiteId)) await this.sites.refresh();
    if (!this.sites.byId(input.ownerSiteId))
      throw new Invalid("所属网站不存在", { ownerSiteId: "所属网站不存在" });
    const channels = await this.checkChannels(input.channelIds ?? []);
    if (input.policyId) await this.checkPolicy(input.policyId);
    const { html, text } = bodyOf(input);
    const now = nowIso();
    const article = await this.db.transaction().execute(async (trx) => {
      const issuerId = input.issuerId ?? (input.issuer ? await this.issuerIdByName(trx, input.issuer) : null);
      const created = await trx
        .insertInto("articles")
        .values({
          externalId: input.externalId ?? null,
          kind: input.kind as ArticleKind, // checked by articleProblems
          title: input.title.trim(),
          summary: input.summary?.trim() || text.slice(0, 120),
          bodyHtml: html,
          bodyText: text,
          source: input.source?.trim() ?? "",
          keywords: input.keywords?.trim() ?? "",
          author: input.author?.trim() ?? "",
          ownerSiteId: input.ownerSiteId,
          status: "draft",
          publishedAt: input.publishedAt ? (parseInstant(input.publishedAt)?.toISOString() ?? null) : null,
          docNumber: input.docNumber ? normaliseDocNumberInput(input.docNumber) : null,
          issuer: input.issuer?.trim() || null,
          issuerId,
          writtenAt: input.writtenAt ?? null,
          theme: input.theme?.trim() || null,
          validity: input.kind === "policy" ? ((input.validity || "有效") as Validity) : null,
          policyId: input.policyId ?? null,
          tableJson: input.table ? JSON.stringify(input.table) : null,
          version: 1,
          createdBy: actor.id,
          createdAt: now,
          updatedAt: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.linkChannels(trx, created.id, channels);
      await this.snapshot(trx, created, "创建", actor);
      await this.audit.record(
        {
          actor: actor.name,
          action: "article.create",
          targetType: "article",
          targetId: created.id,
          detail: { title: created.title },
        },
        trx,
      );
      return created;
    });
    return article;
  }

  async update(id: number, input: ArticleInput, actor: Actor, note = "修改"): Promise<Article> {
    const current = await this.get(id);
    const errors = validate(input);
    if (Object.keys(errors).length > 0) throw new Invalid("信息填写有误", errors);
    const channels = input.channelIds ? await this.checkChannels(input.channelIds) : null;
    if (input.policyId) await this.checkPolicy(input.policyId, id);
    const { html, text } = bodyOf(input);
    // An edit after a stage passed the article starts its review again: no stage vouches for text
    // it never saw (the stages are fixed anew, from the channels after the edit). Whether a stage has
    // passed it is decided on the row inside the transaction (a pass may land meanwhile).
    let channelsChanged = false;
    let after: number[] | undefined;
    if (underReview(current)) {
      const linked = await this.linkedChannelIds(id);
      after = channels ? channels.map((c) => c.id) : linked;
      channelsChanged = after.length !== linked.length || after.some((c) => !linked.includes(c));
    }
    const restartStages = await this.restartStagesOf(current, after);
    const updated = await this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom("articles")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      const issuerId =
        input.issuerId ?? (input.issuer ? await this.issuerIdByName(trx, input.issuer) : before.issuerId);
      const row = await trx
        .updateTable("articles")
        .set({
          kind: input.kind as ArticleKind, // checked by articleProblems
          title: input.title.trim(),
          summary: input.summary?.trim() || text.slice(0, 120),
          bodyHtml: html,
          bodyText: text,
          source: input.source?.trim() ?? before.source,
          keywords: input.keywords?.trim() ?? before.keywords,
          author: input.author?.trim() ?? before.author,
          docNumber: input.docNumber ? normaliseDocNumberInput(input.docNumber) : null,
          issuer: input.issuer?.trim() || null,
          issuerId,
          writtenAt: input.writtenAt ?? null,
          theme: input.theme?.trim() || null,
          validity:
            input.kind === "policy" ? ((input.validity || before.validity || "有效") as Validity) : null,
          policyId: input.policyId ?? null,
          tableJson: input.table ? JSON.stringify(input.table) : before.tableJson,
          publishedAt: input.publishedAt
            ? (parseInstant(input.publishedAt)?.toISOString() ?? before.publishedAt)
            : before.publishedAt,
          version: before.version + 1,
          updatedAt: nowIso(),
        })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (channels) {
        await trx.deleteFrom("articleChannels").where("articleId", "=", id).execute();
        await this.linkChannels(trx, id, channels);
      }
      await this.snapshot(trx, row, note, actor);
      await this.audit.record(
        {
          actor: actor.name,
          action: "article.update",
          targetType: "article",
          targetId: id,
          detail: { version: row.version },
        },
        trx,
      );
      if (restartStages === null || !(channelsChanged || contentChanged(before, row))) return row;
      const restarted = await this.restartReview(trx, row, restartStages, actor);
      if (restarted || !channelsChanged) return restarted ?? row;
      // Waiting for its first stage: new channels may ask for more stages (or fewer).
      return (
        (await trx
          .updateTable("articles")
          .set({ reviewStages: restartStages })
          .where("id", "=", id)
          .where("status", "=", "submitted")
          .where("reviewStage", "=", 1)
          .returningAll()
          .executeTakeFirst()) ?? row
      );
    });
    if (updated.status === "published") await this.reindex(id);
    this.onPublicChange(id);
    return updated;
  }

  /** Publishes an existing article into more channels (of any site). */
  async addToChannels(id: number, channelIds: number[], actor: Actor): Promise<void> {
    await this.get(id);
    const channels = await this.checkChannels(channelIds);
    await this.db.transaction().execute(async (trx) => {
      await this.linkChannels(trx, id, channels);
      await this.audit.record(
        {
          actor: actor.name,
          action: "article.distribute",
          targetType: "article",
          targetId: id,
          detail: { channelIds },
        },
        trx,
      );
    });
    await this.reindex(id);
    this.onPublicChange(id);
  }

  /**
   * Submits an article for review (三审): the content check runs first and a 严重表述错误 blocks the
   * submission unless `override` gives a reviewer's reason (the caller checks the right; the override
   * is audited and kept in the trail). The number of stages is fixed now, from the site and channels.
   * `contentCheck: false` is for system paths that publish existing documents (import, reports).
   */
  async submit(
    id: number,
    actor: Actor,
    options: { override?: string; contentCheck?: boolean } = {},
  ): Promise<void> {
    const article = await this.get(id);
    const from: ArticleStatus[] = ["draft", "withdrawn", "unpublished"];
    if (!from.includes(article.status))
      throw new Invalid(`当前状态“${STATUS_LABELS[article.status]}”不能提交审核`);
    const override = options.override?.trim().slice(0, 500) ?? "";
    const serious = options.contentCheck === false ? [] : await this.seriousFindings(article);
    if (serious.length && !override) throw checkBlocked(serious);
    const links = await this.repo.channelLinks(id);
    const stages = await this.sites.reviewStagesFor(
      article.ownerSiteId,
      links.map((l) => l.channelId),
    );
    const round = article.reviewRound + 1;
    await this.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable("articles")
        .set({
          status: "submitted",
          reviewStage: 1,
          reviewStages: stages,
          reviewRound: round,
          updatedAt: nowIso(),
        })
        .where("id", "=", id)
        .where("status", "=", article.status)
        .where("reviewRound", "=", article.reviewRound)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new Invalid("该信息刚被他人处理，请刷新后重试");
      await this.trail(trx, id, { round, stage: 0, stages }, "submit", actor, "");
      await this.audit.record(
        {
          actor: actor.name,
          action: "article.submit",
          targetType: "article",
          targetId: id,
          detail: { stages, round },
        },
        trx,
      );
      if (serious.length)
        await this.recordOverride(trx, id, { round, stage: 0, stages }, actor, override, serious);
    });
  }

  /**
   * A reviewer passes the stage the article waits at. Each stage needs a different person; the last
   * stage publishes (now, or at `at`). A serious content-check finding not yet overridden in this
   * round needs `override` (the reviewer's reason).
   */
  async pass(
    id: number,
    actor: Actor,
    options: { at?: string | null; override?: string; version?: number } = {},
  ): Promise<void> {
    const article = await this.get(id);
    if (options.version !== undefined && options.version !== article.version)
      throw new Invalid("本信息刚被修改，请查看最新内容后再审核");
    if (article.status !== "submitted")
      throw new Invalid(`当前状态“${STATUS_LABELS[article.status]}”不能审核，请先提交审核`);
    const stages = article.reviewStages;
    const stage = Math.min(Math.max(article.reviewStage, 1), stages);
    const round = await this.repo.reviewTrail(id, article.reviewRound);
    const mine = round.find((r) => r.action === "pass" && actor.id !== null && r.actorId === actor.id);
    if (mine)
      throw new Invalid(
        `您已完成本信息的${stageName(mine.stage, stages)}，${stageName(stage, stages)}须由另一位审核员进行`,
      );
    const override = options.override?.trim().slice(0, 500) ?? "";
    const overridden = round.some((r) => r.action === "override");
    const serious = overridden ? [] : await this.seriousFindings(article);
    if (serious.length && !override) throw checkBlocked(serious);
    const final = stage >= stages;
    if (final && (await this.repo.channelLinks(id)).length === 0)
      throw new Invalid("请先选择发布栏目", { channelIds: "请至少选择一个发布栏目" });
    await this.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable("articles")
        .set({ reviewStage: final ? 0 : stage + 1, updatedAt: nowIso() })
        .where("id", "=", id)
        .where("status", "=", "submitted")
        .where("reviewStage", "=", article.reviewStage)
        .where("reviewRound", "=", article.reviewRound)
        // The text this reviewer passes is the text they read (an edit at stage 1 keeps the round).
        .where("version", "=", article.version)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new Invalid("该信息刚被他人审核或修改，请刷新后重试");
      const at = { round: article.reviewRound, stage, stages };
      if (serious.length) await this.recordOverride(trx, id, at, actor, override, serious);
      await this.trail(trx, id, at, "pass", actor, "");
      await this.audit.record(
        {
          actor: actor.name,
          action: "article.review.pass",
          targetType: "article",
          targetId: id,
          detail: { stage, stages, round: article.reviewRound, name: stageName(stage, stages) },
        },
        trx,
      );
    });
    if (final)
      await this.publish(id, actor, options.at ?? null, { status: "submitted", round: article.reviewRound });
  }

  async returnToDraft(id: number, reason: string, actor: Actor): Promise<void> {
    const article = await this.get(id);
    await this.transition(id, ["submitted"], "draft", actor, "article.reject", { reason }, async (trx) => {
      const stages = article.reviewStages;
      const stage = Math.min(Math.max(article.reviewStage, 1), stages);
      await this.trail(trx, id, { round: article.reviewRound, stage, stages }, "return", actor, reason);
    });
  }

  /**
   * Puts an article edited during review back to the first stage, in a new round with `stages`
   * stages (trail and audit say who edited it, and when), if a stage has passed it: waiting at a
   * later stage, passed by the last one and about to be published (stage 0), or scheduled. Returns
   * undefined when no stage had passed it (or it is published meanwhile).
   */
  private async restartReview(
    trx: Transaction<ContentTables>,
    article: Article,
    stages: number,
    actor: Actor,
  ): Promise<Article | undefined> {
    const row = await trx
      .updateTable("articles")
      .set({
        status: "submitted",
        reviewStage: 1,
        reviewStages: stages,
        reviewRound: article.reviewRound + 1,
        scheduledAt: null,
      })
      .where("id", "=", article.id)
      .where((eb) =>
        eb.or([
          eb.and([eb("status", "=", "submitted"), eb("reviewStage", "!=", 1)]),
          eb("status", "=", "scheduled"),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    const allPassed = article.status === "scheduled" || article.reviewStage === 0;
    const when = allPassed
      ? `${stageName(article.reviewStages, article.reviewStages)}通过后`
      : `${stageName(article.reviewStage, article.reviewStages)}时`;
    const again = stages > 1 ? `从${stageName(1, stages)}重新审核` : "须重新审核";
    await this.trail(
      trx,
      article.id,
      { round: row.reviewRound, stage: 0, stages },
      "restart",
      actor,
      `${when}修改了内容，${again}`,
    );
    await this.audit.record(
      {
        actor: actor.name,
        action: "article.review.restart",
        targetType: "article",
        targetId: article.id,
        detail: { round: row.reviewRound, stages, editedAt: allPassed ? "passed" : article.reviewStage },
      },
      trx,
    );
    return row;
  }

  /** The review trail of an article, oldest first (every round, or one round). */
  reviewTrail(id: number, round?: number) {
    return this.repo.reviewTrail(id, round);
  }

  private async trail(
    trx: Transaction<ContentTables>,
    articleId: number,
    at: { round: number; stage: number; stages: number },
    action: ReviewAction,
    actor: Actor,
    note: string,
  ): Promise<void> {
    await trx
      .insertInto("articleReviews")
      .values({
        articleId,
        ...at,
        action,
        actorId: actor.id,
        actorName: actor.name,
        note,
        createdAt: nowIso(),
      })
      .execute();
  }

  private async recordOverride(
    trx: Transaction<ContentTables>,
    articleId: number,
    at: { round: number; stage: number; stages: number },
    actor: Actor,
    reason: string,
    serious: ContentFinding[],
  ): Promise<void> {
    const found = [...new Set(serious.map((f) => f.found))];
    const { round, stage } = at;
    await this.trail(trx, articleId, at, "override", actor, `${reason}（放行：${found.join("、")}）`);
    await this.audit.record(
      {
        actor: actor.name,
        action: "article.check.override",
        targetType: "article",
        targetId: articleId,
        detail: { reason, found, round, stage },
      },
      trx,
    );
  }

  /**
   * Publishes now, or at `at` (scheduled). `seen`: the state the caller acted on — its status and,
   * after a last stage's pass, its round (the row must still be that round's, passed: stage 0). An
   * edit meanwhile (which starts a new round) or another instance publishing it first refuses it.
   */
  async publish(id: number, actor: Actor, at?: string | null, seen?: PublishedFrom): Promise<void> {
    const article = await this.get(id);
    if (!["submitted", "scheduled", "withdrawn", "unpublished"].includes(article.status)) {
      throw new Invalid(`当前状态“${STATUS_LABELS[article.status]}”不能发布，请先提交审核`);
    }
    const from: PublishedFrom = seen ?? { status: article.status };
    if (!asSeen(article, from)) throw new Invalid(CHANGED_BEFORE_PUBLISHING);
    const links = await this.repo.channelLinks(id);
    if (links.length === 0) throw new Invalid("请先选择发布栏目", { channelIds: "请至少选择一个发布栏目" });
    if (at) {
      const when = new Date(at);
      if (Number.isNaN(when.getTime()))
        throw new Invalid("定时发布时间格式有误", { scheduledAt: "时间格式有误" });
      if (when.getTime() > Date.now()) {
        await this.db.transaction().execute(async (trx) => {
          const scheduled = await whereAsSeen(
            trx
              .updateTable("articles")
              .set({ status: "scheduled", scheduledAt: when.toISOString(), updatedAt: nowIso() })
              .where("id", "=", id),
            from,
          ).executeTakeFirst();
          if (Number(scheduled.numUpdatedRows) !== 1) throw new Invalid(CHANGED_BEFORE_PUBLISHING);
          await this.audit.record(
            {
              actor: actor.name,
              action: "article.schedule",
              targetType: "article",
              targetId: id,
              detail: { at: when.toISOString() },
            },
            trx,
          );
        });
        return;
      }
    }
    await this.makePublic(id, actor, "article.publish", from);
  }

  /** Publishes the article if it is still as `from` says (the update itself checks, on both engines). */
  private async makePublic(id: number, actor: Actor, action: string, from: PublishedFrom): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const article = await trx
        .selectFrom("articles")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      if (!asSeen(article, from)) throw new Invalid(CHANGED_BEFORE_PUBLISHING);
      const publishedAt = article.publishedAt ?? nowIso();
      await this.assignIndexNo(trx, article, publishedAt);
      const published = await whereAsSeen(
        trx
          .updateTable("articles")
          .set({
            status: "published",
            publishedAt,
            reviewStage: 0,
            scheduledAt: null,
            unpublishReason: null,
            unpublishNote: null,
            redirectTo: null,
            updatedAt: nowIso(),
          })
          .where("id", "=", id),
        from,
      ).executeTakeFirst();
      if (Number(published.numUpdatedRows) !== 1) throw new Invalid(CHANGED_BEFORE_PUBLISHING);
      await this.audit.record(
        { actor: actor.name, action, targetType: "article", targetId: id, detail: {} },
        trx,
      );
    });
    await this.reindex(id);
    this.onPublicChange(id);
  }

  /** Publishes every scheduled article whose time has come. Safe to run on several instances. */
  async publishDue(now = new Date()): Promise<number> {
    const due = await this.db
      .selectFrom("articles")
      .select("id")
      .where("status", "=", "scheduled")
      .where("scheduledAt", "<=", now.toISOString())
      .execute();
    let count = 0;
    for (const { id } of due) {
      // Only while still scheduled: another instance may have published it, or an edit sent it back
      // to review (makePublic's update checks the status).
      try {
        await this.makePublic(id, { id: null, name: "system:scheduler" }, "article.publish.scheduled", {
          status: "scheduled",
        });
        count++;
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
      }
    }
    return count;
  }

  async unpublish(
    id: number,
    reason: string,
    note: string,
    redirectTo: string | null,
    actor: Actor,
  ): Promise<void> {
    const article = await this.get(id);
    if (article.status !== "published") throw new Invalid("只有已发布的信息可以撤稿");
    const errors: Record<string, string> = {};
    if (!Object.hasOwn(UNPUBLISH_REASONS, reason)) errors.reason = "请选择撤稿原因";
    if (!note.trim()) errors.note = "请说明撤稿理由";
    // A local path only (sameOriginPath refuses "//host", "/\host", schemes, encoded tricks).
    const target = reason === "consolidated" ? sameOriginPath(redirectTo) : null;
    if (reason === "consolidated" && !(target && !/[\s<>"]/.test(redirectTo ?? ""))) {
      errors.redirectTo = "整合的信息须填写新地址（站内路径，如 /sites/rst/art/12.html）";
    }
    if (Object.keys(errors).length > 0) throw new Invalid("撤稿信息有误", errors);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("articles")
        .set({
          status: reason === "withdrawn" ? "withdrawn" : "unpublished",
          unpublishReason: reason as UnpublishReason, // checked above
          unpublishNote: note.trim(),
          redirectTo: target,
          updatedAt: nowIso(),
        })
        .where("id", "=", id)
        .execute();
      await this.audit.record(
        {
          actor: actor.name,
          action: "article.unpublish",
          targetType: "article",
          targetId: id,
          detail: { reason, note },
        },
        trx,
      );
    });
    await this.search.remove(`article:${id}`);
    this.onPublicChange(id);
  }

  /** Marks a policy 修改/废止/失效 (or 有效 again), shown on the policy itself. */
  async setValidity(id: number, validity: string, note: string, actor: Actor): Promise<void> {
    const article = await this.get(id);
    if (article.kind !== "policy") throw new Invalid("只有政策文件有有效性");
    if (!VALIDITY.includes(validity as (typeof VALIDITY)[number]))
      throw new Invalid("有效性须为有效、修改、废止或失效", { validity: "请选择有效性" });
    if (validity !== "有效" && !note.trim())
      throw new Invalid("请说明修改、废止或失效的依据", { validityNote: "请填写说明" });
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("articles")
        .set({ validity: validity as Validity, validityNote: note.trim() || null, updatedAt: nowIso() })
        .where("id", "=", id)
        .execute();
      await this.audit.record(
        {
          actor: actor.name,
          action: "article.validity",
          targetType: "article",
          targetId: id,
          detail: { validity, note },
        },
        trx,
      );
    });
    if (article.status === "published") await this.reindex(id);
    this.onPublicChange(id);
  }

  private async linkedChannelIds(id: number): Promise<number[]> {
    return (await this.repo.channelLinks(id)).map((l) => l.channelId);
  }

  /**
   * The stages a new review round would need if an article under review (submitted or scheduled) is
   * changed, from its channels after the change (`channelIds`, default: its channels now); null when
   * it is not under review.
   */
  private async restartStagesOf(article: Article, channelIds?: number[]): Promise<number | null> {
    if (!underReview(article)) return null;
    return this.sites.reviewStagesFor(
      article.ownerSiteId,
      channelIds ?? (await this.linkedChannelIds(article.id)),
    );
  }

  async addAttachment(articleId: number, fileName: string, bytes: Buffer, actor: Actor) {
    const article = await this.get(articleId);
    const file = await checkAttachment(fileName, bytes);
    // A new attachment is text no stage has read: as an edit, it starts the review again.
    const restartStages = await this.restartStagesOf(article);
    const attachment = await this.db.transaction().execute(async (trx) => {
      await putBlob(trx, file.sha256, file.bytes);
      const row = await trx
        .insertInto("attachments")
        .values({
          articleId,
          fileName: file.fileName,
          mime: file.mime,
          size: file.size,
          sha256: file.sha256,
          createdAt: nowIso(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(
        {
          actor: actor.name,
          action: "attachment.add",
          targetType: "article",
          targetId: articleId,
          detail: { fileName: file.fileName, sha256: file.sha256 },
        },
        trx,
      );
      if (restartStages !== null) {
        // Under review, a new version: a review page opened before the upload cannot pass it unseen.
        const current = await trx
          .updateTable("articles")
          .set((eb) => ({ version: eb("version", "+", 1), updatedAt: nowIso() }))
          .where("id", "=", articleId)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.snapshot(trx, current, `添加附件：${file.fileName}`, actor);
        await this.restartReview(trx, current, restartStages, actor);
      }
      return row;
    });
    this.onPublicChange(articleId);
    return attachment;
  }

  async versionDiff(id: number, fromVersion: number, toVersion: number) {
    const versions = await this.repo.versions(id);
    const a = versions.find((v) => v.version === fromVersion);
    const b = versions.find((v) => v.version === toVersion);
    if (!a || !b) throw notFound("版本不存在");
    const text = (v: typeof a) => `${v.title}\n${htmlToText(v.bodyHtml)}`;
    return diffWords(text(a), text(b)).map((part) => ({
      value: part.value,
      added: !!part.added,
      removed: !!part.removed,
    }));
  }

  /**
   * Where links on `from`'s pages send a visitor to read each of these articles: `from` itself when it
   * serves the article, else the article's canonical address (an article shown on a site only through a
   * list, such as the portal's policy library or another site's 相关解读, is not served there).
   */
  async readingHrefs(articleIds: number[], from: Site): Promise<ArticleHref> {
    const placements = await this.repo.placements([...new Set(articleIds)]);
    return (articleId) => {
      const placement = placements.get(articleId);
      const siteId = placement ? readingSiteId(placement, from.id) : from.id;
      return articlePath(this.sites.byId(siteId)?.code ?? from.code, articleId);
    };
  }

  /** Writes the article (and where it appears) into the search index, or removes it. */
  async reindex(id: number): Promise<void> {
    const article = await this.repo.byId(id);
    if (!article || article.status !== "published") {
      await this.search.remove(`article:${id}`);
      return;
    }
    const links = await this.repo.channelLinks(id);
    const siteIds = [...new Set(links.map((l) => l.siteId))];
    const urlSiteId = canonicalSiteId({ ownerSiteId: article.ownerSiteId, siteIds });
    const urlSite =
      links.find((l) => l.siteId === urlSiteId)?.siteCode ?? this.sites.byId(urlSiteId)?.code ?? "www";
    await this.search.upsert({
      key: `article:${id}`,
      kind: article.kind,
      title: article.title,
      body: article.bodyText,
      issuer: article.issuer,
      keywords: article.keywords,
      ownerSiteId: article.ownerSiteId,
      url: articlePath(urlSite, id),
      siteIds,
      publishedAt: article.publishedAt ?? article.updatedAt,
      docNumber: article.docNumber,
      meta: {
        articleId: id,
        externalId: article.externalId,
        siteCode: urlSite,
        validity: article.validity,
        docNumber: article.docNumber,
      },
    });
  }

  private async transition(
    id: number,
    from: ArticleStatus[],
    to: ArticleStatus,
    actor: Actor,
    action: string,
    detail: Record<string, unknown> = {},
    also?: (trx: Transaction<ContentTables>) => Promise<void>,
  ) {
    const article = await this.get(id);
    if (!from.includes(article.status))
      throw new Invalid(`当前状态“${STATUS_LABELS[article.status]}”不能进行此操作`);
    await this.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable("articles")
        .set({ status: to, reviewStage: 0, updatedAt: nowIso() })
        .where("id", "=", id)
        .where("status", "=", article.status)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw new Invalid("该信息刚被他人处理，请刷新后重试");
      await also?.(trx);
      await this.audit.record(
        { actor: actor.name, action, targetType: "article", targetId: id, detail },
        trx,
      );
    });
  }

  /** How many articles match (the staff dashboard's cards); `ownerSiteIds` null means every site. */
  async countArticles(filter: {
    status: ArticleStatus;
    createdBy?: number;
    ownerSiteIds?: number[] | null;
    publishedSince?: string;
  }): Promise<number> {
    let q = this.db
      .selectFrom("articles")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("status", "=", filter.status);
    if (filter.createdBy !== undefined) q = q.where("createdBy", "=", filter.createdBy);
    if (filter.ownerSiteIds) q = q.where("ownerSiteId", "in", filter.ownerSiteIds);
    if (filter.publishedSince) q = q.where("publishedAt", ">=", filter.publishedSince);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /**
   * Published articles with their 成文日期 (formed) published in [since, until) — for proactive-disclosure
   * timeliness (政府信息公开条例 art. 26) and the annual disclosure report. `ownerSiteIds` null: every site.
   */
  async formedAndPublished(filter: { ownerSiteIds: number[] | null; since: string; until: string }): Promise<
    {
      id: number;
      title: string;
      kind: ArticleKind;
      ownerSiteId: number;
      writtenAt: string;
      publishedAt: string;
    }[]
  > {
    let q = this.db
      .selectFrom("articles")
      .select(["id", "title", "kind", "ownerSiteId", "writtenAt", "publishedAt"])
      .where("status", "=", "published")
      .where("writtenAt", "is not", null)
      .where("publishedAt", ">=", filter.since)
      .where("publishedAt", "<", filter.until);
    if (filter.ownerSiteIds)
      q = q.where("ownerSiteId", "in", filter.ownerSiteIds.length ? filter.ownerSiteIds : [-1]);
    const rows = await q.orderBy("publishedAt", "desc").orderBy("id", "desc").execute();
    return rows.map((r) => ({ ...r, writtenAt: r.writtenAt!, publishedAt: r.publishedAt! }));
  }

  /**
   * Policy documents (行政规范性文件) of a year for the annual disclosure report: issued (成文 in the year and
   * published), repealed or expired (validity changed to 废止/失效 in the year) and currently valid.
   */
  async policyFigures(
    ownerSiteIds: number[] | null,
    since: string,
    until: string,
  ): Promise<{ issued: number; repealed: number; valid: number; published: number }> {
    const ids = ownerSiteIds ? (ownerSiteIds.length ? ownerSiteIds : [-1]) : null;
    const base = () => {
      let q = this.db.selectFrom("articles").where("status", "=", "published");
      if (ids) q = q.where("ownerSiteId", "in", ids);
      return q;
    };
    const count = async (q: ReturnType<typeof base>) =>
      Number((await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    const [issued, repealed, valid, published] = await Promise.all([
      count(
        base()
          .where("kind", "=", "policy")
          .where("publishedAt", ">=", since)
          .where("publishedAt", "<", until),
      ),
      count(
        base()
          .where("kind", "=", "policy")
          .where("validity", "in", ["废止", "失效"])
          .where("updatedAt", ">=", since)
          .where("updatedAt", "<", until),
      ),
      count(base().where("kind", "=", "policy").where("validity", "in", ["有效", "修改"])),
      count(base().where("publishedAt", ">=", since).where("publishedAt", "<", until)),
    ]);
    return { issued, repealed, valid, published };
  }

  /** Articles published in [since, until) per kind (the 网站工作年度报表); `ownerSiteIds` null: every site. */
  async publishedCountsByKind(
    ownerSiteIds: number[] | null,
    since: string,
    until: string,
  ): Promise<Record<string, number>> {
    let q = this.db
      .selectFrom("articles")
      .select((eb) => ["kind", eb.fn.countAll<number>().as("n")])
      .where("publishedAt", ">=", since)
      .where("publishedAt", "<", until)
      .where("status", "in", ["published", "withdrawn"]);
    if (ownerSiteIds) q = q.where("ownerSiteId", "in", ownerSiteIds.length ? ownerSiteIds : [-1]);
    const rows = await q.groupBy("kind").execute();
    return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
  }

  /**
   * Per channel of a site: published items and the newest dated one (site inspection: column freshness,
   * empty columns). Channels without published items are absent.
   */
  async channelFreshness(
    siteId: number,
  ): Promise<{ channelId: number; items: number; latestAt: string | null }[]> {
    const rows = await this.db
      .selectFrom("articleChannels")
      .innerJoin("articles", "articles.id", "articleChannels.articleId")
      .select((eb) => [
        "articleChannels.channelId",
        eb.fn.countAll<number>().as("items"),
        eb.fn.max("articles.publishedAt").as("latestAt"),
      ])
      .where("articleChannels.siteId", "=", siteId)
      .where("articles.status", "=", "published")
      .groupBy("articleChannels.channelId")
      .execute();
    return rows.map((r) => ({
      channelId: r.channelId,
      items: Number(r.items),
      latestAt: r.latestAt ?? null,
    }));
  }

  /** A merged channel's articles move to the target channel (inside the sites module's transaction). */
  private async moveChannelArticles(handle: AnyView, sourceId: number, target: Channel): Promise<void> {
    const trx = tablesOf<ContentTables>(handle);
    const links = await trx
      .selectFrom("articleChannels")
      .select("articleId")
      .where("channelId", "=", sourceId)
      .execute();
    for (const link of links) {
      await trx
        .insertInto("articleChannels")
        .values({ articleId: link.articleId, channelId: target.id, siteId: target.siteId })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    await trx.deleteFrom("articleChannels").where("channelId", "=", sourceId).execute();
  }

  /** The chosen channels (read before a transaction: the sites module has its own handle). */
  private async checkChannels(channelIds: number[]): Promise<Channel[]> {
    if (channelIds.length === 0) return [];
    const found = await this.sites.channelsByIds(channelIds);
    if (found.length !== new Set(channelIds).size)
      throw new Invalid("所选栏目不存在", { channelIds: "所选栏目不存在" });
    return found;
  }

  private async checkPolicy(policyId: number, selfId?: number): Promise<void> {
    const policy = await this.repo.byId(policyId);
    if (!policy || policy.kind !== "policy" || policy.id === selfId)
      throw new Invalid("所解读的政策文件不存在", { policyId: "所解读的政策文件不存在" });
  }

  private async linkChannels(
    trx: Transaction<ContentTables>,
    articleId: number,
    channels: Channel[],
  ): Promise<void> {
    for (const channel of channels) {
      await trx
        .insertInto("articleChannels")
        .values({ articleId, channelId: channel.id, siteId: channel.siteId })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }

  private async snapshot(
    trx: Transaction<ContentTables>,
    article: Article,
    note: string,
    actor: Actor,
  ): Promise<void> {
    const { bodyHtml: _body, bodyText: _text, ...rest } = article;
    await trx
      .insertInto("articleVersions")
      .values({
        articleId: article.id,
        version: article.version,
        title: article.title,
        bodyHtml: article.bodyHtml,
        snapshot: JSON.stringify(rest),
        note,
        createdBy: actor.id,
        createdAt: nowIso(),
      })
      .execute();
  }

  private async issuerIdByName(trx: Transaction<ContentTables>, name: string): Promise<number | null> {
    const row = await trx
      .selectFrom("issuers")
      .select("id")
      .where("name", "=", name.trim())
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /**
   * Gives a policy document its 索引号 on first publication, unique across the library. The year is
   * that of the 成文日期, else the China-time year of publication.
   */
  private async assignIndexNo(
    trx: Transaction<ContentTables>,
    article: Article,
    publishedAt: string,
  ): Promise<void> {
    if (article.kind !== "policy" || article.indexNo) return;
    const year = article.writtenAt ? Number(article.writtenAt.slice(0, 4)) : chinaYear(publishedAt);
    const issuer = article.issuerId
      ? await trx.selectFrom("issuers").selectAll().where("id", "=", article.issuerId).executeTakeFirst()
      : undefined;
    const format = issuer?.indexFormat || DEFAULT_INDEX_FORMAT;
    const code = issuer?.code || this.sites.byId(article.ownerSiteId)?.siteCode || "0000000000";
    const issuerKey = issuer?.id ?? 0;
    for (;;) {
      const seq = await this.nextSequence(trx, issuerKey, year);
      const indexNo = formatIndexNo(format, { code, year, seq });
      const clash = await trx
        .selectFrom("articles")
        .select("id")
        .where("indexNo", "=", indexNo)
        .executeTakeFirst();
      if (clash) continue;
      await trx.updateTable("articles").set({ indexNo }).where("id", "=", article.id).execute();
      return;
    }
  }

  private async nextSequence(
    trx: Transaction<ContentTables>,
    issuerId: number,
    year: number,
  ): Promise<number> {
    // issuer_id 0 is the shared sequence of articles without a configured issuing body.
    const row = await trx
      .insertInto("indexSequences")
      .values({ issuerId, year, next: 2 })
      .onConflict((oc) =>
        oc.columns(["issuerId", "year"]).doUpdateSet({ next: (eb) => eb("indexSequences.next", "+", 1) }),
      )
      .returning("next")
      .executeTakeFirstOrThrow();
    return row.next - 1;
  }
}
