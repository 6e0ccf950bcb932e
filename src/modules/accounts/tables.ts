import type { Generated } from "kysely";

/** Tables the accounts module owns (see src/db/schema.ts for the conventions). */
export interface AccountsTables {
  accounts: AccountRow;
}

export type AccountKind = "person" | "enterprise";
export type AccountProvider = "local" | "oidc";

export interface AccountRow {
  id: Generated<number>;
  kind: AccountKind;
  loginName: string;
  name: string;
  idNumber: string | null;
  creditCode: string | null;
  contactName: string | null;
  phone: string;
  passwordHash: string | null;
  verified: Generated<number>;
  provider: AccountProvider;
  subject: string;
  failedLogins: Generated<number>;
  lockedUntil: string | null;
  disabled: Generated<number>;
  createdAt: string;
}
