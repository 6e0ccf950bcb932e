/**
 * Measures search on a document set and graded queries, beside a plain baseline, in one run:
 *   npm run eval:search -- DOCS.jsonl QUERIES.jsonl [--engine sqlite|postgres] [--misses]
 * DOCS.jsonl has the importer's format (id, column, type, title, docNumber, issuer, publishedAt,
 * body); it is imported into an empty temporary instance (SQLite in a temporary folder, or a
 * temporary PostgreSQL database from TEST_PG_URL / postgres://postgres@127.0.0.1:5432/postgres).
 * QUERIES.jsonl lines are {"q", "kind", "judgments": {"docId": 0–3}}. Prints nDCG@10 and recall@10
 * overall and per kind for the platform and for MiniSearch + jieba with default settings.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import MiniSearch from "minisearch";
import { Jieba } from "@node-rs/jieba";
import { dict } from "@node-rs/jieba/dict.js";
import { loadConfig } from "../../config.ts";
import { createAppDeps } from "../../container.ts";
import { importJsonl } from "../content/index.ts";
import { figures, parseQueries, type GradedQuery, type KindFigures } from "./eval.ts";

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    "usage: npm run eval:search -- DOCS.jsonl QUERIES.jsonl [--engine sqlite|postgres] [--misses]",
  );
  process.exit(2);
}

interface EvalDoc {
  id: string;
  title: string;
  docNumber?: string;
  issuer?: string;
  body: string;
}

/** The baseline the issue compares with: MiniSearch over jieba tokens, default options. */
function baseline(docs: EvalDoc[]): (q: string) => string[] {
  const jieba = Jieba.withDict(dict);
  const tokenize = (text: string) => jieba.cutForSearch(text, true).filter((t) => /[\p{L}\p{N}]/u.test(t));
  const mini = new MiniSearch<EvalDoc>({ fields: ["title", "docNumber", "issuer", "body"], tokenize });
  mini.addAll(docs);
  return (q) => mini.search(q).map((r) => String(r.id));
}

async function temporaryPg(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `chuyun_eval_${randomBytes(5).toString("hex")}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

function print(label: string, rows: KindFigures[]): void {
  console.log(`\n${label}`);
  console.log("kind            queries  nDCG@10  recall@10");
  for (const r of rows)
    console.log(
      `${r.kind.padEnd(16)}${String(r.queries).padStart(7)}  ${r.ndcg.toFixed(3).padStart(7)}  ${r.recall.toFixed(3).padStart(9)}`,
    );
}

async function main(argv: string[]): Promise<void> {
  const files: string[] = [];
  let engine = "sqlite";
  let misses = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--engine") engine = argv[++i] ?? usage("--engine needs sqlite or postgres");
    else if (arg === "--misses") misses = true;
    else if (arg === "--help" || arg === "-h") usage();
    else if (arg.startsWith("--")) usage(`unknown option ${arg}`);
    else files.push(arg);
  }
  if (files.length !== 2) usage("needs DOCS.jsonl and QUERIES.jsonl");
  if (engine !== "sqlite" && engine !== "postgres") usage("--engine must be sqlite or postgres");
  const [docsFile, queriesFile] = files;
  const docs = readFileSync(docsFile, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EvalDoc & { id: string | number })
    .map((d) => ({ ...d, id: String(d.id) }));
  const parsed = parseQueries(readFileSync(queriesFile, "utf8"));
  for (const e of parsed.errors) console.error(`${queriesFile}: ${e}`);
  const queries: GradedQuery[] = parsed.queries;

  const dataDir = mkdtempSync(join(tmpdir(), "chuyun-eval-search-"));
  const database = engine === "postgres" ? await temporaryPg() : null;
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: database?.url ?? "",
    REDIS_URL: "",
    SEED_DEMO: "0",
    RUN_JOBS: "0",
    LOG_LEVEL: "warn",
    PAGE_CACHE_SECONDS: "0",
  });
  const deps = await createAppDeps(config);
  try {
    await deps.sites.createSite(
      { code: "eval", siteCode: "9900000001", name: "评测网站", kind: "portal", host: "eval.example.gov.cn" },
      "system:eval",
    );
    const started = performance.now();
    const summary = await importJsonl(deps, docsFile, "eval");
    console.log(
      `engine: ${engine}; docs: ${docsFile} (${summary.imported} imported, ${summary.bad} refused, ` +
        `${summary.warnings.length} normalised, ${((performance.now() - started) / 1000).toFixed(1)} s); ` +
        `queries: ${queriesFile} (${queries.length})`,
    );
    for (const p of summary.problems) console.log(`  refused line ${p.line} (${p.id ?? "?"}): ${p.reason}`);

    const ours: string[][] = [];
    const times: number[] = [];
    for (const q of queries) {
      const t0 = performance.now();
      const result = await deps.search.search({ q: q.q, pageSize: 10 });
      times.push(performance.now() - t0);
      ours.push(result.hits.map((h) => String(h.meta.externalId ?? h.key)));
    }
    const base = baseline(docs);
    const theirs = queries.map((q) => base(q.q).slice(0, 10));
    times.sort((a, b) => a - b);
    print("Chuyun search", figures(queries, ours));
    print("Baseline (MiniSearch + jieba)", figures(queries, theirs));
    console.log(
      `\nlatency (Chuyun, uncached): p50 ${times[Math.floor(times.length / 2)]?.toFixed(1)} ms, ` +
        `p95 ${times[Math.floor(times.length * 0.95)]?.toFixed(1)} ms`,
    );
    if (misses) {
      const titles = new Map(docs.map((d) => [d.id, d.title]));
      queries.forEach((q, i) => {
        const best = Object.entries(q.judgments)
          .filter(([, g]) => g >= 3)
          .map(([id]) => id);
        if (best.every((id) => ours[i].slice(0, 3).includes(id))) return;
        console.log(`  miss [${q.kind}] ${q.q}: want ${best.join(",")} got ${ours[i].slice(0, 5).join(",")}`);
        for (const id of best) if (!ours[i].includes(id)) console.log(`      ${id} ${titles.get(id)}`);
      });
    }
  } finally {
    await deps.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
