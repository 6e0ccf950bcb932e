import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { loadConfig, type Config } from "../../config.ts";
import { sqlitePath } from "../db/database.ts";

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited with ${code}`))));
  });
}

/**
 * Online backup: SQLite through its backup API (consistent while the server keeps writing),
 * PostgreSQL through pg_dump's custom format (a consistent snapshot of a live database).
 */
export async function backup(
  config: Config,
  file: string,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const target = resolve(file);
  mkdirSync(dirname(target), { recursive: true });
  if (config.databaseUrl) {
    await run("pg_dump", ["--format=custom", "--no-owner", `--file=${target}`, config.databaseUrl]);
    return;
  }
  const db = new SQLite(sqlitePath(config), { fileMustExist: true });
  try {
    await db.backup(target, {
      progress({ totalPages, remainingPages }) {
        onProgress?.(totalPages - remainingPages, totalPages);
        // Copy in large steps: a write by another connection between steps restarts the backup,
        // so small steps could never finish on a busy site.
        return Math.max(totalPages, 1000);
      },
    });
  } finally {
    db.close();
  }
}

/** Restores a backup into the configured database. The server must be stopped for SQLite. */
export async function restore(config: Config, file: string): Promise<void> {
  const source = resolve(file);
  if (!existsSync(source) || statSync(source).size === 0)
    throw new Error(`Backup file not found or empty: ${source}`);
  if (config.databaseUrl) {
    await run("pg_restore", [
      "--clean",
      "--if-exists",
      "--no-owner",
      "--single-transaction",
      `--dbname=${config.databaseUrl}`,
      source,
    ]);
    return;
  }
  // Check the file is a readable SQLite database before replacing anything.
  const check = new SQLite(source, { readonly: true, fileMustExist: true });
  const ok = check.pragma("integrity_check", { simple: true });
  check.close();
  if (ok !== "ok") throw new Error(`Backup file failed its integrity check: ${String(ok)}`);
  const path = sqlitePath(config);
  mkdirSync(dirname(path), { recursive: true });
  const staging = `${path}.restoring`;
  copyFileSync(source, staging);
  for (const suffix of ["-wal", "-shm"]) rmSync(path + suffix, { force: true });
  renameSync(staging, path);
}

export async function backupCommand(command: string, args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith("-"));
  if (!file) {
    console.error(`Usage: npm run ${command} -- FILE`);
    return 2;
  }
  const config = loadConfig();
  if (command === "backup") {
    await backup(config, file, (done, total) =>
      process.stderr.write(`\rbackup: ${Math.round((done / Math.max(total, 1)) * 100)}%`),
    );
    process.stderr.write("\n");
    console.log(`Backup written to ${resolve(file)}`);
  } else {
    await restore(config, file);
    console.log(`Restored ${resolve(file)} into ${config.databaseUrl ? "PostgreSQL" : sqlitePath(config)}`);
  }
  return 0;
}
