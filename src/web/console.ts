import type { FastifyReply, FastifyRequest } from "fastify";
import type { VNode } from "preact";
import type { SessionStore } from "../platform/auth/session-store.ts";
import { sendHtml } from "../platform/http/reply.ts";
import { requireStaff, type StaffContext, type StaffDirectory } from "../platform/auth/staff-auth.ts";
import type { AdminContext } from "./admin-layout.tsx";
import { renderDocument } from "./render.ts";

export interface ConsoleRequest {
  auth: StaffContext;
  view: AdminContext;
}

/** Signed-in staff (and, for POSTs, a valid CSRF token) or null after redirecting to the login form. */
export async function consoleAuth(
  deps: { staff: StaffDirectory; sessions: SessionStore },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<ConsoleRequest | null> {
  const auth = await requireStaff({ staff: deps.staff, sessions: deps.sessions }, request, reply);
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

/** A datetime-local value (China time, no zone) as an ISO instant, or null when malformed. */
export function chinaLocalToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const d = new Date(`${value.length === 16 ? `${value}:00` : value}+08:00`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Formats an ISO instant as China time "YYYY-MM-DD HH:MM". */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().slice(0, 16).replace("T", " ");
}
