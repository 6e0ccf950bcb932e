import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LinkChecker } from "../../platform/http/link-status.ts";
import { crawlSite, extractLinks, urlShape } from "./crawler.ts";

/** A throwaway site full of traps, on a local port. */
function trapSite(): Server {
  const html = (body: string) =>
    `<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`;
  const hanging: { destroy(): void }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const p = url.pathname;
    const send = (body: string, status = 200, type = "text/html; charset=utf-8") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (p === "/site/")
      return send(
        html(`<a href="/site/cal/2026/1">日历</a> <a href="/site/list?page=1">列表</a> <a href="/site/a/">相对</a>
          <a href="/site/hang">挂起</a> <a href="/site/huge">大页面</a> <a href="/site/file.pdf">文件</a>
          <a href="/site/loop1">循环</a> <a href="/site/missing">缺失</a> <a href="/elsewhere/ok">站外同源</a>
          <a href="mailto:a@b.c">信</a> <a href="#top">顶部</a> <a href="/site/q?a=1">查询</a>`),
      );
    const cal = /^\/site\/cal\/(\d+)\/(\d+)$/.exec(p);
    if (cal) {
      const y = Number(cal[1]);
      const m = Number(cal[2]);
      const next = m === 12 ? `${y + 1}/1` : `${y}/${m + 1}`;
      return send(html(`<a href="/site/cal/${next}">下个月</a>`));
    }
    if (p === "/site/list") {
      const n = Number(url.searchParams.get("page"));
      return send(html(`<a href="/site/list?page=${n + 1}">下一页</a>`));
    }
    if (p === "/site/q") {
      // Every answer links to itself with one more parameter: a query-string loop.
      const keys = [...url.searchParams.keys()];
      return send(html(`<a href="/site/q?${url.searchParams}&k${keys.length}=x">再来</a>`));
    }
    if (p.startsWith("/site/a/")) return send(html(`<a href="a/">更深</a>`));
    if (p === "/site/hang") {
      hanging.push(res.socket!);
      return; // never answers
    }
    if (p === "/site/huge") {
      res.writeHead(200, { "content-type": "text/html" });
      const chunk = `<p>${"大".repeat(10_000)}</p>`;
      let sent = 0;
      const write = () => {
        while (sent < 2000) {
          sent++;
          if (!res.write(chunk)) return void res.once("drain", write);
        }
        res.end();
      };
      res.on("error", () => {});
      return write();
    }
    if (p === "/site/file.pdf") return send("%PDF-1.4", 200, "application/pdf");
    if (p === "/site/loop1") {
      res.writeHead(302, { location: "/site/loop2" });
      return res.end();
    }
    if (p === "/site/loop2") {
      res.writeHead(301, { location: "/site/loop1" });
      return res.end();
    }
    if (p === "/elsewhere/ok") return send("ok", 200, "text/plain");
    send("not found", 404, "text/plain");
  });
  server.on("close", () => hanging.forEach((s) => s.destroy()));
  return server;
}

describe("the bounded crawler", () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = trapSite();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("finishes within its limits on traps, hanging links, huge pages, non-HTML and redirect loops", async () => {
    let progressCalls = 0;
    const report = await crawlSite({
      start: `${base}/site/`,
      // Long enough that a loaded machine's slow answers are not taken for the hanging link.
      timeoutMs: 3000,
      hostDelayMs: 5,
      maxPages: 80,
      maxBytes: 200_000,
      maxShapeVariants: 6,
      maxQueryVariants: 4,
      budgetMs: 20_000,
      onProgress: () => progressCalls++,
    });
    assert.ok(progressCalls > 0);
    assert.equal(report.stoppedBy, null, "stopped by trap detection, not by the page budget");
    const pages = report.pages.map((p) => new URL(p.url).pathname + new URL(p.url).search);
    // The infinite calendar and the endless list are cut at the shape limit.
    assert.ok(pages.filter((p) => p.startsWith("/site/cal/")).length <= 6, pages.join("\n"));
    assert.ok(pages.filter((p) => p.startsWith("/site/list")).length <= 6);
    assert.ok(pages.filter((p) => p.startsWith("/site/q")).length <= 5);
    assert.ok(pages.filter((p) => p.startsWith("/site/a/")).length <= 3, "relative-link loop cut");
    const traps = report.notes.filter((n) => n.kind === "trap");
    assert.ok(traps.length >= 3, JSON.stringify(traps));
    const reason = (path: string) => report.broken.find((b) => new URL(b.url).pathname === path)?.reason;
    assert.match(reason("/site/hang") ?? "", /秒内无响应/);
    assert.match(reason("/site/loop1") ?? "", /重定向循环/);
    assert.equal(reason("/site/missing"), "HTTP 404");
    assert.equal(reason("/elsewhere/ok"), undefined, "same-origin link outside the site checked and fine");
    assert.equal(reason("/site/file.pdf"), undefined);
    assert.ok(report.notes.some((n) => n.kind === "non-html" && n.url.endsWith("/site/file.pdf")));
    const huge = report.pages.find((p) => p.url.endsWith("/site/huge"));
    assert.ok(huge?.truncated, "the huge page is cut off");
    assert.ok((huge?.html?.length ?? Infinity) <= 200_000);
    assert.ok(report.notes.some((n) => n.kind === "too-large"));
  });

  it("stops at the page budget and says so", async () => {
    const report = await crawlSite({ start: `${base}/site/`, timeoutMs: 500, hostDelayMs: 0, maxPages: 3 });
    assert.ok(report.pages.length <= 3);
    assert.match(report.stoppedBy ?? "", /页面上限/);
  });

  it("never asks another host on this machine or a private network for a page's links", async () => {
    // A page of the site links to a service on the platform's own network (another port of this machine).
    let asked = 0;
    const internal = createServer((_req, res) => {
      asked++;
      res.end("ok");
    });
    await new Promise<void>((r) => internal.listen(0, "127.0.0.1", r));
    const port = (internal.address() as AddressInfo).port;
    const site = createServer((req, res) => {
      // A page of the site that forwards to its outside address (as a link article does).
      if (req.url === "/go") {
        res.writeHead(302, { location: `http://localhost:${port}/secret` });
        return res.end();
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        `<!doctype html><title>t</title><a href="http://127.0.0.1:${port}/admin">内网</a>` +
          `<a href="http://localhost:${port}/metrics">本机</a><a href="http://10.1.2.3/x">专网</a>` +
          `<a href="/go">转到</a>`,
      );
    });
    await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
    const start = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    try {
      const report = await crawlSite({ start, timeoutMs: 2000, hostDelayMs: 0, maxPages: 2 });
      assert.equal(asked, 0, "the internal service was never asked");

      const reasons = report.broken.map((b) => `${new URL(b.url).pathname} ${b.reason}`).sort();
      assert.deepEqual(reasons, [
        "/admin 指向内部网络地址，公众无法访问",
        "/go 指向内部网络地址，公众无法访问",
        "/metrics 指向内部网络地址，公众无法访问",
        "/x 指向内部网络地址，公众无法访问",
      ]);
      // The same links with a checker allowed to ask loopback (as tests of outside links do) are fine.
      const allowed = await crawlSite({
        start,
        timeoutMs: 2000,
        hostDelayMs: 0,
        maxPages: 2,
        outsideLinks: new LinkChecker({ allowPrivate: true, timeoutMs: 500 }),
      });
      assert.ok(asked >= 3);
      // The page that forwards off the site says so (it is not a non-HTML page).
      assert.ok(
        allowed.notes.some((n) => n.url.endsWith("/go") && /转到站外地址/.test(n.detail)),
        JSON.stringify(allowed.notes),
      );
      assert.deepEqual(
        allowed.broken.map((b) => new URL(b.url).pathname),
        ["/x"],
        "only the unreachable private address is broken",
      );
      // An off-site redirect is an outside address too: it counts toward the crawl's limit of them.
      const before = asked;
      const capped = await crawlSite({
        start,
        timeoutMs: 2000,
        hostDelayMs: 0,
        maxPages: 2,
        maxExternal: 2,
        outsideLinks: new LinkChecker({ allowPrivate: true, timeoutMs: 500 }),
      });
      assert.ok(asked - before <= 2, `${asked - before} outside requests`);
      assert.ok(
        capped.notes.some((n) => n.kind === "limit"),
        JSON.stringify(capped.notes),
      );
    } finally {
      site.closeAllConnections();
      internal.closeAllConnections();
      await new Promise((r) => site.close(r));
      await new Promise((r) => internal.close(r));
    }
  });

  it("keeps its politeness on every request of an outside link, redirects included", async () => {
    const times: number[] = [];
    const other = createServer((req, res) => {
      times.push(Date.now());
      const hop = Number(/\/hop(\d)/.exec(req.url ?? "")?.[1] ?? 9);
      if (hop < 3) res.writeHead(302, { location: `/hop${hop + 1}` });
      res.end("ok");
    });
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const site = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        `<!doctype html><title>t</title><a href="http://localhost:${(other.address() as AddressInfo).port}/hop0">外</a>`,
      );
    });
    await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
    try {
      const report = await crawlSite({
        start: `http://127.0.0.1:${(site.address() as AddressInfo).port}/`,
        timeoutMs: 2000,
        hostDelayMs: 150,
        maxPages: 1,
        outsideLinks: new LinkChecker({ allowPrivate: true, timeoutMs: 1000 }),
      });
      assert.deepEqual(report.broken, []);
      assert.equal(times.length, 4, "hop0 → hop1 → hop2 → hop3, HEAD each");
      for (let i = 1; i < times.length; i++)
        assert.ok(
          times[i] - times[i - 1] >= 140,
          `request ${i} came ${times[i] - times[i - 1]} ms after the last`,
        );
    } finally {
      site.closeAllConnections();
      other.closeAllConnections();
      await new Promise((r) => site.close(r));
      await new Promise((r) => other.close(r));
    }
  });

  it("follows a home page that moves to another address (http → https, a canonical host)", async () => {
    const site = createServer((req, res) => {
      if (req.headers.host?.startsWith("127.0.0.1")) {
        res.writeHead(301, { location: `http://localhost:${(site.address() as AddressInfo).port}/` });
        return res.end();
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><title>首页</title><a href="/missing">缺失</a>`);
    });
    await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
    try {
      const start = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
      const report = await crawlSite({ start, timeoutMs: 2000, hostDelayMs: 0, maxPages: 2 });
      assert.equal(report.pages.length, 1, JSON.stringify(report));
      assert.match(report.pages[0].html ?? "", /首页/);
    } finally {
      site.closeAllConnections();
      await new Promise((r) => site.close(r));
    }
  });

  it("reads links and URL shapes", () => {
    assert.deepEqual(
      extractLinks(
        `<a href="x?a=1&amp;b=2#f">x</a><img src='/i.png'><a href="javascript:void 0">j</a>`,
        "http://h/d/",
      ),
      ["http://h/d/x?a=1&b=2", "http://h/i.png"],
    );
    assert.equal(
      urlShape(new URL("http://h/cal/2026/12?d=3")),
      urlShape(new URL("http://h/cal/2031/1?d=19")),
    );
  });
});
