/**
 * The licences' cost: SD-JWT VC issuance per second (each signed, stored sealed and appended to the
 * log in one transaction), verification p50/p99 of a 亮证 presentation (issuer signature, digests,
 * KB-JWT, status list), then the RFC 9162 log grown to many leaves: append rate, and inclusion /
 * consistency proof time at that size, against raw SHA-256 throughput measured in the same run
 * (each leaf costs one leaf hash plus on average one node hash, so 2 hashes a leaf is the limit).
 */
import { createHash, randomInt } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { createAppDeps } from "../src/container.ts";
import { sqlitePath } from "../src/platform/db/database.ts";
import { leafHash, verifyConsistency, verifyInclusion } from "../src/platform/crypto/merkle.ts";

export interface LicencesBenchResult {
  issued: number;
  issuancePerSecond: number;
  verify: { p50: number; p99: number; count: number };
  sha256PerSecond: number;
  leaves: number;
  appendPerSecond: number;
  inclusion: { p50: number; p99: number };
  consistency: { p50: number; p99: number };
  databaseMb: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const timed = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
};

const CLAIMS = {
  name: "张三",
  idNumber: "420102199003070038",
  gender: "男",
  birthDate: "1990-03-07",
  ageOver18: true,
  nation: "汉",
  address: "楚云省江城市江岸区沿江大道 188 号",
  issuingAuthority: "江城市公安局江岸分局",
  licenceNo: "SFZ-BENCH",
};

export async function measureLicences(options: {
  issue: number;
  verify: number;
  leaves: number;
  proofs: number;
  log: (line: string) => void;
}): Promise<LicencesBenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "chuyun-bench-licences-"));
  const deps = await createAppDeps(
    loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", SEED_DEMO: "0", RUN_JOBS: "0" }),
  );
  try {
    const { licences } = deps;
    // Raw SHA-256 over 64-byte inputs (a node hash's size), the ceiling of any Merkle append.
    const block = Buffer.alloc(65, 7);
    let hashes = 0;
    const hashStart = performance.now();
    while (performance.now() - hashStart < 2000) {
      for (let i = 0; i < 10_000; i++) createHash("sha256").update(block).digest();
      hashes += 10_000;
    }
    const sha256PerSecond = hashes / ((performance.now() - hashStart) / 1000);

    options.log(`licences: issuing ${options.issue} SD-JWT VCs…`);
    const ids: number[] = [];
    const issueStart = performance.now();
    for (let i = 0; i < options.issue; i++) {
      const l = await licences.issue(
        { kindCode: "11100000000013338W001", holderAccountId: 1, claims: CLAIMS },
        "bench",
      );
      ids.push(l.id);
    }
    const issuancePerSecond = options.issue / ((performance.now() - issueStart) / 1000);

    options.log(`licences: verifying ${options.verify} presentations…`);
    const latencies: number[] = [];
    for (let i = 0; i < options.verify; i++) {
      const { presentation } = await licences.present(ids[i % ids.length]!, 1, ["name", "ageOver18"]);
      const t0 = performance.now();
      const r = await licences.verify(presentation);
      latencies.push(performance.now() - t0);
      if (r.result !== "valid") throw new Error(`bench presentation answered ${r.result}`);
    }

    const start = await licences.log.size();
    const target = Math.max(options.leaves, start);
    options.log(`licences: appending ${target - start} leaves to the log…`);
    const batch = 20_000;
    const appendStart = performance.now();
    for (let at = start; at < target; at += batch) {
      const n = Math.min(batch, target - at);
      await licences.log.append(
        Array.from({ length: n }, (_, i) => ({ kind: "checkpoint" as const, entry: `bench-leaf-${at + i}` })),
      );
      if ((at / batch) % 25 === 0) options.log(`  ${at + n} leaves`);
    }
    const appendPerSecond = (target - start) / ((performance.now() - appendStart) / 1000);

    options.log(`licences: ${options.proofs} inclusion and consistency proofs at ${target} leaves…`);
    const size = await licences.log.size();
    const root = await licences.log.root(size);
    const inclusion: number[] = [];
    const consistency: number[] = [];
    for (let i = 0; i < options.proofs; i++) {
      const index = randomInt(start, size);
      const hash = leafHash(Buffer.from(`bench-leaf-${index}`)).toString("base64");
      const t0 = performance.now();
      const proof = await licences.inclusion(hash, size);
      inclusion.push(performance.now() - t0);
      const ok = verifyInclusion(
        proof.leafIndex,
        size,
        Buffer.from(hash, "base64"),
        proof.auditPath.map((p) => Buffer.from(p, "base64")),
        root,
      );
      if (!ok) throw new Error(`inclusion proof of leaf ${index} failed`);
      const first = randomInt(1, size);
      const t1 = performance.now();
      const c = await licences.consistency(first, size);
      consistency.push(performance.now() - t1);
      if (
        i < 20 &&
        !verifyConsistency(
          first,
          size,
          await licences.log.root(first),
          root,
          c.proof.map((p) => Buffer.from(p, "base64")),
        )
      )
        throw new Error(`consistency ${first} → ${size} failed`);
    }
    const databaseMb = existsSync(sqlitePath(deps.config)) ? statSync(sqlitePath(deps.config)).size / 1e6 : 0;
    return {
      issued: options.issue,
      issuancePerSecond,
      verify: { ...timed(latencies), count: latencies.length },
      sha256PerSecond,
      leaves: size,
      appendPerSecond,
      inclusion: timed(inclusion),
      consistency: timed(consistency),
      databaseMb,
    };
  } finally {
    await deps.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
