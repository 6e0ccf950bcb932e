import type { Generated } from "kysely";

/** Tables the registration module owns (see src/db/schema.ts for the conventions). */
export interface RegistrationTables {
  registrationCampaigns: CampaignRow;
  registrationRecords: RecordRow;
  registrationApiKeys: ApiKeyRow;
  registrationKeyUsage: KeyUsageRow;
  registrationAlerts: AlertRow;
  registrationBatches: BatchRow;
  registrationBatchErrors: BatchErrorRow;
  registrationNotices: NoticeRow;
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
  /** The office's site: its staff see the console notice when an area is flagged (null: operators). */
  officeSiteId: number | null;
  /** The office's duty phone, sent an SMS (through the outbox) when an area is flagged. */
  officePhone: string | null;
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

/** queued: stored, waiting to run · running · done · failed: stopped at `nextRow`, resumable by re-upload. */
export type BatchStatus = "queued" | "running" | "done" | "failed";

/** One uploaded file of rows for a campaign (community workers); one per campaign and file content. */
export interface BatchRow {
  id: Generated<number>;
  campaignId: number;
  /** SHA-256 of the file: uploading the same file again continues this batch. */
  sha256: string;
  fileName: string;
  format: "csv" | "xlsx";
  encoding: string;
  status: BatchStatus;
  /** Data rows in the file (0 until it has been read). */
  totalRows: number;
  /** Rows handled so far (accepted or rejected, committed): the next data row index to handle. */
  nextRow: number;
  accepted: number;
  rejected: number;
  /** Why the batch failed or was refused, in Chinese ("" otherwise). */
  message: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** A problem of one row of a batch (row numbers as the spreadsheet shows them, header = 1). */
export interface BatchErrorRow {
  batchId: number;
  rowNo: number;
  field: string;
  message: string;
  /** The cell as given (personal data masked). */
  value: string;
}

/** A console notice for the staff of the office a flagged area reports to. */
export interface NoticeRow {
  id: Generated<number>;
  campaignId: number;
  alertId: number;
  /** The office's site (its staff see it); null: platform operators. */
  siteId: number | null;
  text: string;
  createdAt: string;
}
