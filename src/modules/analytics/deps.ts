import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { SessionStore } from "../../platform/auth/session-store.ts";
import type { AssistantService } from "../assistant/index.ts";
import type { OneStopService } from "../onestop/index.ts";
import type { SitesService } from "../sites/index.ts";
import type { StaffService } from "../staff/index.ts";
import type { AnalyticsService } from "./service.ts";

/** What the container gives this module's routes (AppDeps satisfies it). */
export interface AnalyticsDeps {
  analytics: AnalyticsService;
  /** Its unanswered-question queue is the demand desk's "assistant misses". */
  assistant: AssistantService;
  audit: AuditLog;
  /** Its catalogue says which department a guide on the demand desk belongs to (who may improve it). */
  oneStop: OneStopService;
  sessions: SessionStore;
  sites: SitesService;
  staff: StaffService;
}
