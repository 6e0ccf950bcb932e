/**
 * Registration intake: sustained accepted submissions/s and p99 of the real server (a production
 * process; every answer only after its group commit is durable) against a bare Fastify POST that
 * validates nothing and stores nothing, same run, same load generator; on SQLite and on PostgreSQL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { loadConfig } from "../src/config.ts";
import { createAppDeps } from "../src/container.ts";
import { seedRegistration } from "../src/modules/registration/index.ts";
import { idCheckChar } from "../src/platform/validation/china-ids.ts";
import { freePort, stopChild, waitForHttp } from "./servers.ts";

export interface IntakeFigures {
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface RegistrationBenchResult {
  engine: string;
  app: IntakeFigures;
  bare: IntakeFigures;
}

function idNumber(n: number): string {
  const first17 = `420106${1940 + (n % 60)}0${1 + (n % 9)}1${n % 10}${String(n % 1000).padStart(3, "0")}`;
  return first17 + idCheckChar(first17);
}

async function hammer(url: string, seconds: number, connections: number): Promise<IntakeFigures> {
  let n = Math.floor(Math.random() * 1e6);
  const result = await autocannon({
    url,
    method: "POST",
    connections,
    duration: seconds,
    headers: { "content-type": "application/json" },
    requests: [
      {
        setupRequest(request) {
          n++;
          request.body = JSON.stringify({
            name: "赵六",
            idNumber: idNumber(n),
            phone: "13912345678",
            district: ["420102", "420106", "421102", "420502"][n % 4],
            answers: { symptoms: n % 10 === 0 ? ["发热"] : ["无以上症状"], contact: "否" },
          });
          return request;
        },
      },
    ],
  });
  return {
    perSecond: result["2xx"] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function start(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", ...args], {
    env: { ...process.env, LOG_LEVEL: "warn", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

export async function measureRegistration(opts: {
  seconds: number;
  connections: number;
  pgUrl: string | null;
  log: (line: string) => void;
}): Promise<RegistrationBenchResult[]> {
  const results: RegistrationBenchResult[] = [];
  const barePort = await freePort();
  const bare = start(["bench/bare-post.ts"], { PORT: String(barePort) });
  try {
    await waitForHttp(`http://127.0.0.1:${barePort}/`, 30_000, bare);
    for (const engine of opts.pgUrl ? ["sqlite", "postgres"] : ["sqlite"]) {
      const dataDir = mkdtempSync(join(tmpdir(), "chuyun-bench-reg-"));
      let dbName: string | null = null;
      let databaseUrl = "";
      if (engine === "postgres") {
        dbName = `chuyun_bench_reg_${process.pid}`;
        const admin = new pg.Client({ connectionString: opts.pgUrl! });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
        await admin.query(`CREATE DATABASE ${dbName}`);
        await admin.end();
        const u = new URL(opts.pgUrl!);
        u.pathname = `/${dbName}`;
        databaseUrl = u.toString();
      }
      const env = {
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        SEED_DEMO: "0",
        RUN_JOBS: "0",
        RATE_LIMIT_ALLOW: "127.0.0.1",
      };
      const deps = await createAppDeps(loadConfig({ ...process.env, ...env, LOG_LEVEL: "silent" }));
      await seedRegistration(deps);
      await deps.close();
      const port = await freePort();
      const app = start(["src/main.ts", "start"], { ...env, PORT: String(port) });
      try {
        await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000, app);
        const url = `http://127.0.0.1:${port}/api/registration/campaigns/demo-health/submissions`;
        opts.log(`registration (${engine}): warming up…`);
        await hammer(url, 2, opts.connections);
        opts.log(`registration (${engine}): ${opts.seconds} s against the platform, then the bare POST…`);
        const a = await hammer(url, opts.seconds, opts.connections);
        const b = await hammer(`http://127.0.0.1:${barePort}/submit`, opts.seconds, opts.connections);
        results.push({ engine, app: a, bare: b });
      } finally {
        await stopChild(app);
        rmSync(dataDir, { recursive: true, force: true });
        if (dbName) {
          const admin = new pg.Client({ connectionString: opts.pgUrl! });
          await admin.connect();
          await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
          await admin.end();
        }
      }
    }
  } finally {
    await stopChild(bare);
  }
  return results;
}
