import { createInterface } from "node:readline";

import { stdin, stdout } from "node:process";

import { Writable } from "node:stream";

import { loadConfig } from "../../config.ts";

import { StaffService } from "./service.ts";

import { AuditLog } from "../../platform/audit/audit-log.ts";

import { openDatabase } from "../../platform/db/database.ts";

import { migrateToLatest } from "../../platform/db/migrate.ts";

import { DomainError, Invalid } from "../../platform/http/errors.ts";

import type { AuditTables } from "../../platform/audit/tables.ts";

import { SqlSessionStore } from "../../platform/auth/session-store.ts";

import type { AuthTables } from "../../platform/auth/tables.ts";

import type { StaffTables } from "./tables.ts";

/** One prompt session over stdin (a single readline, so piped answers are not lost between questions). */
function prompter() {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: stdin, output, terminal: stdin.isTTY === true });
  // Iterating buffers lines, so answers piped in all at once are read one per question.
  const lines = rl[Symbol.asyncIterator]();
  return {
    /** With `secret` the typed characters are not echoed (passwords). */
    async ask(question: string, secret = false): Promise<string> {
      stdout.write(question);
      muted = secret && stdin.isTTY === true;
      const next = await lines.next();
      if (muted) stdout.write("\n");
      muted = false;
      if (next.done) throw new Invalid("输入已结束，未创建账号");
      return String(next.value).trim();
    },
    close: () => rl.close(),
  };
}

/**
 * `npm run admin:create`: makes the first platform operator of a real deployment, on the database the
 * server uses (DATA_DIR / DATABASE_URL). Values come from ADMIN_USERNAME / ADMIN_PASSWORD /
 * ADMIN_DISPLAY_NAME, or are asked for. The operator enrols a TOTP authenticator at first login.
 */
export async function adminCreateCommand(
  _args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const config = loadConfig(env);
  const interactive = !env.ADMIN_USERNAME || !env.ADMIN_PASSWORD;
  const prompt = interactive ? prompter() : null;
  const ask = (q: string, secret = false) => prompt!.ask(q, secret);
  const username = env.ADMIN_USERNAME?.trim() || (await ask("运维账号用户名: "));
  const displayName =
    env.ADMIN_DISPLAY_NAME?.trim() || (interactive ? await ask("姓名（可留空）: ") : "") || "平台运维管理员";
  let password = env.ADMIN_PASSWORD ?? "";
  if (!password) {
    password = await ask("密码: ", true);
    const again = await ask("再次输入密码: ", true);
    if (again !== password) {
      prompt?.close();
      console.error("两次输入的密码不一致，未创建账号。");
      return 1;
    }
  }
  prompt?.close();
  const store = openDatabase<StaffTables & AuditTables & AuthTables>(config);
  try {
    await migrateToLatest(store);
    const staff = new StaffService(
      store.db,
      new AuditLog(store.db),
      new SqlSessionStore(store.db),
      // Creating users signs nobody in: the unknown-name attempt hashes are not used here.
      "admin-create",
    );
    const user = await staff.create(
      { username, displayName, password, isOperator: true },
      "system:admin-create",
    );
    console.log(
      `已创建平台运维账号 ${user.username}（${config.databaseUrl ? "PostgreSQL" : config.dataDir}）。` +
        "首次登录 /admin/login 时须绑定身份验证器（TOTP）。",
    );
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      console.error(`未创建账号：${error.message}`);
      for (const message of Object.values(error.fields)) console.error(`  - ${message}`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}
