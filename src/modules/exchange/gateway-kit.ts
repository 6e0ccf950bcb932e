import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CallAnswer, IncomingCall } from "./service.ts";

/**
 * Shared by every signed hub route (the exchange's queries, other modules' hub resources): bodies are
 * kept as raw bytes, since their Content-Digest is checked against exactly what was sent. Call inside
 * the route plugin (it replaces that plugin's parsers only).
 */
export function acceptRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 2 * 1024 * 1024 }, (_request, body, done) =>
    done(null, body),
  );
}

/** The incoming call as the gateway checks it (the absolute URI the signature covers). */
export function incomingCall(request: FastifyRequest): IncomingCall {
  return {
    method: request.method,
    url: `${request.protocol}://${request.host}${request.url}`,
    headers: request.headers,
    body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
  };
}

/**
 * Sends the hub's signed answer as the exact bytes that were digested and signed (a string is not
 * serialised again), so a route's typed reply is bypassed.
 */
export function sendAnswer(reply: FastifyReply, answer: CallAnswer): FastifyReply {
  const untyped = reply as unknown as {
    status(code: number): { headers(h: object): { send(body: string): void } };
  };
  untyped.status(answer.status).headers(answer.headers).send(answer.body);
  return reply;
}
