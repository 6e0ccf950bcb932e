/**
 * The reference for HTTP ratios: a bare Fastify app serving fixed bytes from memory, one route per
 * file, with nothing else (no logging, no hooks). Run as its own process:
 *   tsx bench/bare-fastify.ts PORT DIR   (serves DIR/NAME at /NAME; content types from DIR/types.json)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Fastify from "fastify";

const [portArg, dir] = process.argv.slice(2);
if (!portArg || !dir) {
  console.error("usage: tsx bench/bare-fastify.ts PORT DIR");
  process.exit(2);
}
const types = JSON.parse(readFileSync(join(dir, "types.json"), "utf8")) as Record<string, string>;
const app = Fastify({ logger: false });
for (const name of readdirSync(dir)) {
  if (name === "types.json") continue;
  const body = readFileSync(join(dir, name));
  const type = types[name] ?? "application/octet-stream";
  app.get(`/${name}`, (_request, reply) => {
    reply.type(type).send(body);
  });
}
await app.listen({ port: Number(portArg), host: "127.0.0.1" });
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
