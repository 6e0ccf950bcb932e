import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { DEMO_KEY_FILE, resolveDataKeys } from "../src/platform/crypto/data-keys.ts";
import { pinned } from "./wrk.ts";
import { TYPESCRIPT_IMPORT } from "../src/platform/runtime/node-args.ts";

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${url}: server exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * The personal-data key file of a benchmark's data folder (the demo one, generated if missing), for
 * instances started in production mode, which never generate keys.
 */
export function benchKeyFile(dataDir: string): string {
  resolveDataKeys(loadConfig({ DATA_DIR: dataDir }));
  return join(dataDir, DEMO_KEY_FILE);
}

/** The platform as a production process on loopback (SQLite in `dataDir`, no background jobs). */
export function startApp(dataDir: string, port: number, cpus?: string): ChildProcess {
  const [command, args] = pinned(cpus, process.execPath, [...TYPESCRIPT_IMPORT, "src/main.ts", "start"]);
  return spawn(command, args, {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      LOG_LEVEL: "warn",
      RUN_JOBS: "0",
      NODE_ENV: "production",
      CHUYUN_DATA_KEY_FILE: benchKeyFile(dataDir),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

/** A tool from Debian's packages, installed (apt-get) when missing; returns its path. */
export function ensureDebianTool(paths: string[], packages: string[], log: (line: string) => void): string {
  const found = paths.find((p) => existsSync(p));
  if (found) return found;
  log(`${paths[0]} not found: installing ${packages[0]} from Debian (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  if (update.status !== 0) throw new Error(`apt-get update failed; install ${packages[0]} by hand`);
  for (const pkg of packages) {
    const res = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", pkg], {
      stdio: "inherit",
      env,
    });
    const installed = paths.find((p) => existsSync(p));
    if (res.status === 0 && installed) return installed;
  }
  throw new Error(`could not install ${packages[0]}; install it by hand`);
}

/** The nginx binary, installed from Debian (nginx-light) when missing. */
export function ensureNginx(log: (line: string) => void): string {
  return ensureDebianTool(["/usr/sbin/nginx", "/usr/bin/nginx"], ["nginx-light", "nginx"], log);
}

export interface StaticServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * nginx as a child process serving `files` (path → bytes) from `dir` on a free port, with a
 * throughput-oriented config (no access log, sendfile, long keep-alive) and `workers` processes.
 */
export async function startNginx(
  binary: string,
  dir: string,
  files: Map<string, { body: Buffer; contentType: string }>,
  workers: number,
  cpus?: string,
): Promise<StaticServer> {
  const root = join(dir, "www");
  mkdirSync(root, { recursive: true });
  const types = new Map<string, string>();
  for (const [name, file] of files) {
    writeFileSync(join(root, name), file.body);
    chmodSync(join(root, name), 0o644);
    types.set(name.slice(name.lastIndexOf(".") + 1), file.contentType);
  }
  // Workers drop to an unprivileged user when started as root: let them read the files.
  for (const d of [dir, root]) chmodSync(d, 0o755);
  const port = await freePort();
  const temp = (name: string) => `${name}_temp_path ${join(dir, `${name}-temp`)};`;
  const config = `
worker_processes ${workers};
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}
  types { ${[...types].map(([ext, type]) => `${type.split(";")[0]} ${ext};`).join(" ")} }
  charset utf-8;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { try_files $uri =404; }
  }
}
`;
  const confPath = join(dir, "nginx.conf");
  writeFileSync(confPath, config);
  const [command, args] = pinned(cpus, binary, ["-p", dir, "-c", confPath, "-g", "daemon off;"]);
  const child = spawn(command, args, {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const first = [...files.keys()][0];
  try {
    await waitForHttp(`http://127.0.0.1:${port}/${first}`, 10_000, child);
  } catch (error) {
    const log = existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8") : "";
    throw new Error(`nginx did not start: ${String(error)}\n${stderr}\n${log}`, { cause: error });
  }
  return { port, stop: () => stopChild(child) };
}

/** A bare Fastify process serving `files` from memory (bench/bare-fastify.ts), the reference for ratios. */
export async function startBareFastify(
  dir: string,
  files: Map<string, { body: Buffer; contentType: string }>,
  cpus?: string,
): Promise<StaticServer> {
  const root = join(dir, "bare");
  mkdirSync(root, { recursive: true });
  const types: Record<string, string> = {};
  for (const [name, file] of files) {
    writeFileSync(join(root, name), file.body);
    types[name] = file.contentType;
  }
  writeFileSync(join(root, "types.json"), JSON.stringify(types));
  const port = await freePort();
  const [command, args] = pinned(cpus, process.execPath, [
    ...TYPESCRIPT_IMPORT,
    "bench/bare-fastify.ts",
    String(port),
    root,
  ]);
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "inherit"] });
  await waitForHttp(`http://127.0.0.1:${port}/${[...files.keys()][0]}`, 30_000, child);
  return { port, stop: () => stopChild(child) };
}
