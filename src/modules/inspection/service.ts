import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { Db } from "../../platform/db/database.ts";
import { KvStore, type KvScope } from "../../platform/kv/kv-store.ts";
import { chinaDate, chinaDayStart, nowIso, shiftDays } from "../../platform/time/china-time.ts";
import type { AnalyticsService } from "../analytics/index.ts";
import type { ContentService } from "../content/index.ts";
import type { MailboxService } from "../mailbox/index.ts";
import type { OneStopService } from "../onestop/index.ts";
import type { Site, SitesService } from "../sites/index.ts";
import type { StaffPrincipal, WorkloadSection, WorkloadSource } from "../staff/index.ts";
import {
  crawlSite,
  INSPECTOR_USER_AGENT,
  type CrawlNote,
  type CrawlOptions,
  type CrawlReport,
} from "./crawler.ts";
import { RunNotFound, SiteNotFound } from "./errors.ts";
import { browserChecks, pageProblems, type BrowserCheckOptions } from "./page-checks.ts";
import {
  columnTypeOf,
  evaluate,
  LIMITS,
  RULES,
  type Countdown,
  type InspectionNote,
  type InspectionResult,
  type PageProblem,
  type SiteFacts,
} from "./rules.ts";
import type { InspectionRunStatus, InspectionTables } from "./tables.ts";

/** What a finished run keeps: the printed result plus the countdowns and notes the console shows. */
export interface RunDetail extends InspectionResult {
  countdowns: Countdown[];
  notes: InspectionNote[];
  crawl: { pages: number; checkedLinks: number; elapsedMs: number; stoppedBy: string | null } | null;
  accessibilityChecked: boolean;
}

export interface InspectionRun {
  id: number;
  siteId: number;
  siteCode: string;
  siteName: string;
  status: InspectionRunStatus;
  requestedBy: string;
  phase: string;
  progressDone: number;
  progressTotal: number;
  score: number | null;
  passed: boolean | null;
  vetoCount: number | null;
  detail: RunDetail | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface InspectionOptions {
  /** Headless Chromium for axe-core and the elder-mode layout checks; absent → "not checked". */
  chromiumPath: string;
  /**
   * Where the inspector reaches the sites: null → each site's public address (sites.origin); a base URL →
   * `${base}/sites/CODE/` (one instance checking itself, the demo and the tests).
   */
  targetBase: string | null;
  crawl?: Partial<CrawlOptions>;
  /** Pages given to axe-core per run (a sample: home, then the first pages crawled). */
  browserSample?: number;
  /** Deadlines of the browser checks (per page, starting Chromium, the whole step). */
  browser?: Pick<BrowserCheckOptions, "pageTimeoutMs" | "launchTimeoutMs" | "budgetMs">;
  probeTimeoutMs?: number;
}

export interface InspectionSources {
  content: ContentService;
  mailbox: MailboxService;
  oneStop: OneStopService;
  analytics: AnalyticsService;
}

type Progress = (phase: string, done: number, total: number) => void;

/**
 * Continuous site inspection: availability probes (job runner), full runs (crawl, browser checks, rules)
 * queued from the console and run in the background, history per site, and live countdowns.
 */
export interface ProbeResult {
  ok: boolean;
  ms: number;
  status: number | null;
  /** The connection itself failed (refused, no such host, no route): the error code; else null. */
  refused: string | null;
}

export interface ProbeProblem {
  at: string;
  detail: string;
}

const CONNECTION_FAILURES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);

/** The error code of a fetch that could not connect at all (fetch puts it on the cause), or null. */
function connectionFailure(error: unknown): string | null {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } }).cause;
  const codes = [cause?.code, ...(cause?.errors ?? []).map((e) => e.code)];
  const code = codes.find((c): c is string => typeof c === "string" && CONNECTION_FAILURES.has(c));
  return code ?? null;
}

export class InspectionService implements WorkloadSource {
  private readonly kv: KvScope<{ "probe-problem": ProbeProblem }>;

  constructor(
    private readonly store: Db<InspectionTables>,
    private readonly audit: AuditLog,
    private readonly sites: SitesService,
    private readonly sources: InspectionSources,
    private readonly options: InspectionOptions,
  ) {
    this.kv = new KvStore(store.db).scope("inspection");
  }

  siteByCode(code: string): Site {
    const site = this.sites.byCodeCached(code);
    if (!site) throw new SiteNotFound();
    return site;
  }

  /** The address the inspector opens for a site's home page. */
  homeUrl(site: Site): string {
    return this.options.targetBase
      ? `${this.options.targetBase.replace(/\/+$/, "")}/sites/${site.code}/`
      : `${this.sites.origin(site)}/`;
  }

  /** A site path (/col/tzgg/) at the inspector's address of the site. */
  private pageUrl(site: Site, path: string): string {
    return new URL(path.replace(/^\//, ""), this.homeUrl(site)).toString();
  }

  // ---- availability probes -------------------------------------------------------------------

  /** One probe of a site's home page: answered (2xx/3xx) within 15 s or not. */
  async probe(site: Site, at = new Date()): Promise<ProbeResult> {
    const result = await this.probeOnly(site);
    await this.recordProbe(site.id, at, result.ok, result.ms, result.status);
    return result;
  }

  private async probeOnly(site: Site): Promise<ProbeResult> {
    const timeout = this.options.probeTimeoutMs ?? LIMITS.probeTimeoutMs;
    const started = Date.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    let status: number | null = null;
    let refused: string | null = null;
    try {
      const res = await fetch(this.homeUrl(site), {
        redirect: "manual",
        signal: controller.signal,
        headers: { "user-agent": INSPECTOR_USER_AGENT },
      });
      status = res.status;
      await res.body?.cancel().catch(() => {});
    } catch (error) {
      if (!controller.signal.aborted) refused = connectionFailure(error);
    } finally {
      clearTimeout(timer);
    }
    const ms = Math.min(Date.now() - started, timeout);
    const ok = status !== null && status < 400 && ms < timeout;
    return { ok, ms, status, refused };
  }

  /**
   * Why the last round of probes was not counted (the inspector could reach no site at all), or null.
   * Shared through the database: the console may be served by another instance than the job's.
   */
  async probeProblem(): Promise<ProbeProblem | null> {
    return (await this.kv.get("probe-problem")) ?? null;
  }

  async recordProbe(siteId: number, at: Date, ok: boolean, ms: number, status: number | null): Promise<void> {
    await this.store.db
      .insertInto("inspectionProbes")
      .values({ siteId, at: at.toISOString(), ok: ok ? 1 : 0, ms, status })
      .execute();
  }

  /** Probes every site (the job runner calls this every 30 minutes: 48 a day) and forgets probes after 60 days. */
  async probeAll(now = new Date()): Promise<number> {
    const sites = this.sites.list();
    const results: ProbeResult[] = [];
    for (let i = 0; i < sites.length; i += 4)
      results.push(...(await Promise.all(sites.slice(i, i + 4).map((s) => this.probeOnly(s)))));
    // Every site refused the connection or has no address at once: the inspector's side is wrong (a
    // wrong INSPECTION_BASE_URL, its network or DNS), not every site down. The round is not counted
    // against the sites; operators are told instead. (A slow or failing answer still counts.)
    // Only through a configured inspection address: reaching sites at their public addresses, every
    // refusal at once is what a whole-platform outage (its proxy, its DNS) looks like, and counts.
    const reason = results[0]?.refused;
    if (this.options.targetBase && sites.length > 1 && reason && results.every((r) => r.refused)) {
      const detail = `巡检程序无法连接任何网站（${reason}，如 ${this.homeUrl(sites[0])}）：本轮可用性探测未计入各网站成绩，请检查巡检地址配置 INSPECTION_BASE_URL 和巡检服务器的网络`;
      await this.kv.set("probe-problem", { at: now.toISOString(), detail });
      return 0;
    }
    for (const [i, r] of results.entries()) await this.recordProbe(sites[i].id, now, r.ok, r.ms, r.status);
    await this.kv.delete("probe-problem");
    await this.store.db
      .deleteFrom("inspectionProbes")
      .where("at", "<", new Date(now.getTime() - 60 * 86_400_000).toISOString())
      .execute();
    return sites.length;
  }

  async probeFacts(siteId: number, now = new Date()): Promise<{ total: number; failed: number }> {
    const row = await this.store.read
      .selectFrom("inspectionProbes")
      .select((eb) => [
        eb.fn.countAll<number>().as("total"),
        eb.fn.sum<number>(eb.case().when("ok", "=", 0).then(1).else(0).end()).as("failed"),
      ])
      .where("siteId", "=", siteId)
      .where("at", ">=", new Date(now.getTime() - 7 * 86_400_000).toISOString())
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), failed: Number(row.failed ?? 0) };
  }

  // ---- facts and rules -----------------------------------------------------------------------

  private guideCache: { at: number; value: ReturnType<OneStopService["catalogue"]["checkAll"]> } | null =
    null;

  /** Every guide's check, shared for a minute (the overview checks every site at once). */
  private guideChecks(): ReturnType<OneStopService["catalogue"]["checkAll"]> {
    if (!this.guideCache || Date.now() - this.guideCache.at > 60_000) {
      const value = this.sources.oneStop.catalogue.checkAll();
      value.catch(() => (this.guideCache = null));
      this.guideCache = { at: Date.now(), value };
    }
    return this.guideCache.value;
  }

  /** The facts read from the platform's records (no crawl): freshness, letters, guides, probes. */
  async recordFacts(site: Site, now = new Date()): Promise<SiteFacts> {
    const [tree, fresh, letters, guides, probes] = await Promise.all([
      this.sites.channelTree(site.id),
      this.sources.content.channelFreshness(site.id),
      this.sources.mailbox.unanswered(site.id, now),
      this.guideChecks(),
      this.probeFacts(site.id, now),
    ]);
    const byChannel = new Map(fresh.map((f) => [f.channelId, f]));
    const channels: SiteFacts["channels"] = [];
    const walk = (nodes: typeof tree) => {
      for (const n of nodes) {
        if (n.children.length) walk(n.children);
        // Leaf columns that hold information; interaction, service and link columns show other modules.
        else if (n.kind === "list" || n.kind === "policy" || n.kind === "disclosure") {
          const f = byChannel.get(n.id);
          channels.push({
            name: n.name,
            url: this.pageUrl(site, `/col/${n.path}/`),
            type: columnTypeOf(n.name, n.kind === "policy"),
            items: f?.items ?? 0,
            latestAt: f?.latestAt ?? null,
          });
        }
      }
    };
    walk(tree);
    const dated = fresh.map((f) => f.latestAt).filter((d): d is string => !!d);
    return {
      site: site.code,
      homeUrl: this.homeUrl(site),
      probes,
      homeUpdatedAt: dated.length ? dated.reduce((a, b) => (a > b ? a : b)) : null,
      channels,
      letters: { ...letters, url: this.pageUrl(site, "/interaction/") },
      guides: guides
        .filter((g) => g.siteId === site.id)
        .map((g) => ({
          code: g.code,
          name: g.name,
          problems: g.problems.map((p) => p.message),
          url: this.pageUrl(site, `/services/item/${encodeURIComponent(g.code)}`),
        })),
      links: null,
      metaMissing: null,
      accessibility: null,
      elder: null,
    };
  }

  /** The countdowns ("fails in N days") and the vetoes already broken, from the records only (fast). */
  async countdown(
    site: Site,
    now = new Date(),
  ): Promise<{ countdowns: Countdown[]; vetoes: InspectionResult["vetoes"] }> {
    const { result, countdowns } = evaluate(await this.recordFacts(site, now), chinaDate(now));
    return { countdowns, vetoes: result.vetoes };
  }

  /** A full inspection: records, the bounded crawl, the browser checks, then the rules. */
  async inspect(site: Site, progress: Progress = () => {}, now = new Date()): Promise<RunDetail> {
    progress("读取网站记录", 0, 1);
    const facts = await this.recordFacts(site, now);
    const home = this.homeUrl(site);
    const crawl: CrawlReport = await crawlSite({
      ...this.options.crawl,
      start: home,
      onProgress: (done, total) => progress("抓取页面、检查链接", done, total),
    });
    const browserNotes: InspectionNote[] = [];
    // The home page is the crawl's first request: when it did not answer, the site fails, and the page
    // checks say that they were not made and why (not "no Chromium", not a passed check).
    const homeBroken = crawl.pages.length === 0 ? crawl.broken.find((b) => b.url === home) : undefined;
    if (homeBroken) {
      const reason = `首页无法打开：${homeBroken.reason}`;
      // Through a configured inspection address, a refused connection may be that address's fault.
      facts.homeFailure =
        this.options.targetBase && homeBroken.reason.startsWith("无法连接")
          ? `${homeBroken.reason}；如该网站实际可以访问，请检查巡检地址配置 INSPECTION_BASE_URL`
          : homeBroken.reason;
      facts.skipped = { links: reason, "meta-missing": reason, accessibility: reason, "elder-mode": reason };
    } else {
      const homeVisited = new Set([home]);
      facts.links = crawl.broken.map((b) => ({
        url: b.url,
        from: b.from,
        internal: b.internal,
        onHome: homeVisited.has(b.from),
        reason: b.reason,
      }));
    }
    if (crawl.pages.length) {
      const checks = pageProblems(crawl.pages);
      facts.metaMissing = checks.meta;
      facts.elder = checks.elder;
      const browser = await this.browserStep(home, crawl, progress);
      browserNotes.push(...browser.notes);
      if (browser.notChecked !== null)
        facts.skipped = { ...facts.skipped, accessibility: browser.notChecked };
      else {
        facts.accessibility = browser.accessibility;
        facts.elder = [...checks.elder, ...browser.elder];
      }
    } else if (!homeBroken) {
      const reason = "没有抓取到网页";
      facts.skipped = { "meta-missing": reason, accessibility: reason, "elder-mode": reason };
    }
    progress("评分", 1, 1);
    const { result, countdowns, notes } = evaluate(facts, chinaDate(now));
    const crawlNotes: InspectionNote[] = crawl.notes.map((n: CrawlNote) => ({
      kind: `crawl-${n.kind}`,
      detail: n.detail,
      url: n.url,
    }));
    return {
      ...result,
      countdowns,
      notes: [...notes, ...crawlNotes, ...browserNotes],
      crawl: {
        pages: crawl.pages.length,
        checkedLinks: crawl.checkedLinks,
        elapsedMs: crawl.elapsedMs,
        stoppedBy: crawl.stoppedBy,
      },
      accessibilityChecked: facts.accessibility !== null,
    };
  }

  /**
   * axe-core and the elder-mode layout checks on a sample: home, then the first pages crawled. Pages the
   * crawler cut off at its size limit are not handed to Chromium (axe-core on a multi-megabyte page runs
   * for many minutes); they are listed instead. Never throws: a failure is a note.
   */
  private async browserStep(
    home: string,
    crawl: CrawlReport,
    progress: Progress,
  ): Promise<{
    accessibility: PageProblem[];
    elder: PageProblem[];
    notes: InspectionNote[];
    notChecked: string | null;
  }> {
    const notes: InspectionNote[] = [];
    const ordered = [
      ...crawl.pages.filter((p) => p.url === home),
      ...crawl.pages.filter((p) => p.url !== home),
    ];
    const sample: string[] = [];
    for (const p of ordered) {
      if (sample.length >= (this.options.browserSample ?? 4)) break;
      if (p.truncated)
        notes.push({
          kind: "accessibility",
          detail: `页面过大（超过 ${p.bytes} 字节），未在浏览器中做无障碍与适老化检查`,
          url: p.url,
        });
      else sample.push(p.url);
    }
    if (!sample.length)
      return { accessibility: [], elder: [], notes, notChecked: "抽查的页面均过大，未在浏览器中检查" };
    try {
      const found = await browserChecks(sample, this.options.chromiumPath, {
        ...this.options.browser,
        userAgent: INSPECTOR_USER_AGENT,
        onPage: (d, t) => progress("无障碍与适老化检查", d, t),
      });
      for (const n of found.notes) notes.push({ kind: "browser", detail: n.detail, url: n.url });
      return { ...found, notes };
    } catch (error) {
      return {
        accessibility: [],
        elder: [],
        notes,
        notChecked: `浏览器检查出错：${(error as Error).message}`,
      };
    }
  }

  // ---- runs ----------------------------------------------------------------------------------

  /** Queues a run for the job runner (one waiting or running run per site at a time). */
  async request(site: Site, by: string, audited: boolean): Promise<number> {
    const open = await this.store.db
      .selectFrom("inspectionRuns")
      .select("id")
      .where("siteId", "=", site.id)
      .where("status", "in", ["queued", "running"])
      .executeTakeFirst();
    if (open) return open.id;
    const row = await this.store.db
      .insertInto("inspectionRuns")
      .values({
        siteId: site.id,
        status: "queued",
        requestedBy: by,
        phase: "排队等待",
        progressDone: 0,
        progressTotal: 0,
        createdAt: nowIso(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    if (audited)
      await this.audit.record({
        actor: by,
        action: "inspection.request",
        targetType: "site",
        targetId: site.code,
        detail: { run: row.id },
      });
    return row.id;
  }

  /** Queues a run for every site not inspected in the last 20 hours (the nightly schedule; repeats are no-ops). */
  async requestAll(now = new Date()): Promise<number> {
    const since = new Date(now.getTime() - 20 * 3_600_000).toISOString();
    const recent = new Set(
      (
        await this.store.db
          .selectFrom("inspectionRuns")
          .select("siteId")
          .where("createdAt", ">=", since)
          .execute()
      ).map((r) => r.siteId),
    );
    let queued = 0;
    for (const s of this.sites.list())
      if (!recent.has(s.id)) {
        await this.request(s, "job", false);
        queued++;
      }
    return queued;
  }

  /** Runs queued runs one by one (job runner); a run taken by another instance is skipped. */
  async runQueued(limit = 5): Promise<number> {
    let ran = 0;
    for (; ran < limit; ran++) {
      const next = await this.store.db
        .selectFrom("inspectionRuns")
        .select(["id"])
        .where("status", "=", "queued")
        .orderBy("id")
        .executeTakeFirst();
      if (!next) break;
      const claimed = await this.store.db
        .updateTable("inspectionRuns")
        .set({ status: "running", startedAt: nowIso(), phase: "开始" })
        .where("id", "=", next.id)
        .where("status", "=", "queued")
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      await this.execute(next.id);
    }
    return ran;
  }

  /** Runs a claimed run to its end, writing progress at most once a second. */
  async execute(runId: number, onProgress?: Progress): Promise<InspectionRun> {
    const run = await this.get(runId);
    const site = this.sites.byId(run.siteId);
    let last = 0;
    let pending: Promise<unknown> = Promise.resolve();
    const progress: Progress = (phase, done, total) => {
      onProgress?.(phase, done, total);
      const now = Date.now();
      if (now - last < 1000 && done < total) return;
      last = now;
      pending = pending.then(() =>
        this.store.db
          .updateTable("inspectionRuns")
          .set({ phase, progressDone: done, progressTotal: total })
          .where("id", "=", runId)
          .execute()
          .catch(() => {}),
      );
    };
    try {
      if (!site) throw new SiteNotFound();
      const detail = await this.inspect(site, progress);
      await pending;
      await this.store.db
        .updateTable("inspectionRuns")
        .set({
          status: "done",
          phase: "完成",
          score: detail.score,
          passed: detail.passed ? 1 : 0,
          vetoCount: detail.vetoes.length,
          result: JSON.stringify(detail),
          finishedAt: nowIso(),
        })
        .where("id", "=", runId)
        .execute();
    } catch (error) {
      await pending;
      await this.store.db
        .updateTable("inspectionRuns")
        .set({ status: "failed", phase: "出错", result: (error as Error).message, finishedAt: nowIso() })
        .where("id", "=", runId)
        .execute();
    }
    return this.get(runId);
  }

  /** Inspects a site now in this process (the CLI), kept in the history like any run. */
  async inspectNow(site: Site, by: string, onProgress?: Progress): Promise<InspectionRun> {
    const row = await this.store.db
      .insertInto("inspectionRuns")
      .values({
        siteId: site.id,
        status: "running",
        requestedBy: by,
        phase: "开始",
        progressDone: 0,
        progressTotal: 0,
        createdAt: nowIso(),
        startedAt: nowIso(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return this.execute(row.id, onProgress);
  }

  private toRun(r: {
    id: number;
    siteId: number;
    status: InspectionRunStatus;
    requestedBy: string;
    phase: string;
    progressDone: number;
    progressTotal: number;
    score: number | null;
    passed: number | null;
    vetoCount: number | null;
    result: string | null;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
  }): InspectionRun {
    const site = this.sites.byId(r.siteId);
    return {
      ...r,
      siteCode: site?.code ?? String(r.siteId),
      siteName: site?.name ?? "未知网站",
      score: r.score === null ? null : Number(r.score),
      passed: r.passed === null ? null : r.passed === 1,
      detail: r.status === "done" && r.result ? (JSON.parse(r.result) as RunDetail) : null,
      error: r.status === "failed" ? r.result : null,
    };
  }

  async get(id: number): Promise<InspectionRun> {
    const r = await this.store.db
      .selectFrom("inspectionRuns")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!r) throw new RunNotFound();
    return this.toRun(r);
  }

  /** A site's runs, newest first, paged. */
  async history(
    siteId: number,
    page: number,
    perPage = 20,
  ): Promise<{ rows: InspectionRun[]; total: number }> {
    const base = this.store.read.selectFrom("inspectionRuns").where("siteId", "=", siteId);
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy("id", "desc")
        .limit(perPage)
        .offset((Math.max(1, page) - 1) * perPage)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map((r) => this.toRun(r)), total: Number(count.n) };
  }

  /** The last run of a site finished in [from, to) (China dates), with its detail; null if none. */
  async lastFinished(siteId: number, from: string, to: string): Promise<InspectionRun | null> {
    const row = await this.store.read
      .selectFrom("inspectionRuns")
      .selectAll()
      .where("siteId", "=", siteId)
      .where("status", "=", "done")
      .where("finishedAt", ">=", chinaDayStart(from)!.toISOString())
      .where("finishedAt", "<", chinaDayStart(to)!.toISOString())
      .orderBy("finishedAt", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? this.toRun(row) : null;
  }

  /** Finished scores of a site in [from, to) (China dates), oldest first: the trend chart. */
  async scores(
    siteId: number,
    from: string,
    to: string,
  ): Promise<{ day: string; score: number; passed: boolean }[]> {
    const rows = await this.store.read
      .selectFrom("inspectionRuns")
      .select(["finishedAt", "score", "passed"])
      .where("siteId", "=", siteId)
      .where("status", "=", "done")
      .where("finishedAt", ">=", `${shiftDays(from, -1)}T16:00:00.000Z`)
      .where("finishedAt", "<", `${shiftDays(to, -1)}T16:00:00.000Z`)
      .orderBy("id")
      .execute();
    return rows.map((r) => ({
      day: chinaDate(new Date(r.finishedAt!)),
      score: Number(r.score),
      passed: r.passed === 1,
    }));
  }

  /** The latest finished run of each site. */
  async latest(): Promise<Map<number, InspectionRun>> {
    const ids = await this.store.read
      .selectFrom("inspectionRuns")
      .select((eb) => ["siteId", eb.fn.max("id").as("id")])
      .where("status", "=", "done")
      .groupBy("siteId")
      .execute();
    if (!ids.length) return new Map();
    const rows = await this.store.read
      .selectFrom("inspectionRuns")
      .selectAll()
      .where(
        "id",
        "in",
        ids.map((r) => Number(r.id)),
      )
      .execute();
    return new Map(rows.map((r) => [r.siteId, this.toRun(r)]));
  }

  // ---- warnings to site admins (工作台) -------------------------------------------------------

  /** The sites a staff member is warned about: operators every site, site admins their own. */
  warnedSites(staff: StaffPrincipal): Site[] {
    if (staff.isOperator) return this.sites.list();
    const ids = new Set(staff.roles.filter((r) => r.role === "site_admin").map((r) => r.siteId));
    return this.sites.list().filter((s) => ids.has(s.id));
  }

  async workload(staff: StaffPrincipal): Promise<WorkloadSection | null> {
    if (staff.isOperator) return null; // operators see every site on /admin/inspection
    const sites = this.warnedSites(staff);
    if (!sites.length) return null;
    const items: WorkloadSection["items"] = [];
    let broken = 0;
    let coming = 0;
    for (const site of sites) {
      const { countdowns, vetoes } = await this.countdown(site);
      broken += vetoes.length;
      coming += countdowns.length;
      for (const v of vetoes)
        items.push({
          state: "overdue",
          ref: site.code,
          title: `${site.name}：${RULES[v.rule] ?? v.rule}（单项否决）——${v.detail}`,
          href: `/admin/inspection/sites/${site.code}`,
          due: null,
        });
      for (const c of countdowns)
        items.push({
          state: "soon",
          ref: site.code,
          title: `${site.name}：${c.daysLeft} 天后未通过检查——${c.detail}`,
          href: `/admin/inspection/sites/${site.code}`,
          due: c.failsOn,
        });
    }
    const href = sites.length === 1 ? `/admin/inspection/sites/${sites[0]!.code}` : "/admin/inspection";
    return {
      title: "网站巡检",
      figures: [
        { state: "overdue", label: "单项否决", value: broken, href },
        { state: "soon", label: "即将未通过", value: coming, href },
      ],
      items: items.slice(0, 10),
    };
  }
}
