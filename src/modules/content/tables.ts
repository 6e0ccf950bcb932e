import type { Generated } from "kysely";

/** Tables the content module owns (see src/db/schema.ts for the conventions). */
export interface ContentTables {
  issuers: IssuerRow;
  indexSequences: IndexSequenceRow;
  articles: ArticleRow;
  articleChannels: ArticleChannelRow;
  articleVersions: ArticleVersionRow;
  attachments: AttachmentRow;
  articleReviews: ArticleReviewRow;
}

export type ArticleKind =
  "news" | "notice" | "policy" | "interpretation" | "report" | "budget" | "disclosure_report";
export type ArticleStatus = "draft" | "submitted" | "scheduled" | "published" | "withdrawn" | "unpublished";
export type UnpublishReason = "error" | "consolidated" | "withdrawn";
export type Validity = "有效" | "修改" | "废止" | "失效";

export interface IssuerRow {
  id: Generated<number>;
  name: string;
  code: string;
  docPrefix: string;
  indexFormat: string;
  siteId: number | null;
}

export interface IndexSequenceRow {
  issuerId: number;
  year: number;
  next: number;
}

export interface ArticleRow {
  id: Generated<number>;
  externalId: string | null;
  kind: ArticleKind;
  title: string;
  summary: string;
  bodyHtml: string;
  bodyText: string;
  source: string;
  keywords: string;
  author: string;
  ownerSiteId: number;
  status: ArticleStatus;
  unpublishReason: UnpublishReason | null;
  unpublishNote: string | null;
  redirectTo: string | null;
  publishedAt: string | null;
  scheduledAt: string | null;
  docNumber: string | null;
  indexNo: string | null;
  issuer: string | null;
  issuerId: number | null;
  writtenAt: string | null;
  theme: string | null;
  validity: Validity | null;
  validityNote: string | null;
  policyId: number | null;
  tableJson: string | null;
  version: number;
  createdBy: number | null;
  createdAt: string;
  updatedAt: string;
  /** The review stage a submitted article waits at (1 = 初审 …); 0 when not in review. */
  reviewStage: Generated<number>;
  /** How many stages this submission must pass (fixed when submitted). */
  reviewStages: Generated<number>;
  /** Counts submissions; the trail's rows of the current round are the ones that count. */
  reviewRound: Generated<number>;
}

/** Where an article is published: a channel of a site (the site repeated for site-wide queries). */
export interface ArticleChannelRow {
  articleId: number;
  channelId: number;
  siteId: number;
}

export interface ArticleVersionRow {
  id: Generated<number>;
  articleId: number;
  version: number;
  title: string;
  bodyHtml: string;
  snapshot: string;
  note: string;
  createdBy: number | null;
  createdAt: string;
}

/** An article's attachment; its bytes are a blob (platform/files) keyed by sha256. */
export interface AttachmentRow {
  id: Generated<number>;
  articleId: number | null;
  fileName: string;
  mime: string;
  size: number;
  sha256: string;
  createdAt: string;
}

/**
 * A step of the review trail: submitted, passed or returned at a stage, the content check overridden,
 * or the review restarted because the article was edited after a stage had passed it.
 */
export type ReviewAction = "submit" | "pass" | "return" | "override" | "restart";

export interface ArticleReviewRow {
  id: Generated<number>;
  articleId: number;
  round: number;
  /** 0 for the submission itself; 1 … stages for the review stages. */
  stage: number;
  /** How many stages that round's submission had to pass. */
  stages: number;
  action: ReviewAction;
  actorId: number | null;
  actorName: string;
  note: string;
  createdAt: string;
}
