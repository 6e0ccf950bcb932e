import type { Generated } from "kysely";

/** Tables the mailbox module owns (see src/db/schema.ts for the conventions). */
export interface MailboxTables {
  letters: LetterRow;
  letterAttachments: LetterAttachmentRow;
  letterEvents: LetterEventRow;
  letterRules: LetterRuleRow;
  letterDrafts: LetterDraftRow;
  open311Keys: Open311KeyRow;
}

export type LetterKind = "consult" | "complaint" | "suggestion" | "help" | "other";
export type LetterStatus =
  "submitted" | "screened" | "assigned" | "answered" | "reviewed" | "published" | "invalid";
export type LetterRating = "satisfied" | "basic" | "unsatisfied";
export type LetterSource = "web" | "open311" | "assistant" | "seed";

export interface LetterRow {
  id: Generated<number>;
  queryNo: string;
  lookupHash: string;
  siteId: number;
  addresseeKind: "leader" | "department";
  addresseeSiteId: number;
  kind: LetterKind;
  subject: string;
  content: string;
  name: string;
  /** phone, email and address are encrypted at rest (decrypted on read). */
  phone: string;
  /** Keyed blind index of the phone (the per-phone daily limit). */
  phoneIndex: string | null;
  email: string;
  address: string;
  publishConsent: number;
  status: LetterStatus;
  flags: string;
  simhash: string;
  duplicateOfId: number | null;
  similarity: number | null;
  ownerSiteId: number | null;
  transferToSiteId: number | null;
  transferReason: string | null;
  transferCount: number;
  limitDays: number;
  extendedDays: number;
  extensionReason: string | null;
  dueAt: string;
  warnedAt: string | null;
  escalatedAt: string | null;
  escalationNote: string | null;
  answer: string | null;
  answeredAt: string | null;
  answeredBy: number | null;
  repliedAt: string | null;
  reviewedBy: number | null;
  publicSubject: string | null;
  publicContent: string | null;
  publicAnswer: string | null;
  publishedAt: string | null;
  rating: LetterRating | null;
  solved: number | null;
  ratingNote: string | null;
  ratedAt: string | null;
  reopenCount: number;
  invalidReason: string | null;
  ipHash: string;
  source: LetterSource;
  /** Open311 location (WGS-84 degrees, address_string, address_id, postal code); null from the web form. */
  lat: number | null;
  long: number | null;
  location: string | null;
  addressId: string | null;
  zipcode: string | null;
  /** The citizen account the letter was written from (signed in), listed on its 我的 page; else null. */
  accountId: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface LetterAttachmentRow {
  id: Generated<number>;
  letterId: number;
  fileName: string;
  mime: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface LetterEventRow {
  id: Generated<number>;
  letterId: number;
  at: string;
  actor: string;
  action: string;
  /** The letter's status after the event. */
  status: LetterStatus;
  note: string;
  public: number;
}

export interface LetterRuleRow {
  id: Generated<number>;
  keyword: string;
  targetSiteId: number;
  createdAt: string;
}

export interface LetterDraftRow {
  token: string;
  siteId: number;
  shownCount: number;
  firstShownAt: string | null;
  filedAt: string | null;
  createdAt: string;
}

export interface Open311KeyRow {
  id: Generated<number>;
  name: string;
  keyHash: string;
  siteId: number;
  createdAt: string;
  revokedAt: string | null;
}
