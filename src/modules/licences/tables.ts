import type { Generated } from "kysely";

/** Tables the licences module owns (see src/db/schema.ts for the conventions). */
export interface LicencesTables {
  licences: LicenceRow;
  licenceStatusLists: StatusListRow;
  licenceLogLeaves: LogLeafRow;
  licenceLogNodes: LogNodeRow;
  licenceTreeHeads: TreeHeadRow;
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
