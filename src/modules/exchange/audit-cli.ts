/**
 * Checks the exchange audit chain and names every record that was edited, inserted or deleted.
 *   npm run audit:verify            (exit code 0 when intact, 1 when not)
 */
import { resolve } from "node:path";
import cliProgress from "cli-progress";
import { loadConfig } from "../../config.ts";
import { createAppDeps } from "../../container.ts";
import type { AuditFinding } from "./audit.ts";

function describe(finding: AuditFinding): string {
  switch (finding.kind) {
    case "edited":
      return `record ${finding.seq} was edited (its content no longer matches its hash)`;
    case "inserted":
      return `record ${finding.seq} was inserted (the chain does not lead through it)`;
    case "deleted":
      return finding.fromSeq === finding.toSeq
        ? `record ${finding.fromSeq} was deleted`
        : `records ${finding.fromSeq}–${finding.toSeq} were deleted`;
  }
}

export async function auditVerifyCommand(): Promise<number> {
  const deps = await createAppDeps(loadConfig({ ...process.env, SEED_DEMO: "0", RUN_JOBS: "0" }));
  const started = Date.now();
  try {
    const total = await deps.exchange.audit.count();
    const bar = new cliProgress.SingleBar(
      { format: "exchange audit {bar} {value}/{total}", stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    if (process.stderr.isTTY) bar.start(total, 0);
    const result = await deps.exchange.audit.verify((checked) => process.stderr.isTTY && bar.update(checked));
    if (process.stderr.isTTY) bar.stop();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.ok) {
      console.log(`exchange audit intact: ${result.checked} records checked in ${seconds} s`);
      return 0;
    }
    for (const finding of result.findings) console.log(describe(finding));
    console.log(
      `exchange audit BROKEN: ${result.findings.length} problem(s) in ${result.checked} records (${seconds} s)`,
    );
    return 1;
  } finally {
    await deps.close();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) {
  auditVerifyCommand().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 2;
    },
  );
}
