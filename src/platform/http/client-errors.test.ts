import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { answerClientError } from "./client-errors.ts";

/** Sends raw bytes to a server whose refused requests answerClientError answers; returns the reply. */
async function rawRequest(bytes: Buffer): Promise<string> {
  const server = createServer((_req, res) => res.end("ok"));
  server.on("clientError", answerClientError);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
      const chunks: Buffer[] = [];
      socket.on("data", (c) => chunks.push(c));
      socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
      socket.on("error", reject);
    });
  } finally {
    server.close();
  }
}

describe("requests the HTTP parser refuses", () => {
  it("answer 400 in the platform's error shape, in Chinese, for an unencoded Chinese address", async () => {
    const reply = await rawRequest(Buffer.from("GET /api/search?q=社保 HTTP/1.1\r\nHost: x\r\n\r\n", "utf8"));
    assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4)) as {
      error: { code: string; message: string };
    };
    assert.equal(body.error.code, "bad_request");
    assert.match(body.error.message, /须经过编码/);
  });

  it("answer 431 for headers past the limit", async () => {
    const reply = await rawRequest(
      Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`),
    );
    assert.match(reply, /^HTTP\/1\.1 431 /);
    assert.match(reply, /"too_large"/);
  });
});
