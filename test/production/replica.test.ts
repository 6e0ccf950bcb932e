import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { loadConfig } from "../../src/config.ts";
import { createAppDeps } from "../../src/container.ts";
import type { AppDeps } from "../../src/deps.ts";
import { buildApp } from "../../src/app.ts";
import { StaffSession } from "../staff-session.ts";
import { PrivatePostgres, tempDataDir } from "./processes.ts";

/**
 * A real streaming replica: a private primary and a hot standby made with pg_basebackup -R, the
 * platform pointed at both (DATABASE_URL, DATABASE_REPLICA_URL). Replay on the standby is paused to
 * make its copy visibly older than the primary's, so each page shows which server it came from.
 */

async function sqlOn<R extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url, application_name: "replica-test" });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve(check()).catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe("public pages on a PostgreSQL read replica", { timeout: 120_000 }, () => {
  let primary: PrivatePostgres | undefined;
  let standby: PrivatePostgres | undefined;
  let deps: AppDeps | undefined;
  let app: FastifyInstance | undefined;
  const data = tempDataDir();
  let article = { id: 0, title: "", site: "" };
  const correction = "（更正版）";
  const page = (url: string) => app!.inject({ url, remoteAddress: "127.0.0.1" });

  before(async () => {
    primary = await PrivatePostgres.start({ settings: ["wal_level=replica", "max_wal_senders=5"] });
    standby = await PrivatePostgres.standbyOf(primary);
    deps = await createAppDeps(
      loadConfig(
        { DATA_DIR: data.dir, LOG_LEVEL: "silent", SEED_DEMO: "1", RUN_JOBS: "0" },
        {
          databaseUrl: primary.url,
          databaseReplicaUrl: standby.url,
          // Pages straight from the database, so each answer shows where it was read.
          pageCacheSeconds: 0,
          replicaMaxLagSeconds: 30,
        },
      ),
    );
    app = await buildApp(deps);
    await app.ready();
    const seeded = Date.now();
    assert.ok(
      await eventually(() => deps!.store.replica!.usable(seeded), 20_000),
      "the standby replays the seeded data",
    );
    const [row] = await sqlOn<{ id: number; title: string; code: string }>(
      primary.url,
      `SELECT a.id, a.title, s.code FROM articles a JOIN sites s ON s.id = a.owner_site_id
        WHERE a.status = 'published' AND s.code = 'rst'
          AND EXISTS (SELECT 1 FROM article_channels ac WHERE ac.article_id = a.id AND ac.site_id = s.id)
        ORDER BY a.id LIMIT 1`,
    );
    article = { id: row.id, title: row.title, site: row.code };
  });

  after(async () => {
    await app?.close().catch(() => {});
    await deps?.close().catch(() => {});
    await standby?.stop();
    await primary?.stop();
    data.remove();
  });

  it("reads public pages on the standby (its sessions carry the replica pool's name)", async () => {
    const res = await page(`/sites/${article.site}/art/${article.id}.html`);
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes(article.title));
    // Reading public pages never marks a visitor as a writer (which would send them to the primary).
    for (const url of [
      `/sites/${article.site}/`,
      `/sites/${article.site}/col/gzdt/`,
      `/sites/${article.site}/col/gzdt/rss.xml`,
      `/sites/${article.site}/sitemap.xml`,
      `/sites/${article.site}/search?q=社保`,
      "/api/search?q=公积金",
      "/sites/www/policies",
      "/sites/www/zwgk",
      `/sites/${article.site}/interaction/`,
      `/sites/${article.site}/interaction/letters`,
      `/sites/${article.site}/interaction/stats`,
      `/sites/${article.site}/interaction/consultations`,
      `/sites/${article.site}/interaction/surveys`,
      `/sites/${article.site}/services/`,
      `/sites/${article.site}/services/stats`,
      "/api/interaction/stats",
      "/api/services/items",
      "/open311/v2/requests.json",
    ]) {
      const res = await page(url);
      assert.equal(res.statusCode, 200, url);
      assert.doesNotMatch(String(res.headers["set-cookie"] ?? ""), /cy_rw/, url);
    }
    const onStandby = await sqlOn<{ n: number }>(
      standby!.url,
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'chuyun-replica'",
    );
    assert.ok(onStandby[0].n > 0, "the replica pool holds sessions on the standby");
    const onPrimary = await sqlOn<{ n: number }>(
      primary!.url,
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'chuyun-replica'",
    );
    assert.equal(onPrimary[0].n, 0);

    // Freeze the standby, then change the title on the primary behind the platform's back.
    await sqlOn(standby!.url, "SELECT pg_wal_replay_pause()");
    await sqlOn(primary!.url, "UPDATE articles SET title = title || $1 WHERE id = $2", [
      correction,
      article.id,
    ]);
    const stale = await page(`/sites/${article.site}/art/${article.id}.html`);
    assert.equal(stale.statusCode, 200);
    assert.ok(stale.body.includes(article.title));
    assert.ok(!stale.body.includes(correction), "an anonymous reader got the standby's (older) copy");
    // A visitor who wrote a moment ago (the cookie every writing request sets) reads the primary.
    const own = await app!.inject({
      url: `/sites/${article.site}/art/${article.id}.html`,
      headers: { cookie: `cy_rw=${Date.now()}` },
    });
    assert.ok(own.body.includes(correction), "a visitor who just wrote got the primary's copy");

    // The staff console always reads the primary.
    const reviewer = await StaffSession.login(app!, "rst_reviewer", { remoteAddress: "10.9.0.1" });
    const review = await reviewer.get(`/admin/review/${article.id}`);
    assert.equal(review.statusCode, 200);
    assert.ok(review.body.includes(correction), "the console shows the primary's copy");
  });

  it("shows a staff member's publish on their very next page view (read-your-own-writes)", async () => {
    const editor = await StaffSession.login(app!, "rst_editor", { remoteAddress: "10.9.0.2" });
    const reviewer = await StaffSession.login(app!, "rst_reviewer", { remoteAddress: "10.9.0.3" });
    const rst = deps!.sites.byCodeCached("rst")!;
    const channel = (await deps!.sites.repo.channelByPath(rst.id, "gzdt"))!;
    const title = "人社厅发布副本测试通知";
    const created = await editor.postMultipart("/admin/articles/new", {
      kind: "news",
      title,
      ownerSiteId: rst.id,
      bodyHtml: "<p>刚刚发布的正文。</p>",
      channelIds: [channel.id],
      action: "submit",
    });
    assert.equal(created.statusCode, 303, created.body.slice(0, 300));
    const id = Number(/(\d+)/.exec(created.headers.location as string)![1]);
    const published = await reviewer.post(`/admin/review/${id}/publish`);
    assert.equal(published.statusCode, 303);
    assert.ok(reviewer.cookies.has("cy_rw"), "a write marks the visitor for reads from the primary");

    // The standby is still paused, so only the primary has the new article.
    const own = await reviewer.get(`/sites/rst/art/${id}.html`);
    assert.equal(own.statusCode, 200, "the publisher sees the page at once");
    assert.ok(own.body.includes(title));
    // The publish was announced on the invalidation bus: every visitor now reads the primary until
    // the standby has replayed it (no stale page is rendered or cached meanwhile).
    const anonymous = await page(`/sites/rst/art/${id}.html`);
    assert.equal(anonymous.statusCode, 200);
    const edited = await page(`/sites/${article.site}/art/${article.id}.html`);
    assert.ok(edited.body.includes(correction));

    await sqlOn(standby!.url, "SELECT pg_wal_replay_resume()");
    const resumed = Date.now();
    assert.ok(await eventually(() => deps!.store.replica!.usable(resumed), 10_000), "the standby catches up");
    const later = await page(`/sites/rst/art/${id}.html`);
    assert.equal(later.statusCode, 200, "the caught-up standby serves the new article");
    assert.ok(later.body.includes(title));
  });

  it("keeps serving from the primary when the standby stops; /readyz reports it but stays ready", async () => {
    await standby!.down();
    const started = Date.now();
    for (const url of [
      `/sites/${article.site}/art/${article.id}.html`,
      `/sites/${article.site}/`,
      `/sites/${article.site}/search?q=社保`,
      `/sites/${article.site}/interaction/letters`,
    ]) {
      const res = await page(url);
      assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`);
    }
    assert.ok(
      (await page(`/sites/${article.site}/art/${article.id}.html`)).body.includes(correction),
      "the primary's current copy",
    );
    assert.ok(Date.now() - started < 5000, "falling back does not wait for time-outs");
    let ready: { status: string; checks: Record<string, string> } | undefined;
    assert.ok(
      await eventually(async () => {
        const res = await page("/readyz");
        assert.equal(res.statusCode, 200, res.body);
        ready = res.json();
        return ready!.checks.replica === "unreachable";
      }, 5000),
      JSON.stringify(ready),
    );
    assert.equal(ready!.checks.database, "ok");
  });
});
