import { after, before, describe, it } from "node:test";

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";

import { tmpdir } from "node:os";

import { join } from "node:path";

import { loadConfig } from "../../config.ts";

import { openDatabase } from "../../platform/db/database.ts";

import { verifyPassword } from "../../platform/auth/passwords.ts";

import { adminCreateCommand } from "./admin-create.ts";

import type { StaffTables } from "./tables.ts";

describe("npm run admin:create", () => {
  let dataDir: string;
  const errors: string[] = [];
  const original = console.error;
  const originalLog = console.log;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "chuyun-admin-"));
    console.error = (...a: unknown[]) => void errors.push(a.join(" "));
    console.log = () => {};
  });
  after(() => {
    console.error = original;
    console.log = originalLog;
    rmSync(dataDir, { recursive: true, force: true });
  });
  const env = (username: string, password: string) => ({
    DATA_DIR: dataDir,
    ADMIN_USERNAME: username,
    ADMIN_PASSWORD: password,
    SEED_DEMO: "0",
  });

  it("creates an operator in DATA_DIR from the environment, refusing weak passwords and duplicates", async () => {
    assert.equal(await adminCreateCommand([], env("ops", "short")), 1);
    assert.ok(errors.some((e) => e.includes("密码至少10位")));
    assert.equal(await adminCreateCommand([], env("ops", "Very#Strong2026")), 0);
    assert.equal(await adminCreateCommand([], env("ops", "Very#Strong2026")), 1);
    assert.ok(errors.some((e) => e.includes("该用户名已被使用")));
    const store = openDatabase<StaffTables>(loadConfig({ DATA_DIR: dataDir }));
    const user = await store.db
      .selectFrom("staffUsers")
      .selectAll()
      .where("username", "=", "ops")
      .executeTakeFirstOrThrow();
    await store.close();
    assert.equal(user.isOperator, 1);
    assert.equal(user.totpSecret, null, "TOTP is enrolled at first login");
    assert.ok(await verifyPassword(user.passwordHash, "Very#Strong2026"));
  });
});
