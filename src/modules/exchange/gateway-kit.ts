import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CallAnswer, IncomingCall } from "./service.ts";

/**
 * The most a signed hub route reads into memory. A larger body is not kept: the call still reaches the
 * hub's frame, which refuses it with the signed, audited `body_too_large` (never Fastify's own 413).
 */
export const MAX_HUB_BODY_BYTES = 2 * 1024 * 1024;

/** A body over the route's limit: only its size so far is known (the bytes were not kept). */
export class OversizeBody {
  constructor(readonly receivedBytes: number) {}
}

/**
 * Reads a request body up to `limit` bytes. A body declared (Content-Length) or found to be larger is
 * answered as an OversizeBody: nothing past the limit is buffered, and the rest of the stream is drained
 * and dropped so the connection stays usable.
 */
function readBounded(
  payload: NodeJS.ReadableStream,
  declaredLength: string | undefined,
  limit: number,
  done: (error: Error | null, body?: Buffer | OversizeBody) => void,
): void {
  const declared = Number(declaredLength);
  if (Number.isFinite(declared) && declared > limit) {
    payload.resume();
    done(null, new OversizeBody(declared));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (error: Error | null, body?: Buffer | OversizeBody) => {
    if (finished) return;
    finished = true;
    done(error, body);
  };
  payload.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) {
      chunks.push(chunk);
      return;
    }
    // Past the limit: drop what was kept, answer now, and let the rest drain unkept.
    chunks.length = 0;
    finish(null, new OversizeBody(size));
  });
  payload.on("end", () => finish(null, Buffer.concat(chunks, size)));
  payload.on("error", (error) => finish(error));
}

/**
 * Shared by every signed hub route (the exchange's queries, other modules' hub resources): bodies are
 * kept as raw bytes, since their Content-Digest is checked against exactly what was sent. Call inside
 * the route plugin (it replaces that plugin's parsers only). A body over `limit` is not read into memory
 * and comes through as an OversizeBody, which the hub refuses like any other bad call (signed, audited).
 */
export function acceptRawBodies(app: FastifyInstance, limit = MAX_HUB_BODY_BYTES): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (request, payload, done) =>
    readBounded(payload, request.headers["content-length"], limit, done as Parameters<typeof readBounded>[3]),
  );
}

/** The incoming call as the gateway checks it (the absolute URI the signature covers). */
export function incomingCall(request: FastifyRequest): IncomingCall {
  const oversize = request.body instanceof OversizeBody;
  return {
    method: request.method,
    url: `${request.protocol}://${request.host}${request.url}`,
    headers: request.headers,
    body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    ...(oversize ? { oversize: true } : {}),
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
  // After an oversize body the connection closes once answered: its rest would be drained for as long
  // as the client sends (a chunked body has no end), holding the socket.
  const headers =
    reply.request.body instanceof OversizeBody ? { ...answer.headers, connection: "close" } : answer.headers;
  untyped.status(answer.status).headers(headers).send(answer.body);
  return reply;
}
