import type { Generated } from "kysely";

/** Tables the federation module (跨省通办) owns (see src/db/schema.ts for the conventions). */
export interface FederationTables {
  federationPeers: PeerRow;
  federationOffers: OfferRow;
  federationItems: FederatedItemRow;
  federationApplications: OutboundApplicationRow;
  federationEvents: FederationEventRow;
  federationInbound: InboundLinkRow;
  federationInbox: InboxRow;
  federationOutbox: OutboxRow;
}

export type PeerStatus = "active" | "revoked";

/** A trusted peer platform: its federation id, base URL and public key (imported from its metadata). */
export interface PeerRow {
  id: Generated<number>;
  code: string;
  name: string;
  baseUrl: string;
  keyId: string;
  /** JSON public JWK (Ed25519). */
  publicJwk: string;
  status: PeerStatus;
  importedAt: string;
  updatedAt: string;
}

/** A service item of this platform offered to peers as 跨省通办. */
export interface OfferRow {
  id: Generated<number>;
  itemCode: string;
  createdAt: string;
}

/** A peer's item offered on this platform's hall: guide and form pulled from the owner, kept in sync. */
export interface FederatedItemRow {
  id: Generated<number>;
  peerCode: string;
  itemCode: string;
  name: string;
  department: string;
  /** JSON: the owner's guide (办事指南). */
  guide: string;
  /** JSON FormSchema: the owner's current form. */
  form: string;
  formVersion: number;
  syncedAt: string;
}

export type OutboundStatus = "forwarding" | "submitted" | "refused" | "cancelled";

/** An application filed here for a peer's item (B's side): forwarded, then followed. */
export interface OutboundApplicationRow {
  id: Generated<number>;
  number: string;
  /** The form page's hidden key: a double post files one application. */
  formKey: string;
  accountId: number;
  peerCode: string;
  itemCode: string;
  itemName: string;
  /** Sealed JSON of the form answers. */
  data: string;
  status: OutboundStatus;
  /** The owner's tracking number once it accepted the application. */
  remoteNo: string | null;
  remoteStatus: string | null;
  remoteStatusLabel: string | null;
  lastSeq: number;
  /** JSON {message, fields} when the owner refused the form. */
  refusal: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A status change of a forwarded application, as the owner reported it (one per sequence number). */
export interface FederationEventRow {
  id: Generated<number>;
  applicationId: number;
  seq: number;
  action: string;
  label: string;
  status: string;
  note: string | null;
  at: string;
}

/** An application received from a peer (A's side): the local application and where it came from. */
export interface InboundLinkRow {
  id: Generated<number>;
  applicationId: number;
  peerCode: string;
  originNo: string;
  /** How many of the application's events were already reported back. */
  sentEvents: number;
  createdAt: string;
}

/** Every message received, once per (peer, idempotency key): a retry gets the first answer again. */
export interface InboxRow {
  id: Generated<number>;
  peerCode: string;
  idempotencyKey: string;
  kind: string;
  state: "processing" | "done";
  status: number;
  answer: string;
  receivedAt: string;
}

export type OutboxStatus = "pending" | "delivered" | "refused" | "cancelled";

/** Durable outbox: each message is retried with exponential backoff until delivered, refused or cancelled. */
export interface OutboxRow {
  id: Generated<number>;
  peerCode: string;
  kind: string;
  idempotencyKey: string;
  purposeCase: string;
  /** Sealed JSON payload (it may hold personal data and materials). */
  payload: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}
