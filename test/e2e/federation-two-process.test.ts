import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  restartProvince,
  startPair,
  stopAll,
  stopProvince,
  waitForFederation,
  type Province,
} from "../../src/modules/federation/demo-cli.ts";
import { DEMO_PASSWORD } from "../../src/seed/demo-password.ts";

/**
 * 跨省通办 across two real processes, started as `npm run federation:demo` starts them (two SQLite data
 * dirs, two ports): the demo citizen files on hunan (B) for hubei's (A) item over HTTP, A's
 * market-regulator handler accepts it in A's console, and the citizen sees it on B. Then A is stopped:
 * the next application waits in B's outbox, A comes back on the same data dir, and it arrives once.
 */

/** Outbox retries every second at most and the workers poll often, so nothing waits long. */
const FAST = { FEDERATION_POLL_MS: "200", FEDERATION_RETRY_MAX_SECONDS: "1", FEDERATION_TIMEOUT_MS: "3000" };
const PDF = new Uint8Array(Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"));

/** A browser-like client of one platform: a cookie jar over fetch, no redirects followed. */
class Client {
  private readonly jar = new Map<string, string>();
  constructor(private readonly base: () => string) {}

  private keep(res: Response): Response {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      this.jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  }

  private get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async get(path: string): Promise<{ status: number; html: string; location: string }> {
    const res = this.keep(
      await fetch(this.base() + path, { headers: { cookie: this.cookie }, redirect: "manual" }),
    );
    return { status: res.status, html: await res.text(), location: res.headers.get("location") ?? "" };
  }

  async post(path: string, body: URLSearchParams | FormData): Promise<{ status: number; location: string }> {
    const res = this.keep(
      await fetch(this.base() + path, {
        method: "POST",
        headers: { cookie: this.cookie },
        body,
        redirect: "manual",
      }),
    );
    const text = await res.text();
    if (res.status >= 400) throw new Error(`POST ${path} answered ${res.status}: ${text.slice(0, 2000)}`);
    return { status: res.status, location: res.headers.get("location") ?? "" };
  }

  /** Signs in through the real form (the citizen's at /sites/www/account/login, staff's at /admin/login). */
  async signIn(path: string, fields: Record<string, string>): Promise<void> {
    const form = await this.get(path);
    const res = await this.post(path, new URLSearchParams({ _csrf: hidden(form.html, "_csrf"), ...fields }));
    assert.equal(res.status, 303, `sign-in at ${path}`);
  }
}

function hidden(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  assert.ok(m, `no hidden ${name}`);
  return m[1]!;
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** The 跨省通办 application page as the citizen sees it on B. */
function followed(html: string) {
  const dd = (dt: string) => decode(new RegExp(`<dt>${dt}</dt><dd[^>]*>([^<]*)</dd>`).exec(html)?.[1] ?? "");
  const timeline = [...html.matchAll(/<li><time>[^<]*<\/time>([^<]*)<\/li>/g)].map((m) =>
    decode(m[1]!).trim(),
  );
  return { remoteNo: dd("办理地办件编号"), status: dd("当前状态"), timeline };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ""}`);
}

describe("跨省通办 between two platform processes", () => {
  const root = mkdtempSync(join(tmpdir(), "chuyun-federation-e2e-"));
  let output = "";
  const log = (line: string) => (output = (output + line + "\n").slice(-100_000));
  let a: Province; // hubei: owns the item, handles it
  let b: Province; // hunan: the citizen's platform
  let itemPath: string; // "hubei/<item code>"
  let citizenOnB: Client;
  const remoteNos: string[] = [];

  let failed = false;
  after(async () => {
    await stopAll();
    rmSync(root, { recursive: true, force: true });
    // A failure is easier to read with what the two processes said.
    if (failed) console.error(output.slice(-20_000));
  });
  /** Runs a test body, remembering a failure (to print the processes' output in `after`). */
  const tracked = (body: () => Promise<void>) => async () => {
    try {
      await body();
    } catch (error) {
      failed = true;
      throw error;
    }
  };

  before(
    tracked(async () => {
      [a, b] = await startPair(root, FAST, log);
      itemPath = await waitForFederation(b, 120_000);
      assert.match(itemPath, /^hubei\//);
      citizenOnB = new Client(() => b.base);
      await citizenOnB.signIn("/sites/www/account/login", {
        loginName: "13900000001",
        password: DEMO_PASSWORD,
      });
    }),
  );

  /** Files the demo citizen's application on B through the hall's form (multipart, with materials). */
  async function fileOnB(): Promise<string> {
    const page = await citizenOnB.get(`/sites/www/services/federated/${itemPath}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.html, /\d{17}[\dX]/, "the applicant's ID number is shown masked");
    assert.match(page.html, /value="\d{6}\*+\d{3,4}[\dX]?" readonly/i, "shown read-only");
    const form = new FormData();
    form.set("_csrf", hidden(page.html, "_csrf"));
    form.set("_key", hidden(page.html, "_key"));
    form.set("phone", "13912345678");
    form.set("address.region", "江城市");
    form.set("address.detail", "江滨路1号");
    for (const m of page.html.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
      const option = [...m[2]!.matchAll(/<option value="([^"]+)"/g)][0];
      if (option) form.set(decode(m[1]!), decode(option[1]!));
    }
    for (const m of page.html.matchAll(/<input[^>]*type="file"[^>]*>/g)) {
      const name = /name="([^"]+)"/.exec(m[0])?.[1];
      if (name) form.set(decode(name), new Blob([PDF], { type: "application/pdf" }), "材料.pdf");
    }
    const res = await citizenOnB.post(`/sites/www/services/federated/${itemPath}`, form);
    assert.equal(res.status, 303);
    const no = /\/services\/federated\/applications\/(KS\d+)$/.exec(res.location)?.[1];
    assert.ok(no, `redirected to the application page, not ${res.location}`);
    return no;
  }

  const onB = async (no: string) =>
    followed((await citizenOnB.get(`/sites/www/services/federated/applications/${no}`)).html);

  it(
    "files on B, is handled in A's console, and the citizen sees A's decision on B",
    tracked(async () => {
      const no = await fileOnB();
      const forwarded = await until("B to forward the application to A", async () => {
        const seen = await onB(no);
        return seen.remoteNo.startsWith("CY") && seen.status === "待预审（湖北省）" ? seen : null;
      });
      remoteNos.push(forwarded.remoteNo);

      // A's handler of the market regulator finds it in A's queue and accepts it.
      const handler = new Client(() => a.base);
      await handler.signIn("/admin/login", { username: "scjg_handler", password: DEMO_PASSWORD });
      const queue = await handler.get("/admin/services?status=prereview");
      assert.equal(queue.status, 200);
      const id = new RegExp(`/admin/services/applications/(\\d+)">${forwarded.remoteNo}<`).exec(
        queue.html,
      )?.[1];
      assert.ok(id, "the forwarded application is in A's queue");
      const detail = await handler.get(`/admin/services/applications/${id}`);
      assert.match(detail.html, /个体工商户/);
      const accepted = await handler.post(
        `/admin/services/applications/${id}/act`,
        new URLSearchParams({ _csrf: hidden(detail.html, "_csrf"), action: "accept" }),
      );
      assert.equal(accepted.status, 303);

      const seen = await until("A's acceptance to reach B", async () => {
        const s = await onB(no);
        return s.status === "已受理·审查中（湖北省）" && s.timeline.includes("受理") ? s : null;
      });
      assert.deepEqual(seen.timeline, ["保存草稿", "提交申请", "受理"]);
    }),
  );

  it(
    "keeps the application in B's outbox while A is down, and delivers it once when A is back",
    tracked(async () => {
      await stopProvince(a);
      const no = await fileOnB();
      const waiting = await onB(no);
      assert.equal(waiting.status, "正在转送办理地");
      assert.equal(waiting.remoteNo, "—");
      // B tries (and fails) a few times meanwhile: the message stays queued, the citizen files nothing again.
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal((await onB(no)).status, "正在转送办理地");

      a = await restartProvince(a, FAST, log);
      const arrived = await until("the queued application to reach A once A is back", async () => {
        const s = await onB(no);
        return s.remoteNo.startsWith("CY") && s.timeline.includes("提交申请") ? s : null;
      });
      remoteNos.push(arrived.remoteNo);
      // A few more worker rounds on both sides: a late retry would show up as a second application or event.
      await new Promise((r) => setTimeout(r, 2000));
      const history = await onB(no);
      assert.deepEqual(history.timeline, ["保存草稿", "提交申请"], "one status history on B");
      assert.equal(history.status, "待预审（湖北省）");

      // On A, the same citizen (same ID number) sees exactly one application per filing on B.
      const citizenOnA = new Client(() => a.base);
      await citizenOnA.signIn("/sites/www/account/login", {
        loginName: "13900000001",
        password: DEMO_PASSWORD,
      });
      const mine = (await citizenOnA.get("/sites/www/services/my")).html;
      const tracking = [...mine.matchAll(/CY\d{16}/g)].map((m) => m[0]);
      for (const remote of remoteNos)
        assert.equal(new Set(tracking.filter((t) => t === remote)).size, 1, `${remote} listed on A`);
      const forItem = [...mine.matchAll(/<tr>[\s\S]*?<\/tr>/g)].filter((r) => /个体工商户/.test(r[0]));
      assert.equal(forItem.length, 2, "one application on A for each filing on B");
    }),
  );
});
