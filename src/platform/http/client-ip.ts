import type { IncomingMessage } from "node:http";
import proxyAddr from "@fastify/proxy-addr";

/**
 * The client address of a raw Node request, trusting X-Forwarded-For exactly as Fastify does with
 * the same `trustProxy` setting (a comma-separated list: "loopback", CIDRs, addresses), for code that
 * answers before Fastify (the page-cache fast path).
 */
export function clientIpResolver(trustProxy: string): (req: IncomingMessage) => string {
  const trust = proxyAddr.compile(trustProxy.split(",").map((v) => v.trim()));
  return (req) => proxyAddr(req, trust);
}
