import type { FastifyReply, FastifyRequest } from "fastify";
import type { VNode } from "preact";
import type { Db } from "../platform/db/database.ts";
import type { SessionStore } from "../platform/auth/session-store.ts";
import { sendHtml } from "../platform/http/reply.ts";
import { requireStaff, type StaffContext } from "../platform/auth/staff-auth.ts";
import type { AdminContext } from "./admin-layout.tsx";
import { renderDocument } from "./render.ts";

export interface ConsoleRequest {
  auth: StaffContext;
  view: AdminContext;
}

/** Signed-in staff (and, for POSTs, a valid CSRF token) or null after redirecting to the login form. */
export async function consoleAuth(
  deps: { store: Db; sessions: SessionStore },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<ConsoleRequest | null> {
  const auth = await requireStaff({ db: deps.store.db, sessions: deps.sessions }, request, reply);
  if (!auth) return null;
  return {
    auth,
    view: { staff: auth.staff, csrf: auth.session.csrf, path: request.url.split("?")[0] },
  };
}

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

/** Where to go after a sign-in: a path on this site only (no //host, no backslashes, no schemes). */
export function safeNext(value: unknown): string {
  if (typeof value !== "string" || value.length > 500) return "/admin";
  // Control characters would let a browser reinterpret the target.
  // eslint-disable-next-line no-control-regex
  if (!value.startsWith("/") || /^\/[/\\]/.test(value) || /[\u0000-\u001f\\]/.test(value)) return "/admin";
  return value;
}

export function clientIp(request: FastifyRequest): string {
  return request.ip ?? "";
}
