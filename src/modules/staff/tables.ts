import type { Generated } from "kysely";

/** Tables the staff module owns (see src/db/schema.ts for the conventions). */
export interface StaffTables {
  staffUsers: StaffUserRow;
  staffRoles: StaffRoleRow;
}

/** The per-site roles of STAFF_ROLES (platform/auth/staff-auth.ts); operators are a flag on the user. */
export type StaffRole = "site_admin" | "editor" | "reviewer" | "handler" | "data_officer";

export interface StaffUserRow {
  id: Generated<number>;
  username: string;
  displayName: string;
  passwordHash: string;
  isOperator: number;
  totpSecret: string | null;
  failedLogins: Generated<number>;
  lockedUntil: string | null;
  /** The TOTP time step (unix seconds / 30) of the last accepted code; a code is good once. */
  lastTotpStep: number | null;
  disabled: Generated<number>;
  createdAt: string;
}

export interface StaffRoleRow {
  userId: number;
  siteId: number;
  role: StaffRole;
}
