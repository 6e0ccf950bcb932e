import type { Server } from "node:http";
import type { Socket } from "node:net";

/**
 * Node's server.close() reaps idle keep-alive sockets, but not a socket that was opened and never
 * carried a request (HTTP clients and proxies open spare connections ahead of need). Such a socket
 * holds close() open until its timeout, over a minute. This tracks which sockets are between
 * requests so shutdown can end them at once; sockets with a request in flight finish it first.
 */
export function trackUnusedSockets(server: Server): { closeUnused(): void } {
  const open = new Set<Socket>();
  const serving = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => {
      open.delete(socket);
      serving.delete(socket);
    });
  });
  server.on("request", (request, response) => {
    serving.add(request.socket);
    response.once("close", () => serving.delete(request.socket));
  });
  return {
    closeUnused() {
      for (const socket of open) if (!serving.has(socket)) socket.destroy();
    },
  };
}
