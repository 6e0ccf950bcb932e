import type { Generated } from "kysely";

/** Tables platform/phone owns: one-time codes and the SMS outbox. */
export interface PhoneTables {
  phoneCodes: PhoneCodeRow;
  smsOutbox: SmsOutboxRow;
}

export interface PhoneCodeRow {
  id: Generated<number>;
  /** PhoneVerifier.phoneKey of the phone (a keyed hash), never the number. */
  phone: string;
  purpose: string;
  codeHash: string;
  ipHash: string;
  attempts: number;
  usedAt: string | null;
  expiresAt: string;
  createdAt: string;
}

export interface SmsOutboxRow {
  id: Generated<number>;
  /** Encrypted at rest (decrypted on read). */
  phone: string;
  /** Keyed blind index of the phone. */
  phoneIndex: string | null;
  body: string;
  createdAt: string;
  sentAt: string | null;
}
