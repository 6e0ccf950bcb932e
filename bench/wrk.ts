import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The C load generator wrk (Debian's package), so the reference servers are not capped by the load
 * generator as a Node one caps them. Each request looks like a different visitor (X-Forwarded-For),
 * and with `uncached` each request's query gets a unique suffix so no cache can answer it.
 */
export interface WrkOptions {
  connections: number;
  seconds: number;
  threads?: number;
  uncached?: boolean;
  /** The CPU list wrk is pinned to (taskset), so it does not compete with the server it measures. */
  cpus?: string;
  /**
   * Requests each simulated visitor (X-Forwarded-For address) makes, 8,192 visitors taking turns (a
   * visitor's pages come thousands of requests apart, as in real traffic); default 1 (every request new);
   * 0: one client (no X-Forwarded-For), as plain wrk without a script.
   */
  viewsPerVisitor?: number;
  /** POST a registration submission with a new valid ID number each request (the registration bench). */
  registration?: boolean;
}

export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
}

const SCRIPT = `
local counter = 0
-- Runs a few seconds apart start at different people (each run may follow another on the same data).
local seed = (os.time() % 97) * 40000
local thread_id = 0
local threads = {}
function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end
function init(args)
  uncached = args[1] == "uncached"
  per_visitor = tonumber(args[2]) or 1
  registration = args[3] == "registration"
end
local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = "10X98765432"
local districts = {"420102", "420106", "421102", "420502"}
-- A valid 18-digit ID number (real birth date, GB 11643 check character), distinct for n below ~13 million.
local function id_number(n)
  local year = 1940 + n % 60
  local month = 1 + math.floor(n / 60) % 12
  local day = 10 + math.floor(n / 720) % 18
  local seq = math.floor(n / 12960) % 1000
  local first17 = string.format("420106%04d%02d%02d%03d", year, month, day, seq)
  local sum = 0
  for i = 1, 17 do sum = sum + tonumber(first17:sub(i, i)) * weights[i] end
  local k = sum % 11 + 1
  return first17 .. checks:sub(k, k)
end
local function registration_request(n)
  local symptoms = (n % 10 == 0) and '"发热"' or '"无以上症状"'
  local body = '{"name":"赵六","idNumber":"' .. id_number(n) .. '","phone":"13912345678","district":"' ..
    districts[n % 4 + 1] .. '","answers":{"symptoms":[' .. symptoms .. '],"contact":"否"}}'
  return wrk.format("POST", wrk.path, { ["Content-Type"] = "application/json" }, body)
end
function request()
  counter = counter + 1
  local n = tid * 1000000 + counter
  if registration then return registration_request((tid - 1) * 4000000 + counter + seed) end
  local path = wrk.path
  if uncached then path = path .. "%20" .. n end
  -- 0: one client, as plain wrk without a script (no X-Forwarded-For: every request the same visitor).
  if per_visitor == 0 then return wrk.format(nil, path) end
  local v = n
  if per_visitor > 1 then
    -- People read their pages some time apart: 8,192 visitors at a time take turns, each reading
    -- per_visitor pages, so a visitor's next page comes thousands of requests after the last one.
    -- Each thread has its own visitors (4 million numbers apart).
    local block = math.floor(counter / (per_visitor * 8192))
    v = tid * 4000000 + block * 8192 + counter % 8192
  end
  local headers = { ["X-Forwarded-For"] = "10." .. (math.floor(v / 65536) % 256) .. "." ..
    (math.floor(v / 256) % 256) .. "." .. (v % 256) }
  return wrk.format(nil, path, headers)
end
function done(summary, latency, requests)
  io.write(string.format('WRK_JSON {"requests":%d,"seconds":%f,"p50":%f,"p99":%f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
`;

export function wrkAvailable(): boolean {
  return existsSync("/usr/bin/wrk");
}

/** Pins a command to CPUs with taskset when the machine has more than one core. */
export function pinned(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  if (!cpus || availableParallelism() < 2 || !existsSync("/usr/bin/taskset")) return [command, args];
  return ["/usr/bin/taskset", ["-c", cpus, command, ...args]];
}

export async function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  if (!wrkAvailable()) throw new Error("wrk is not installed: apt-get install wrk");
  const dir = mkdtempSync(join(tmpdir(), "chuyun-wrk-"));
  const script = join(dir, "bench.lua");
  writeFileSync(script, SCRIPT);
  const threads = Math.min(options.threads ?? 2, options.connections);
  const args = [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--timeout",
    "5s",
    "-s",
    script,
    url,
    "--",
    options.uncached ? "uncached" : "cached",
    String(options.viewsPerVisitor ?? 1),
    options.registration ? "registration" : "",
  ];
  const [command, argv] = pinned(options.cpus, "/usr/bin/wrk", args);
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.on("error", reject);
      child.on("exit", (code) =>
        code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${out}`)),
      );
    });
    const line = output.split("\n").find((l) => l.startsWith("WRK_JSON "));
    if (!line) throw new Error(`wrk printed no summary: ${output}`);
    const s = JSON.parse(line.slice("WRK_JSON ".length)) as Record<string, number>;
    return {
      rps: s.requests / s.seconds,
      p50: s.p50,
      p99: s.p99,
      errors: s.connect + s.read + s.write + s.timeout,
      non2xx: s.status,
      requests: s.requests,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
