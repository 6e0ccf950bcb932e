export { RegistrationService, type Campaign, type Figures, type RegistrationRecord } from "./service.ts";
export { seedRegistration } from "./seed.ts";
