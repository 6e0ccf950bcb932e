import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createAppDeps } from "../../src/container.ts";
import type { AppDeps } from "../../src/deps.ts";
import { DEMO_KEY_FILE, resolveDataKeys } from "../../src/platform/crypto/data-keys.ts";
import { createPgDatabase } from "../engines.ts";
import { Instance, PrivateRedis } from "./processes.ts";

/** A form POST from a chosen local address (127.0.0.2 is allow-listed from rate limits in these tests). */
function postForm(
  url: string,
  form: Record<string, string>,
  localAddress = "127.0.0.1",
): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        localAddress,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe("several instances on PostgreSQL and Redis", { timeout: 180_000 }, () => {
  let pg: Awaited<ReturnType<typeof createPgDatabase>>;
  let redis: PrivateRedis;
  let a: Instance;
  let b: Instance;
  let control: AppDeps;
  const dirs: string[] = [];
  let keyFile = "";

  before(async () => {
    pg = await createPgDatabase();
    redis = await PrivateRedis.start();
    // Instances sharing a database share its personal-data keys (one key file, as production would).
    const keyDir = mkdtempSync(join(tmpdir(), "chuyun-keys-"));
    dirs.push(keyDir);
    resolveDataKeys(loadConfig({ DATA_DIR: keyDir }));
    keyFile = join(keyDir, DEMO_KEY_FILE);
    const env = (name: string) => {
      const dir = mkdtempSync(join(tmpdir(), `chuyun-${name}-`));
      dirs.push(dir);
      return {
        DATABASE_URL: pg.url,
        REDIS_URL: redis.url,
        DATA_DIR: dir,
        CHUYUN_DATA_KEY_FILE: keyFile,
        RATE_LIMIT_ALLOW: "127.0.0.2",
        RUN_JOBS: "0",
      };
    };
    a = await Instance.start(env("a")); // migrates and seeds
    b = await Instance.start(env("b"));
    control = await createAppDeps(
      loadConfig(
        { DATA_DIR: dirs[1], LOG_LEVEL: "silent", SEED_DEMO: "0", CHUYUN_DATA_KEY_FILE: keyFile },
        { databaseUrl: pg.url, redisUrl: redis.url },
      ),
    );
  });

  after(async () => {
    await control?.close();
    await a?.kill();
    await b?.kill();
    await redis?.stop();
    await pg?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("keeps a staff login made on one instance valid on the other", async () => {
    const jar = new Map<string, string>();
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";");
        const i = pair.indexOf("=");
        jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
    };
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const form = await fetch(`${a.base}/admin/login`);
    keep(form);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
    const login = await fetch(`${a.base}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
      body: new URLSearchParams({ username: "rst_editor", password: "Chuyun@2026", _csrf: csrf }).toString(),
    });
    assert.equal(login.status, 303);
    keep(login);
    const onB = await fetch(`${b.base}/admin`, { headers: { cookie: cookie() }, redirect: "manual" });
    assert.equal(onB.status, 200, "instance B knows the session made on A");
    assert.match(await onB.text(), /人社厅编辑/);
    const stranger = await fetch(`${b.base}/admin`, { redirect: "manual" });
    assert.equal(stranger.status, 303, "without the cookie: sent to the login form");
  });

  it("drops a cached page on every instance when its article changes", async () => {
    const article = await control.content.repo.byExternalId("missing");
    assert.equal(article, undefined);
    const target = await control.store.db
      .selectFrom("articles")
      .select(["id", "title"])
      .where("kind", "=", "news")
      .where("ownerSiteId", "=", 1)
      .executeTakeFirstOrThrow();
    const path = `/sites/www/art/${target.id}.html`;
    for (const inst of [a, b]) {
      await fetch(inst.base + path);
      const second = await fetch(inst.base + path);
      assert.equal(
        second.headers.get("x-page-cache"),
        "hit",
        "the second view is served from the page cache",
      );
      assert.match(await second.text(), new RegExp(target.title));
    }
    const current = await control.content.get(target.id);
    await control.content.update(
      target.id,
      {
        kind: current.kind,
        title: `${current.title}（更新）`,
        bodyHtml: current.bodyHtml,
        ownerSiteId: current.ownerSiteId,
      },
      { id: null, name: "test" },
    );
    for (const inst of [a, b]) {
      const fresh = await eventually(async () =>
        (await (await fetch(inst.base + path)).text()).includes("（更新）"),
      );
      assert.ok(fresh, `instance on ${inst.port} shows the edited title`);
    }
  });

  it("shares rate limits: the eleventh report in a minute is refused on either instance", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const inst = i % 2 === 0 ? a : b;
      const res = await postForm(`${inst.base}/sites/www/report-error`, {
        url: "/",
        category: "错别字",
        description: `第${i}处错字`,
        contact: "",
      });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200));
    assert.deepEqual(statuses.slice(10), [429, 429]);
  });

  it("publishes a due scheduled article exactly once when several instances run the job together", async () => {
    const actor = { id: null, name: "test" };
    const site = control.sites.byCodeCached("www")!;
    const channel = (await control.sites.repo.channelByPath(site.id, "gzdt"))!;
    const created = await control.content.create(
      {
        kind: "news",
        title: "定时发布测试",
        bodyText: "正文",
        ownerSiteId: site.id,
        channelIds: [channel.id],
      },
      actor,
    );
    await control.content.submit(created.id, actor);
    await control.content.publish(created.id, actor, new Date(Date.now() + 1500).toISOString());
    assert.equal((await control.content.get(created.id)).status, "scheduled");
    await new Promise((r) => setTimeout(r, 1600));
    const other = await createAppDeps(
      loadConfig(
        { DATA_DIR: dirs[2], LOG_LEVEL: "silent", SEED_DEMO: "0", CHUYUN_DATA_KEY_FILE: keyFile },
        { databaseUrl: pg.url },
      ),
    );
    try {
      const counts = await Promise.all([
        control.content.publishDue(),
        other.content.publishDue(),
        control.content.publishDue(),
      ]);
      assert.equal(
        counts.reduce((x, y) => x + y, 0),
        1,
      );
    } finally {
      await other.close();
    }
    const entries = await control.store.db
      .selectFrom("auditLog")
      .select("id")
      .where("action", "=", "article.publish.scheduled")
      .where("targetId", "=", String(created.id))
      .execute();
    assert.equal(entries.length, 1);
    assert.equal((await control.content.get(created.id)).status, "published");
  });

  it("keeps every acknowledged write when an instance is killed mid-burst, and the other keeps answering", async () => {
    const acknowledged: number[] = [];
    let sent = 0;
    let killed = false;
    const worker = async () => {
      while (sent < 400) {
        const i = sent++;
        try {
          const res = await postForm(
            `${a.base}/sites/www/report-error`,
            { url: "/", category: "其他", description: `压力写入${i}`, contact: "" },
            "127.0.0.2",
          );
          const receipt = /找错编号是\s*(\d+)/.exec(res.body);
          if (res.status === 200 && receipt) acknowledged.push(Number(receipt[1]));
        } catch {
          // Connection refused/reset after the kill: not acknowledged, fine.
        }
        if (!killed && acknowledged.length >= 40) {
          killed = true;
          await a.kill("SIGKILL");
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.ok(killed, "instance A was killed during the burst");
    assert.ok(acknowledged.length >= 40);
    const stored = await control.store.db
      .selectFrom("errorReports")
      .select("id")
      .where("id", "in", acknowledged)
      .execute();
    assert.equal(stored.length, acknowledged.length, "every write answered 200 is in the database");
    const home = await fetch(`${b.base}/`);
    assert.equal(home.status, 200, "instance B keeps answering");
  });

  it("times out instead of hanging when Redis is slow", async () => {
    // Redis stops answering for 4 s (DEBUG SLEEP blocks the server), as when it is overloaded.
    const { Redis } = await import("ioredis");
    const blocker = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    blocker.on("error", () => {});
    try {
      await blocker.connect();
      const sleeping = blocker.call("DEBUG", "SLEEP", "4");
      await new Promise((r) => setTimeout(r, 150));
      // A search page is not cached and its rate-limit counter lives in Redis.
      const started = Date.now();
      const page = await fetch(`${b.base}/sites/www/search?q=${encodeURIComponent("社保")}`);
      const took = Date.now() - started;
      assert.ok([200, 503].includes(page.status), `answered, not failed (got ${page.status})`);
      assert.ok(took < 3500, `answered before Redis woke up (${took} ms)`);
      const ready = await fetch(`${b.base}/readyz`);
      assert.equal(ready.status, 503, "readiness reports the slow Redis");
      assert.equal(await sleeping, "OK", "Redis really was asleep");
      assert.ok(await eventually(async () => (await fetch(`${b.base}/readyz`)).status === 200, 10_000));
    } finally {
      blocker.disconnect();
    }
  });

  it("answers clearly, without hanging or 500, when Redis is full", async () => {
    const { Redis } = await import("ioredis");
    const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    admin.on("error", () => {});
    const login = async () => {
      // Instance A was killed in an earlier test; B serves.
      const form = await fetch(`${b.base}/admin/login`);
      const cookie = form.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
      const started = Date.now();
      const res = await fetch(`${b.base}/admin/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({
          username: "rst_editor",
          password: "Chuyun@2026",
          _csrf: csrf,
        }).toString(),
      });
      return { status: res.status, took: Date.now() - started, body: await res.text() };
    };
    try {
      await admin.connect();
      // Redis refuses every write that needs memory (OOM), as when it has filled up.
      await admin.config("SET", "maxmemory-policy", "noeviction");
      await admin.config("SET", "maxmemory", "1");
      const full = await login();
      assert.equal(full.status, 503, `a clear "try later" answer, not a crash (got ${full.status})`);
      assert.match(full.body, /[\u4e00-\u9fff]/, "the message is in Chinese");
      assert.ok(full.took < 3000, `no hang (${full.took} ms)`);
      assert.equal((await fetch(`${b.base}/sites/rst/`)).status, 200, "public pages still served");
    } finally {
      await admin.config("SET", "maxmemory", "0").catch(() => {});
      admin.disconnect();
    }
    assert.equal((await login()).status, 303, "logins work again once Redis has room");
  });

  it("degrades without Redis and recovers by itself when Redis returns", async () => {
    await redis.down();
    const home = await fetch(`${b.base}/sites/rst/`);
    assert.equal(home.status, 200, "public pages still served");
    const ready = await fetch(`${b.base}/readyz`);
    assert.equal(ready.status, 503, "readiness reports Redis missing");
    assert.equal((await ready.json()).checks.redis, "unreachable");
    const write = await postForm(`${b.base}/sites/www/report-error`, {
      url: "/",
      category: "其他",
      description: "Redis 不可用时的反馈",
      contact: "",
    });
    assert.ok([200, 503].includes(write.status), `no hang and no 500 (got ${write.status})`);
    await redis.up();
    assert.ok(
      await eventually(async () => (await fetch(`${b.base}/readyz`)).status === 200, 10_000),
      "ready again without restart",
    );
  });
});
