import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { LinkChecker } from "./link-status.ts";

describe("outside link checks", () => {
  let server: Server;
  let origin: string;
  let asked = 0;
  before(async () => {
    server = createServer((req, res) => {
      asked++;
      if (req.url === "/gone") return res.writeHead(404).end();
      if (req.url === "/moved") return res.writeHead(301, { location: "/gone" }).end();
      if (req.url?.startsWith("/loop")) return res.writeHead(302, { location: `/loop${asked}` }).end();
      if (req.url === "/slow") return; // never answers
      if (req.method === "HEAD") return res.writeHead(405).end();
      res.writeHead(200, { "content-type": "text/html" }).end("<p>ok</p>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("reports dead pages, follows redirects by hand and takes GET where HEAD is refused", async () => {
    const links = new LinkChecker({ allowPrivate: true, timeoutMs: 500 });
    assert.deepEqual(await links.status(`${origin}/gone`), { status: 404 });
    assert.deepEqual(await links.status(`${origin}/moved`), { status: 404 }, "the page it moved to is gone");
    assert.deepEqual(await links.status(`${origin}/live`), { status: 200 });
    assert.deepEqual(await links.status(`${origin}/loop0`), { error: "重定向超过5次" });
    assert.deepEqual(await links.status(`${origin}/slow`), { error: "0.5秒内无响应" });
    assert.deepEqual(await links.status("http://127.0.0.1:1/closed"), { error: "无法连接" });
    assert.deepEqual(await links.status("ftp://example.invalid/x"), { error: "不是网页地址" });
    const before = asked;
    await links.status(`${origin}/gone`);
    assert.equal(asked, before, "an answer is kept, not asked again");
  });

  it("never asks this machine or a private network, by address or by name", async () => {
    const links = new LinkChecker({ timeoutMs: 500 });
    const before = asked;
    const port = (server.address() as AddressInfo).port;
    for (const url of [
      `${origin}/live`,
      `http://localhost:${port}/live`,
      `http://[::1]:${port}/live`,
      "http://169.254.169.254/latest/meta-data/",
      "http://10.1.2.3/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::7f00:1]/",
      `http://[64:ff9b::a00:5]:${port}/`,
      "http://[2002:7f00:1::]/",
    ])
      assert.deepEqual(await links.status(url), { error: "指向内部网络地址，公众无法访问" }, url);
    assert.equal(asked, before, "no request reached the local server");
  });
});
