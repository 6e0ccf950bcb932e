/**
 * The exchange's cost: a signed, audited query (RFC 9421 verification, Content-Digest, nonce, audit
 * append, signed answer) against the same query handler called without any of that, in the same run
 * over loopback HTTP; then `audit:verify` over a chain of many records.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { createAppDeps } from "../src/container.ts";
import { buildApp } from "../src/app.ts";
import {
  DEMO_CONSUMER_FILE,
  signedQuery,
  type DemoCredentials,
  type SignedCall,
} from "../src/modules/exchange/index.ts";
import { GENESIS, recordHash, type AuditEntry } from "../src/modules/exchange/audit.ts";

export interface ExchangeBenchResult {
  signed: { p50: number; p99: number; perSecond: number };
  unsigned: { p50: number; p99: number; perSecond: number };
  auditRecords: number;
  auditVerifySeconds: number;
  auditIntact: boolean;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

async function timeCalls(
  calls: SignedCall[],
  concurrency: number,
): Promise<{ latencies: number[]; seconds: number; failures: number }> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls.length) {
        const call = calls[next++]!;
        const t0 = performance.now();
        const res = await fetch(call.url, { method: "POST", headers: call.headers, body: call.body });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (res.status !== 200) failures++;
      }
    }),
  );
  return {
    latencies: latencies.sort((a, b) => a - b),
    seconds: (performance.now() - started) / 1000,
    failures,
  };
}

export async function measureExchange(options: {
  calls: number;
  concurrency: number;
  auditRecords: number;
  log: (line: string) => void;
}): Promise<ExchangeBenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "chuyun-bench-exchange-"));
  const deps = await createAppDeps(
    loadConfig(
      { DATA_DIR: dataDir, LOG_LEVEL: "silent", SEED_DEMO: "1", RUN_JOBS: "0" },
      { maxEventLoopDelayMs: 0, rateLimitAllow: ["127.0.0.1", "::1"] },
    ),
  );
  try {
    const app = await buildApp(deps);
    const creds = JSON.parse(readFileSync(join(dataDir, DEMO_CONSUMER_FILE), "utf8")) as DemoCredentials;
    const member = (await deps.exchange.memberByCode("demo-consumer"))!;
    // The demo grant's per-minute and daily limits would refuse a benchmark's thousands of calls.
    await deps.store.db
      .updateTable("exchangeGrants")
      .set({ ratePerMinute: 1_000_000, dailyQuota: 1_000_000 })
      .where("memberId", "=", member.id)
      .execute();
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser("*", { parseAs: "buffer" }, (_r, body, done) => done(null, body));
      scope.post("/bench/unsigned/:code", async (request) =>
        deps.exchange.answer(member.id, (request.params as { code: string }).code, request.body as Buffer),
      );
    });
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    const query = { filter: creds.filter, fields: creds.fields };
    const purpose = { caseNo: "BENCH0001", basis: "基准测试" };
    const total = options.calls * 2;
    options.log(`signing ${total} calls…`);
    const signed: SignedCall[] = [];
    for (let i = 0; i < total; i++)
      signed.push(await signedQuery(address, creds, creds.resource, query, purpose));
    const plain = (n: number): SignedCall[] =>
      Array.from({ length: n }, () => ({
        url: `${address}/bench/unsigned/${creds.resource}`,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(query),
      }));
    // Warm both paths, then one at a time (latency), then `concurrency` at a time (throughput).
    await timeCalls(plain(200), 4);
    await timeCalls(signed.splice(0, 200), 4);
    const latencySigned = await timeCalls(signed.splice(0, options.calls / 2), 1);
    const latencyPlain = await timeCalls(plain(options.calls / 2), 1);
    const loadSigned = await timeCalls(signed.splice(0, options.calls), options.concurrency);
    const loadPlain = await timeCalls(plain(options.calls), options.concurrency);
    if (latencySigned.failures + loadSigned.failures > 0)
      throw new Error(`${latencySigned.failures + loadSigned.failures} signed calls failed`);
    await app.close();

    options.log(`writing ${options.auditRecords} audit records…`);
    const db = deps.store.db;
    const head = await deps.exchange.audit.head();
    let prevHash = head?.hash ?? GENESIS;
    let seq = head?.seq ?? 0;
    const template: AuditEntry = {
      at: new Date().toISOString(),
      keyId: creds.keyId,
      member: "demo-consumer",
      resource: "RK-0001",
      fields: JSON.stringify(creds.fields),
      purposeCase: "BENCH0001",
      purposeBasis: "基准测试",
      subject: String(creds.filter.idNumber),
      result: "ok",
      status: 200,
      reason: "",
      requestDigest: "sha-256=:x:",
      responseDigest: "sha-256=:y:",
      latencyMs: 1,
    };
    const target = seq + options.auditRecords;
    while (seq < target) {
      const batch = [];
      for (let i = 0; i < 500 && seq < target; i++) {
        const entry = { ...template, latencyMs: seq % 7 };
        const hash = recordHash(prevHash, entry);
        batch.push({ ...entry, seq: ++seq, prevHash, hash });
        prevHash = hash;
      }
      await db.insertInto("exchangeAudit").values(batch).execute();
    }
    options.log("verifying the audit chain…");
    const t0 = performance.now();
    const verification = await deps.exchange.audit.verify();
    const auditVerifySeconds = (performance.now() - t0) / 1000;
    const stats = (r: { latencies: number[] }) => ({
      p50: percentile(r.latencies, 50),
      p99: percentile(r.latencies, 99),
    });
    return {
      signed: { ...stats(latencySigned), perSecond: loadSigned.latencies.length / loadSigned.seconds },
      unsigned: { ...stats(latencyPlain), perSecond: loadPlain.latencies.length / loadPlain.seconds },
      auditRecords: verification.checked,
      auditVerifySeconds,
      auditIntact: verification.ok,
    };
  } finally {
    await deps.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
