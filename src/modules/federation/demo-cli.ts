import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `npm run federation:demo`: two platforms in two processes, each with its own SQLite database and
 * port, seeded as two provinces (hubei and hunan) that trust each other and offer each other one
 * 跨省通办 item. Prints their addresses; Ctrl-C stops both. FEDERATION_DEMO_DIR keeps the data.
 */
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** Every platform process started here, stopped when the demo fails or ends (no orphans). */
const started = new Set<ChildProcess>();

export interface Province {
  id: string;
  name: string;
  port: number;
  dir: string;
  peer: { id: string; port: number };
  child: ChildProcess;
  base: string;
}

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

/** Starts one province's platform and waits until it answers. */
export async function startProvince(
  p: { id: string; name: string; port: number; dir: string; peer: { id: string; port: number } },
  extraEnv: Record<string, string> = {},
  output: (line: string) => void = () => {},
): Promise<Province> {
  mkdirSync(p.dir, { recursive: true });
  const base = `http://127.0.0.1:${p.port}`;
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "start"], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      PORT: String(p.port),
      DATA_DIR: p.dir,
      DATABASE_URL: "",
      REDIS_URL: "",
      SEED_DEMO: "1",
      ANALYTICS: "0",
      FEDERATION_ID: p.id,
      FEDERATION_NAME: p.name,
      FEDERATION_BASE_URL: base,
      FEDERATION_PEERS: `${p.peer.id}=http://127.0.0.1:${p.peer.port}`,
      FEDERATION_POLL_MS: "500",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(child);
  child.once("exit", () => started.delete(child));
  child.stdout?.on("data", (d: Buffer) => output(`[${p.id}] ${d.toString().trimEnd()}`));
  child.stderr?.on("data", (d: Buffer) => output(`[${p.id}] ${d.toString().trimEnd()}`));
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${p.id} exited with ${child.exitCode}`);
    const ok = await fetch(`${base}/healthz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return { ...p, child, base };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill("SIGKILL");
  throw new Error(`${p.id} did not start within 240 s`);
}

/** Waits until `on` lists the other province's item on its 跨省通办 page (peers imported, items pulled). */
export async function waitForFederation(on: Province, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const html = await fetch(`${on.base}/sites/www/services/federated/`)
      .then((r) => r.text())
      .catch(() => "");
    const match = /href="[^"]*\/services\/federated\/([a-z][a-z0-9-]*)\/([^"]+)"/.exec(html);
    if (match) return `${match[1]}/${decodeURIComponent(match[2]!)}`;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${on.id} did not list a federated item within ${timeoutMs} ms`);
}

/** The two demo provinces: hubei and hunan, each trusting the other, under `root` (one data dir each). */
export async function startPair(
  root: string,
  extraEnv: Record<string, string> = {},
  output: (line: string) => void = () => {},
): Promise<[hubei: Province, hunan: Province]> {
  const [hubeiPort, hunanPort] = [await freePort(), await freePort()];
  const [hubei, hunan] = await Promise.all([
    startProvince(
      {
        id: "hubei",
        name: "湖北省",
        port: hubeiPort,
        dir: join(root, "hubei"),
        peer: { id: "hunan", port: hunanPort },
      },
      extraEnv,
      output,
    ),
    startProvince(
      {
        id: "hunan",
        name: "湖南省",
        port: hunanPort,
        dir: join(root, "hunan"),
        peer: { id: "hubei", port: hubeiPort },
      },
      extraEnv,
      output,
    ),
  ]);
  return [hubei, hunan];
}

/** Stops one province's process and waits until it has exited (SIGTERM: a graceful shutdown). */
export async function stopProvince(p: Province, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  const { child } = p;
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** Starts a stopped province again on the same port and data dir. */
export async function restartProvince(
  p: Province,
  extraEnv: Record<string, string> = {},
  output: (line: string) => void = () => {},
): Promise<Province> {
  await stopProvince(p);
  const peer = p.peer;
  return startProvince({ id: p.id, name: p.name, port: p.port, dir: p.dir, peer }, extraEnv, output);
}

/** Kills every platform process this module started (a failed demo or test leaves no orphans). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...started].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

async function main(): Promise<void> {
  const root = process.env.FEDERATION_DEMO_DIR ?? mkdtempSync(join(tmpdir(), "chuyun-federation-"));
  const log = (line: string) => console.log(line);
  console.log(`Starting two platforms (data under ${root}) …`);
  const provinces = await startPair(root, {}, log);
  const stop = () => {
    for (const p of provinces) p.child.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  for (const p of provinces) {
    const item = await waitForFederation(p);
    console.log(`${p.name} (${p.id}): ${p.base}`);
    console.log(
      `  跨省通办: ${p.base}/sites/www/services/federated/  (offers ${item.split("/")[0]}'s ${item.split("/")[1]})`,
    );
    console.log(`  console:  ${p.base}/admin/federation   metadata: ${p.base}/api/federation/metadata`);
  }
  console.log("Both platforms trust each other. Ctrl-C stops both.");
  await Promise.all(provinces.map((p) => new Promise((r) => p.child.once("exit", r))));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    for (const child of started) child.kill("SIGKILL");
    process.exit(1);
  });
}
