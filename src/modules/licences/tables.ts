import type { Generated } from "kysely";

/** Tables the licences module owns (see src/db/schema.ts for the conventions). */
export interface LicencesTables {
  licences: LicenceRow;
  licenceStatusLists: StatusListRow;
  licenceLogLeaves: LogLeafRow;
  licenceLogNodes: LogNodeRow;
  licenceTreeHeads: TreeHeadRow;
  licenceConsents: ConsentRow;
  licenceFetches: FetchRow;
  licenceIssuerGrants: IssuerGrantRow;
}

/** IETF Token Status List values (2 bits): 0 VALID, 1 INVALID (revoked), 2 SUSPENDED. */
export type LicenceStatus = "valid" | "revoked" | "suspended";

export interface LicenceRow {
  id: Generated<number>;
  kind: string;
  holderAccountId: number;
  department: string;
  issuedBy: string;
  statusListId: number;
  statusIdx: number;
  status: LicenceStatus;
  issuedAt: string;
  expiresAt: string | null;
  /** The whole SD-JWT (issuer JWT ~ disclosures ~), sealed at rest. */
  sdJwt: string;
  /** The holder's wallet key (a private JWK) the platform keeps for the web wallet, sealed at rest. */
  holderKey: string;
  /** Base64 RFC 9162 leaf hash of the issuer-signed JWT: the licence's entry in the log. */
  leafHash: string;
  updatedAt: string;
}

/** A status list of `size` 2-bit entries, published as a signed status list token. */
export interface StatusListRow {
  id: Generated<number>;
  size: number;
  bits: number;
  /** Base64 of the raw (uncompressed) status bytes. */
  statuses: string;
  used: number;
  updatedAt: string;
}

export type LogEntryKind = "issuance" | "revocation" | "suspension" | "reinstatement" | "checkpoint";

/** One leaf of the transparency log, at its 0-based index. */
export interface LogLeafRow {
  idx: number;
  kind: LogEntryKind;
  /** The leaf data as text (UTF-8): the issuer-signed JWT, or a JSON statement. */
  entry: string;
  leafHash: string;
  createdAt: string;
}

/** The hash of a complete subtree: leaves [idx·2^level, (idx+1)·2^level). */
export interface LogNodeRow {
  level: number;
  idx: number;
  hash: Buffer;
}

/** A signed tree head, kept for every size published. */
export interface TreeHeadRow {
  treeSize: number;
  rootHash: string;
  timestamp: number;
  signature: string;
}

/** Who a holder lets fetch a licence: a member system of the exchange (by code) or a department (by name). */
export type GranteeKind = "member" | "department";

/** A holder's consent: one licence, one grantee, one purpose, a time window; revocable. */
export interface ConsentRow {
  id: Generated<number>;
  licenceId: number;
  holderAccountId: number;
  granteeKind: GranteeKind;
  /** The member system's code, or the department's name. */
  grantee: string;
  granteeName: string;
  purpose: string;
  /** When set, only calls naming this case (办件编号) are served. */
  caseNo: string | null;
  validFrom: string;
  validUntil: string;
  createdAt: string;
  revokedAt: string | null;
}

/** How a licence reached someone other than its holder. */
export type FetchChannel = "hub" | "hall";

/** One fetch of a licence (served or refused), shown to its holder. */
export interface FetchRow {
  id: Generated<number>;
  licenceId: number;
  holderAccountId: number;
  consentId: number | null;
  member: string;
  memberName: string;
  department: string;
  caseNo: string;
  channel: FetchChannel;
  result: "served" | "refused";
  reason: string;
  at: string;
}

/** A member system allowed to issue one licence kind over the hub. */
export interface IssuerGrantRow {
  id: Generated<number>;
  member: string;
  kind: string;
  grantedBy: string;
  createdAt: string;
  revokedAt: string | null;
}
