/**
 * Checks the exchange audit chain and names every record that was edited, inserted or deleted, then
 * checks every signed checkpoint (signature, and that the chain still holds the signed head).
 *   npm run audit:verify            (exit code 0 when intact, 1 when not)
 *   npm run audit:checkpoint        (signs the current chain head now)
 */
import { resolve } from "node:path";
import cliProgress from "cli-progress";
import { loadConfig } from "../../config.ts";
import { createAppDeps } from "../../container.ts";
import type { AuditFinding } from "./audit.ts";
import type { CheckpointFinding } from "./service.ts";

function describeCheckpoint(finding: CheckpointFinding): string {
  switch (finding.kind) {
    case "bad_signature":
      return `checkpoint ${finding.checkpoint} does not verify under the hub key (forged or edited)`;
    case "missing":
      return `checkpoint ${finding.checkpoint} signed record ${finding.seq}, which is no longer in the log (truncated)`;
    case "rewritten":
      return `checkpoint ${finding.checkpoint} signed record ${finding.seq} with another hash (the log was rewritten)`;
  }
}

export async function auditCheckpointCommand(): Promise<number> {
  const deps = await createAppDeps(loadConfig({ ...process.env, SEED_DEMO: "0", RUN_JOBS: "0" }));
  try {
    const checkpoint = await deps.exchange.checkpoint();
    if (!checkpoint) console.log("exchange audit is empty: nothing to sign");
    else
      console.log(
        `checkpoint ${checkpoint.id}: seq ${checkpoint.seq} hash ${checkpoint.hash} at ${checkpoint.at}`,
      );
    return 0;
  } finally {
    await deps.close();
  }
}

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
    const checkpoints = await deps.exchange.verifyCheckpoints();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.ok && checkpoints.findings.length === 0) {
      console.log(
        `exchange audit intact: ${result.checked} records and ${checkpoints.checked} signed checkpoints checked in ${seconds} s`,
      );
      return 0;
    }
    for (const finding of result.findings) console.log(describe(finding));
    for (const finding of checkpoints.findings) console.log(describeCheckpoint(finding));
    const problems = result.findings.length + checkpoints.findings.length;
    console.log(
      `exchange audit BROKEN: ${problems} problem(s) in ${result.checked} records and ${checkpoints.checked} checkpoints (${seconds} s)`,
    );
    return 1;
  } finally {
    await deps.close();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) {
  (process.argv[2] === "checkpoint" ? auditCheckpointCommand() : auditVerifyCommand()).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 2;
    },
  );
}
