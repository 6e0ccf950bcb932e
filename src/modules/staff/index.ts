export { StaffService } from "./service.ts";
export {
  currentStaff,
  guardStaffArea,
  hasRole,
  inSites,
  requireRole,
  sitesWithRole,
  STAFF_COOKIE,
  STAFF_ROLES,
  type StaffContext,
  type StaffPrincipal,
} from "./auth.ts";
export { adminView, consoleRequest, type ConsoleRequest } from "./console-request.ts";
