import type { FastifyRequest } from "fastify";
import type { AdminContext } from "../../web/admin-layout.tsx";
import type { StaffContext } from "./auth.ts";
import { consoleNav } from "./console-nav.ts";

/** A staff-area request: who is signed in, and what the console layout shows of it. */
export interface ConsoleRequest {
  auth: StaffContext;
  view: AdminContext;
}

/** The console view of a request inside a staff area (see guardStaffArea). */
export function consoleRequest(request: FastifyRequest): ConsoleRequest {
  const auth = request.staff;
  return { auth, view: adminView(request) };
}

/** The console layout's context for a staff-area request. */
export function adminView(request: FastifyRequest): AdminContext {
  const { staff, session } = request.staff;
  const path = request.url.split("?")[0];
  return { staff, csrf: session.csrf, path, nav: consoleNav(staff, path) };
}
