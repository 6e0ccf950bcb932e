/**
 * The cost of counting page views: the cached article page served by two instances on copies of the
 * same data, one counting (ANALYTICS=1) and one not (ANALYTICS=0), measured with wrk in the same run
 * (goal: within 10 %); then the dashboard query's p95 over many generated events.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import type { Database } from "../src/db/schema.ts";
import { AnalyticsService } from "../src/modules/analytics/index.ts";
import { openDatabase } from "../src/platform/db/database.ts";
import { migrateToLatest } from "../src/platform/db/migrate.ts";
import { chinaDate, shiftDays } from "../src/platform/time/china-time.ts";
import { seededRandom } from "../src/platform/random/seeded-random.ts";
import { benchKeyFile, freePort, startApp, stopChild, waitForHttp } from "./servers.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

export interface AnalyticsBenchResult {
  counting: WrkResult;
  notCounting: WrkResult;
  counted: number;
  events: number;
  ingestSeconds: number;
  queryP50: number;
  queryP95: number;
}

async function articleLoad(
  dataDir: string,
  analytics: boolean,
  seconds: number,
  connections: number,
): Promise<{ load: WrkResult; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), `chuyun-analytics-${analytics ? "on" : "off"}-`));
  cpSync(dataDir, dir, { recursive: true });
  const port = await freePort();
  process.env.ANALYTICS = analytics ? "1" : "0";
  const app = startApp(dir, port, "0");
  delete process.env.ANALYTICS;
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/healthz`, 60_000, app);
    const probe = (await (await fetch(`${base}/api/search?q=${encodeURIComponent("营商环境")}`)).json()) as {
      results: { url: string }[];
    };
    const url = `${base}${probe.results[0].url}`;
    // Each simulated visitor reads five pages (a new visitor per request would be unlike real traffic).
    const load = { connections, cpus: "1", viewsPerVisitor: 5 };
    await runWrk(url, { ...load, seconds: Math.max(1, Math.round(seconds / 3)) });
    return { load: await runWrk(url, { ...load, seconds }), dir };
  } finally {
    await stopChild(app);
  }
}

export async function measureAnalytics(options: {
  seconds: number;
  connections: number;
  events: number;
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
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 120_000, seeder);
    await stopChild(seeder);

    log("  article page, counting views…");
    const on = await articleLoad(seedDir, true, options.seconds, options.connections);
    dirs.push(on.dir);
    log("  article page, not counting…");
    const off = await articleLoad(seedDir, false, options.seconds, options.connections);
    dirs.push(off.dir);
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

    log(`  generating ${options.events.toLocaleString("en-US")} page views over 90 days…`);
    const dataDir = mkdtempSync(join(tmpdir(), "chuyun-analytics-events-"));
    dirs.push(dataDir);
    const events = openDatabase<Database>(
      loadConfig({ DATA_DIR: dataDir, CHUYUN_DATA_KEY_FILE: benchKeyFile(dataDir) }),
    );
    try {
      await migrateToLatest(events);
      const analytics = new AnalyticsService(events, { flushMs: 60_000, perVisitorDailyCap: 10_000 });
      const random = seededRandom(17);
      const sites = Array.from({ length: 60 }, (_v, i) => `site${i}`);
      const started = performance.now();
      const dayStart = Date.parse(`${shiftDays(today, -89)}T00:00:00+08:00`);
      for (let i = 0; i < options.events; i++) {
        const site = sites[Math.floor(random() ** 2 * sites.length)];
        analytics.record({
          siteCode: site,
          path: `/sites/${site}/art/${Math.floor(random() ** 3 * 5000)}.html`,
          ip: `10.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 8)}`,
          userAgent: random() < 0.6 ? "Mozilla/5.0 (iPhone) Mobile" : "Mozilla/5.0 (X11; Linux x86_64)",
          elder: random() < 0.05,
          at: new Date(dayStart + Math.floor((i / options.events) * 90 * 86_400_000)),
        });
        if (i % 50_000 === 49_999) {
          await analytics.flush();
          if (i % 1_000_000 === 999_999) log(`    ${((i + 1) / 1e6).toFixed(0)} M`);
        }
      }
      await analytics.flush();
      const ingestSeconds = (performance.now() - started) / 1000;
      const times: number[] = [];
      for (let i = 0; i < 40; i++) {
        const site = i % 4 === 0 ? null : sites[i % sites.length];
        const from = shiftDays(today, -(7 + (i % 4) * 20));
        const t0 = performance.now();
        await analytics.summary(site, from, today);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return {
        counting: on.load,
        notCounting: off.load,
        counted,
        events: options.events,
        ingestSeconds,
        queryP50: times[Math.floor(times.length / 2)],
        queryP95: times[Math.ceil(times.length * 0.95) - 1],
      };
    } finally {
      await events.close();
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
