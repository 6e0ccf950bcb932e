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
  /** Encrypted at rest (v1:… ciphertext, see migrations/sealed-fields.ts); decrypted on read. */
  idNumber: string | null;
  /** Keyed blind index of the ID number (lookups, one account per person). */
  idNumberIndex: string | null;
  creditCode: string | null;
  contactName: string | null;
  /** Encrypted at rest. A local person's loginName is the phone's blind index ("ph:…"), never the number. */
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
