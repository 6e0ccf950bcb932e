import type { Generated } from "kysely";

/** Tables the inspection module owns (see src/db/schema.ts for the conventions). */
export interface InspectionTables {
  inspectionRuns: InspectionRunRow;
  inspectionProbes: InspectionProbeRow;
}

export type InspectionRunStatus = "queued" | "running" | "done" | "failed";

/** One inspection of one site: progress while it runs, the result (JSON) when done. */
export interface InspectionRunRow {
  id: Generated<number>;
  siteId: number;
  status: InspectionRunStatus;
  /** Who asked for it: a staff username, "job" (the daily schedule) or "cli". */
  requestedBy: string;
  /** What it is doing now, in Chinese words for the progress element. */
  phase: string;
  progressDone: number;
  progressTotal: number;
  score: number | null;
  /** 0/1 once done. */
  passed: number | null;
  vetoCount: number | null;
  /** InspectionResult as JSON once done; the error message when failed. */
  result: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One availability probe of a site's home page (≥ 20 a day per site, from the job runner). */
export interface InspectionProbeRow {
  id: Generated<number>;
  siteId: number;
  at: string;
  /** 1 when the home page answered 2xx/3xx within 15 s. */
  ok: number;
  /** Milliseconds to the answer (the timeout when none came). */
  ms: number;
  /** HTTP status, or null for no answer. */
  status: number | null;
}
