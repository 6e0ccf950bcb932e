import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { browserChecks } from "./page-checks.ts";

const CHROMIUM = "/usr/bin/chromium";

describe("the browser checks", () => {
  it(
    "never let a checked page reach another address (an image, frame or script request to the platform's network)",
    {
      skip: !existsSync(CHROMIUM)
        ? `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`
        : false,
    },
    async () => {
      const asked: string[] = [];
      const internal = createServer((req, res) => {
        asked.push(req.url ?? "");
        res.end("ok");
      });
      await new Promise<void>((r) => internal.listen(0, "127.0.0.1", r));
      const port = (internal.address() as AddressInfo).port;
      const site = createServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(
          `<!doctype html><html lang="zh"><head><title>t</title></head><body><main><h1>页面</h1>` +
            `<img src="http://127.0.0.1:${port}/img" alt="图">` +
            `<iframe title="框" src="http://localhost:${port}/iframe"></iframe>` +
            `<script>fetch("http://127.0.0.1:${port}/fetch", { mode: "no-cors" }).catch(() => {});</script>` +
            `</main></body></html>`,
        );
      });
      await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
      try {
        const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
        const found = await browserChecks([url], CHROMIUM, { userAgent: "test" });
        assert.equal(found.notChecked, null);
        assert.ok(found.pages >= 1, "the page itself was checked");
        assert.deepEqual(asked, [], "nothing but the site's own address was asked");
      } finally {
        site.closeAllConnections();
        internal.closeAllConnections();
        await new Promise((r) => site.close(r));
        await new Promise((r) => internal.close(r));
      }
    },
  );
});
