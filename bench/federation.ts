/**
 * 跨省通办 over loopback HTTP: two platforms in this process (hubei owns an item, hunan's citizen
 * files it), each with its own SQLite data folder and port, trusting each other from their signed
 * metadata. Measures
 *   - forwarding latency B→A→B: from hunan's `file` to its application being "submitted" (the
 *     signed message sent through the outbox, A's application created, A's signed answer checked
 *     and stored on B), one application at a time;
 *   - outbox throughput: messages delivered per second when a backlog is drained (one peer, in
 *     order, each message a signed POST with a signed answer).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../src/config.ts";
import { createAppDeps } from "../src/container.ts";
import { buildApp } from "../src/app.ts";
import type { AppDeps } from "../src/deps.ts";
import { freePort } from "./servers.ts";

export interface FederationBenchResult {
  forwarded: number;
  latency: { p50: number; p99: number };
  backlog: number;
  drainSeconds: number;
  messagesPerSecond: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

interface Platform {
  deps: AppDeps;
  app: FastifyInstance;
  dir: string;
}

async function startPlatform(id: string, name: string, port: number): Promise<Platform> {
  const dir = mkdtempSync(join(tmpdir(), `chuyun-bench-fed-${id}-`));
  const deps = await createAppDeps(
    loadConfig(
      {
        DATA_DIR: dir,
        LOG_LEVEL: "silent",
        SEED_DEMO: "1",
        RUN_JOBS: "0",
        FEDERATION_ID: id,
        FEDERATION_NAME: name,
        FEDERATION_BASE_URL: `http://127.0.0.1:${port}`,
        FEDERATION_RETRY_MAX_SECONDS: "1",
        FEDERATION_TIMEOUT_MS: "10000",
      },
      { maxEventLoopDelayMs: 0, rateLimitAllow: ["127.0.0.1", "::1"] },
    ),
  );
  const app = await buildApp(deps);
  await app.listen({ port, host: "127.0.0.1" });
  return { deps, app, dir };
}

export async function measureFederation(options: {
  forwards: number;
  backlog: number;
  log: (line: string) => void;
}): Promise<FederationBenchResult> {
  const [portA, portB] = [await freePort(), await freePort()];
  options.log("starting two seeded platforms (hubei, hunan)…");
  const a = await startPlatform("hubei", "湖北省", portA);
  const b = await startPlatform("hunan", "湖南省", portB);
  try {
    const A = a.deps.federation;
    const B = b.deps.federation;
    await A.importPeer(`http://127.0.0.1:${portB}`, null, "bench");
    await B.importPeer(`http://127.0.0.1:${portA}`, (await A.key()).keyId, "bench");
    const itemCode = `${a.deps.sites.byCodeCached("scjg")!.siteCode}-XK-0002`;
    await A.offer(itemCode, "bench");
    if ((await B.syncItems("hubei")) !== 1) throw new Error("hunan did not pull hubei's item");
    const item = await B.federatedItem("hubei", itemCode);
    const holder = (await b.deps.accounts.verifiedHolders()).people[0]!;
    const account = (await b.deps.accounts.byIdNumber(holder.idNumber))!;
    const raw = {
      phone: "13912345678",
      "address.region": "江城市",
      "address.detail": "江滨路1号",
      ...Object.fromEntries(
        item.form.fields.filter((f) => f.type === "select").map((f) => [f.name, f.options![0]!]),
      ),
    };
    const files = item.form.fields
      .filter((f) => f.type === "file" && f.required)
      .map((f) => ({ field: f.name, fileName: "a.pdf", bytes: PDF }));
    let n = 0;
    const fileOne = () =>
      B.file({
        account,
        peerCode: "hubei",
        itemCode,
        raw,
        files,
        formKey: `bench-${process.pid}-${String(++n).padStart(8, "0")}`,
      });

    options.log(`forwarding ${options.forwards} applications one at a time…`);
    const latencies: number[] = [];
    for (let i = 0; i < options.forwards + 10; i++) {
      const t0 = performance.now();
      const filed = await fileOne();
      await B.idle();
      const after = await B.own(account.id, filed.application.number);
      if (after.status !== "submitted")
        throw new Error(`application ${after.number} is ${after.status}: ${JSON.stringify(after.refusal)}`);
      if (i >= 10) latencies.push(performance.now() - t0); // the first ten warm up
    }
    latencies.sort((x, y) => x - y);

    options.log(`queueing ${options.backlog} messages while hubei is unreachable, then draining…`);
    const real = B.fetcher;
    B.fetcher = async () => {
      throw new TypeError("fetch failed");
    };
    for (let i = 0; i < options.backlog; i++) await fileOne();
    await B.idle();
    B.fetcher = real;
    await b.deps.store.db
      .updateTable("federationOutbox")
      .set({ nextAttemptAt: new Date(0).toISOString() })
      .where("status", "=", "pending")
      .execute();
    const t0 = performance.now();
    let delivered = 0;
    while (delivered < options.backlog) {
      const round = await B.deliverDue(options.backlog);
      if (round === 0) throw new Error(`only ${delivered} of ${options.backlog} messages delivered`);
      delivered += round;
    }
    const drainSeconds = (performance.now() - t0) / 1000;
    return {
      forwarded: latencies.length,
      latency: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      backlog: options.backlog,
      drainSeconds,
      messagesPerSecond: options.backlog / drainSeconds,
    };
  } finally {
    for (const p of [a, b]) {
      await p.app.close();
      await p.deps.close();
      rmSync(p.dir, { recursive: true, force: true });
    }
  }
}
