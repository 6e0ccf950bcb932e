import type { FastifyReply, FastifyRequest } from "fastify";
import type { VNode } from "preact";
import { sendHtml } from "../platform/http/reply.ts";
import { renderDocument } from "./render.ts";

export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  reply.header("cache-control", "no-store");
  return sendHtml(reply.status(status), renderDocument(page));
}

export type Form = Record<string, unknown>;

export function formOf(request: FastifyRequest): Form {
  const body = request.body;
  return body && typeof body === "object" ? (body as Form) : {};
}

/** A single text field, trimmed to `max` characters (first value when repeated). */
export function text(form: Form, key: string, max = 200): string {
  const v = form[key];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === "string" ? s.slice(0, max) : "";
}

/** Every positive integer given under `key` (repeated checkboxes). */
export function ids(form: Form, key: string): number[] {
  const v = form[key];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return [
    ...new Set(
      list.filter((x): x is string => typeof x === "string" && /^\d{1,9}$/.test(x)).map((x) => Number(x)),
    ),
  ].filter((n) => n > 0);
}

export function clientIp(request: FastifyRequest): string {
  return request.ip ?? "";
}
