import type { FastifyInstance, FastifyRequest } from "fastify";
import { Forbidden, Unauthenticated } from "../../platform/http/errors.ts";
import type { Session, SessionStore } from "../../platform/auth/session-store.ts";
import { checkRequestCsrf } from "../../platform/auth/csrf.ts";
import { navEntryFor } from "./console-nav.ts";
import { may, type ConsoleRight } from "./console-rights.ts";

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
  /** Display names by how records name staff members (their login, or `staff:ID`). */
  displayNames(actors: string[]): Promise<Map<string, string>>;
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
export function hasRole(
  staff: StaffPrincipal,
  role: string | readonly string[],
  siteId?: number | null,
): boolean {
  if (staff.isOperator) return true;
  const wanted: readonly string[] = typeof role === "string" ? [role] : role;
  return staff.roles.some((r) => wanted.includes(r.role) && (siteId == null || r.siteId === siteId));
}

/** Site ids on which the staff member holds any of the roles; null means all sites (operator). */
export function sitesWithRole(staff: StaffPrincipal, role: string | readonly string[]): number[] | null {
  if (staff.isOperator) return null;
  const wanted: readonly string[] = typeof role === "string" ? [role] : role;
  return [...new Set(staff.roles.filter((r) => wanted.includes(r.role)).map((r) => r.siteId))];
}

/** Whether `siteId` is among the sites `sitesWithRole` allowed (null: every site). */
export function inSites(siteId: number, allowed: number[] | null): boolean {
  return allowed === null || allowed.includes(siteId);
}

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in staff member; set by guardStaffArea's preHandler for every route of the area. */
    staff: StaffContext;
  }
}

/**
 * Makes every route of this (encapsulated) plugin a staff-area route: a preHandler resolves the
 * signed-in staff member once (pages redirect to the login form, APIs answer 401), checks the CSRF
 * token of state-changing requests, marks the answer `no-store` and sets `request.staff`.
 */
export function guardStaffArea(app: FastifyInstance, deps: StaffAuthDeps): void {
  if (!app.hasRequestDecorator("staff")) app.decorateRequest("staff", null as unknown as StaffContext);
  if (!app.hasRequestDecorator("csrfPending")) app.decorateRequest("csrfPending", null);
  app.addHook("preHandler", async (request, reply) => {
    reply.header("cache-control", "no-store");
    const ctx = await currentStaff(deps, request);
    if (!ctx) {
      if (request.url.startsWith("/api/")) throw new Unauthenticated("请先登录");
      return reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 303);
    }
    request.staff = ctx;
    checkRequestCsrf(request, ctx.session.csrf);
    const entry = navEntryFor(request.url.split("?")[0]);
    if (entry) requireRight(ctx, entry.right);
  });
}

/** The roles holding a right, in words (their Chinese names). */
export function neededRight(right: ConsoleRight): string {
  if (right.operatorOnly) return "平台运维";
  const names = right.roles.map((r) => STAFF_ROLES[r] ?? r);
  return `${names.join("或")}（任一网站）`;
}

/**
 * A refusal for want of a console right (not of access to one object): the console's 403 page names
 * this right as the requirement.
 */
export class MissingRight extends Forbidden {
  constructor(readonly right: ConsoleRight) {
    super(`您没有使用「${right.name}」的权限：需要${neededRight(right)}角色。`, {}, "missing_right");
  }
}

/** Refuses the request unless the staff member holds the right (on some site). */
export function requireRight(ctx: StaffContext, right: ConsoleRight): void {
  if (!may(ctx.staff, right)) throw new MissingRight(right);
}

/** Site ids on which the staff member holds the right; null means all sites (operators; a right of all staff). */
export function sitesWithRight(staff: StaffPrincipal, right: ConsoleRight): number[] | null {
  if (staff.isOperator) return null;
  if (right.operatorOnly) return [];
  return right.roles.length === 0 ? null : sitesWithRole(staff, right.roles);
}

export function requireRole(
  ctx: StaffContext,
  role: string | readonly string[],
  siteId?: number | null,
): void {
  if (!hasRole(ctx.staff, role, siteId)) throw new Forbidden("您没有权限进行此操作");
}
