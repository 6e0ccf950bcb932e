import type { Generated } from "kysely";

/** Tables platform/audit owns. */
export interface AuditTables {
  auditLog: AuditRow;
}

/** One audit record; `hash` chains it to `prevHash`, the previous record's hash. */
export interface AuditRow {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  detail: string; // JSON
  prevHash: string;
  hash: string;
}
