/**
 * `npm run bench`: the platform's performance benchmark, in one run.
 *   1. Bulk import speed (articles/s importing generated JSON Lines on SQLite).
 *   2. HTTP throughput and p99 latency of the home page, an article page and search (JSON API and
 *      results page) with 64 connections, measured with wrk (a C load generator) against a bare
 *      Fastify route and nginx serving the same bytes, in the same run. Goals: cached article
 *      ≥ 0.6 × bare Fastify; search with a new query every request ≥ 0.05 × bare Fastify.
 *   3. Submitting an application: a signed-in demo citizen posts a 20-field form with one 200 KB PDF
 *      attachment (multipart, as the browser does), sustained accepted submissions per second and p99
 *      latency, checked against the applications stored afterwards (bench/apply.ts).
 *   4. Search over 100,000 generated articles: p95 latency of SearchIndex.search over a few hundred
 *      varied queries. Target: p95 < 30 ms.
 * Everything runs on temporary directories and loopback ports; nothing is written to the repo.
 *
 * Options: --quick (10k docs, 3 s per measurement) · --duration S · --docs N · --connections N ·
 *          --import N (lines) · --queries N · --nginx-workers N · --pg URL (also run 3. on PostgreSQL)
 *          --apply-connections N (default 16) · --skip-import · --skip-http · --skip-apply · --skip-search
 *          --targets LIST: only these HTTP rows (comma-separated: home, article, article-one-client, article-visits, search,
 *            search-page, search-new, search-new-8), e.g. `--skip-import --skip-apply --skip-search --targets search-new`
 *          --cluster: instead, 1 vs 2 instances on PostgreSQL (--pg, default the local test database) and
 *          Redis (--redis), plus a 1,000-connection soak (--soak-seconds, default 60); first, start:cluster
 *          with 1 vs 2 workers on the cached article page, wrk pinned to its own core (--workers-only: just that)
 *          --exchange: instead, a signed and audited exchange call against the same handler unsigned
 *          (--exchange-calls N, default 4000), then audit:verify over --audit-records N (default 1,000,000)
 *          --analytics: instead, the article page with and without page-view counting (wrk, same run),
 *          then the dashboard query over --analytics-events N generated views (default 10,000,000);
 *          --analytics-rounds N: N on/off pairs back to back (alternating which runs first), with the
 *            server's CPU time per request of each run (median per side);
 *          --analytics-through-flush: generate the views through record + flush (slow) instead of bulk roll-ups
 *          --registration: instead, accepted registration submissions/s and p99 (durable group commit) on
 *          SQLite and PostgreSQL (--pg, default the local test server) vs a bare Fastify POST, same run,
 *          one instance and start:cluster with 2 workers; then a --upload-rows N (default 100,000) CSV
 *          batch upload
 *          --policies: instead, 惠企政策 matching of --policies-enterprises N (default 100,000) × 200 benefits
 *            (time, peak memory) and the incremental re-match after one profile change (p95)
 *          --licences: instead, SD-JWT VC issuance/s, verification p50/p99, and the transparency log grown to
 *          --licences-leaves N (default 10,000,000; --quick 1,000,000): append rate and proof times vs SHA-256
 *          --federation: instead, 跨省通办 between two in-process platforms on loopback: forwarding latency
 *          B→A→B p50/p99 (--federation-forwards N, default 200) and outbox messages/s draining a backlog
 *          (--federation-backlog N, default 500)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measureApply, type ApplyResult } from "./apply.ts";
import { measureImport } from "./import-speed.ts";
import { measureLargeSearch, type LargeSearchResult } from "./search-large.ts";
import { clusterBench } from "./cluster.ts";
import { measureExchange } from "./exchange.ts";
import { measureAnalytics } from "./analytics.ts";
import {
  ensureDebianTool,
  ensureNginx,
  freePort,
  startApp,
  startBareFastify,
  startNginx,
  stopChild,
  waitForHttp,
} from "./servers.ts";
import { runWrk, type WrkResult } from "./wrk.ts";
import { measureRegistration, measureUpload } from "./registration.ts";
import { measureLicences } from "./licences.ts";
import { measureStartCluster } from "./start-cluster.ts";
import { measurePolicies } from "./policies.ts";
import { measureFederation } from "./federation.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    docs: { type: "string" },
    connections: { type: "string", default: "64" },
    import: { type: "string" },
    queries: { type: "string" },
    "nginx-workers": { type: "string", default: "1" },
    pg: { type: "string" },
    "skip-import": { type: "boolean", default: false },
    "skip-http": { type: "boolean", default: false },
    "skip-apply": { type: "boolean", default: false },
    "apply-connections": { type: "string", default: "16" },
    "skip-search": { type: "boolean", default: false },
    targets: { type: "string" },
    cluster: { type: "boolean", default: false },
    exchange: { type: "boolean", default: false },
    analytics: { type: "boolean", default: false },
    "analytics-events": { type: "string" },
    "analytics-rounds": { type: "string" },
    "analytics-through-flush": { type: "boolean", default: false },
    registration: { type: "boolean", default: false },
    "upload-rows": { type: "string" },
    licences: { type: "boolean", default: false },
    "licences-leaves": { type: "string" },
    policies: { type: "boolean", default: false },
    "policies-enterprises": { type: "string" },
    "exchange-calls": { type: "string" },
    "audit-records": { type: "string" },
    "soak-seconds": { type: "string" },
    redis: { type: "string", default: "redis://127.0.0.1:6379" },
    "workers-only": { type: "boolean", default: false },
    federation: { type: "boolean", default: false },
    "federation-forwards": { type: "string" },
    "federation-backlog": { type: "string" },
  },
});

const quick = args.quick;
const duration = Number(args.duration ?? (quick ? 3 : 10));
const docCount = Number(args.docs ?? (quick ? 10_000 : 100_000));
const connections = Number(args.connections);
const importLines = Number(args.import ?? (quick ? 1000 : 5000));
const queryCount = Number(args.queries ?? (quick ? 150 : 400));
const nginxWorkers = Number(args["nginx-workers"]);
const SEARCH_P95_TARGET_MS = 30;

const log = (line: string) => console.error(line);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Servers on core 0, the load generator on core 1 (when there are two), so neither starves the other. */
const SERVER_CPUS = "0";
const LOAD_CPUS = "1";

function load(url: string, seconds: number, t: Partial<Target> = {}): Promise<WrkResult> {
  return runWrk(url, {
    connections: t.connections ?? connections,
    seconds,
    uncached: t.uncached,
    viewsPerVisitor: t.viewsPerVisitor,
    cpus: LOAD_CPUS,
  });
}

interface Target {
  /** Short name for --targets. */
  key: string;
  name: string;
  path: string;
  file: string;
  /** Minimum app / bare-Fastify ratio, when there is a target (issue 13's fast-path goals). */
  target: number | null;
  /** Defeat the caches: every request searches for something new (see bench/wrk.ts). */
  uncached?: boolean;
  /** Connections for this row (default --connections). */
  connections?: number;
  /** Pages each simulated visitor reads (default 1: every request a new visitor to count). */
  viewsPerVisitor?: number;
  /** The row's p99 goal in ms, if any. */
  p99Target?: number;
}

async function httpBench(dataDir: string): Promise<string[]> {
  const lines: string[] = [];
  const nginxBinary = ensureNginx(log);
  ensureDebianTool(["/usr/bin/wrk"], ["wrk"], log);
  const port = await freePort();
  const app = startApp(dataDir, port, SERVER_CPUS);
  const base = `http://127.0.0.1:${port}`;
  const refDir = mkdtempSync(join(tmpdir(), "chuyun-bench-ref-"));
  try {
    await waitForHttp(`${base}/healthz`, 60_000, app);
    const probe = (await (await fetch(`${base}/api/search?q=${encodeURIComponent("营商环境")}`)).json()) as {
      results: { url: string }[];
    };
    const articlePath = probe.results[0]?.url;
    if (!articlePath) throw new Error("no article found to benchmark");
    const allTargets: Target[] = [
      { key: "home", name: "home page /", path: "/", file: "home.html", target: null },
      {
        key: "article",
        name: `article ${articlePath}`,
        path: articlePath,
        file: "article.html",
        target: 0.6,
      },
      {
        key: "article-one-client",
        name: "article, one client (plain wrk)",
        path: articlePath,
        file: "article.html",
        target: 0.6,
        viewsPerVisitor: 0,
      },
      {
        key: "article-visits",
        name: "article, 5 pages per visitor",
        path: articlePath,
        file: "article.html",
        target: 0.6,
        viewsPerVisitor: 5,
      },
      {
        key: "search",
        name: "search API /api/search?q=社会保险",
        path: `/api/search?q=${encodeURIComponent("社会保险")}`,
        file: "search.json",
        target: null,
      },
      {
        key: "search-page",
        name: "search page ?q=社保 (www)",
        path: `/sites/www/search?q=${encodeURIComponent("社保")}`,
        file: "search-page.html",
        target: null,
      },
      {
        key: "search-new",
        name: "search API, every query new",
        path: `/api/search?q=${encodeURIComponent("社保")}`,
        file: "search.json",
        target: 0.05,
        uncached: true,
      },
      {
        key: "search-new-8",
        name: "search API, every query new, 8 connections",
        path: `/api/search?q=${encodeURIComponent("社保")}`,
        file: "search.json",
        target: 0.05,
        uncached: true,
        connections: 8,
        p99Target: 100,
      },
    ];
    const wanted = args.targets?.split(",").map((t) => t.trim());
    const unknown = wanted?.filter((k) => !allTargets.some((t) => t.key === k)) ?? [];
    if (unknown.length > 0) throw new Error(`unknown --targets: ${unknown.join(", ")}`);
    const targets = wanted ? allTargets.filter((t) => wanted.includes(t.key)) : allTargets;
    const files = new Map<string, { body: Buffer; contentType: string }>();
    for (const t of targets) {
      const res = await fetch(`${base}${t.path}`);
      if (res.status !== 200) throw new Error(`${t.path} answered ${res.status}`);
      files.set(t.file, {
        body: Buffer.from(await res.arrayBuffer()),
        contentType: res.headers.get("content-type") ?? "text/html",
      });
    }
    const nginx = await startNginx(nginxBinary, refDir, files, nginxWorkers, SERVER_CPUS);
    const bare = await startBareFastify(refDir, files, SERVER_CPUS);
    const rows: { t: Target; app: WrkResult; bare: WrkResult; nginx: WrkResult; bytes: number }[] = [];
    try {
      const warm = Math.max(1, Math.round(duration / 3));
      const measure = async (url: string, t: Partial<Target>) => {
        await load(url, warm, t);
        return load(url, duration, t);
      };
      for (const t of targets) {
        log(`  ${t.name}: app, bare Fastify, nginx…`);
        const appLoad = await measure(`${base}${t.path}`, t);
        const reference = { connections: t.connections };
        const bareLoad = await measure(`http://127.0.0.1:${bare.port}/${t.file}`, reference);
        const nginxLoad = await measure(`http://127.0.0.1:${nginx.port}/${t.file}`, reference);
        rows.push({
          t,
          app: appLoad,
          bare: bareLoad,
          nginx: nginxLoad,
          bytes: files.get(t.file)!.body.length,
        });
      }
    } finally {
      await nginx.stop();
      await bare.stop();
    }
    const pinning =
      availableParallelism() >= 2 ? "servers pinned to core 0, wrk to core 1" : "one core, no pinning";
    lines.push(
      `HTTP (wrk, ${connections} connections, ${duration} s per measurement after ${Math.max(1, Math.round(duration / 3))} s warm-up; ${pinning}):` +
        ` app = one Node process on SQLite; bare = a Fastify route serving the same bytes from memory;` +
        ` nginx ${nginxWorkers} worker(s) serving them as static files`,
    );
    const header = [
      "target",
      "bytes",
      "app req/s",
      "app p99",
      "bare req/s",
      "nginx req/s",
      "app/bare",
      "app/nginx",
      "goal",
    ];
    const table = rows.map(({ t, app, bare, nginx, bytes }) => {
      const ratio = app.rps / bare.rps;
      const met = ratio >= (t.target ?? 0) && app.p99 < (t.p99Target ?? Infinity);
      const p99Goal = t.p99Target ? `, p99 < ${t.p99Target} ms` : "";
      const goal = t.target == null ? "—" : `≥ ${t.target}× bare${p99Goal} ${met ? "MET" : "MISSED"}`;
      const bad = app.errors + app.non2xx > 0 ? ` (${app.errors} errors, ${app.non2xx} non-2xx)` : "";
      return [
        t.name,
        fmt(bytes),
        fmt(app.rps) + bad,
        `${fmt(app.p99, 1)} ms`,
        fmt(bare.rps),
        fmt(nginx.rps),
        ratio.toFixed(3),
        (app.rps / nginx.rps).toFixed(3),
        goal,
      ];
    });
    lines.push(...renderTable(header, table));
  } finally {
    await stopChild(app);
    rmSync(refDir, { recursive: true, force: true });
  }
  return lines;
}

function renderTable(header: string[], rows: string[][]): string[] {
  const width = (s: string) => [...s].reduce((w, c) => w + (/[\u1100-\uffff]/.test(c) ? 2 : 1), 0);
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]))));
  const line = (cells: string[]) => cells.map((c, i) => c + " ".repeat(widths[i] - width(c))).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)];
}

function applyLines(r: ApplyResult): string[] {
  const warm = Math.max(1, Math.round(r.seconds / 3));
  // Requests still in flight when a run stops are stored but never counted: at most one per connection and run.
  const extra = r.stored - r.acceptedInAll;
  const check =
    extra >= 0 && extra <= 2 * r.connections
      ? ` (${fmt(r.acceptedInAll)} answered${extra ? ` + ${extra} in flight at the stop` : ""})`
      : ` — MISMATCH: ${fmt(r.acceptedInAll)} answered in all`;
  return [
    `Apply: ${r.fields}-field application with one ${fmt(r.attachmentBytes / 1024)} KB PDF attachment, multipart POST` +
      ` as a signed-in citizen (own idempotency key and file per request), ${r.connections} connections,` +
      ` ${r.seconds} s (after ${warm} s warm-up); app = one Node process on SQLite`,
    ...renderTable(
      ["scenario", "bytes", "accepted/s", "p50", "p99", "accepted", "failed", "stored"],
      [
        [
          "submit application (303 to receipt)",
          fmt(r.requestBytes),
          fmt(r.rps, 1),
          `${fmt(r.p50)} ms`,
          `${fmt(r.p99)} ms`,
          fmt(r.accepted),
          fmt(r.failed) + (r.duplicates ? ` (${r.duplicates} duplicates)` : ""),
          `${fmt(r.stored)}${check}`,
        ],
      ],
    ),
  ];
}

function searchLines(r: LargeSearchResult): string[] {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const out = [
    `Search over ${fmt(r.docs)} articles on ${r.engine} (indexed in ${r.loadSeconds.toFixed(0)} s),` +
      ` ${r.overall.count} queries on SearchIndex.search:` +
      ` p50 ${ms(r.overall.p50)}, p95 ${ms(r.overall.p95)}, p99 ${ms(r.overall.p99)}, max ${ms(r.overall.max)}` +
      ` — target p95 < ${SEARCH_P95_TARGET_MS} ms: ${r.overall.p95 < SEARCH_P95_TARGET_MS ? "MET" : "MISSED"}`,
  ];
  out.push(
    ...renderTable(
      ["queries", "n", "p50", "p95", "max"],
      Object.entries(r.byGroup).map(([g, s]) => [g, String(s.count), ms(s.p50), ms(s.p95), ms(s.max)]),
    ),
  );
  out.push(`slowest: ${r.slowest.map((s) => `${s.label} ${ms(s.ms)} (${fmt(s.total)} hits)`).join("; ")}`);
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), "chuyun-bench-"));
  const report: string[] = [];
  try {
    if (args.cluster) {
      ensureDebianTool(["/usr/bin/wrk"], ["wrk"], log);
      log("cluster: npm run start:cluster with 1 vs 2 workers (wrk pinned to its own core)…");
      report.push(...(await measureStartCluster({ seconds: duration, connections })).lines);
    }
    if (args.cluster && !args["workers-only"]) {
      log("cluster: 1 vs 2 instances on PostgreSQL + Redis…");
      report.push(
        ...(await clusterBench({
          seconds: duration,
          connections,
          soakSeconds: Number(args["soak-seconds"] ?? (quick ? 10 : 60)),
          soakConnections: 1000,
          pgUrl: args.pg ?? "postgres://postgres@127.0.0.1:5432/test",
          redisUrl: args.redis,
        })),
      );
    }
    if (args.exchange) {
      const calls = Number(args["exchange-calls"] ?? (quick ? 1000 : 4000));
      const records = Number(args["audit-records"] ?? (quick ? 100_000 : 1_000_000));
      log(`exchange: ${calls} signed vs unsigned calls, then audit:verify over ${fmt(records)} records…`);
      const r = await measureExchange({ calls, concurrency: 16, auditRecords: records, log });
      const ms = (x: number) => `${x.toFixed(2)} ms`;
      report.push(
        `Exchange, one call at a time: signed+audited p50 ${ms(r.signed.p50)} / p99 ${ms(r.signed.p99)}; ` +
          `same handler unsigned p50 ${ms(r.unsigned.p50)} / p99 ${ms(r.unsigned.p99)}; ` +
          `p50 overhead ${ms(r.signed.p50 - r.unsigned.p50)} (goal ≤ 1 ms)`,
        `Exchange, 16 at a time: signed ${fmt(r.signed.perSecond)} calls/s vs unsigned ${fmt(r.unsigned.perSecond)} calls/s ` +
          `= ${(r.signed.perSecond / r.unsigned.perSecond).toFixed(2)} ×`,
        `audit:verify: ${fmt(r.auditRecords)} records in ${r.auditVerifySeconds.toFixed(1)} s (${r.auditIntact ? "intact" : "BROKEN"})`,
      );
    }
    if (args.registration) {
      log("registration: accepted submissions/s vs a bare Fastify POST…");
      const rows = await measureRegistration({
        seconds: duration,
        connections,
        pgUrl: args.pg ?? "postgres://postgres@127.0.0.1:5432/postgres",
        log,
      });
      for (const r of rows) {
        report.push(
          `Registration on ${r.engine}: ${fmt(r.app.perSecond)} accepted/s (p50 ${r.app.p50} ms, p99 ${r.app.p99} ms, ` +
            `${r.app.non2xx} non-2xx, ${r.app.errors} errors) vs bare Fastify POST ${fmt(r.bare.perSecond)}/s ` +
            `(p99 ${r.bare.p99} ms) = ${(r.app.perSecond / r.bare.perSecond).toFixed(2)} × (goal ≥ 0.5 on SQLite)`,
          `  extrapolated: 1 million records in ${fmt(1e6 / r.app.perSecond / 60, 1)} min, 50 million in ` +
            `${fmt(5e7 / r.app.perSecond / 3600, 1)} h ${r.engine.includes("cluster") ? "on the 2-worker cluster" : "on one instance"} (≈ 7,000/s needed for 50 million in 2 h)`,
        );
      }
      const up = await measureUpload(Number(args["upload-rows"] ?? (quick ? 20_000 : 100_000)), log);
      report.push(
        `Registration batch upload (SQLite, CSV): ${fmt(up.rows)} rows in ${up.seconds.toFixed(1)} s ` +
          `(${fmt(up.rows / up.seconds)} rows/s; ${up.status}, ${fmt(up.accepted)} accepted, ${fmt(up.rejected)} rejected; ` +
          `longest event-loop stall ${fmt(up.worstStallMs)} ms)`,
      );
    }
    if (args.licences) {
      const leaves = Number(args["licences-leaves"] ?? (quick ? 1_000_000 : 10_000_000));
      const r = await measureLicences({
        issue: quick ? 200 : 1000,
        verify: quick ? 200 : 1000,
        leaves,
        append: quick ? 20_000 : 100_000,
        proofs: 1000,
        log,
      });
      const ms = (x: number) => `${x.toFixed(2)} ms`;
      report.push(
        `Licences: ${fmt(r.issued)} SD-JWT VCs issued at ${fmt(r.issuancePerSecond)}/s (signed, sealed, status entry, log leaf, audited)`,
        `Licences: verification of a presentation p50 ${ms(r.verify.p50)} / p99 ${ms(r.verify.p99)} (${r.verify.count} presentations)`,
        `Transparency log grown to ${fmt(r.leaves)} leaves; the last ${fmt(r.appended)} appended through TransparencyLog.append at ${fmt(r.appendPerSecond)} leaves/s; raw SHA-256 ${fmt(r.sha256PerSecond)} hashes/s ` +
          `(limit ≈ ${fmt(r.sha256PerSecond / 2)} leaves/s at 2 hashes a leaf); database ${fmt(r.databaseMb)} MB`,
        `Transparency log at ${fmt(r.leaves)} leaves: inclusion proof (by leaf hash) p50 ${ms(r.inclusion.p50)} / p99 ${ms(r.inclusion.p99)}; ` +
          `consistency proof p50 ${ms(r.consistency.p50)} / p99 ${ms(r.consistency.p99)}`,
      );
    }
    if (args.policies) {
      const r = await measurePolicies({
        enterprises: Number(args["policies-enterprises"] ?? (quick ? 10_000 : 100_000)),
        benefits: 200,
        changes: quick ? 20 : 100,
        log,
      });
      report.push(
        `Policies: ${fmt(r.enterprises)} enterprises × ${r.benefits} benefits matched in ${r.matchSeconds.toFixed(1)} s ` +
          `(${fmt((r.enterprises * r.benefits) / r.matchSeconds)} evaluations/s; ${fmt(r.matches)} eligible/possible stored, ` +
          `${fmt(r.pushes)} pushes); peak RSS ${fmt(r.peakRssMb)} MB, heap ${fmt(r.peakHeapMb)} MB; profiles loaded in ${r.loadSeconds.toFixed(1)} s`,
        `Policies: incremental re-match after one profile change (queue sweep, ${r.rematch.count} changes): ` +
          `p50 ${r.rematch.p50.toFixed(1)} ms, p95 ${r.rematch.p95.toFixed(1)} ms`,
      );
    }
    if (args.analytics) {
      const events = Number(args["analytics-events"] ?? (quick ? 1_000_000 : 10_000_000));
      const rounds = Number(args["analytics-rounds"] ?? 1);
      const throughFlush = args["analytics-through-flush"];
      const r = await measureAnalytics({ seconds: duration, connections, events, rounds, throughFlush, log });
      const ratio = r.counting.rps / r.notCounting.rps;
      if (r.pairs.length > 1)
        report.push(
          `Analytics, counting / not counting, ${r.pairs.length} pairs back to back: ` +
            r.pairs.map((p) => (p.on.rps / p.off.rps).toFixed(3)).join(", ") +
            ` (median pair below; load average at the end: ${loadavg()
              .map((l) => l.toFixed(1))
              .join(" ")})`,
        );
      const cpu = (side: "on" | "off") =>
        r.pairs.map((p) => p[side].cpuMicros).sort((a, b) => a - b)[r.pairs.length >> 1];
      report.push(
        `Analytics, server CPU per request (median of ${r.pairs.length} runs each): counting ${cpu("on").toFixed(1)} µs, ` +
          `not counting ${cpu("off").toFixed(1)} µs: the CPU-bound throughput ratio ${(cpu("off") / cpu("on")).toFixed(3)} ×`,
        `Analytics, cached article page (wrk, ${connections} connections, ${duration} s): counting views ${fmt(r.counting.rps)} req/s` +
          ` (p99 ${r.counting.p99.toFixed(1)} ms, ${fmt(r.counted)} views counted) vs not counting ${fmt(r.notCounting.rps)} req/s` +
          ` = ${ratio.toFixed(3)} × (goal ≥ 0.9: ${ratio >= 0.9 ? "MET" : "MISSED"})`,
        `Analytics dashboard query over ${fmt(r.events)} generated views (${throughFlush ? "recorded and flushed" : "bulk roll-ups"} in ${r.ingestSeconds.toFixed(0)} s` +
          ` = ${fmt(r.events / r.ingestSeconds)} views/s): p50 ${r.queryP50.toFixed(1)} ms, p95 ${r.queryP95.toFixed(1)} ms`,
      );
    }
    if (args.federation) {
      const r = await measureFederation({
        forwards: Number(args["federation-forwards"] ?? (quick ? 50 : 200)),
        backlog: Number(args["federation-backlog"] ?? (quick ? 100 : 500)),
        log,
      });
      report.push(
        `Federation (跨省通办, loopback HTTP, SQLite): forwarding B→A→B p50 ${r.latency.p50.toFixed(1)} ms / ` +
          `p99 ${r.latency.p99.toFixed(1)} ms (${r.forwarded} applications one at a time, each a signed message ` +
          `with a PDF, an application created on A, a signed answer checked on B)`,
        `Federation outbox: a backlog of ${fmt(r.backlog)} messages drained in ${r.drainSeconds.toFixed(1)} s = ` +
          `${fmt(r.messagesPerSecond, 1)} messages/s (one peer, in order)`,
      );
    }
    const special =
      args.cluster ||
      args.exchange ||
      args.analytics ||
      args.registration ||
      args.licences ||
      args.policies ||
      args.federation;
    if (!special && !args["skip-import"]) {
      log(`[1/4] importing ${importLines} generated articles (JSON Lines, SQLite)…`);
      const r = await measureImport(importLines, dataDir);
      report.push(
        `Import: ${fmt(importLines)} articles in ${r.seconds.toFixed(1)} s = ${fmt(r.perSecond)} articles/s` +
          " (each created, submitted, published and indexed, one transaction per step)",
      );
    }
    if (!special && !args["skip-http"]) {
      log("[2/4] HTTP: app vs bare Fastify and nginx (wrk)…");
      report.push(...(await httpBench(dataDir)));
    }
    if (!special && !args["skip-apply"]) {
      log("[3/4] submitting applications (20 fields + 200 KB PDF)…");
      const connections = Number(args["apply-connections"]);
      report.push(...applyLines(await measureApply({ dataDir, seconds: duration, connections, log })));
    }
    if (!special && !args["skip-search"]) {
      log(`[4/4] search: generating and indexing ${fmt(docCount)} articles…`);
      report.push(...searchLines(await measureLargeSearch({ docs: docCount, queries: queryCount, log })));
      if (args.pg) {
        log(`[4/4] search on PostgreSQL…`);
        report.push(
          ...searchLines(
            await measureLargeSearch({ docs: docCount, queries: queryCount, databaseUrl: args.pg, log }),
          ),
        );
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(
    `\nChuyun benchmark (${quick ? "quick" : "full"}; ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  console.log(report.join("\n"));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
