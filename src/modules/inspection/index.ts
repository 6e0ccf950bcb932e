export { InspectionService, type InspectionRun, type InspectionOptions, type RunDetail } from "./service.ts";
export { AssessmentService, type SiteAssessment } from "./assessment.ts";
export type { InspectionResult, Countdown } from "./rules.ts";
