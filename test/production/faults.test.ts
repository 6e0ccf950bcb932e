import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { Instance, PrivatePostgres } from "./processes.ts";

describe("PostgreSQL restarted under load", { timeout: 120_000 }, () => {
  let pg: PrivatePostgres;
  let app: Instance;
  let dataDir: string;

  before(async () => {
    pg = await PrivatePostgres.start();
    dataDir = mkdtempSync(join(tmpdir(), "chuyun-fault-"));
    app = await Instance.start({
      DATABASE_URL: pg.url,
      DATA_DIR: dataDir,
      RUN_JOBS: "0",
      RATE_LIMIT_ALLOW: "127.0.0.1",
    });
  });

  after(async () => {
    await app?.kill();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers 503 quickly while the database is away and recovers by itself", async () => {
    const statuses = new Map<number, number>();
    let slowest = 0;
    let running = true;
    let n = 0;
    const load = async () => {
      while (running) {
        // Distinct queries, so no answer comes from the search result cache.
        const started = Date.now();
        try {
          const res = await fetch(`${app.base}/api/search?q=${encodeURIComponent(`社保${n++}`)}`, {
            signal: AbortSignal.timeout(10_000),
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        } catch {
          statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
        }
        slowest = Math.max(slowest, Date.now() - started);
      }
    };
    const workers = Array.from({ length: 4 }, load);
    await new Promise((r) => setTimeout(r, 500));
    await pg.down();
    await new Promise((r) => setTimeout(r, 1500));
    if (app.child.exitCode !== null || app.child.signalCode !== null)
      console.error(
        app.log
          .split("\n")
          .filter((l) => !l.startsWith(" "))
          .join("\n"),
      );
    const ready = await fetch(`${app.base}/readyz`);
    assert.equal(ready.status, 503, "not ready while the database is down");
    assert.ok(ready.headers.get("retry-after"));
    await pg.up();
    let recovered = false;
    for (let i = 0; i < 50 && !recovered; i++) {
      await new Promise((r) => setTimeout(r, 200));
      recovered =
        (await fetch(`${app.base}/api/search?q=${encodeURIComponent(`公积金${i}`)}`)).status === 200;
    }
    running = false;
    await Promise.all(workers);
    assert.ok(recovered, "serves again after the database returns, without a restart");
    assert.ok(
      (statuses.get(503) ?? 0) > 0,
      `some requests were answered 503 during the outage: ${JSON.stringify([...statuses])}`,
    );
    assert.equal(statuses.get(500) ?? 0, 0, "never a 500");
    assert.equal(statuses.get(-1) ?? 0, 0, "never a hang or dropped connection");
    assert.ok(slowest < 6000, `failed fast (slowest ${slowest} ms)`);
  });
});

describe("graceful shutdown", { timeout: 60_000 }, () => {
  it("finishes in-flight requests on SIGTERM and exits cleanly", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chuyun-term-"));
    const app = await Instance.start({ DATA_DIR: dataDir, RATE_LIMIT_ALLOW: "127.0.0.1" });
    try {
      let answered = 0;
      const inFlight = Array.from({ length: 60 }, (_, i) =>
        fetch(`${app.base}/api/search?q=${encodeURIComponent(`政策${i}`)}`).then(
          async (r) => {
            const body = await r.text();
            answered++;
            return { status: r.status, body };
          },
          () => null,
        ),
      );
      while (answered < 5) await new Promise((r) => setTimeout(r, 5));
      const exit = app.kill("SIGTERM");
      const answers = (await Promise.all(inFlight)).filter((a) => a !== null);
      assert.ok(answers.length > 0, "requests already accepted were answered");
      for (const a of answers) {
        // Accepted requests finish (200); ones arriving after shutdown began are told to retry (503).
        assert.ok(
          a.status === 200 || (a.status === 503 && a.body.includes("稍后重试")),
          `got ${a.status}: ${a.body.slice(0, 200)}`,
        );
      }
      assert.ok(
        answers.some((a) => a.status === 200),
        "requests in flight completed",
      );
      assert.equal(await exit, 0, "the process exits with code 0");
    } finally {
      await app.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("does not wait for connections that never sent a request", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chuyun-term-"));
    const app = await Instance.start({ DATA_DIR: dataDir });
    try {
      // A proxy's spare connection: opened, never used. Node alone keeps it open for over a minute.
      const url = new URL(app.base);
      const spare = connect(Number(url.port), url.hostname);
      await new Promise((resolve) => spare.once("connect", resolve));
      const closed = new Promise((resolve) => spare.once("close", resolve));
      const started = Date.now();
      assert.equal(await app.kill("SIGTERM"), 0, "the process exits with code 0");
      await closed;
      assert.ok(Date.now() - started < 20_000, `shutdown took ${Date.now() - started} ms`);
    } finally {
      await app.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
