import { sql } from "kysely";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConfig } from "../src/config.ts";
import { openDatabase, type Db } from "../src/platform/db/database.ts";
import type { Database } from "../src/db/schema.ts";
import { migrateToLatest } from "../src/platform/db/migrate.ts";
import { chinaLocalToIso } from "../src/platform/time/china-time.ts";
import { SearchIndex, type SearchDocument, type SearchQuery } from "../src/platform/search/search-index.ts";
import { generateArticle, ISSUERS, rng, TOPICS, type GeneratedArticle } from "./corpus.ts";

export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LargeSearchResult {
  docs: number;
  engine: string;
  loadSeconds: number;
  overall: LatencyStats;
  byGroup: Record<string, LatencyStats>;
  slowest: { label: string; ms: number; total: number }[];
}

export function stats(samples: number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return {
    count: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? 0,
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(sorted.length, 1),
  };
}

function toDocument(a: GeneratedArticle, i: number): SearchDocument {
  const siteIds = [a.issuerIndex + 1];
  // Provincial policies also appear on the city sites (统一信息资源库).
  if (a.issuerIndex <= 1 && a.kind === "policy") siteIds.push(12, 13, 14);
  return {
    key: `article:${i + 1}`,
    kind: a.kind,
    title: a.title,
    body: a.body,
    issuer: a.issuer,
    url: `/sites/${ISSUERS[a.issuerIndex].site}/art/${i + 1}.html`,
    siteIds,
    publishedAt: chinaLocalToIso(a.publishedAt.replace(" ", "T"))!,
    docNumber: a.docNumber,
    meta: { articleId: i + 1, externalId: a.id, siteCode: ISSUERS[a.issuerIndex].site },
  };
}

const SYNONYMS = [
  "社保",
  "公积金",
  "医保",
  "驾照",
  "低保",
  "个税",
  "房产证",
  "身份证",
  "执照",
  "高企",
  "新冠",
];
const TWO_WORDS = [
  "通知",
  "实施意见",
  "管理办法",
  "江城市",
  "清溪县",
  "培训",
  "资金",
  "申请",
  "办理",
  "整改",
];
const NO_RESULT = [
  "量子纠缠火星基地",
  "xyzzyplugh",
  "深海潜水艇驾驶培训",
  "区块链元宇宙",
  "社会宝险",
  "公基金提取",
  "养老保线",
  "楚外发〔2031〕999号",
  "abc123def",
  "恐龙化石发掘",
];

/** A few hundred varied queries: single words, two words, synonyms, 发文字号, no-result queries, filters. */
export function benchQueries(
  docs: GeneratedArticle[],
  count: number,
): { group: string; query: SearchQuery }[] {
  const r = rng(4242);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)];
  const withDocNumbers = docs.filter((d) => d.docNumber);
  const out: { group: string; query: SearchQuery }[] = [];
  for (let i = 0; i < count; i++) {
    const slot = i % 10;
    let group: string;
    let q: string;
    if (slot < 3) {
      group = "single word";
      q = pick(TOPICS);
    } else if (slot < 5) {
      group = "two words";
      q = `${pick(TOPICS)} ${pick(TWO_WORDS)}`;
    } else if (slot === 5) {
      group = "synonym";
      q = pick(SYNONYMS);
    } else if (slot === 6) {
      group = "doc number";
      const dn = pick(withDocNumbers).docNumber!;
      const form = Math.floor(r() * 3);
      q = form === 0 ? dn : form === 1 ? dn.replace("〔", "[").replace("〕", "]") : dn.replace(/[〔〕]/g, "");
    } else if (slot === 7) {
      group = "no result";
      q = pick(NO_RESULT);
    } else {
      group = "filtered";
      q = pick(TOPICS);
    }
    const query: SearchQuery = { q, page: r() < 0.15 ? 2 + Math.floor(r() * 4) : 1 };
    if (group === "filtered") {
      const f = Math.floor(r() * 3);
      if (f === 0) query.siteId = 1 + Math.floor(r() * ISSUERS.length);
      else if (f === 1) query.kind = pick(["policy", "news", "notice"]);
      else query.year = 2016 + Math.floor(r() * 11);
    }
    out.push({ group, query });
  }
  return out;
}

/** Loads `docCount` generated articles into a fresh database and measures SearchIndex.search. */
export async function measureLargeSearch(options: {
  docs: number;
  queries: number;
  databaseUrl?: string | null;
  log?: (line: string) => void;
}): Promise<LargeSearchResult> {
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), "chuyun-bench-search-"));
  let store: Db<Database> | null = null;
  const pgDb = options.databaseUrl ? await createPgDatabase(options.databaseUrl) : null;
  try {
    store = openDatabase<Database>(loadConfig({ DATA_DIR: dir }, { databaseUrl: pgDb?.url ?? null }));
    await migrateToLatest(store);
    const index = new SearchIndex(store);
    const generated: GeneratedArticle[] = [];
    const started = performance.now();
    const batch = 1000;
    for (let i = 0; i < options.docs; i += batch) {
      const docs: SearchDocument[] = [];
      for (let j = i; j < Math.min(i + batch, options.docs); j++) {
        const a = generateArticle(j, 1);
        generated.push(a);
        docs.push(toDocument(a, j));
      }
      await index.upsertMany(docs);
      if ((i / batch) % 10 === 9) log(`  indexed ${i + batch} / ${options.docs}`);
    }
    await sql`ANALYZE`.execute(store.db);
    const loadSeconds = (performance.now() - started) / 1000;
    const queries = benchQueries(generated, options.queries);
    // Warm up (page cache, prepared plans), then measure each query once.
    for (const { query } of queries.slice(0, 20)) await index.search(query);
    const samples: { group: string; label: string; ms: number; total: number }[] = [];
    for (const { group, query } of queries) {
      const t0 = performance.now();
      const result = await index.search(query);
      const ms = performance.now() - t0;
      samples.push({ group, label: labelOf(query), ms, total: result.total });
    }
    const byGroup: Record<string, LatencyStats> = {};
    for (const group of new Set(samples.map((s) => s.group)))
      byGroup[group] = stats(samples.filter((s) => s.group === group).map((s) => s.ms));
    return {
      docs: options.docs,
      engine: store.dialect,
      loadSeconds,
      overall: stats(samples.map((s) => s.ms)),
      byGroup,
      slowest: [...samples].sort((a, b) => b.ms - a.ms).slice(0, 5),
    };
  } finally {
    await store?.close();
    await pgDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh database on the given PostgreSQL server, dropped afterwards. */
async function createPgDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `chuyun_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function labelOf(q: SearchQuery): string {
  const filters = [
    q.siteId != null ? `site=${q.siteId}` : "",
    q.kind ? `kind=${q.kind}` : "",
    q.year != null ? `year=${q.year}` : "",
    q.page && q.page > 1 ? `page=${q.page}` : "",
  ].filter(Boolean);
  return filters.length ? `${q.q} (${filters.join(", ")})` : q.q;
}
