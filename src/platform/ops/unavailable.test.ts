import assert from "node:assert/strict";
import { test } from "node:test";
import { isServiceUnavailable, isSqliteBusy } from "./unavailable.ts";

const sqliteError = (code: string) => Object.assign(new Error("database is locked"), { code });

test("every SQLite lock error is a busy service (503), not a fault (500)", () => {
  for (const code of ["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY_RECOVERY", "SQLITE_BUSY_TIMEOUT"]) {
    assert.equal(isSqliteBusy(sqliteError(code)), true, code);
    assert.equal(isServiceUnavailable(sqliteError(code)), true, code);
  }
  for (const code of ["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_ERROR", "SQLITE_CORRUPT"]) {
    assert.equal(isSqliteBusy(sqliteError(code)), false, code);
    assert.equal(isServiceUnavailable(sqliteError(code)), false, code);
  }
  assert.equal(isSqliteBusy(null), false);
  assert.equal(isServiceUnavailable(Object.assign(new Error("x"), { code: "57P01" })), true);
});
