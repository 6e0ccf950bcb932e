import type { FastifyReply, FastifyRequest } from "fastify";
import { timingSafeEqual } from "node:crypto";
import { InputError } from "../http/errors.ts";
import type { Session, SessionStore } from "./session-store.ts";

/** Staff roles, granted per site. The platform operator flag is global. */
export const STAFF_ROLES: Record<string, string> = {
  site_admin: "站点管理员",
  editor: "编辑",
  reviewer: "审核员",
  handler: "承办人",
  data_officer: "数据管理员",
};

export const STAFF_COOKIE = "cy_staff";
export const STAFF_SESSION_SECONDS = 8 * 3600;

export interface StaffPrincipal {
  id: number;
  username: string;
  displayName: string;
  isOperator: boolean;
  roles: { siteId: number; role: string }[];
}

export interface StaffContext {
  staff: StaffPrincipal;
  session: Session;
}

/** Looks up a staff member for a session; the staff module (which owns staff users) implements it. */
export interface StaffDirectory {
  /** The staff member with this id and their roles, or null when unknown or disabled. */
  principal(userId: number): Promise<StaffPrincipal | null>;
}

export interface StaffAuthDeps {
  staff: StaffDirectory;
  sessions: SessionStore;
}

/** The signed-in staff member of this request, or null. */
export async function currentStaff(
  deps: StaffAuthDeps,
  request: FastifyRequest,
): Promise<StaffContext | null> {
  const raw = request.cookies?.[STAFF_COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  const session = await deps.sessions.get(unsigned.value);
  if (!session || session.kind !== "staff" || session.data.pendingTotp) return null;
  const staff = await deps.staff.principal(session.userId);
  return staff ? { session, staff } : null;
}

/** Whether the staff member holds `role` on `siteId` (operators hold every role everywhere). */
export function hasRole(staff: StaffPrincipal, role: string | string[], siteId?: number | null): boolean {
  if (staff.isOperator) return true;
  const wanted = Array.isArray(role) ? role : [role];
  return staff.roles.some((r) => wanted.includes(r.role) && (siteId == null || r.siteId === siteId));
}

/** Site ids on which the staff member holds any of the roles; null means all sites (operator). */
export function sitesWithRole(staff: StaffPrincipal, role: string | string[]): number[] | null {
  if (staff.isOperator) return null;
  const wanted = Array.isArray(role) ? role : [role];
  return [...new Set(staff.roles.filter((r) => wanted.includes(r.role)).map((r) => r.siteId))];
}

/** Whether `siteId` is among the sites `sitesWithRole` allowed (null: every site). */
export function inSites(siteId: number, allowed: number[] | null): boolean {
  return allowed === null || allowed.includes(siteId);
}

/**
 * Requires a signed-in staff member (pages redirect to the login form; APIs answer 401), and for
 * state-changing requests a valid CSRF token in the `_csrf` form field or `x-csrf-token` header.
 */
export async function requireStaff(
  deps: StaffAuthDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<StaffContext | null> {
  const ctx = await currentStaff(deps, request);
  if (!ctx) {
    if (request.url.startsWith("/api/")) throw new InputError("请先登录", {}, 401, "unauthenticated");
    await reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 303);
    return null;
  }
  if (!["GET", "HEAD", "OPTIONS"].includes(request.method)) checkCsrf(ctx.session, request);
  return ctx;
}

export function checkCsrf(session: Session, request: FastifyRequest): void {
  const body = request.body as Record<string, unknown> | undefined;
  const header = request.headers["x-csrf-token"];
  const sent = typeof body?._csrf === "string" ? body._csrf : typeof header === "string" ? header : "";
  const expected = Buffer.from(session.csrf);
  const given = Buffer.from(sent);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InputError("页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试", {}, 403, "csrf");
  }
}

export function requireRole(ctx: StaffContext, role: string | string[], siteId?: number | null): void {
  if (!hasRole(ctx.staff, role, siteId)) throw new InputError("您没有权限进行此操作", {}, 403, "forbidden");
}
