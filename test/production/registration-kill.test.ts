import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config.ts";
import { createAppDeps } from "../../src/container.ts";
import { seedRegistration } from "../../src/modules/registration/index.ts";
import { idCheckChar } from "../../src/platform/validation/china-ids.ts";
import { createPgDatabase, ENGINES } from "../engines.ts";
import { Instance, tempDataDir } from "./processes.ts";

/**
 * "Accepted" means on disk: the real server (a child process) takes a burst of submissions, is killed
 * with SIGKILL in the middle of it, restarts, and every submission it had answered 201/200 is there.
 */

function idNumber(seq: number): string {
  const first17 = `420106${1950 + (seq % 50)}0612${String(seq % 1000).padStart(3, "0")}`;
  return first17 + idCheckChar(first17);
}

for (const engine of ENGINES) {
  describe(`registration survives kill -9 mid-burst on ${engine}`, { timeout: 180_000 }, () => {
    let data: { dir: string; remove(): void };
    let pgDb: { url: string; drop(): Promise<void> } | null = null;
    let env: Record<string, string>;
    let app: Instance | null = null;

    before(async () => {
      data = tempDataDir();
      if (engine === "postgres") pgDb = await createPgDatabase();
      env = {
        DATA_DIR: data.dir,
        RUN_JOBS: "0",
        SEED_DEMO: "0",
        RATE_LIMIT_ALLOW: "127.0.0.1",
        MAX_EVENT_LOOP_DELAY_MS: "0",
        ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
      };
      // Migrate and create the demo campaign (without the whole demo cluster) before the server starts.
      const deps = await createAppDeps(loadConfig({ ...process.env, ...env, LOG_LEVEL: "silent" }));
      await seedRegistration(deps);
      await deps.close();
    });

    after(async () => {
      await app?.kill();
      await pgDb?.drop();
      data?.remove();
    });

    it("finds every acknowledged record after the restart", async () => {
      app = await Instance.start(env);
      const url = `${app.base}/api/registration/campaigns/demo-health/submissions`;
      const acked: { id: string; receipt: string; seq: number }[] = [];
      let refused = 0;
      let failed = 0;
      let next = 0;
      let killed = false;
      const worker = async () => {
        while (!killed) {
          const seq = next++;
          try {
            const res = await fetch(url, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                name: "赵六",
                idNumber: idNumber(seq),
                phone: "13912345678",
                district: "420106",
                answers: { symptoms: ["无以上症状"], contact: "否" },
              }),
            });
            if (res.status === 201 || res.status === 200) {
              const b = (await res.json()) as { id: string; receipt: string };
              acked.push({ ...b, seq });
            } else if (res.status === 503) {
              assert.ok(res.headers.get("retry-after"), "503 carries Retry-After");
              refused++;
            } else assert.fail(`unexpected ${res.status}: ${await res.text()}`);
          } catch {
            failed++; // the connection died with the server: not acknowledged, so not promised
          }
        }
      };
      const workers = Array.from({ length: 48 }, () => worker());
      // Kill in the middle of the burst: once a good number is acknowledged, with many in flight.
      while (acked.length < 400) await new Promise((r) => setTimeout(r, 5));
      await app.kill("SIGKILL");
      killed = true;
      await Promise.all(workers);
      assert.ok(failed > 0, "requests were in flight when the server was killed");

      // The server starts again on the same data (recovery), takes a new submission, and stops.
      app = await Instance.start(env);
      const after = await fetch(`${app.base}/api/registration/campaigns/demo-health/submissions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: "赵六",
          idNumber: idNumber(999),
          phone: "13912345678",
          district: "420106",
          answers: { symptoms: ["无以上症状"], contact: "否" },
        }),
      });
      assert.ok(after.status === 201 || after.status === 200, `after restart: ${after.status}`);
      await app.kill("SIGTERM");
      const deps = await createAppDeps(loadConfig({ ...process.env, ...env, LOG_LEVEL: "silent" }));
      const missing: string[] = [];
      try {
        const c = (await deps.registration.campaign("demo-health"))!;
        for (const a of acked)
          if (!(await deps.registration.byReceipt(c, a.id, a.receipt))) missing.push(a.id);
      } finally {
        await deps.close();
      }
      console.log(
        `${engine}: ${acked.length} acknowledged, ${refused} refused with 503, ${failed} cut off by the kill; missing after restart: ${missing.length}`,
      );
      assert.deepEqual(missing, [], "every acknowledged record is on disk");
    });
  });
}
