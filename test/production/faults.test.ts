import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
