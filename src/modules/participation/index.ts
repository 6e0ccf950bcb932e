export { ParticipationService } from "./service.ts";
export { seedConsultationsAndSurveys } from "./consultations-seed.ts";
