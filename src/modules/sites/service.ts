import type { Db, AnyView } from "../../platform/db/database.ts";

import { nowIso } from "../../platform/time/china-time.ts";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import { DomainError, Invalid, NotFound } from "../../platform/http/errors.ts";

import { pinyin } from "pinyin-pro";

import { PortalContent } from "./portal.ts";

import { SitesRepo, type Channel, type Site } from "./repo.ts";

import type { ChannelKind, SiteKind, SitesTables } from "./tables.ts";

export type { Channel, Site };

/** A step of mergeChannel run by another module in the same transaction. */
export type ChannelMergeStep = (trx: AnyView, sourceId: number, target: Channel) => Promise<void>;

export interface ChannelTemplate {
  slug: string;
  name: string;
  kind: ChannelKind;
  children?: ChannelTemplate[];
}

/** The standard channel tree of a government site (首页 is the site's home itself). */
export const CHANNEL_TEMPLATE: ChannelTemplate[] = [
  {
    slug: "zwgk",
    name: "政务公开",
    kind: "disclosure",
    children: [
      { slug: "zcwj", name: "政策文件", kind: "policy" },
      { slug: "zcjd", name: "政策解读", kind: "list" },
      { slug: "czyjs", name: "财政预决算", kind: "list" },
      { slug: "zfgzbg", name: "政府工作报告", kind: "list" },
    ],
  },
  { slug: "tzgg", name: "通知公告", kind: "list" },
  { slug: "gzdt", name: "工作动态", kind: "list" },
  { slug: "hdjl", name: "互动交流", kind: "interaction" },
  { slug: "bsfw", name: "办事服务", kind: "service" },
];

export interface ChannelNode extends Channel {
  children: ChannelNode[];
}

export interface SiteInput {
  code: string;
  siteCode: string;
  name: string;
  kind: string;
  host: string;
  themeColor?: string;
  logoText?: string;
  sponsor?: string;
  organizer?: string;
  contact?: string;
  icp?: string;
  policeRecord?: string;
  parentId?: number | null;
  description?: string;
}

export const SITE_KINDS: Record<string, string> = {
  portal: "门户网站",
  department: "部门网站",
  city: "市级网站",
  county: "县级网站",
};

const CODE = /^[a-z][a-z0-9-]{1,30}$/;
const SITE_ID_CODE = /^[0-9A-Za-z]{10}$/;
const HOST = /^(?=.{3,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const COLOUR = /^#[0-9a-fA-F]{6}$/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,30}$/;

/** A readable channel path from a Chinese name: pinyin initials of Han characters, other letters kept. */
export function channelSlug(name: string): string {
  const parts = pinyin(name, { pattern: "first", toneType: "none", type: "array", nonZh: "consecutive" });
  const slug = parts
    .join("")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 24)
    .replace(/-+$/, "");
  return slug ? (/^[a-z0-9]/.test(slug) ? slug : `c${slug}`) : "lm";
}

export function validateSiteInput(input: SiteInput): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!CODE.test(input.code)) errors.code = "站点代码须为2至31位小写字母、数字或连字符，以字母开头";
  if (!SITE_ID_CODE.test(input.siteCode)) errors.siteCode = "网站标识码须为10位字母或数字";
  if (!input.name.trim() || input.name.length > 60) errors.name = "请填写网站名称（60字以内）";
  if (!Object.hasOwn(SITE_KINDS, input.kind)) errors.kind = "请选择网站类型";
  if (!HOST.test(input.host.toLowerCase())) errors.host = "请填写有效的域名，如 rst.example.gov.cn";
  if (input.themeColor && !COLOUR.test(input.themeColor)) errors.themeColor = "主题色须为 #RRGGBB 格式";
  return errors;
}

/**
 * The site cluster: sites, their channel trees, and the address map that routes a host name or a
 * path prefix to a site. Lookups are served from memory and refreshed on every change.
 */
export class SitesService {
  readonly repo: SitesRepo;
  /** Leaders (领导之窗) and topics (专题专栏) each site's home page shows. */
  readonly portalContent: PortalContent;
  private byCode = new Map<string, Site>();
  private byHost = new Map<string, Site>();
  private portal: Site | null = null;
  private loadedAt = 0;

  constructor(
    private readonly store: Db<SitesTables>,
    private readonly audit: AuditLog,
    private readonly portalHost: string,
    /** The portal's public origin (config.publicBaseUrl); other sites use its scheme with their own host. */
    private readonly portalOrigin = `http://${portalHost}`,
  ) {
    this.repo = new SitesRepo(store.db);
    this.portalContent = new PortalContent(store.db);
  }

  private readonly listeners: (() => void)[] = [];
  private readonly channelMergeSteps: ChannelMergeStep[] = [];

  /**
   * Registers work to do inside the transaction that merges a channel into another (content moves
   * its article links); the step gets the transaction handle, to view with its own tables.
   */
  onChannelMerge(step: ChannelMergeStep): void {
    this.channelMergeSteps.push(step);
  }

  /** Open error reports (找错) of these sites (null: every site), for the staff dashboard. */
  async countOpenErrorReports(siteIds: number[] | null): Promise<number> {
    let q = this.store.db
      .selectFrom("errorReports")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("status", "=", "open");
    if (siteIds) q = q.where("siteId", "in", siteIds);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /** Channels by id (any site), for other modules checking the channels they are given. */
  async channelsByIds(ids: number[]): Promise<Channel[]> {
    return ids.length ? this.repo.channelsByIds(ids) : [];
  }
  private readonly channelCache = new Map<number, Promise<Channel[]>>();

  /** A site's channels for page navigation, from memory; dropped whenever any site or channel changes. */
  channelsCached(siteId: number): Promise<Channel[]> {
    let channels = this.channelCache.get(siteId);
    if (!channels) {
      // Shared by every visitor of the process: load from the primary, never a lagging replica.
      channels = this.store.onPrimary(() => this.repo.channelsOfSite(siteId));
      this.channelCache.set(siteId, channels);
      channels.catch(() => this.channelCache.delete(siteId));
    }
    return channels;
  }

  /** Called after a site or channel changes in this process (page caches listen). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  async refresh(): Promise<void> {
    this.channelCache.clear();
    // This map serves every visitor of the process: load it from the primary, never a lagging replica.
    const sites = await this.store.onPrimary(() => this.repo.listSites());
    this.byCode = new Map(sites.map((s) => [s.code, s]));
    this.byHost = new Map(sites.map((s) => [s.host.toLowerCase(), s]));
    this.portal = sites.find((s) => s.kind === "portal") ?? sites[0] ?? null;
    this.loadedAt = Date.now();
  }

  /** Refreshes the in-memory map when another process may have changed it. */
  async ensureFresh(maxAgeMs = 5000): Promise<void> {
    if (Date.now() - this.loadedAt > maxAgeMs) await this.refresh();
  }

  list(): Site[] {
    return [...this.byCode.values()].sort((a, b) => a.sort - b.sort || a.id - b.id);
  }

  byCodeCached(code: string): Site | undefined {
    return this.byCode.get(code);
  }

  byId(id: number): Site | undefined {
    return this.list().find((s) => s.id === id);
  }

  portalSite(): Site | null {
    return this.portal;
  }

  /** The site a Host header names, or null for the portal / unknown hosts. */
  siteForHost(host: string | undefined): Site | null {
    if (!host) return null;
    const name = host.toLowerCase().replace(/:\d+$/, "");
    if (name === this.portalHost) return null;
    const site = this.byHost.get(name);
    return site && site.kind !== "portal" ? site : null;
  }

  base(site: Site): string {
    return `/sites/${site.code}`;
  }

  /**
   * The public origin of a site, from configuration only (never a request's Host header): the portal at
   * the configured public base URL, every other site at its own host, where it is served from the root.
   */
  origin(site: Site): string {
    if (site.kind === "portal" || site.id === this.portal?.id) return this.portalOrigin;
    return `${new URL(this.portalOrigin).protocol}//${site.host.toLowerCase()}`;
  }

  /**
   * The one public address of a page of a site: an internal path (/sites/rst/col/tzgg/) becomes its
   * host-root URL (http://rst.example.gov.cn/col/tzgg/); a site-relative path (/col/tzgg/) likewise.
   */
  publicUrl(site: Site, path: string): string {
    const base = this.base(site);
    const rest =
      path === base
        ? "/"
        : path.startsWith(`${base}/`) || path.startsWith(`${base}?`)
          ? path.slice(base.length)
          : path;
    return `${this.origin(site)}${rest.startsWith("/") ? rest : `/${rest}`}`;
  }

  /** The site whose host this is (the portal for its own host and for unknown hosts). */
  siteOrPortalForHost(host: string | undefined): Site | null {
    return this.siteForHost(host) ?? this.portal;
  }

  async channelTree(siteId: number): Promise<ChannelNode[]> {
    const channels = await this.repo.channelsOfSite(siteId);
    const nodes = new Map<number, ChannelNode>(channels.map((c) => [c.id, { ...c, children: [] }]));
    const roots: ChannelNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.parentId != null ? nodes.get(node.parentId) : undefined;
      if (parent) parent.children.push(node);
      else roots.push(node);
    }
    return roots;
  }

  async createSite(
    input: SiteInput,
    actor: string,
    template: ChannelTemplate[] = CHANNEL_TEMPLATE,
  ): Promise<Site> {
    const errors = validateSiteInput(input);
    if (Object.keys(errors).length > 0) throw new Invalid("网站信息有误", errors);
    const host = input.host.toLowerCase();
    const clash = await this.store.db
      .selectFrom("sites")
      .select(["code", "siteCode", "host"])
      .where((eb) =>
        eb.or([eb("code", "=", input.code), eb("siteCode", "=", input.siteCode), eb("host", "=", host)]),
      )
      .executeTakeFirst();
    if (clash) {
      const fields: Record<string, string> = {};
      if (clash.code === input.code) fields.code = "该站点代码已被使用";
      if (clash.siteCode === input.siteCode) fields.siteCode = "该网站标识码已被使用";
      if (clash.host === host) fields.host = "该域名已被使用";
      throw new Invalid("网站信息与已有网站冲突", fields);
    }
    const now = nowIso();
    const name = input.name.trim();
    const site = await this.store.db.transaction().execute(async (trx) => {
      const created = await trx
        .insertInto("sites")
        .values({
          code: input.code,
          siteCode: input.siteCode,
          name,
          kind: input.kind as SiteKind, // checked by siteProblems
          parentId: input.parentId ?? null,
          host,
          themeColor: input.themeColor || "#b3261e",
          logoText: input.logoText?.trim() || name,
          sponsor: input.sponsor?.trim() || name,
          organizer: input.organizer?.trim() || name,
          contact: input.contact?.trim() || "",
          icp: input.icp?.trim() || "楚ICP备00000000号",
          policeRecord: input.policeRecord?.trim() || "",
          description: input.description?.trim() || "",
          sort: 100,
          createdAt: now,
          updatedAt: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const insertTree = async (items: ChannelTemplate[], parentId: number | null, prefix: string) => {
        let sort = 0;
        for (const item of items) {
          const path = prefix ? `${prefix}/${item.slug}` : item.slug;
          const channel = await trx
            .insertInto("channels")
            .values({
              siteId: created.id,
              parentId,
              slug: item.slug,
              path,
              name: item.name,
              kind: item.kind,
              sort: sort++,
              createdAt: now,
            })
            .returning("id")
            .executeTakeFirstOrThrow();
          if (item.children) await insertTree(item.children, channel.id, path);
        }
      };
      await insertTree(template, null, "");
      await this.audit.record(
        {
          actor,
          action: "site.create",
          targetType: "site",
          targetId: created.id,
          detail: { code: created.code, name },
        },
        trx,
      );
      return created;
    });
    await this.refresh();
    this.changed();
    return site;
  }

  async updateSite(id: number, input: Partial<SiteInput>, actor: string): Promise<Site> {
    const site = await this.repo.siteById(id);
    if (!site) throw new NotFound("网站不存在");
    const merged: SiteInput = { ...site, ...input } as SiteInput;
    const errors = validateSiteInput(merged);
    if (Object.keys(errors).length > 0) throw new Invalid("网站信息有误", errors);
    const newCode = merged.code;
    await this.store.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("sites")
        .set({
          code: newCode,
          name: merged.name.trim(),
          host: merged.host.toLowerCase(),
          themeColor: merged.themeColor ?? site.themeColor,
          logoText: merged.logoText ?? site.logoText,
          sponsor: merged.sponsor ?? site.sponsor,
          organizer: merged.organizer ?? site.organizer,
          contact: merged.contact ?? site.contact,
          icp: merged.icp ?? site.icp,
          policeRecord: merged.policeRecord ?? site.policeRecord,
          description: merged.description ?? site.description,
          updatedAt: nowIso(),
        })
        .where("id", "=", id)
        .execute();
      if (newCode !== site.code) {
        // 机构改革: old addresses keep working.
        await this.addRedirect(trx, `/sites/${site.code}/*`, `/sites/${newCode}/*`, "site-renamed");
      }
      await this.audit.record(
        {
          actor,
          action: "site.update",
          targetType: "site",
          targetId: id,
          detail: input as Record<string, unknown>,
        },
        trx,
      );
    });
    await this.refresh();
    this.changed();
    return (await this.repo.siteById(id))!;
  }

  async createChannel(
    siteId: number,
    input: { name: string; slug: string; kind: string; parentId?: number | null },
    actor: string,
  ) {
    const errors: Record<string, string> = {};
    if (!input.name.trim() || input.name.length > 30) errors.name = "请填写栏目名称（30字以内）";
    if (!SLUG.test(input.slug)) errors.slug = "栏目路径须为小写字母、数字或连字符";
    let prefix = "";
    if (input.parentId) {
      const parent = await this.repo.channelById(input.parentId);
      if (!parent || parent.siteId !== siteId) errors.parentId = "上级栏目不存在";
      else prefix = parent.path + "/";
    }
    const path = prefix + input.slug;
    if (!errors.slug && (await this.repo.channelByPath(siteId, path)))
      errors.slug = "同一位置已有该路径的栏目";
    if (Object.keys(errors).length > 0) throw new Invalid("栏目信息有误", errors);
    const channel = await this.store.db
      .insertInto("channels")
      .values({
        siteId,
        parentId: input.parentId ?? null,
        slug: input.slug,
        path,
        name: input.name.trim(),
        // Not checked against CHANNEL_KINDS (as before); the admin form offers only those.
        kind: (input.kind || "list") as ChannelKind,
        sort: 100,
        createdAt: nowIso(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit.record({
      actor,
      action: "channel.create",
      targetType: "channel",
      targetId: channel.id,
      detail: { siteId, path },
    });
    this.changed();
    return channel;
  }

  /**
   * Finds a channel by name, creating a top-level list channel when missing (used by import). The
   * new channel's path is the pinyin initials of its name (人才招聘 → rczp), made unique with a suffix.
   * Safe when two callers (or two processes) ask for the same new name at once: the loser of the
   * insert race finds the winner's channel by name.
   */
  async ensureChannel(siteId: number, name: string, actor: string): Promise<Channel> {
    const wanted = name.trim();
    const existing = await this.repo.channelByName(siteId, wanted);
    if (existing) return existing;
    const base = channelSlug(wanted);
    for (let attempt = 1; attempt <= 50; attempt++) {
      const slug = attempt === 1 ? base : `${base.slice(0, 26)}-${attempt}`;
      const taken = await this.repo.channelByPath(siteId, slug);
      // A parallel call may have just created this very channel under the slug.
      if (taken?.name === wanted) return taken;
      if (taken) continue;
      try {
        return await this.createChannel(siteId, { name: wanted, slug, kind: "list" }, actor);
      } catch (error) {
        // Someone else may have created it (or taken the slug) between our check and our insert.
        const raced = await this.repo.channelByName(siteId, wanted);
        if (raced) return raced;
        if (error instanceof DomainError && !error.fields.slug) throw error;
        if (!(error instanceof DomainError) && (await this.repo.channelByPath(siteId, slug)) === undefined)
          throw error;
      }
    }
    throw new Invalid("栏目信息有误", { slug: "无法为该栏目生成唯一路径" });
  }

  async renameChannel(
    channelId: number,
    input: { name?: string; slug?: string },
    actor: string,
  ): Promise<Channel> {
    const channel = await this.repo.channelById(channelId);
    if (!channel) throw new NotFound("栏目不存在");
    const site = await this.repo.siteById(channel.siteId);
    const name = input.name?.trim() || channel.name;
    const slug = input.slug ?? channel.slug;
    if (!SLUG.test(slug)) throw new Invalid("栏目信息有误", { slug: "栏目路径须为小写字母、数字或连字符" });
    const newPath = channel.path.slice(0, channel.path.length - channel.slug.length) + slug;
    if (newPath !== channel.path && (await this.repo.channelByPath(channel.siteId, newPath))) {
      throw new Invalid("栏目信息有误", { slug: "同一位置已有该路径的栏目" });
    }
    await this.store.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("channels")
        .set({ name, slug, path: newPath })
        .where("id", "=", channelId)
        .execute();
      if (newPath !== channel.path) {
        // Descendants move with their parent.
        const descendants = await trx
          .selectFrom("channels")
          .select(["id", "path"])
          .where("siteId", "=", channel.siteId)
          .where("path", "like", `${channel.path}/%`)
          .execute();
        for (const d of descendants) {
          await trx
            .updateTable("channels")
            .set({ path: newPath + d.path.slice(channel.path.length) })
            .where("id", "=", d.id)
            .execute();
        }
        await this.addRedirect(
          trx,
          `/sites/${site!.code}/col/${channel.path}/*`,
          `/sites/${site!.code}/col/${newPath}/*`,
          "channel-renamed",
        );
      }
      await this.audit.record(
        {
          actor,
          action: "channel.rename",
          targetType: "channel",
          targetId: channelId,
          detail: { name, path: newPath },
        },
        trx,
      );
    });
    this.changed();
    return (await this.repo.channelById(channelId))!;
  }

  /** Merges a channel into another (机构改革): its articles move, its address redirects. */
  async mergeChannel(sourceId: number, targetId: number, actor: string): Promise<void> {
    const source = await this.repo.channelById(sourceId);
    const target = await this.repo.channelById(targetId);
    if (!source || !target || source.id === target.id) throw new Invalid("请选择两个不同的栏目");
    const sourceSite = await this.repo.siteById(source.siteId);
    const targetSite = await this.repo.siteById(target.siteId);
    await this.store.db.transaction().execute(async (trx) => {
      // The articles published in the source channel move with it (content owns those links).
      for (const move of this.channelMergeSteps) await move(trx, sourceId, target);
      await trx
        .updateTable("channels")
        .set({ parentId: target.id })
        .where("parentId", "=", sourceId)
        .execute();
      await trx.deleteFrom("channels").where("id", "=", sourceId).execute();
      await this.addRedirect(
        trx,
        `/sites/${sourceSite!.code}/col/${source.path}/*`,
        `/sites/${targetSite!.code}/col/${target.path}/`,
        "channel-merged",
      );
      await this.audit.record(
        {
          actor,
          action: "channel.merge",
          targetType: "channel",
          targetId: sourceId,
          detail: { into: targetId },
        },
        trx,
      );
    });
    this.changed();
  }

  private async addRedirect(
    trx: Db<SitesTables>["db"],
    fromPath: string,
    toPath: string,
    reason: string,
  ): Promise<void> {
    // Chains collapse: anything that pointed at the old address now points at the new one.
    await trx.updateTable("redirects").set({ toPath }).where("toPath", "=", fromPath).execute();
    await trx.deleteFrom("redirects").where("fromPath", "=", toPath).execute();
    await trx
      .insertInto("redirects")
      .values({ fromPath, toPath, reason, createdAt: nowIso() })
      .onConflict((oc) => oc.column("fromPath").doUpdateSet({ toPath, reason }))
      .execute();
  }

  /** Where an old address now lives, if it was renamed or merged away. */
  async resolveRedirect(rawPath: string): Promise<string | null> {
    // "/sites/old/" and "/sites/old" are the same address; the answer keeps the trailing slash.
    const slash = rawPath.length > 1 && rawPath.endsWith("/");
    const path = slash ? rawPath.replace(/\/+$/, "") : rawPath;
    const exact = await this.repo.redirectFor(path);
    if (exact) return exact.toPath;
    const segments = path.split("/");
    // The address itself (a renamed channel's own page) or any parent prefix may carry a rule.
    for (let i = segments.length; i >= 2; i--) {
      const prefix = segments.slice(0, i).join("/");
      const rule = await this.repo.redirectFor(`${prefix}/*`);
      if (rule) {
        const rest = path.slice(prefix.length + 1);
        if (!rule.toPath.endsWith("/*")) return rule.toPath;
        const target = `${rule.toPath.slice(0, -2)}/${rest}`;
        return slash && !target.endsWith("/") ? `${target}/` : target;
      }
    }
    return null;
  }

  /** Sets how many review stages (三审, 1 to 3) a site's articles pass; audited. */
  async setReviewStages(siteId: number, stages: number, actor: string): Promise<void> {
    if (!REVIEW_STAGE_COUNTS.includes(stages))
      throw new Invalid("审核级数须为1、2或3", { reviewStages: "请选择一审、二审或三审" });
    await this.store.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("sites")
        .set({ reviewStages: stages, updatedAt: nowIso() })
        .where("id", "=", siteId)
        .execute();
      await this.audit.record(
        { actor, action: "site.review-stages", targetType: "site", targetId: siteId, detail: { stages } },
        trx,
      );
    });
    await this.refresh();
  }

  /** A channel's own number of review stages, or null to follow its site; audited. */
  async setChannelReviewStages(channelId: number, stages: number | null, actor: string): Promise<void> {
    if (stages !== null && !REVIEW_STAGE_COUNTS.includes(stages))
      throw new Invalid("审核级数须为1、2或3", { reviewStages: "请选择审核级数" });
    await this.store.db.transaction().execute(async (trx) => {
      await trx.updateTable("channels").set({ reviewStages: stages }).where("id", "=", channelId).execute();
      await this.audit.record(
        {
          actor,
          action: "channel.review-stages",
          targetType: "channel",
          targetId: channelId,
          detail: { stages },
        },
        trx,
      );
    });
    this.channelCache.clear();
  }

  /**
   * How many review stages an article of `ownerSiteId` in these channels must pass: the strictest of
   * the owner site's setting and each channel's (its own override, else its site's).
   */
  async reviewStagesFor(ownerSiteId: number, channelIds: number[]): Promise<number> {
    await this.ensureFresh();
    const siteStages = (id: number) => this.byId(id)?.reviewStages ?? 1;
    let stages = siteStages(ownerSiteId);
    for (const channel of await this.channelsByIds(channelIds))
      stages = Math.max(stages, channel.reviewStages ?? siteStages(channel.siteId));
    return Math.min(3, Math.max(1, stages));
  }
}

/** The review stage counts a site or channel may choose (一审, 二审, 三审). */
export const REVIEW_STAGE_COUNTS = [1, 2, 3];
