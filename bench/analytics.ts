/**
 * The cost of counting page views: the cached article page served by two instances on copies of the
 * same data, one counting (ANALYTICS=1) and one not (ANALYTICS=0), measured with wrk in the same run
 * (goal: within 10 %); then the dashboard query's p95 over many generated events.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import type { Database } from "../src/db/schema.ts";
import { AnalyticsService } from "../src/modules/analytics/index.ts";
import type { AnalyticsTables, Dimension } from "../src/modules/analytics/tables.ts";
import { openDatabase, type Db } from "../src/platform/db/database.ts";
import { migrateToLatest } from "../src/platform/db/migrate.ts";
import { chinaDate, shiftDays } from "../src/platform/time/china-time.ts";
import { seededRandom } from "../src/platform/random/seeded-random.ts";
import { benchKeyFile, freePort, startApp, stopChild, waitForHttp } from "./servers.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

/** A measured run and the server's CPU time per request in it (µs, all threads). */
export type ArticleLoad = WrkResult & { cpuMicros: number };

export interface AnalyticsBenchResult {
  counting: ArticleLoad;
  notCounting: ArticleLoad;
  /** Every on/off pair, in the order run (pairs alternate which goes first). */
  pairs: { on: ArticleLoad; off: ArticleLoad }[];
  counted: number;
  events: number;
  ingestSeconds: number;
  queryP50: number;
  queryP95: number;
}

/**
 * CPU seconds a process has used (user + system, all its threads), from /proc: a steadier figure
 * than requests per second on a machine whose loopback throughput varies from run to run.
 */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function articleLoad(
  dataDir: string,
  analytics: boolean,
  seconds: number,
  connections: number,
): Promise<{ load: ArticleLoad; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), `chuyun-analytics-${analytics ? "on" : "off"}-`));
  cpSync(dataDir, dir, { recursive: true });
  const port = await freePort();
  process.env.ANALYTICS = analytics ? "1" : "0";
  const app = startApp(dir, port, "0");
  delete process.env.ANALYTICS;
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`, 240_000, app);
    const probe = (await (await fetch(`${base}/api/search?q=${encodeURIComponent("营商环境")}`)).json()) as {
      results: { url: string }[];
    };
    const url = `${base}${probe.results[0].url}`;
    // Each simulated visitor reads five pages, some time apart (a new visitor per request would be unlike
    // real traffic, and so would five pages in a row).
    const load = { connections, cpus: "1", viewsPerVisitor: 5 };
    await runWrk(url, { ...load, seconds: Math.max(1, Math.round(seconds / 3)) });
    const cpuBefore = cpuSeconds(app.pid!);
    const result = await runWrk(url, { ...load, seconds });
    const cpuMicros = ((cpuSeconds(app.pid!) - cpuBefore) * 1e6) / result.requests;
    return { load: { ...result, cpuMicros }, dir };
  } finally {
    await stopChild(app);
  }
}

export async function measureAnalytics(options: {
  seconds: number;
  connections: number;
  events: number;
  /**
   * Generate the events through the module's own counting (record + flush, slow: it measures the
   * ingest rate) instead of aggregating them here and bulk-inserting the roll-up rows the module
   * stores (the default).
   */
  throughFlush?: boolean;
  /** On/off pairs, back to back (default 1); the reported pair is the one with the median ratio. */
  rounds?: number;
  log: (line: string) => void;
}): Promise<AnalyticsBenchResult> {
  const { log } = options;
  const seedDir = mkdtempSync(join(tmpdir(), "chuyun-analytics-seed-"));
  const dirs = [seedDir];
  try {
    log("  seeding the demo once…");
    // The first instance seeds; both measured instances start from a copy of its data.
    const port = await freePort();
    const seeder = startApp(seedDir, port);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 300_000, seeder);
    await stopChild(seeder);

    const pairs: { on: ArticleLoad; off: ArticleLoad }[] = [];
    // The counting run's data folder of each pair (its views are read back for the median pair).
    const onDirs = new Map<{ on: ArticleLoad; off: ArticleLoad }, string>();
    for (let round = 0; round < (options.rounds ?? 1); round++) {
      let onDir = "";
      // Alternate which runs first, so a load change on the machine does not favour one side.
      const order = round % 2 === 0 ? [true, false] : [false, true];
      const results = new Map<boolean, ArticleLoad>();
      for (const counting of order) {
        log(`  round ${round + 1}: article page, ${counting ? "counting views" : "not counting"}…`);
        const run = await articleLoad(seedDir, counting, options.seconds, options.connections);
        dirs.push(run.dir);
        if (counting) onDir = run.dir;
        results.set(counting, run.load);
      }
      const pair = { on: results.get(true)!, off: results.get(false)! };
      pairs.push(pair);
      onDirs.set(pair, onDir);
      log(
        `    ${pair.on.rps.toFixed(0)} vs ${pair.off.rps.toFixed(0)} req/s = ${(pair.on.rps / pair.off.rps).toFixed(3)} ×; ` +
          `server CPU ${pair.on.cpuMicros.toFixed(1)} vs ${pair.off.cpuMicros.toFixed(1)} µs/request`,
      );
    }
    const median = [...pairs].sort((a, b) => a.on.rps / a.off.rps - b.on.rps / b.off.rps)[
      Math.floor(pairs.length / 2)
    ];
    const on = { load: median.on, dir: onDirs.get(median)! };
    const off = { load: median.off };
    const store = openDatabase<Database>(
      loadConfig({ DATA_DIR: on.dir, CHUYUN_DATA_KEY_FILE: benchKeyFile(on.dir) }),
    );
    const today = chinaDate();
    let counted = 0;
    try {
      counted = (await new AnalyticsService(store).summary(null, today, today)).pageviews;
    } finally {
      await store.close();
    }

    const dashboard = await measureDashboard({ ...options, today });
    return { pairs, counting: on.load, notCounting: off.load, counted, ...dashboard };
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

export interface DashboardBenchResult {
  events: number;
  ingestSeconds: number;
  queryP50: number;
  queryP95: number;
}

/** The dashboard query's p50/p95 over `events` generated page views (90 days, 60 sites). */
export async function measureDashboard(options: {
  events: number;
  throughFlush?: boolean;
  today?: string;
  log: (line: string) => void;
}): Promise<DashboardBenchResult> {
  const { log } = options;
  const today = options.today ?? chinaDate();
  log(`  generating ${options.events.toLocaleString("en-US")} page views over 90 days…`);
  const dataDir = mkdtempSync(join(tmpdir(), "chuyun-analytics-events-"));
  const events = openDatabase<Database>(
    loadConfig({ DATA_DIR: dataDir, CHUYUN_DATA_KEY_FILE: benchKeyFile(dataDir) }),
  );
  try {
    await migrateToLatest(events);
    const analytics = new AnalyticsService(events, { flushMs: 60_000, perVisitorDailyCap: 10_000 });
    const sites = Array.from({ length: 60 }, (_v, i) => `site${i}`);
    const started = performance.now();
    if (options.throughFlush) await generateThroughFlush(analytics, options.events, today, sites, log);
    else await generateRollups(events, options.events, today, sites, log);
    const ingestSeconds = (performance.now() - started) / 1000;
    const times: number[] = [];
    // Warm-up (SQLite's page cache, statement cache), then the measured queries: a quarter of them
    // for the whole cluster, the rest per site, over 7 to 67 days.
    await analytics.summary(null, shiftDays(today, -7), today);
    for (let i = 0; i < 100; i++) {
      const site = i % 4 === 0 ? null : sites[i % sites.length];
      const from = shiftDays(today, -(7 + (i % 4) * 20));
      const t0 = performance.now();
      await analytics.summary(site, from, today);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      events: options.events,
      ingestSeconds,
      queryP50: times[Math.floor(times.length / 2)],
      queryP95: times[Math.ceil(times.length * 0.95) - 1],
    };
  } finally {
    await events.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Events recorded one by one through the module (record + flush), spread over 90 days. */
async function generateThroughFlush(
  analytics: AnalyticsService,
  events: number,
  today: string,
  sites: string[],
  log: (line: string) => void,
): Promise<void> {
  const random = seededRandom(17);
  const dayStart = Date.parse(`${shiftDays(today, -89)}T00:00:00+08:00`);
  for (let i = 0; i < events; i++) {
    const site = sites[Math.floor(random() ** 2 * sites.length)];
    analytics.record({
      siteCode: site,
      path: `/sites/${site}/art/${Math.floor(random() ** 3 * 5000)}.html`,
      ip: `10.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 8)}`,
      userAgent: random() < 0.6 ? "Mozilla/5.0 (iPhone) Mobile" : "Mozilla/5.0 (X11; Linux x86_64)",
      elder: random() < 0.05,
      at: new Date(dayStart + Math.floor((i / events) * 90 * 86_400_000)),
    });
    if (i % 50_000 === 49_999) {
      await analytics.flush();
      if (i % 1_000_000 === 999_999) log(`    ${((i + 1) / 1e6).toFixed(0)} M`);
    }
  }
  await analytics.flush();
}

/**
 * The same kind of events (skewed sites and pages, ~3 views per visitor, 60 % phones, 5 % elder mode,
 * some referrers and searches), aggregated here per day into the roll-up rows the module stores
 * (pages, and the dimensions: visitors, entry and exit pages, devices, referrers, elder mode, search
 * views) and bulk-inserted, one transaction per day.
 */
async function generateRollups(
  store: Db<AnalyticsTables>,
  events: number,
  today: string,
  sites: string[],
  log: (line: string) => void,
): Promise<void> {
  const random = seededRandom(17);
  const perDay = Math.ceil(events / 90);
  const referrers = ["www.baidu.com", "www.so.com", "cn.bing.com", "mp.weixin.qq.com", "www.gov.cn"];
  let done = 0;
  for (let d = 89; d >= 0 && done < events; d--) {
    const day = shiftDays(today, -d);
    const n = Math.min(perDay, events - done);
    const pages = new Map<string, number>();
    const dims = new Map<string, number>();
    const visits = new Map<string, { entry: string; exit: string }>();
    const add = (key: string, count = 1) => dims.set(key, (dims.get(key) ?? 0) + count);
    for (let i = 0; i < n; i++) {
      const site = sites[Math.floor(random() ** 2 * sites.length)];
      const path = `/sites/${site}/art/${Math.floor(random() ** 3 * 5000)}.html`;
      const key = `${site}|${path}`;
      pages.set(key, (pages.get(key) ?? 0) + 1);
      const visitor = `${site}|${Math.floor(random() * (n / 3))}`;
      const visit = visits.get(visitor);
      if (visit) visit.exit = path;
      else visits.set(visitor, { entry: path, exit: path });
      add(`${site}|device|${random() < 0.6 ? "手机" : "电脑"}`);
      if (random() < 0.05) add(`${site}|elder|1`);
      if (random() < 0.2) add(`${site}|referrer|${referrers[Math.floor(random() * referrers.length)]}`);
      if (random() < 0.03) add(`${site}|search|term${Math.floor(random() ** 2 * 300)}`);
    }
    for (const [visitor, { entry, exit }] of visits) {
      const site = visitor.slice(0, visitor.indexOf("|"));
      add(`${site}|visitors|`);
      add(`${site}|entry|${entry}`);
      add(`${site}|exit|${exit}`);
    }
    const pageRows = [...pages].map(([key, views]) => {
      const bar = key.indexOf("|");
      return { day, siteCode: key.slice(0, bar), path: key.slice(bar + 1), views };
    });
    const dimRows = [...dims].map(([key, count]) => {
      const [siteCode, dim, ...value] = key.split("|");
      return { day, siteCode, dim: dim as Dimension, value: value.join("|"), count };
    });
    await store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < pageRows.length; i += 500)
        await trx
          .insertInto("analyticsPageDaily")
          .values(pageRows.slice(i, i + 500))
          .execute();
      for (let i = 0; i < dimRows.length; i += 500)
        await trx
          .insertInto("analyticsDimDaily")
          .values(dimRows.slice(i, i + 500))
          .execute();
    });
    done += n;
    if (d % 10 === 0) log(`    ${(done / 1e6).toFixed(1)} M views (${day})`);
  }
}
