import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { get } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, Instance } from "./processes.ts";

const NGINX = "/usr/sbin/nginx";
const CONFIG = fileURLToPath(new URL("../../deploy/nginx.conf", import.meta.url));

const PORTAL = "www.example.gov.cn";

/** GET with a chosen Host header (fetch does not let a caller set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

/** The repository's nginx.conf, pointed at this test's instances and port, inside a minimal main config. */
function testConfig(dir: string, listen: number, upstreams: number[]): string {
  const site = readFileSync(CONFIG, "utf8")
    .replace(/^\s*server 127\.0\.0\.1:300\d.*$/gm, "")
    .replace(
      "least_conn;",
      `least_conn;\n${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=3 fail_timeout=10s;`).join("\n")}`,
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

  before(async () => {
    const env = { DATA_DIR: join(dir, "data"), RUN_JOBS: "0" };
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

  it("keeps answering when one instance dies", async () => {
    await a.kill("SIGKILL");
    for (let i = 0; i < 10; i++) {
      const res = await getWithHost(`${base}/sites/rst/`, PORTAL);
      assert.equal(res.status, 200);
    }
  });
});
