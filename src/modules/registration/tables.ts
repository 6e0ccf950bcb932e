import type { Generated } from "kysely";

/** Tables the registration module owns (see src/db/schema.ts for the conventions). */
export interface RegistrationTables {
  registrationCampaigns: CampaignRow;
  registrationRecords: RecordRow;
  registrationApiKeys: ApiKeyRow;
  registrationKeyUsage: KeyUsageRow;
  registrationAlerts: AlertRow;
}

/** Who may submit: anyone, real-name verified citizens, or partner systems with an API key only. */
export type Audience = "anyone" | "verified" | "partners";
/** One record per ID number per (China) day, a later one replacing the earlier; or every submission kept. */
export type DedupRule = "per_id_per_day" | "none";
export type Channel = "web" | "api" | "partner" | "upload";

export interface CampaignRow {
  id: Generated<number>;
  code: string;
  title: string;
  summary: string;
  /** JSON FormSchema of the campaign's own questions (the service hall's form engine). */
  form: string;
  audience: Audience;
  dedup: DedupRule;
  retentionDays: number;
  opensAt: string;
  closesAt: string | null;
  /** JSON Threshold[]: when an area is flagged as elevated risk. */
  thresholds: string;
  /** The office notified when an area is flagged. */
  office: string;
  createdAt: string;
  updatedAt: string;
}

export interface RecordRow {
  /** Public record id (also the receipt's subject), chosen before the write so a batch can answer. */
  id: string;
  campaignId: number;
  /** China date (YYYY-MM-DD) of the submission: the dedup and partition key. */
  day: string;
  /** Blind index of the ID number (HMAC): dedup and lookups without the clear number. */
  idIndex: string;
  /** Sealed (AES-GCM) personal data; decrypted on read. */
  personName: string;
  idNumber: string;
  phone: string;
  district: string;
  /** JSON answers per the campaign's form. */
  answers: string;
  receipt: string;
  channel: Channel;
  submittedAt: string;
  /** How many later same-day submissions replaced this record's content. */
  revisions: number;
}

export interface ApiKeyRow {
  id: Generated<number>;
  campaignId: number;
  name: string;
  /** SHA-256 of the key; the key itself is shown once. */
  keyHash: string;
  dailyQuota: number;
  createdAt: string;
  revokedAt: string | null;
}

export interface KeyUsageRow {
  keyId: number;
  day: string;
  calls: number;
}

/** An area flagged as elevated risk for a campaign on a day (once), and the office told. */
export interface AlertRow {
  id: Generated<number>;
  campaignId: number;
  district: string;
  day: string;
  reason: string;
  count: number;
  office: string;
  createdAt: string;
}
