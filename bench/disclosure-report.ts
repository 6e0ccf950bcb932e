/**
 * `npm run bench:disclosure`: how long the annual disclosure report (政府信息公开工作年度报告) takes to
 * generate for one department with N requests in the year (default 10,000), from the platform's own
 * records: table 三 (grouped counts by applicant type and outcome class), table 二 (policy documents)
 * and the proactive-timeliness check. Runs on a temporary SQLite folder, or PostgreSQL with --pg URL.
 *
 *   npm run bench:disclosure -- [--requests 10000] [--runs 5] [--pg postgres://…]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createAppDeps } from "../src/container.ts";
import { loadConfig } from "../src/config.ts";
import { OUTCOMES, ORG_TYPES } from "../src/modules/disclosure/model.ts";
import { seededRandom } from "../src/platform/random/seeded-random.ts";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "10000" },
    runs: { type: "string", default: "5" },
    year: { type: "string", default: "2025" },
    pg: { type: "string" },
  },
});
const total = Number(args.requests);
const runs = Number(args.runs);
const year = Number(args.year);

const dataDir = mkdtempSync(join(tmpdir(), "chuyun-bench-disclosure-"));
const deps = await createAppDeps(
  loadConfig(
    {
      DATA_DIR: dataDir,
      LOG_LEVEL: "silent",
      SEED_DEMO: "1",
      RUN_JOBS: "0",
      ...(args.pg ? { DATABASE_URL: args.pg } : {}),
    },
    { maxEventLoopDelayMs: 0 },
  ),
);
try {
  const site = deps.sites.byCodeCached("rst")!;
  const random = seededRandom(20);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const categories = Object.keys(OUTCOMES);
  const orgTypes = Object.keys(ORG_TYPES);
  const cipher = deps.store.cipher;
  const started = Date.now();
  const batch = 500;
  for (let done = 0; done < total; done += batch) {
    const rows = [];
    for (let i = done; i < Math.min(total, done + batch); i++) {
      const received = new Date(Date.UTC(year, 0, 1) + Math.floor(random() * 360) * 86_400_000 + 3_600_000);
      const decided = random() < 0.95 ? new Date(received.getTime() + 15 * 86_400_000) : null;
      const outcome = pick(categories);
      const reasons = Object.keys(OUTCOMES[outcome].reasons);
      const org = random() < 0.3;
      rows.push({
        queryNo: `${year}${String(i).padStart(10, "0")}`,
        lookupHash: "x",
        siteId: site.id,
        ownerSiteId: site.id,
        assigneeId: null,
        applicantKind: org ? ("organisation" as const) : ("person" as const),
        orgType: org ? (pick(orgTypes) as "business") : null,
        applicantName: cipher.seal("测试申请人"),
        idNumber: cipher.seal("420102198001011231"),
        phone: cipher.seal("13900000000"),
        email: cipher.seal(""),
        address: cipher.seal(""),
        accountId: null,
        identityMethod: "upload" as const,
        idFileSha256: null,
        idFileMime: null,
        description: `基准测试申请 ${i}`,
        purpose: "",
        delivery: "electronic" as const,
        status: decided ? ("decided" as const) : ("assigned" as const),
        receivedAt: received.toISOString(),
        limitDays: 20,
        extensionReason: null,
        extensionRequestedBy: null,
        extensionApprovedBy: null,
        dueAt: new Date(received.getTime() + 28 * 86_400_000).toISOString(),
        remainingDays: null,
        pausedAt: null,
        correctionNote: null,
        correctionReply: null,
        consultParty: null,
        consultDueAt: null,
        warnedAt: null,
        escalatedAt: null,
        documents: "[]",
        outcome: decided ? outcome : null,
        outcomeReason: decided && reasons.length ? pick(reasons) : null,
        decisionText: null,
        letterNo: null,
        letterHtml: null,
        decidedAt: decided?.toISOString() ?? null,
        decidedBy: null,
        deliveredAt: null,
        createdAt: received.toISOString(),
        updatedAt: received.toISOString(),
      });
    }
    await deps.store.db.insertInto("disclosureRequests").values(rows).execute();
  }
  console.error(`inserted ${total} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const operator = await deps.store.db
    .selectFrom("staffUsers")
    .select("id")
    .where("username", "=", "admin")
    .executeTakeFirstOrThrow();
  const staff = (await deps.staff.principal(operator.id))!;
  const times: number[] = [];
  let reportId = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    reportId = await deps.disclosure.generate(site.id, year, staff);
    times.push(performance.now() - t0);
  }
  const report = await deps.disclosure.report(reportId);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    JSON.stringify({
      engine: args.pg ? "postgres" : "sqlite",
      requests: total,
      runs,
      generateMs: {
        median: Math.round(median * 10) / 10,
        min: Math.round(times[0] * 10) / 10,
        max: Math.round(times.at(-1)! * 10) / 10,
      },
      check: {
        received: report.figures["t3.new.total"],
        decided: report.figures["t3.total.total"],
        carryNext: report.figures["t3.carry_next.total"],
      },
    }),
  );
} finally {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
}
