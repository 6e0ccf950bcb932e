/**
 * `npm run bench -- --cluster` (first part): `npm run start:cluster` (src/cluster.ts, Node cluster on one
 * port) with 1 and with 2 workers, serving the cached article page, measured with wrk pinned to its own
 * core (taskset) and the workers pinned to the other cores, so the load generator never takes the
 * workers' CPU. On a 2-core machine the workers get one core: a third row lets the 2 workers use both
 * cores (sharing wrk's), which is what an unpinned deployment beside its load would see.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { benchKeyFile, freePort, startApp, stopChild, waitForHttp } from "./servers.ts";
import { TYPESCRIPT_IMPORT } from "../src/platform/runtime/node-args.ts";
import { pinned, runWrk, type WrkResult } from "./wrk.ts";

const log = (line: string) => console.error(line);
const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });

function startCluster(
  dataDir: string,
  port: number,
  workers: number,
  cpus: string | undefined,
): ChildProcess {
  const [command, args] = pinned(cpus, process.execPath, [...TYPESCRIPT_IMPORT, "src/cluster.ts"]);
  return spawn(command, args, {
    env: {
      ...process.env,
      WORKERS: String(workers),
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      REDIS_URL: "",
      LOG_LEVEL: "warn",
      RUN_JOBS: "0",
      NODE_ENV: "production",
      CHUYUN_DATA_KEY_FILE: benchKeyFile(dataDir),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

export interface WorkersRow {
  workers: number;
  serverCpus: string;
  loadCpus: string;
  result: WrkResult;
}

/** 1 vs 2 workers of start:cluster on the cached article page (SQLite demo data, fast path). */
export async function measureStartCluster(options: {
  seconds: number;
  connections: number;
}): Promise<{ lines: string[]; rows: WorkersRow[] }> {
  const cores = availableParallelism();
  const loadCpus = String(cores - 1);
  const serverCpus = cores >= 2 ? (cores === 2 ? "0" : `0-${cores - 2}`) : "0";
  const allCpus = `0-${cores - 1}`;
  const dataDir = mkdtempSync(join(tmpdir(), "chuyun-workers-bench-"));
  const rows: WorkersRow[] = [];
  try {
    // One plain start migrates and seeds the SQLite file, so the workers never seed it at once.
    log("  seeding the demo data (one instance)…");
    const seedPort = await freePort();
    const seeder = startApp(dataDir, seedPort);
    let article: string;
    try {
      await waitForHttp(`http://127.0.0.1:${seedPort}/healthz`, 180_000, seeder);
      const probe = (await (
        await fetch(`http://127.0.0.1:${seedPort}/api/search?q=${encodeURIComponent("营商环境")}`)
      ).json()) as { results: { url: string }[] };
      article = probe.results[0]?.url ?? "/";
    } finally {
      await stopChild(seeder);
    }
    const runs: [number, string][] = [
      [1, serverCpus],
      [2, serverCpus],
    ];
    if (cores === 2) runs.push([2, allCpus]);
    for (const [workers, cpus] of runs) {
      const port = await freePort();
      const child = startCluster(dataDir, port, workers, cpus);
      try {
        const url = `http://127.0.0.1:${port}${article}`;
        await waitForHttp(url, 120_000, child);
        log(`  start:cluster, ${workers} worker(s) on core(s) ${cpus}, wrk on core ${loadCpus}…`);
        // Warm every worker's page cache (connections are spread over the workers).
        await runWrk(url, {
          connections: options.connections,
          seconds: Math.min(2, options.seconds),
          cpus: loadCpus,
        });
        const result = await runWrk(url, {
          connections: options.connections,
          seconds: options.seconds,
          cpus: loadCpus,
        });
        rows.push({ workers, serverCpus: cpus, loadCpus, result });
      } finally {
        await stopChild(child);
      }
    }
    const one = rows[0].result.rps;
    const lines = [
      `start:cluster workers, cached article page ${article} (wrk, ${options.connections} connections, ${options.seconds} s, ${cores} cores):`,
      ...rows.map(
        (r) =>
          `  ${r.workers} worker${r.workers > 1 ? "s" : " "} on core(s) ${r.serverCpus.padEnd(4)} wrk on core ${r.loadCpus}: ` +
          `${fmt(r.result.rps)} req/s, p99 ${r.result.p99.toFixed(1)} ms, ${(r.result.rps / one).toFixed(2)}× 1 worker` +
          (r.result.errors + r.result.non2xx
            ? ` (${r.result.errors} errors, ${r.result.non2xx} non-2xx)`
            : ""),
      ),
    ];
    if (cores === 2)
      lines.push(
        "  (2 cores: pinned, the workers share one core, so 2 workers cannot beat 1; the last row lets them use wrk's core too.)",
      );
    return { lines, rows };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
