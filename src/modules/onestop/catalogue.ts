import type { Db } from "../../platform/db/database.ts";

import { sparedMaterials } from "./once-only.ts";
import { nowIso } from "../../platform/time/china-time.ts";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import { notFound, Invalid, DomainError } from "../../platform/http/errors.ts";

import type { SearchIndex } from "../../platform/search/search-index.ts";

import type { Selectable } from "kysely";

import type { OneStopTables, ServiceItemRow, ServiceItemStatus } from "./tables.ts";

import type { SitesService } from "../sites/index.ts";

import { checkGuide, type Guide, type GuideProblem, type ServiceItemInput } from "./guide.ts";

export interface ServiceItem {
  id: number;
  code: string;
  siteId: number;
  name: string;
  itemType: string;
  status: ServiceItemStatus;
  version: number;
  formVersion: number | null;
  guide: Guide;
  updatedAt: string;
}

export interface ItemFilter {
  siteId?: number | null;
  audience?: "person" | "legal" | null;
  theme?: string | null;
  lifeEvent?: string | null;
  q?: string | null;
  includeDrafts?: boolean;
  /** Without a query: the most used first (长辈版), else by department then code. */
  mostUsedFirst?: boolean;
  page?: number;
  pageSize?: number;
}

export interface ItemFacets {
  themes: { value: string; count: number }[];
  lifeEvents: { value: string; count: number }[];
  departments: { value: number; count: number }[];
}

const tags = (values: string[]) => (values.length ? `|${values.join("|")}|` : "");
const untag = (value: string) => value.split("|").filter(Boolean);

export function toItem(row: Selectable<ServiceItemRow>): ServiceItem {
  return {
    id: row.id,
    code: row.code,
    siteId: row.siteId,
    name: row.name,
    itemType: row.itemType,
    status: row.status,
    version: row.version,
    formVersion: row.formVersion,
    guide: JSON.parse(row.guide) as Guide,
    updatedAt: row.updatedAt,
  };
}

/** Problems as DomainError fields: one message per field key, all listed at once. */
export function problemsError(problems: GuideProblem[]): DomainError {
  const fields: Record<string, string> = {};
  for (const p of problems)
    fields[p.field] = fields[p.field] ? `${fields[p.field]}；${p.message}` : p.message;
  return new Invalid(`办事指南未通过检查（${problems.length}处问题）`, fields);
}

/** The province-wide catalogue of service items (政务服务事项) and their guides. */
export class CatalogueService {
  constructor(
    private readonly store: Db<OneStopTables>,
    private readonly sites: SitesService,
    private readonly search: SearchIndex,
    private readonly audit: AuditLog,
  ) {
    search.kinds.register({ service: "办事服务" });
  }

  private get db() {
    return this.store.db;
  }

  itemUrl(item: { siteId: number; code: string }): string {
    const site = this.sites.byId(item.siteId);
    return `/sites/${site?.code ?? "www"}/services/item/${encodeURIComponent(item.code)}`;
  }

  /** Creates or updates an item by code; the guide checker runs first and rejects every problem at once. */
  async save(
    input: ServiceItemInput,
    actor: string,
    status: ServiceItemStatus = "published",
  ): Promise<ServiceItem> {
    const problems = checkGuide(input);
    const site = this.sites.byId(input.siteId);
    if (!site) problems.push({ field: "siteId", message: "请选择实施部门（站点）" });
    if (problems.length > 0) throw problemsError(problems);
    const g = input.guide;
    const now = nowIso();
    const values = {
      code: input.code,
      siteId: input.siteId,
      name: input.name.trim(),
      itemType: input.itemType,
      forPerson: g.audience.includes("person") ? 1 : 0,
      forLegal: g.audience.includes("legal") ? 1 : 0,
      themes: tags(g.themes),
      lifeEvents: tags(g.lifeEvents),
      onlineDepth: g.onlineDepth,
      visits: g.visits,
      legalLimitDays: g.legalLimitDays,
      committedLimitDays: g.committedLimitDays,
      guide: JSON.stringify(g),
      status,
      updatedAt: now,
    };
    const existing = await this.db
      .selectFrom("serviceItems")
      .select(["id", "version"])
      .where("code", "=", input.code)
      .executeTakeFirst();
    if (existing) {
      await this.db
        .updateTable("serviceItems")
        .set({ ...values, version: existing.version + 1 })
        .where("id", "=", existing.id)
        .execute();
    } else {
      await this.db
        .insertInto("serviceItems")
        .values({ ...values, version: 1, formVersion: null, createdAt: now })
        .execute();
    }
    await this.audit.record({
      actor,
      action: existing ? "service_item.update" : "service_item.create",
      targetType: "service_item",
      targetId: input.code,
      detail: { name: values.name, status },
    });
    const item = (await this.byCode(input.code, true))!;
    await this.index(item);
    return item;
  }

  async index(item: ServiceItem): Promise<void> {
    const key = `service:${item.code}`;
    if (item.status !== "published") return this.search.remove(key);
    const site = this.sites.byId(item.siteId);
    const portal = this.sites.portalSite();
    const g = item.guide;
    await this.search.upsert({
      key,
      kind: "service",
      title: item.name,
      body: [
        `${item.itemType} · ${g.onlineDepth}`,
        `受理条件：${g.conditions.join("；")}`,
        `申请材料：${g.materials.map((m) => m.name).join("、")}`,
        `办理结果：${g.result}`,
      ].join("\n"),
      // Searchable with their own weight, kept out of the snippet (which showed them as a tag list).
      issuer: [...new Set([site?.name ?? "", g.implementingBody].filter(Boolean))].join(" "),
      keywords: [...g.themes, ...g.lifeEvents].join(" "),
      url: this.itemUrl(item),
      siteIds: [item.siteId, ...(portal ? [portal.id] : [])],
      publishedAt: item.updatedAt,
      meta: { code: item.code, department: site?.name ?? "", siteCode: site?.code ?? "" },
    });
  }

  async byCode(code: string, includeDrafts = false): Promise<ServiceItem | undefined> {
    if (code.length > 80) return undefined;
    let q = this.db.selectFrom("serviceItems").selectAll().where("code", "=", code);
    if (!includeDrafts) q = q.where("status", "=", "published");
    const row = await q.executeTakeFirst();
    return row ? toItem(row) : undefined;
  }

  async byId(id: number): Promise<ServiceItem | undefined> {
    const row = await this.db.selectFrom("serviceItems").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toItem(row) : undefined;
  }

  async requireByCode(code: string): Promise<ServiceItem> {
    const item = await this.byCode(code);
    if (!item) throw notFound("该服务事项不存在或已停止办理");
    return item;
  }

  async byCodes(codes: string[]): Promise<ServiceItem[]> {
    if (codes.length === 0) return [];
    const rows = await this.db.selectFrom("serviceItems").selectAll().where("code", "in", codes).execute();
    const byCode = new Map(rows.map((r) => [r.code, toItem(r)]));
    return codes.map((c) => byCode.get(c)).filter((x): x is ServiceItem => !!x);
  }

  private async searchCodes(q: string, siteId: number | null | undefined): Promise<string[]> {
    const codes: string[] = [];
    for (let page = 1; page <= 4; page++) {
      const r = await this.search.search({ q, kind: "service", siteId: siteId ?? null, page, pageSize: 50 });
      for (const hit of r.hits) codes.push(hit.key.slice("service:".length));
      if (page * 50 >= r.total) break;
    }
    return codes;
  }

  /** Items matching the filters, paged, plus facet counts over the same filters. */
  async list(filter: ItemFilter): Promise<{ rows: ServiceItem[]; total: number; facets: ItemFacets }> {
    const pageSize = Math.min(Math.max(filter.pageSize ?? 20, 1), 100);
    const page = Math.max(filter.page ?? 1, 1);
    const q = filter.q?.trim().slice(0, 100);
    const codes = q ? await this.searchCodes(q, filter.siteId) : null;
    const empty = { rows: [], total: 0, facets: { themes: [], lifeEvents: [], departments: [] } };
    if (codes && codes.length === 0) return empty;
    let query = this.store.read.selectFrom("serviceItems");
    if (!filter.includeDrafts) query = query.where("status", "=", "published");
    if (filter.siteId != null) query = query.where("siteId", "=", filter.siteId);
    if (filter.audience === "person") query = query.where("forPerson", "=", 1);
    if (filter.audience === "legal") query = query.where("forLegal", "=", 1);
    if (filter.theme) query = query.where("themes", "like", `%|${filter.theme.replace(/[%_|]/g, "")}|%`);
    if (filter.lifeEvent)
      query = query.where("lifeEvents", "like", `%|${filter.lifeEvent.replace(/[%_|]/g, "")}|%`);
    if (codes) query = query.where("code", "in", codes);
    const all = await query.select(["id", "code", "siteId", "themes", "lifeEvents"]).execute();
    const facets: ItemFacets = { themes: [], lifeEvents: [], departments: [] };
    const count = <T>(values: T[]) => {
      const m = new Map<T, number>();
      for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
      return [...m.entries()]
        .map(([value, n]) => ({ value, count: n }))
        .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value), "zh-CN"));
    };
    facets.themes = count(all.flatMap((r) => untag(r.themes)));
    facets.lifeEvents = count(all.flatMap((r) => untag(r.lifeEvents)));
    facets.departments = count(all.map((r) => r.siteId));
    // Relevance order when searching, else (the most used first, when asked) by department then code.
    const order = codes ? new Map(codes.map((c, i) => [c, i])) : null;
    const used = !order && filter.mostUsedFirst ? await this.usage() : null;
    const sorted = [...all].sort((a, b) =>
      order
        ? order.get(a.code)! - order.get(b.code)!
        : (used ? (used.get(b.code) ?? 0) - (used.get(a.code) ?? 0) : 0) ||
          this.siteSort(a.siteId) - this.siteSort(b.siteId) ||
          a.code.localeCompare(b.code),
    );
    const ids = sorted.slice((page - 1) * pageSize, page * pageSize).map((r) => r.id);
    const rows =
      ids.length === 0
        ? []
        : await this.store.read.selectFrom("serviceItems").selectAll().where("id", "in", ids).execute();
    const byId = new Map(rows.map((r) => [r.id, toItem(r)]));
    return { rows: ids.map((id) => byId.get(id)!), total: all.length, facets };
  }

  private siteSort(siteId: number): number {
    return this.sites.byId(siteId)?.sort ?? 1000;
  }

  /** Runs the guide checker over the whole catalogue. */
  async checkAll(): Promise<{ code: string; name: string; siteId: number; problems: GuideProblem[] }[]> {
    const rows = await this.db.selectFrom("serviceItems").selectAll().orderBy("code").execute();
    return rows
      .map(toItem)
      .map((item) => ({
        code: item.code,
        name: item.name,
        siteId: item.siteId,
        problems: checkGuide({
          code: item.code,
          name: item.name,
          itemType: item.itemType,
          siteId: item.siteId,
          guide: item.guide,
        }),
      }))
      .filter((r) => r.problems.length > 0);
  }

  /** Applications filed per item code (drafts left out): how much each item is used. */
  private async usage(): Promise<Map<string, number>> {
    const counts = await this.store.read
      .selectFrom("applications")
      .select(["itemCode", (eb) => eb.fn.countAll<number>().as("n")])
      .where("status", "!=", "draft")
      .groupBy("itemCode")
      .execute();
    return new Map(counts.map((c) => [c.itemCode, Number(c.n)]));
  }

  /**
   * The most used published items (热点服务): ranked by applications filed (drafts not counted), then
   * in catalogue order, so a new platform still lists its first items.
   */
  async mostUsed(
    limit: number,
    /** Only this department's items (a department's home); default every item of the province. */
    siteId?: number,
  ): Promise<{ code: string; name: string; applications: number }[]> {
    const used = await this.usage();
    let published = this.store.read
      .selectFrom("serviceItems")
      .select(["code", "name", "siteId"])
      .where("status", "=", "published");
    if (siteId !== undefined) published = published.where("siteId", "=", siteId);
    const items = await published.execute();
    return items
      .map((i) => ({ ...i, applications: used.get(i.code) ?? 0 }))
      .sort(
        (a, b) =>
          b.applications - a.applications ||
          this.siteSort(a.siteId) - this.siteSort(b.siteId) ||
          a.code.localeCompare(b.code),
      )
      .slice(0, limit)
      .map(({ code, name, applications }) => ({ code, name, applications }));
  }

  /**
   * Every published item with its guide and online-application addresses, themes and life events
   * (other modules link to them, e.g. under the assistant's answers).
   */
  async guideLinks(): Promise<
    { code: string; name: string; keywords: string[]; guideHref: string; applyHref: string }[]
  > {
    const rows = await this.store.read
      .selectFrom("serviceItems")
      .select(["code", "name", "siteId", "themes", "lifeEvents"])
      .where("status", "=", "published")
      .orderBy("code")
      .execute();
    return rows.map((r) => {
      const site = this.sites.byId(r.siteId)?.code ?? "www";
      return {
        code: r.code,
        name: r.name,
        keywords: [...untag(r.themes), ...untag(r.lifeEvents)],
        guideHref: this.itemUrl(r),
        applyHref: `/sites/${site}/services/apply/${encodeURIComponent(r.code)}`,
      };
    });
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom("serviceItems")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("status", "=", "published")
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  spared(item: ServiceItem): number {
    return sparedMaterials(item.guide).length;
  }
}
