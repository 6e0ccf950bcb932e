import { sql, type Kysely, type Selectable } from "kysely";

import { chinaDayStart } from "../../platform/time/china-time.ts";

import type { SitesService } from "../sites/index.ts";

import { getBlob } from "../../platform/files/blob-store.ts";

import type { ArticlePlacement } from "./article-address.ts";

import type {
  ArticleKind,
  ArticleRow,
  ArticleStatus,
  AttachmentRow,
  ContentTables,
  Validity,
} from "./tables.ts";

export type Article = Selectable<ArticleRow>;
export type Attachment = Selectable<AttachmentRow>;

export interface Page<T> {
  rows: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface ArticleListItem {
  id: number;
  kind: string;
  title: string;
  publishedAt: string | null;
  docNumber: string | null;
  issuer: string | null;
  validity: string | null;
  indexNo: string | null;
  writtenAt: string | null;
}

/** A news item with its picture, for the headline area (要闻). */
export interface HeadlineItem extends ArticleListItem {
  summary: string;
  image: { src: string; alt: string };
}

const LIST_COLUMNS = [
  "a.id",
  "a.kind",
  "a.title",
  "a.publishedAt",
  "a.docNumber",
  "a.issuer",
  "a.validity",
  "a.indexNo",
  "a.writtenAt",
] as const;

export interface PolicyFilter {
  siteId?: number | null;
  issuer?: string | null;
  year?: number | null;
  theme?: string | null;
  validity?: string | null;
}

export class ContentRepo {
  constructor(
    private readonly db: Kysely<ContentTables>,
    private readonly sites: SitesService,
  ) {}

  byId(id: number): Promise<Article | undefined> {
    return this.db.selectFrom("articles").selectAll().where("id", "=", id).executeTakeFirst();
  }

  byExternalId(externalId: string): Promise<Article | undefined> {
    return this.db.selectFrom("articles").selectAll().where("externalId", "=", externalId).executeTakeFirst();
  }

  /** Where an article is published, with its channels' and sites' names (from the sites module). */
  async channelLinks(articleId: number) {
    const links = await this.db
      .selectFrom("articleChannels")
      .select(["channelId", "siteId"])
      .where("articleId", "=", articleId)
      .orderBy("siteId")
      .execute();
    const channels = new Map(
      (await this.sites.channelsByIds(links.map((l) => l.channelId))).map((c) => [c.id, c]),
    );
    const out = [];
    for (const link of links) {
      const channel = channels.get(link.channelId);
      const site = this.sites.byId(link.siteId) ?? (await this.sites.repo.siteById(link.siteId));
      if (!channel || !site) continue;
      out.push({
        channelId: link.channelId,
        siteId: link.siteId,
        channelName: channel.name,
        path: channel.path,
        siteCode: site.code,
        siteName: site.name,
      });
    }
    return out;
  }

  /** Where each of these articles is published: its owner and the sites of the channels carrying it. */
  async placements(articleIds: number[]): Promise<Map<number, ArticlePlacement>> {
    if (articleIds.length === 0) return new Map();
    const owners = await this.db
      .selectFrom("articles")
      .select(["id", "ownerSiteId"])
      .where("id", "in", articleIds)
      .execute();
    const links = await this.db
      .selectFrom("articleChannels")
      .select(["articleId", "siteId"])
      .distinct()
      .where("articleId", "in", articleIds)
      .orderBy("siteId")
      .execute();
    const placements = new Map<number, ArticlePlacement>(
      owners.map((a) => [a.id, { ownerSiteId: a.ownerSiteId, siteIds: [] }]),
    );
    for (const link of links) placements.get(link.articleId)?.siteIds.push(link.siteId);
    return placements;
  }

  async isOnSite(articleId: number, siteId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("articleChannels")
      .select("articleId")
      .where("articleId", "=", articleId)
      .where("siteId", "=", siteId)
      .executeTakeFirst();
    return !!row;
  }

  async publishedInChannel(
    channelIds: number[],
    page: number,
    pageSize: number,
  ): Promise<Page<ArticleListItem>> {
    if (channelIds.length === 0) return { rows: [], total: 0, page, pageSize };
    const base = this.db
      .selectFrom("articles as a")
      .where("a.status", "=", "published")
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("articleChannels as ac")
            .select("ac.articleId")
            .whereRef("ac.articleId", "=", "a.id")
            .where("ac.channelId", "in", channelIds),
        ),
      );
    const rows = await base
      .select(LIST_COLUMNS)
      .orderBy("a.publishedAt", "desc")
      .orderBy("a.id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    const total = Number(
      (await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    return { rows, total, page, pageSize };
  }

  latestOnSite(siteId: number, kinds: ArticleKind[], limit: number): Promise<ArticleListItem[]> {
    return this.db
      .selectFrom("articles as a")
      .select(LIST_COLUMNS)
      .where("a.status", "=", "published")
      .where("a.kind", "in", kinds)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("articleChannels as ac")
            .select("ac.articleId")
            .whereRef("ac.articleId", "=", "a.id")
            .where("ac.siteId", "=", siteId),
        ),
      )
      .orderBy("a.publishedAt", "desc")
      .orderBy("a.id", "desc")
      .limit(limit)
      .execute();
  }

  /**
   * The latest published news of a site that carry a picture (the first <img> of the body, with its
   * alt text): the headline area of a home page. Bodies are sanitised on save, so the attributes are
   * quoted and safe to read back.
   */
  async headlinesOnSite(siteId: number, limit: number): Promise<HeadlineItem[]> {
    const rows = await this.db
      .selectFrom("articles as a")
      .select([...LIST_COLUMNS, "a.bodyHtml", "a.summary"])
      .where("a.status", "=", "published")
      .where("a.kind", "=", "news")
      .where("a.bodyHtml", "like", "%<img %")
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("articleChannels as ac")
            .select("ac.articleId")
            .whereRef("ac.articleId", "=", "a.id")
            .where("ac.siteId", "=", siteId),
        ),
      )
      .orderBy("a.publishedAt", "desc")
      .orderBy("a.id", "desc")
      .limit(limit)
      .execute();
    return rows.flatMap(({ bodyHtml, summary, ...item }) => {
      const img = /<img\b[^>]*>/.exec(bodyHtml)?.[0] ?? "";
      const src = /\ssrc="([^"]+)"/.exec(img)?.[1];
      const alt = /\salt="([^"]*)"/.exec(img)?.[1];
      if (!src || !alt) return []; // a picture without a description is no headline picture
      const decode = (v: string) =>
        v
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, "<")
          .replace(/&gt;/g, ">")
          .replace(/&amp;/g, "&");
      return [{ ...item, summary, image: { src: decode(src), alt: decode(alt) } }];
    });
  }

  private policyQuery(filter: PolicyFilter) {
    let q = this.db
      .selectFrom("articles as a")
      .where("a.status", "=", "published")
      .where("a.kind", "=", "policy");
    if (filter.siteId != null) {
      const siteId = filter.siteId;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("articleChannels as ac")
            .select("ac.articleId")
            .whereRef("ac.articleId", "=", "a.id")
            .where("ac.siteId", "=", siteId),
        ),
      );
    }
    if (filter.issuer) q = q.where("a.issuer", "=", filter.issuer);
    if (filter.theme) q = q.where("a.theme", "=", filter.theme);
    if (filter.validity) q = q.where("a.validity", "=", filter.validity as Validity);
    if (filter.year)
      q = q
        .where("a.publishedAt", ">=", chinaDayStart(`${filter.year}-01-01`)!.toISOString())
        .where("a.publishedAt", "<", chinaDayStart(`${filter.year + 1}-01-01`)!.toISOString());
    return q;
  }

  async policies(filter: PolicyFilter, page: number, pageSize: number): Promise<Page<ArticleListItem>> {
    const q = this.policyQuery(filter);
    const rows = await q
      .select(LIST_COLUMNS)
      .orderBy("a.publishedAt", "desc")
      .orderBy("a.id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    return { rows, total, page, pageSize };
  }

  /** Distinct values for the policy library's filter lists. */
  async policyFacets(siteId: number | null) {
    const q = this.policyQuery({ siteId });
    const issuers = await q
      .select("a.issuer")
      .distinct()
      .where("a.issuer", "is not", null)
      .orderBy("a.issuer")
      .execute();
    const themes = await q
      .select("a.theme")
      .distinct()
      .where("a.theme", "is not", null)
      .orderBy("a.theme")
      .execute();
    const years = await q
      // The China-time year: from 16:00 UTC on 31 December it is already the next year in Beijing.
      .select(
        sql<string>`CASE WHEN substr(a.published_at, 6, 11) >= '12-31T16:00' THEN CAST(substr(a.published_at, 1, 4) AS INTEGER) + 1 ELSE CAST(substr(a.published_at, 1, 4) AS INTEGER) END`.as(
          "year",
        ),
      )
      .distinct()
      .execute();
    return {
      issuers: issuers.map((r) => r.issuer!).filter(Boolean),
      themes: themes.map((r) => r.theme!).filter(Boolean),
      years: years
        .map((r) => Number(r.year))
        .filter(Boolean)
        .sort((a, b) => b - a),
    };
  }

  interpretationsOf(policyId: number): Promise<ArticleListItem[]> {
    return this.db
      .selectFrom("articles as a")
      .select(LIST_COLUMNS)
      .where("a.policyId", "=", policyId)
      .where("a.status", "=", "published")
      .orderBy("a.publishedAt", "desc")
      .execute();
  }

  attachmentsOf(articleId: number): Promise<Attachment[]> {
    return this.db
      .selectFrom("attachments")
      .selectAll()
      .where("articleId", "=", articleId)
      .orderBy("id")
      .execute();
  }

  attachmentById(id: number): Promise<Attachment | undefined> {
    return this.db.selectFrom("attachments").selectAll().where("id", "=", id).executeTakeFirst();
  }

  blob(sha256: string): Promise<Buffer | undefined> {
    return getBlob(this.db, sha256);
  }

  versions(articleId: number) {
    return this.db
      .selectFrom("articleVersions")
      .selectAll()
      .where("articleId", "=", articleId)
      .orderBy("version", "desc")
      .execute();
  }

  /** Staff listing: every status, optionally one site's articles. */
  /** The review trail (三审) of an article, oldest first: every round, or only `round`. */
  async reviewTrail(articleId: number, round?: number) {
    let q = this.db.selectFrom("articleReviews").selectAll().where("articleId", "=", articleId);
    if (round !== undefined) q = q.where("round", "=", round);
    return q.orderBy("id").execute();
  }

  /**
   * Articles for the console lists. `stage` keeps submitted articles waiting at that review stage;
   * `notPassedBy` drops those the staff member already passed in the current round (another
   * reviewer must take the next stage).
   */
  async staffList(
    filter: {
      siteIds?: number[] | null;
      status?: string | null;
      q?: string | null;
      stage?: number | null;
      notPassedBy?: number | null;
      /** Only the articles this staff member created. */
      createdBy?: number | null;
    },
    page: number,
    pageSize: number,
  ) {
    let q = this.db.selectFrom("articles as a");
    if (filter.createdBy) q = q.where("a.createdBy", "=", filter.createdBy);
    if (filter.siteIds) {
      const ids = filter.siteIds.length > 0 ? filter.siteIds : [-1];
      q = q.where("a.ownerSiteId", "in", ids);
    }
    if (filter.status) q = q.where("a.status", "=", filter.status as ArticleStatus);
    if (filter.q) q = q.where("a.title", "like", `%${filter.q.replace(/[%_]/g, "")}%`);
    if (filter.stage) q = q.where("a.status", "=", "submitted").where("a.reviewStage", "=", filter.stage);
    const passer = filter.notPassedBy;
    if (passer)
      q = q.where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("articleReviews as r")
              .select("r.id")
              .whereRef("r.articleId", "=", "a.id")
              .whereRef("r.round", "=", "a.reviewRound")
              .where("r.action", "=", "pass")
              .where("r.actorId", "=", passer),
          ),
        ),
      );
    const rows = await q
      .select([
        "a.id",
        "a.kind",
        "a.title",
        "a.status",
        "a.updatedAt",
        "a.publishedAt",
        "a.ownerSiteId",
        "a.version",
        "a.scheduledAt",
        "a.reviewStage",
        "a.reviewStages",
      ])
      .orderBy("a.updatedAt", "desc")
      .orderBy("a.id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    return { rows, total, page, pageSize };
  }
}
