export { StaffService, type StaffUser } from "./service.ts";
export { type StaffRole } from "./tables.ts";
