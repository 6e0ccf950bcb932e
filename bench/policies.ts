/**
 * 惠企政策 matching cost: N enterprises × M benefits matched in one run (rules compiled once, profiles
 * read in pages and evaluated in memory, matches and pushes written in batches) with its time and peak
 * memory, then the incremental re-match after one enterprise changes its profile (p50/p95 of the
 * queue sweep that follows), on SQLite in a temporary data directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { createAppDeps } from "../src/container.ts";
import type { EnterpriseProfile, RuleCondition } from "../src/modules/policies/index.ts";

export interface PoliciesBenchResult {
  enterprises: number;
  benefits: number;
  loadSeconds: number;
  matchSeconds: number;
  matches: number;
  pushes: number;
  peakRssMb: number;
  peakHeapMb: number;
  rematch: { p50: number; p95: number; count: number };
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SIZES = ["micro", "small", "medium", "large"];
const GRADES = ["A", "B", "M", "C", "D"];
const INDUSTRY = ["A", "C", "E", "F", "G", "H", "I", "M"];

function benefitRules(i: number, random: () => number): RuleCondition[] {
  const clause = `第${i + 1}条`;
  const pool: RuleCondition[] = [
    { fact: "headcount", operator: "lessThanInclusive", value: 20 + Math.floor(random() * 200), clause },
    { fact: "annualRevenue", operator: "greaterThanInclusive", value: Math.floor(random() * 15000), clause },
    { fact: "sizeClass", operator: "in", value: [SIZES[Math.floor(random() * 4)]!], clause },
    { fact: "taxCreditGrade", operator: "in", value: random() < 0.5 ? ["A"] : ["A", "B"], clause },
    {
      fact: "industryCode",
      operator: "startsWith",
      value: INDUSTRY[Math.floor(random() * INDUSTRY.length)]!,
      clause,
    },
    { fact: "yearsSinceFounded", operator: "greaterThanInclusive", value: Math.floor(random() * 15), clause },
    { fact: "districtCode", operator: "startsWith", value: `42${Math.floor(random() * 2)}`, clause },
    { fact: "rdRatio", operator: "greaterThanInclusive", value: Math.floor(random() * 8), clause },
  ];
  const chosen = new Map<string, RuleCondition>();
  while (chosen.size < 4) {
    const c = pool[Math.floor(random() * pool.length)]!;
    chosen.set(c.fact, c);
  }
  return [...chosen.values()];
}

function profileOf(id: number, random: () => number): EnterpriseProfile {
  const at = "2026-01-01T00:00:00.000Z";
  const reg = <T extends string | number | boolean>(value: T) => ({ value, source: "registry" as const, at });
  const own = <T extends string | number | boolean>(value: T) => ({
    value,
    source: "enterprise" as const,
    at,
  });
  const fields: EnterpriseProfile["fields"] = {
    industryCode: reg(
      `${INDUSTRY[Math.floor(random() * INDUSTRY.length)]}${1000 + Math.floor(random() * 8999)}`,
    ),
    districtCode: reg(`42${Math.floor(random() * 2)}${100 + Math.floor(random() * 900)}`),
    foundedOn: reg(
      `${2000 + Math.floor(random() * 26)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
    ),
    registeredCapital: reg(Math.floor(random() * 5e7)),
    registryStatus: reg("存续"),
    kind: reg("有限责任公司"),
  };
  // Most enterprises stated their figures; one in ten left some out (their answers stay `possible`).
  if (random() < 0.9) {
    fields.sizeClass = own(SIZES[Math.floor(random() * 4)]!);
    fields.headcount = own(Math.floor(random() * 1000));
    fields.annualRevenue = own(Math.floor(random() * 20000));
    fields.taxCreditGrade = own(GRADES[Math.floor(random() * 5)]!);
    fields.rdRatio = own(Math.floor(random() * 10));
  }
  return {
    accountId: id,
    creditCode: `BENCH${id}`,
    name: `企业${id}`,
    fields,
    contactEmail: null,
    registryFetchedAt: at,
  };
}

export async function measurePolicies(options: {
  enterprises: number;
  benefits: number;
  changes: number;
  log: (line: string) => void;
}): Promise<PoliciesBenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "chuyun-bench-policies-"));
  const deps = await createAppDeps(
    loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", SEED_DEMO: "0", RUN_JOBS: "0" }),
  );
  try {
    const p = deps.policies;
    const random = rng(18);
    options.log(`policies: ${options.benefits} benefits with published rules…`);
    for (let i = 0; i < options.benefits; i++) {
      const b = await p.createBenefit(
        {
          code: `B-${i}`,
          title: `惠企政策${i}`,
          summary: "",
          department: "rst",
          stage: "operate",
          amount: "",
          policyArticleId: null,
          interpretationArticleId: null,
          serviceItemCode: null,
        },
        "bench",
      );
      const conditions = benefitRules(i, random);
      const v = await p.saveVersion(
        b.id,
        {
          effectiveFrom: "2026-01-01",
          conditions,
          testCases: [{ name: "空画像", profile: {}, expected: "possible" }],
        },
        "bench",
      );
      await p.publish(v.id, "bench");
    }
    options.log(`policies: loading ${options.enterprises} enterprise profiles…`);
    const loadStart = performance.now();
    const batch: EnterpriseProfile[] = [];
    for (let id = 1; id <= options.enterprises; id++) {
      batch.push(profileOf(id, random));
      if (batch.length === 5000) await p.loadProfiles(batch.splice(0));
    }
    await p.loadProfiles(batch);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    await deps.store.db.deleteFrom("policyRematchQueue").execute();
    let peakRss = 0;
    let peakHeap = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    };
    const timer = setInterval(sample, 50);
    options.log("policies: matching every enterprise against every benefit…");
    const start = performance.now();
    const r = await p.matchAll(undefined, undefined, {
      onProgress: (done) => {
        sample();
        if (done % 20_000 === 0) options.log(`  ${done} / ${options.enterprises}`);
      },
    });
    const matchSeconds = (performance.now() - start) / 1000;
    clearInterval(timer);
    sample();
    const pushes = Number(
      (
        await deps.store.db
          .selectFrom("policyPushes")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirst()
      )?.n ?? 0,
    );
    options.log(`policies: ${options.changes} single-profile changes, each re-matched by the queue…`);
    const times: number[] = [];
    for (let i = 0; i < options.changes; i++) {
      const id = 1 + Math.floor(random() * options.enterprises);
      await p.confirmProfile(
        id,
        { headcount: Math.floor(random() * 1000), taxCreditGrade: GRADES[i % 5] },
        null,
      );
      const t0 = performance.now();
      await p.sweep();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const pct = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? 0;
    return {
      enterprises: r.profiles,
      benefits: options.benefits,
      loadSeconds,
      matchSeconds,
      matches: r.matches,
      pushes,
      peakRssMb: peakRss / 2 ** 20,
      peakHeapMb: peakHeap / 2 ** 20,
      rematch: { p50: pct(0.5), p95: pct(0.95), count: times.length },
    };
  } finally {
    await deps.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
