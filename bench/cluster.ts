/**
 * `npm run bench -- --cluster`: one instance vs two on this machine, same run, on PostgreSQL and
 * Redis (the production shape): requests/s and p99 of the home page, an article page, search and a
 * write path (a 找错 report form post), the scaling ratio, then 1,000 concurrent connections for
 * 60 s on the article page across both instances (no errors, p99 < 1 s).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { benchKeyFile, freePort, stopChild, waitForHttp } from "./servers.ts";
import { TYPESCRIPT_IMPORT } from "../src/platform/runtime/node-args.ts";

const log = (line: string) => console.error(line);
const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });

interface Load {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

interface Scenario {
  name: string;
  path: string;
  method?: "GET" | "POST";
  body?: () => string;
}

async function loadOne(base: string, s: Scenario, connections: number, seconds: number): Promise<Load> {
  let n = 0;
  const result = await autocannon({
    url: base + s.path,
    connections,
    duration: seconds,
    requests: [
      {
        method: s.method ?? "GET",
        setupRequest(request) {
          n++;
          // A different visitor per request (the app trusts X-Forwarded-For from loopback).
          const headers = {
            ...request.headers,
            "x-forwarded-for": `198.18.${(n >> 8) & 255}.${n & 255}`,
          };
          if (s.body) {
            headers["content-type"] = "application/x-www-form-urlencoded";
            return { ...request, headers, body: s.body() };
          }
          return { ...request, headers };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Load spread evenly over the instances (as a proxy would), measured together. */
async function loadAll(bases: string[], s: Scenario, connections: number, seconds: number): Promise<Load> {
  const parts = await Promise.all(
    bases.map((b) => loadOne(b, s, Math.max(1, Math.round(connections / bases.length)), seconds)),
  );
  return {
    rps: parts.reduce((x, p) => x + p.rps, 0),
    p99: Math.max(...parts.map((p) => p.p99)),
    errors: parts.reduce((x, p) => x + p.errors, 0),
    non2xx: parts.reduce((x, p) => x + p.non2xx, 0),
  };
}

async function startInstance(env: Record<string, string>): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...TYPESCRIPT_IMPORT, "src/main.ts", "start"], {
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`, 60_000, child);
  return { base, child };
}

export async function clusterBench(options: {
  seconds: number;
  connections: number;
  soakSeconds: number;
  soakConnections: number;
  pgUrl: string;
  redisUrl: string;
}): Promise<string[]> {
  const name = `chuyun_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: options.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(options.pgUrl);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), "chuyun-cluster-bench-"));
  const env = {
    DATABASE_URL: url.toString(),
    REDIS_URL: options.redisUrl,
    DATA_DIR: dataDir,
    CHUYUN_DATA_KEY_FILE: benchKeyFile(dataDir),
    RUN_JOBS: "0",
    UV_THREADPOOL_SIZE: "4",
  };
  const instances: { base: string; child: ChildProcess }[] = [];
  const lines: string[] = [];
  try {
    log("  starting instance 1 (migrates and seeds PostgreSQL)…");
    instances.push(await startInstance(env));
    instances.push(await startInstance(env));
    const probe = (await (
      await fetch(`${instances[0].base}/api/search?q=${encodeURIComponent("营商环境")}`)
    ).json()) as { results: { url: string }[] };
    const article = probe.results[0]?.url ?? "/";
    let k = 0;
    const scenarios: Scenario[] = [
      { name: "home page", path: "/" },
      { name: `article ${article}`, path: article },
      { name: "search API ?q=社会保险", path: `/api/search?q=${encodeURIComponent("社会保险")}` },
      {
        name: "write: 找错 report (form POST)",
        path: "/sites/www/report-error",
        method: "POST",
        body: () =>
          new URLSearchParams({
            url: "/",
            category: "其他",
            description: `压测反馈${k++}`,
            contact: "",
          }).toString(),
      },
    ];
    const rows: string[][] = [];
    for (const s of scenarios) {
      log(`  ${s.name}: 1 instance…`);
      await loadAll([instances[0].base], s, options.connections, 2);
      const one = await loadAll([instances[0].base], s, options.connections, options.seconds);
      log(`  ${s.name}: 2 instances…`);
      const two = await loadAll(
        instances.map((i) => i.base),
        s,
        options.connections,
        options.seconds,
      );
      const bad = (l: Load) => (l.errors + l.non2xx > 0 ? ` (${l.errors} err, ${l.non2xx} non-2xx)` : "");
      rows.push([
        s.name,
        fmt(one.rps) + bad(one),
        `${fmt(one.p99)} ms`,
        fmt(two.rps) + bad(two),
        `${fmt(two.p99)} ms`,
        (two.rps / one.rps).toFixed(2),
      ]);
    }
    lines.push(
      `Cluster: PostgreSQL + Redis, ${options.connections} connections, ${options.seconds} s per measurement, on ${(await import("node:os")).availableParallelism()} cores`,
    );
    lines.push(
      ...table(["scenario", "1 inst req/s", "1 inst p99", "2 inst req/s", "2 inst p99", "scaling"], rows),
    );
    log(`  soak: ${options.soakConnections} connections for ${options.soakSeconds} s on the article page…`);
    const soak = await loadAll(
      instances.map((i) => i.base),
      scenarios[1],
      options.soakConnections,
      options.soakSeconds,
    );
    const ok = soak.errors + soak.non2xx === 0 && soak.p99 < 1000;
    lines.push(
      `Soak: ${options.soakConnections} connections × ${options.soakSeconds} s on the article page over 2 instances: ${fmt(soak.rps)} req/s, p99 ${fmt(soak.p99)} ms, ${soak.errors} errors, ${soak.non2xx} non-2xx — target no errors and p99 < 1 s: ${ok ? "MET" : "MISSED"}`,
    );
  } finally {
    for (const i of instances) await stopChild(i.child);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return lines;
}

function table(header: string[], rows: string[][]): string[] {
  const width = (s: string) => [...s].reduce((w, c) => w + (/[\u1100-\uffff]/.test(c) ? 2 : 1), 0);
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]))));
  const line = (cells: string[]) => cells.map((c, i) => c + " ".repeat(widths[i] - width(c))).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)];
}
