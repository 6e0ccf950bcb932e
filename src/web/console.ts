import type { FastifyReply, FastifyRequest } from "fastify";
import type { VNode } from "preact";
import { formText, type FormValues } from "../platform/http/form-input.ts";
import { sendHtml } from "../platform/http/reply.ts";
import { renderDocument } from "./render.ts";

/** Sends a console page (never cached); answers with the route's own reply type. */
export function sendPage<R extends FastifyReply>(reply: R, page: VNode, status = 200): R {
  reply.header("cache-control", "no-store");
  sendHtml(reply.status(status), renderDocument(page));
  return reply;
}

/**
 * @deprecated Read a form through the route's typed body (`schema: { body: FormBody }`) or the one
 * form reader, with formText/formIds from platform/http/form-input.ts. Kept only until the last
 * caller outside the content, sites and staff modules moves over.
 */
export function formOf(request: FastifyRequest): FormValues {
  const body = request.body;
  return body && typeof body === "object" ? (body as FormValues) : {};
}

/** @deprecated Use formText from platform/http/form-input.ts. */
export const text = formText;

export function clientIp(request: FastifyRequest): string {
  return request.ip ?? "";
}
