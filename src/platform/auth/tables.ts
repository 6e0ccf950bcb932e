import type { Generated } from "kysely";

/** Tables platform/auth owns. */
export interface AuthTables {
  sessions: SessionRow;
  loginAttempts: LoginAttemptRow;
}

/** Failed sign-ins for a submitted name that matches no account (see attempts.ts). */
export interface LoginAttemptRow {
  /** A keyed hash of "<scope>:<normalised name>". */
  key: string;
  failedLogins: Generated<number>;
  lockedUntil: string | null;
}

/** Who a session belongs to: a staff user or a citizen account (their ids are separate sequences). */
export type SessionKind = "staff" | "citizen";

/** A session, keyed by a hash of its cookie token (see tokenId). */
export interface SessionRow {
  id: string;
  userId: number;
  kind: SessionKind;
  csrf: string;
  data: string; // JSON
  createdAt: string;
  expiresAt: string;
}
