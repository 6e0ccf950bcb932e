import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import proxyAddr from "@fastify/proxy-addr";

/**
 * The client address of a raw Node request, trusting X-Forwarded-For exactly as Fastify does with
 * the same `trustProxy` setting (a comma-separated list: "loopback", CIDRs, addresses), for code that
 * answers before Fastify (the page-cache fast path, where it runs for every counted page view).
 *
 * The common case is answered without parsing addresses per request: whether the connection's peer
 * is a trusted proxy is decided once per socket, and a single X-Forwarded-For entry behind a trusted
 * peer is the client (what proxy-addr returns too: the last untrusted address, or the first one when
 * all are trusted). Anything else goes through proxy-addr.
 */
export function clientIpResolver(trustProxy: string): (req: IncomingMessage) => string {
  const trust = proxyAddr.compile(trustProxy.split(",").map((v) => v.trim()));
  const trustedPeer = new WeakMap<Socket, boolean>();
  return (req) => {
    const socket = req.socket;
    const peer = socket.remoteAddress;
    const forwarded = req.headers["x-forwarded-for"];
    if (peer === undefined || forwarded === undefined) return proxyAddr(req, trust);
    if (typeof forwarded !== "string" || forwarded.includes(",")) return proxyAddr(req, trust);
    let trusted = trustedPeer.get(socket);
    if (trusted === undefined) {
      trusted = trust(peer, 0);
      trustedPeer.set(socket, trusted);
    }
    if (!trusted) return peer;
    const client = forwarded.trim();
    return client || proxyAddr(req, trust);
  };
}
