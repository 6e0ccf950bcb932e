/**
 * Writes every accepted record of a campaign to a CSV file, personal data masked unless --full
 * with a reason; every export is audited.
 *   npm run registration:export -- --campaign CODE --out FILE.csv [--full --reason "…"]
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { loadConfig } from "../../config.ts";
import { createAppDeps } from "../../container.ts";
import { csvLine, UTF8_BOM } from "../../platform/csv/csv.ts";
import { maskIdNumber, maskName, maskPhone } from "../../platform/mask/mask.ts";
import { districtLabel } from "./validation.ts";

export async function registrationExportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      campaign: { type: "string" },
      out: { type: "string" },
      full: { type: "boolean", default: false },
      reason: { type: "string" },
    },
  });
  if (!values.campaign || !values.out) {
    console.error(
      'Usage: npm run registration:export -- --campaign CODE --out FILE.csv [--full --reason "…"]',
    );
    return 2;
  }
  const reason = (values.reason ?? "").trim();
  if (values.full && reason.length < 4) {
    console.error(
      "--full needs --reason with the purpose of the export (at least 4 characters); it is audited",
    );
    return 2;
  }
  const deps = await createAppDeps(loadConfig({ ...process.env, SEED_DEMO: "0", RUN_JOBS: "0" }));
  try {
    const c = await deps.registration.campaign(values.campaign);
    if (!c) {
      console.error(`No campaign ${values.campaign}`);
      return 1;
    }
    const file = resolve(values.out);
    const total = await deps.registration.recordCount(c);
    // The file is opened first (a folder that does not exist is an error, and nothing was read), and
    // the export audited before a single record is written: one failing half-way is still on record.
    // Readable by its owner only: the file may hold personal data in clear (--full).
    const out = createWriteStream(file, { encoding: "utf8", mode: 0o600 });
    try {
      await once(out, "open");
    } catch (error) {
      console.error(`cannot write ${file}: ${(error as Error).message}`);
      return 1;
    }
    await deps.registration.recordExport(
      c,
      `cli:${userInfo().username}`,
      !!values.full,
      reason || "（脱敏导出）",
      total,
      file,
    );
    const write = async (s: string) => {
      if (!out.write(s)) await once(out, "drain");
    };
    const questions = c.form.fields;
    await write(
      UTF8_BOM +
        csvLine([
          "登记编号",
          "登记日期",
          "登记时间",
          "姓名",
          "身份证号码",
          "手机号码",
          "地区代码",
          "地区",
          "渠道",
          "当天修改次数",
          ...questions.map((q) => q.label),
        ]),
    );
    const bar = new cliProgress.SingleBar(
      { format: "export {bar} {value}/{total}", stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    if (process.stderr.isTTY) bar.start(total, 0);
    let n = 0;
    for await (const batch of deps.registration.allRecords(c)) {
      for (const r of batch) {
        await write(
          csvLine([
            r.id,
            r.day,
            r.submittedAt,
            values.full ? r.name : maskName(r.name),
            values.full ? r.idNumber : maskIdNumber(r.idNumber),
            values.full ? r.phone : maskPhone(r.phone),
            r.district,
            districtLabel(r.district),
            r.channel,
            r.revisions,
            ...questions.map((q) => {
              const v = r.answers[q.name];
              return Array.isArray(v) ? v.join("、") : (v ?? "");
            }),
          ]),
        );
      }
      n += batch.length;
      if (process.stderr.isTTY) bar.update(n);
    }
    if (process.stderr.isTTY) bar.stop();
    out.end();
    await once(out, "finish");
    console.log(
      `${n} records of ${c.code} written to ${file} (${values.full ? "FULL personal data" : "masked"}; audited)`,
    );
    return 0;
  } finally {
    await deps.close();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) {
  registrationExportCommand(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 2;
    },
  );
}
