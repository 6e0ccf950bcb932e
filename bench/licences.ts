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
import SQLite from "better-sqlite3";
import { leafHash, nodeHash, verifyConsistency, verifyInclusion } from "../src/platform/crypto/merkle.ts";

export interface LicencesBenchResult {
  issued: number;
  issuancePerSecond: number;
  verify: { p50: number; p99: number; count: number };
  sha256PerSecond: number;
  leaves: number;
  appendPerSecond: number;
  appended: number;
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
  append: number;
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

    // Generate the bulk of the log straight into its tables (same hashing and node layout as
    // TransparencyLog.append, without the per-row query building), then time the real append on top.
    const start = await licences.log.size();
    const target = Math.max(options.leaves - options.append, start);
    options.log(`licences: generating ${target - start} log leaves…`);
    generateLeaves(sqlitePath(deps.config), start, target, options.log);
    options.log(`licences: appending ${options.append} leaves through the log (batches of 1,000)…`);
    const appendStart = performance.now();
    for (let at = target; at < target + options.append; at += 1000) {
      await licences.log.append(
        Array.from({ length: 1000 }, (_, i) => ({
          kind: "checkpoint" as const,
          entry: `bench-leaf-${at + i}`,
        })),
      );
    }
    const appendPerSecond = options.append / ((performance.now() - appendStart) / 1000);

    options.log(`licences: ${options.proofs} inclusion and consistency proofs at ${target} leaves…`);
    const size = await licences.log.size();
    const root = await licences.log.root(size);
    const inclusion: number[] = [];
    const consistency: number[] = [];
    for (let i = 0; i < options.proofs; i++) {
      const index = randomInt(Math.max(start, 1), size);
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
      appended: options.append,
      inclusion: timed(inclusion),
      consistency: timed(consistency),
      databaseMb,
    };
  } finally {
    await deps.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Writes leaves [from, to) of the form `bench-leaf-i` and their complete subtrees, 100,000 a transaction. */
function generateLeaves(path: string, from: number, to: number, log: (line: string) => void): void {
  const db = new SQLite(path);
  try {
    db.pragma("busy_timeout = 5000");
    const nodeAt = db.prepare("select hash from licence_log_nodes where level = ? and idx = ?");
    const frontier = new Map<number, Buffer>();
    for (let level = 0; 2 ** level <= from; level++) {
      const i = Math.floor(from / 2 ** level);
      if (i % 2 === 1) frontier.set(level, (nodeAt.get(level, i - 1) as { hash: Buffer }).hash);
    }
    const leaf = db.prepare(
      "insert into licence_log_leaves (idx, kind, entry, leaf_hash, created_at) values (?, 'checkpoint', ?, ?, ?)",
    );
    const node = db.prepare("insert into licence_log_nodes (level, idx, hash) values (?, ?, ?)");
    const createdAt = new Date().toISOString();
    const chunk = db.transaction((a: number, b: number) => {
      for (let index = a; index < b; index++) {
        const entry = `bench-leaf-${index}`;
        let h = leafHash(Buffer.from(entry));
        leaf.run(index, entry, h.toString("base64"), createdAt);
        node.run(0, index, h);
        let level = 0;
        let i = index;
        while (i % 2 === 1) {
          h = nodeHash(frontier.get(level)!, h);
          frontier.delete(level);
          level += 1;
          i = Math.floor(i / 2);
          node.run(level, i, h);
        }
        frontier.set(level, h);
      }
    });
    for (let at = from; at < to; at += 100_000) {
      chunk(at, Math.min(to, at + 100_000));
      if ((at - from) % 1_000_000 === 0) log(`  ${Math.min(to, at + 100_000).toLocaleString("en")} leaves`);
    }
  } finally {
    db.close();
  }
}
