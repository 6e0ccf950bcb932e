import type { FastifyInstance } from "fastify";
import { PIN_COOKIE, type ReplicaRouter } from "../db/replica.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * A read-heavy public page that may read from the PostgreSQL read replica (see ReplicaRouter).
     * Never set it on a route that shows a visitor's own data or the staff console.
     */
    readReplica?: boolean;
  }
}

/**
 * Decides per request whether its reads may use the replica, and marks a visitor who just wrote
 * so their next reads wait for the replica to have replayed the write (read-your-own-writes).
 */
export function registerReadReplica(
  app: FastifyInstance,
  router: ReplicaRouter | null,
  secureCookies: boolean,
): void {
  if (!router) return;
  const maxAgeSeconds = Math.ceil(router.maxLagMs / 1000);
  const cookiePattern = new RegExp(`(?:^|;\\s*)${PIN_COOKIE}=(\\d{1,15})(?:;|$)`);
  // A callback hook, so that everything after it (later hooks, the handler, onSend) runs inside
  // the routing context it opens.
  app.addHook("onRequest", (request, _reply, done) => {
    const eligible =
      (request.method === "GET" || request.method === "HEAD") &&
      request.routeOptions.config?.readReplica === true;
    let lastWrite = 0;
    if (eligible) {
      const value = cookiePattern.exec(request.headers.cookie ?? "")?.[1];
      lastWrite = value ? Number(value) : 0;
    }
    router.run(eligible && router.usable(lastWrite), done);
  });
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (router.context()?.wrote) {
      // Sent after the request's commits: this visitor's reads wait until the replica is fresh past now.
      reply.header(
        "set-cookie",
        `${PIN_COOKIE}=${Date.now()}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secureCookies ? "; Secure" : ""}`,
      );
    }
    done(null, payload);
  });
}
