import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TYPESCRIPT_IMPORT } from "../../src/platform/runtime/node-args.ts";
import { waitFor } from "../wait-for.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A private redis-server on its own port, so a test may stop and restart it freely. */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), "chuyun-redis-"));
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.up();
    return redis;
  }

  async up(): Promise<void> {
    this.child = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        this.dir,
        // Lets a test make Redis unresponsive (DEBUG SLEEP) to check time-outs.
        "--enable-debug-command",
        "local",
      ],
      {
        stdio: "ignore",
      },
    );
    await waitFor(() => this.pingable(), 10_000, "redis");
  }

  private async pingable(): Promise<boolean> {
    const { Redis } = await import("ioredis");
    const c = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 300,
    });
    c.on("error", () => {});
    try {
      await c.connect();
      return (await c.ping()) === "PONG";
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  }

  async down(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((r) => {
      child.once("exit", () => r());
      child.kill("SIGKILL");
    });
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One platform instance as a separate process, like production runs it. */
export class Instance {
  private output = "";
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.on("data", (d: Buffer) => (this.output = (this.output + d.toString()).slice(-200_000)));
    child.stderr?.on("data", (d: Buffer) => (this.output = (this.output + d.toString()).slice(-200_000)));
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output;
  }

  static async start(env: Record<string, string>): Promise<Instance> {
    const port = await freePort();
    const child = spawn(process.execPath, [...TYPESCRIPT_IMPORT, "src/main.ts", "start"], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "warn", HOST: "127.0.0.1", PORT: String(port), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const instance = new Instance(child, port);
    try {
      await waitFor(async () => (await fetch(`${instance.base}/healthz`)).ok, 60_000, `instance on ${port}`);
    } catch (error) {
      child.kill("SIGKILL");
      throw new Error(`${(error as Error).message}\n${instance.output}`, { cause: error });
    }
    return instance;
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    return new Promise((resolve) => {
      this.child.once("exit", (code) => resolve(code));
      this.child.kill(signal);
    });
  }
}

export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "chuyun-inst-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The newest PostgreSQL server binaries installed (Debian: /usr/lib/postgresql/<major>/bin). */
const PG_BIN = (() => {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb")))
    : [];
  majors.sort((a, b) => Number(b) - Number(a));
  return join(root, majors[0] ?? "15", "bin");
})();

function runAsPostgres(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const asRoot = process.getuid?.() === 0;
    const child = asRoot
      ? spawn("runuser", ["-u", "postgres", "--", ...args], { stdio: "ignore" })
      : spawn(args[0], args.slice(1), { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited with ${code}`)),
    );
  });
}

async function privateDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "chuyun-pg-"));
  if (process.getuid?.() === 0)
    await new Promise((r) => spawn("chown", ["-R", "postgres:postgres", dir]).on("exit", r));
  return dir;
}

/**
 * A throw-away PostgreSQL server (initdb in a temp dir), so a test may restart it under load. initdb's
 * pg_hba.conf trusts local and 127.0.0.1 connections, replication ones included, so `standbyOf`
 * can stream from it.
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly settings: string[] = [],
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** `settings` are extra server settings (`name=value`), e.g. `wal_level=replica`. */
  static async start(options: { settings?: string[] } = {}): Promise<PrivatePostgres> {
    const dir = await privateDir();
    const server = new PrivatePostgres(dir, await freePort(), options.settings);
    try {
      await runAsPostgres([
        `${PG_BIN}/initdb`,
        "-D",
        join(dir, "data"),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        // Throw-away data: skip flushing it to disk (the server also runs with fsync=off).
        "--no-sync",
      ]);
      await server.up();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  async up(): Promise<void> {
    await runAsPostgres([
      `${PG_BIN}/pg_ctl`,
      "-D",
      join(this.dir, "data"),
      "-l",
      join(this.dir, "log"),
      "-w",
      "-o",
      [
        `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        ...this.settings.map((setting) => `-c ${setting}`),
      ].join(" "),
      "start",
    ]);
  }

  /**
   * A hot standby streaming from `primary`: a base backup with `pg_basebackup -R` (which writes
   * standby.signal and primary_conninfo), started on its own port.
   */
  static async standbyOf(primary: PrivatePostgres): Promise<PrivatePostgres> {
    const dir = await privateDir();
    const server = new PrivatePostgres(dir, await freePort(), ["hot_standby=on"]);
    try {
      await runAsPostgres([
        `${PG_BIN}/pg_basebackup`,
        "-h",
        "127.0.0.1",
        "-p",
        String(primary.port),
        "-U",
        "postgres",
        "-D",
        join(dir, "data"),
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
        "--no-sync",
      ]);
      await server.up();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  async restart(): Promise<void> {
    await runAsPostgres([`${PG_BIN}/pg_ctl`, "-D", join(this.dir, "data"), "-m", "fast", "-w", "restart"]);
  }

  async down(): Promise<void> {
    await runAsPostgres([
      `${PG_BIN}/pg_ctl`,
      "-D",
      join(this.dir, "data"),
      "-m",
      "immediate",
      "-w",
      "stop",
    ]).catch(() => {});
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
