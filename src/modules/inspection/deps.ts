import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { SessionStore } from "../../platform/auth/session-store.ts";
import type { SitesService } from "../sites/index.ts";
import type { StaffService } from "../staff/index.ts";
import type { AssessmentService } from "./assessment.ts";
import type { InspectionService } from "./service.ts";

/** What the container gives this module's routes (AppDeps satisfies it). */
export interface InspectionDeps {
  inspection: InspectionService;
  assessment: AssessmentService;
  audit: AuditLog;
  sessions: SessionStore;
  sites: SitesService;
  staff: StaffService;
}
