import type { FastifyReply, FastifyRequest } from "fastify";
import type { VNode } from "preact";
import { sendHtml } from "../platform/http/reply.ts";
import { renderDocument } from "./render.ts";

/** Sends a console page (never cached); answers with the route's own reply type. */
export function sendPage<R extends FastifyReply>(reply: R, page: VNode, status = 200): R {
  reply.header("cache-control", "no-store");
  sendHtml(reply.status(status), renderDocument(page));
  return reply;
}

export function clientIp(request: FastifyRequest): string {
  return request.ip ?? "";
}
