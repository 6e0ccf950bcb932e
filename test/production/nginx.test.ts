import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, Instance } from "./processes.ts";
import { analyticsCommand } from "../../src/modules/analytics/cli.ts";
import { chinaDate } from "../../src/platform/time/china-time.ts";

const NGINX = "/usr/sbin/nginx";
const CONFIG = fileURLToPath(new URL("../../deploy/nginx.conf", import.meta.url));

const PORTAL = "www.example.gov.cn";

/** GET with a chosen Host header (fetch does not let a caller set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return send(url, host);
}

/** A request with a chosen Host and User-Agent (and a JSON body when given). */
function send(
  url: string,
  host: string,
  agent?: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { host };
    if (agent !== undefined) headers["user-agent"] = agent;
    if (payload) headers["content-type"] = "application/json";
    const req = request(url, { method: payload ? "POST" : "GET", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** The repository's nginx.conf, pointed at this test's instances and port, inside a minimal main config. */
function testConfig(dir: string, listen: number, upstreams: number[]): string {
  const site = readFileSync(CONFIG, "utf8")
    .replace(/^\s*server 127\.0\.0\.1:300\d.*$/gm, "")
    .replace(
      "consistent;",
      `consistent;\n${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=3 fail_timeout=10s;`).join("\n")}`,
    )
    .replace(
      /listen 80( default_server)?;/g,
      (_m, dflt: string | undefined) => `listen 127.0.0.1:${listen}${dflt ?? ""};`,
    );
  return `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${site}
}
`;
}

describe("the deployment's nginx config in front of two instances", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "chuyun-nginx-"));
  let a: Instance;
  let b: Instance;
  let nginx: ChildProcess;
  let base: string;
  const env = { DATA_DIR: join(dir, "data"), RUN_JOBS: "0" };

  before(async () => {
    a = await Instance.start(env);
    b = await Instance.start(env);
    const port = await freePort();
    writeFileSync(join(dir, "nginx.conf"), testConfig(dir, port, [a.port, b.port]));
    nginx = spawn(NGINX, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: "ignore" });
    base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      if (
        await getWithHost(`${base}/healthz`, PORTAL).then(
          (r) => r.status === 200,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`nginx did not start: ${readFileSync(join(dir, "error.log"), "utf8")}`);
  });

  after(async () => {
    nginx?.kill("SIGTERM");
    await a?.kill();
    await b?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the portal and routes department hosts through the proxy", async () => {
    const portal = await getWithHost(`${base}/`, PORTAL);
    assert.equal(portal.status, 200);
    assert.match(portal.body, /<meta name="SiteName" content="楚云省人民政府"/);
    const rst = await getWithHost(`${base}/`, "rst.example.gov.cn");
    assert.equal(rst.status, 200);
    assert.match(rst.body, /<meta name="SiteName" content="楚云省人力资源和社会保障厅"/);
  });

  it("answers 421 for hosts it does not serve, and lets local health checks in by address", async () => {
    for (const host of ["evil.example", "127.0.0.1"]) {
      const res = await getWithHost(`${base}/`, host);
      assert.equal(res.status, 421, host);
    }
    assert.equal((await getWithHost(`${base}/healthz`, "127.0.0.1")).status, 200);
    const robots = await getWithHost(`${base}/robots.txt`, "rst.example.gov.cn");
    assert.match(robots.body, /^Sitemap: http:\/\/rst\.example\.gov\.cn\/sitemap\.xml$/m);
  });

  it("sends a browser's engagement beacons to the instance that counted its page views", async () => {
    const today = chinaDate();
    const beacons = async () => {
      const printed: string[] = [];
      const log = console.log;
      console.log = (line: string) => void printed.push(line);
      try {
        assert.equal(
          await analyticsCommand(["--site", "rst", "--from", today, "--to", today, "--json"], {
            ...process.env,
            ...env,
          }),
          0,
        );
      } finally {
        console.log = log;
      }
      return (JSON.parse(printed.join("\n")) as { engagement: { beacons: number } }).engagement.beacons;
    };
    const before = await beacons();
    // Three browsers on one address, each reading three pages and leaving each: with the views on one
    // instance and the beacons on another, no beacon would count.
    const pages = ["/sites/rst/", "/sites/rst/interaction/", "/sites/rst/search"];
    for (const browser of ["Firefox/128", "Chrome/126", "Safari/17"]) {
      const agent = `Mozilla/5.0 (X11; Linux x86_64) nginx-test ${browser}`;
      for (const path of pages) {
        assert.equal((await send(`${base}${path}`, PORTAL, agent)).status, 200);
        const beacon = { site: "rst", path, seconds: 20, scroll: 60 };
        assert.equal((await send(`${base}/api/analytics/beacon`, PORTAL, agent, beacon)).status, 204);
      }
    }
    // Instances write what they counted every two seconds.
    let counted = 0;
    for (let i = 0; i < 40 && counted < 9; i++) {
      await new Promise((r) => setTimeout(r, 250));
      counted = (await beacons()) - before;
    }
    assert.equal(counted, 9);
  });

  it("keeps answering when one instance dies", async () => {
    await a.kill("SIGKILL");
    // Browsers are spread over the instances by address and user agent: twenty of them include some
    // that were on the dead one (all twenty on one instance has a chance of 2 in a million).
    for (let i = 0; i < 20; i++) {
      const res = await send(`${base}/sites/rst/`, PORTAL, `Mozilla/5.0 nginx-test browser-${i}`);
      assert.equal(res.status, 200);
    }
  });
});
