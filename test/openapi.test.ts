import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startPlatform, type TestContext } from "./engines.ts";

const run = promisify(execFile);

/**
 * The OpenAPI document at /api/docs/json passes Redocly's recommended rules with no error: servers,
 * security on every operation, operationIds, and the shared error answer for the 4xx answers. The
 * document does not depend on the engine, so this runs on SQLite only.
 */
describe("the open API's description", { timeout: 120_000 }, () => {
  let t: TestContext;
  let dir: string;
  before(async () => {
    t = await startPlatform("sqlite");
    dir = mkdtempSync(join(tmpdir(), "chuyun-openapi-"));
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes redocly lint (recommended rules) with no error", async () => {
    const res = await t.app.inject({ url: "/api/docs/json" });
    assert.equal(res.statusCode, 200);
    const file = join(dir, "openapi.json");
    writeFileSync(file, res.body);
    const cli = join(process.cwd(), "node_modules", ".bin", "redocly");
    const { stdout, stderr } = await run(
      cli,
      ["lint", file, "--extends", "recommended", "--format", "json"],
      {
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; severity: string; message: string }[];
    };
    const errors = report.problems.filter((p) => p.severity === "error");
    assert.deepEqual(
      errors.map((p) => `${p.ruleId}: ${p.message}`),
      [],
      stderr.slice(0, 500),
    );
    assert.equal(report.totals.errors, 0);
  });

  it("describes every JSON API with ids, security and the shared error answer", async () => {
    const doc = (await t.app.inject({ url: "/api/docs/json" })).json() as {
      servers: unknown[];
      paths: Record<
        string,
        Record<string, { operationId?: string; security?: unknown[]; responses: Record<string, unknown> }>
      >;
    };
    assert.ok(doc.servers.length > 0);
    for (const path of [
      "/api/sites",
      "/api/search",
      "/api/interaction/stats",
      "/api/assistant/ask",
      "/api/services/items",
      "/api/services/applications",
    ])
      assert.ok(doc.paths[path], path);
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    assert.equal(new Set(ops.map((o) => o.operationId)).size, ops.length, "unique operationIds");
    for (const op of ops) {
      assert.ok(op.operationId && Array.isArray(op.security), JSON.stringify(op).slice(0, 100));
      for (const [status, response] of Object.entries(op.responses))
        if (status.startsWith("4"))
          assert.match(
            JSON.stringify(response),
            /"error".*"code".*"message".*"fields"/,
            `${op.operationId} ${status}`,
          );
    }
    const submit = doc.paths["/api/services/applications"].post;
    assert.deepEqual(submit.security, [{ citizenSession: [] }]);
    assert.deepEqual(doc.paths["/api/search"].get.security, []);
  });

  it("explains the API in Chinese, in the portal's layout, without scripts", async () => {
    const res = await t.app.inject({ url: "/api/docs" });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^text\/html/);
    assert.match(res.body, /<h1>开放接口说明<\/h1>/);
    assert.match(res.body, /<meta name="SiteName"/, "the site's layout");
    for (const text of [
      "GET /api/services/items",
      "POST /api/assistant/ask",
      "一网通办",
      "智能客服",
      "需登录",
    ])
      assert.ok(res.body.includes(text), text);
    assert.ok(!/swagger/i.test(res.body));
    assert.match(res.body, /href="\/api\/docs\/json"/);
    const yaml = await t.app.inject({ url: "/api/docs/yaml" });
    assert.equal(yaml.statusCode, 200);
    assert.match(yaml.body, /^openapi: 3/);
  });
});
