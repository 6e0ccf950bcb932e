/**
 * Writes every accepted record of a campaign to a CSV file, personal data masked unless --full
 * with a reason; every export is audited.
 *   npm run registration:export -- --campaign CODE --out FILE.csv [--full --reason "…"]
 */
import { readArgs } from "../../platform/cli/args.ts";
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import cliProgress from "cli-progress";
import { loadConfig } from "../../config.ts";
import { createAppDeps } from "../../container.ts";
import { csvLine, UTF8_BOM } from "../../platform/csv/csv.ts";
import { maskIdNumber, maskName, maskPhone } from "../../platform/mask/mask.ts";
import { districtLabel } from "./validation.ts";

const USAGE =
  '用法：npm run registration:export -- --campaign 活动代码 --out 文件.csv [--full --reason "用途"]';

export async function registrationExportCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = readArgs({
      args: argv,
      options: {
        campaign: { type: "string" },
        out: { type: "string" },
        full: { type: "boolean", default: false },
        reason: { type: "string" },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.campaign || !values.out) {
    console.error(USAGE);
    return 2;
  }
  const reason = (values.reason ?? "").trim();
  if (values.full && reason.length < 4) {
    console.error("导出完整个人信息（--full）须用 --reason 写明用途（至少4个字），该导出会记入审计日志");
    return 2;
  }
  const deps = await createAppDeps(loadConfig({ ...process.env, SEED_DEMO: "0", RUN_JOBS: "0" }));
  try {
    const c = await deps.registration.campaign(values.campaign);
    if (!c) {
      console.error(`没有代码为 ${values.campaign} 的登记活动`);
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
      console.error(`无法写入 ${file}：${(error as Error).message}`);
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
      `已将 ${c.code} 的 ${n} 条登记写入 ${file}（${values.full ? "含完整个人信息" : "个人信息已脱敏"}；已记入审计日志）`,
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
