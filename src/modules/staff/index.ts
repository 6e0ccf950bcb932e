export { StaffService, type StaffUser } from "./service.ts";
export { type StaffRole } from "./tables.ts";
export {
  currentStaff,
  guardStaffArea,
  hasRole,
  inSites,
  MissingRight,
  requireRight,
  requireRole,
  sitesWithRight,
  sitesWithRole,
  STAFF_COOKIE,
  STAFF_ROLES,
  type StaffContext,
  type StaffDirectory,
  type StaffPrincipal,
} from "./auth.ts";
export { adminView, consoleRequest, type ConsoleRequest } from "./console-request.ts";
export { may, RIGHTS, type ConsoleRight } from "./console-rights.ts";
export { renderConsoleForbidden, staffOfRequest } from "./views/forbidden.tsx";
export {
  WORK_STATE_NAMES,
  type WorkItem,
  type WorkloadSection,
  type WorkloadSource,
  type WorkState,
} from "./workload.ts";
