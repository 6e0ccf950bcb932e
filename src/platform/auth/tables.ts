/** Tables platform/auth owns. */
export interface AuthTables {
  sessions: SessionRow;
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
