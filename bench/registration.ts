/**
 * Registration intake: sustained accepted submissions/s and p99 of the real server (a production
 * process; every answer only after its group commit is durable) against a bare Fastify POST that
 * validates nothing and stores nothing, same run, same load generator; on SQLite and on PostgreSQL,
 * each as one instance and as `start:cluster` with 2 workers sharing the port and the database.
 * Then a generated 100,000-row CSV through the console's batch upload (parse, check, durable write).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConfig } from "../src/config.ts";
import { createAppDeps } from "../src/container.ts";
import { seedRegistration } from "../src/modules/registration/index.ts";
import { spoolBuffer } from "../src/platform/http/form-input.ts";
import { idCheckChar } from "../src/platform/validation/china-ids.ts";
import { freePort, stopChild, waitForHttp } from "./servers.ts";
import { TYPESCRIPT_IMPORT } from "../src/platform/runtime/node-args.ts";
import { runWrk } from "./wrk.ts";

const LOAD_CPUS = String(Math.max(0, availableParallelism() - 1));

export interface IntakeFigures {
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface RegistrationBenchResult {
  /** The engine, and "cluster of 2 workers" for start:cluster. */
  engine: string;
  app: IntakeFigures;
  bare: IntakeFigures;
}

/** Distinct valid submissions from wrk (a C load generator), wrk pinned to the last core. */
async function hammer(url: string, seconds: number, connections: number): Promise<IntakeFigures> {
  const result = await runWrk(url, { connections, seconds, registration: true, cpus: LOAD_CPUS });
  const ok = result.requests - result.non2xx;
  return {
    perSecond: ok / seconds,
    p50: result.p50,
    p99: result.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function start(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...TYPESCRIPT_IMPORT, ...args], {
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
        await waitForHttp(`http://127.0.0.1:${port}/healthz`, 180_000, app);
        const url = `http://127.0.0.1:${port}/api/registration/campaigns/demo-health/submissions`;
        opts.log(`registration (${engine}): warming up…`);
        await hammer(url, 2, opts.connections);
        opts.log(`registration (${engine}): ${opts.seconds} s against the platform, then the bare POST…`);
        const a = await hammer(url, opts.seconds, opts.connections);
        const b = await hammer(`http://127.0.0.1:${barePort}/submit`, opts.seconds, opts.connections);
        results.push({ engine, app: a, bare: b });
      } finally {
        await stopChild(app);
      }
      // The same database behind `start:cluster` with 2 workers (one port, the kernel spreads connections).
      const clusterPort = await freePort();
      const workers = start(["src/cluster.ts"], {
        ...env,
        PORT: String(clusterPort),
        WORKERS: "2",
        RUN_JOBS: "0",
      });
      try {
        await waitForHttp(`http://127.0.0.1:${clusterPort}/healthz`, 180_000, workers);
        const url = `http://127.0.0.1:${clusterPort}/api/registration/campaigns/demo-health/submissions`;
        opts.log(`registration (${engine}, cluster of 2 workers): warming up…`);
        await hammer(url, 2, opts.connections);
        opts.log(`registration (${engine}, cluster of 2 workers): ${opts.seconds} s, then the bare POST…`);
        const a = await hammer(url, opts.seconds, opts.connections);
        const b = await hammer(`http://127.0.0.1:${barePort}/submit`, opts.seconds, opts.connections);
        results.push({ engine: `${engine}, start:cluster with 2 workers`, app: a, bare: b });
      } finally {
        await stopChild(workers);
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

/** Distinct valid ID numbers for up to ~13 million people (birth date and sequence vary). */
function personId(i: number): string {
  const year = 1940 + (i % 60);
  const month = String(1 + (Math.floor(i / 60) % 12)).padStart(2, "0");
  const day = 10 + (Math.floor(i / 720) % 18);
  const seq = String(Math.floor(i / 12_960) % 1000).padStart(3, "0");
  const first17 = `420106${year}${month}${day}${seq}`;
  return first17 + idCheckChar(first17);
}

/**
 * A generated CSV of `rows` rows (every 50th row has a wrong check digit, every 100th repeats the row
 * before it) uploaded through the batch importer on SQLite, timed from upload to the batch's end.
 */
export async function measureUpload(rows: number, log: (line: string) => void) {
  const dataDir = mkdtempSync(join(tmpdir(), "chuyun-bench-upload-"));
  const env = { DATA_DIR: dataDir, DATABASE_URL: "", SEED_DEMO: "0", RUN_JOBS: "0", LOG_LEVEL: "silent" };
  const deps = await createAppDeps(loadConfig({ ...process.env, ...env }));
  try {
    await seedRegistration(deps);
    const c = (await deps.registration.campaign("demo-health"))!;
    const lines = [
      "姓名,身份证号,手机号,所在地区,今天是否有以下症状（可多选）,14天内是否接触过确诊或疑似病例",
    ];
    for (let i = 0; i < rows; i++) {
      const n = i % 100 === 99 ? i - 1 : i;
      let id = personId(n);
      if (i % 50 === 49) id = id.slice(0, 17) + (id.endsWith("1") ? "2" : "1");
      lines.push(`居民,${id},13912345678,${["420102", "420106", "421102"][i % 3]},无以上症状,否`);
    }
    const bytes = Buffer.from(lines.join("\n"));
    log(
      `registration upload: ${rows.toLocaleString("en-US")} rows, ${(bytes.length / 1048576).toFixed(1)} MB CSV…`,
    );
    // The writer thread starts with the server (see server.ts); here, before the clock starts.
    await deps.registration.writer.warmUp();
    const t0 = Date.now();
    const spooled = await spoolBuffer(bytes);
    const { batch } = await deps.registration.batches.upload(c, { fileName: "bench.csv", spooled }, "bench");
    // Requests stay answerable meanwhile: the longest event-loop stall while importing.
    let worstStall = 0;
    let last = Date.now();
    const probe = setInterval(() => {
      worstStall = Math.max(worstStall, Date.now() - last - 10);
      last = Date.now();
    }, 10);
    await deps.registration.batches.settled(batch.id);
    clearInterval(probe);
    const seconds = (Date.now() - t0) / 1000;
    const b = (await deps.registration.batches.batch(c, batch.id))!;
    return {
      rows,
      seconds,
      status: b.status,
      accepted: b.accepted,
      rejected: b.rejected,
      worstStallMs: worstStall,
    };
  } finally {
    await deps.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
